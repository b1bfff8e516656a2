"""Turn raw inputs (files, HTML pages, feed bytes) into documents ready to store."""

from __future__ import annotations

import calendar
import codecs
import html
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from digests.ingest._clean import clean_feed_text, clean_text, clean_title
from digests.ingest._pages import extract_page, is_stub


class DocumentError(ValueError):
    """The input cannot become an article: a short, user-facing reason."""


@dataclass(frozen=True, slots=True)
class Document:
    """One article's fields before storage; ``published`` is None when no source gave a date."""

    title: str
    text: str
    url: str | None = None
    guid: str | None = None
    published: datetime | None = None
    author: str | None = None


def parse_date(value: str | date | None) -> datetime | None:
    """Parse an ISO date or datetime into an aware UTC datetime (dates become midnight UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=UTC)
    text = str(value).strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(0), tzinfo=UTC)
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _unicode_encoding(raw: bytes) -> str | None:
    """Return the UTF-16/32 (or UTF-8 with BOM) encoding text bytes are in, by their byte order mark or NULs."""
    for bom, enc in _BOMS:  # UTF-32 LE first: its mark begins with UTF-16 LE's
        if raw.startswith(bom):
            return enc
    sample = raw[:4096]
    if len(sample) < 4:
        return None
    # Text in UTF-16 without a mark: ASCII letters leave a NUL in every other byte, on one side only.
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.4 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.4 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _decode(raw: bytes, charset: str | None = None) -> str:
    enc = _unicode_encoding(raw)
    if enc is not None:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            raise DocumentError(f"not valid {enc.upper()} text") from None
    if b"\x00" in raw[:8192]:
        raise DocumentError("binary file, not text")
    for enc in filter(None, (charset, "utf-8")):
        try:
            return raw.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    text = raw.decode("cp1252", errors="replace")
    if text.count("\ufffd") > len(text) // 100 + 1:
        raise DocumentError("binary file, not text")
    return text


_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


def document_from_text(raw: str, *, name: str = "", is_html: bool = False, url: str | None = None,
                       now: datetime | None = None) -> Document:
    """Build a document from text, Markdown (with optional front matter) or HTML (dates never after ``now``)."""
    if is_html or re.match(r"\s*(<!doctype html|<html)", raw[:200], re.I):
        return document_from_html(raw, url, now=now)
    meta: dict[str, str] = {}
    m = _FRONT.match(raw)
    if m:
        for line in m.group(1).splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                meta[k.strip().lower()] = v.strip().strip('"')
        raw = raw[m.end():]
    lines = [ln for ln in raw.replace("\r\n", "\n").split("\n")]
    title = meta.get("title", "")
    whole = lines
    if not title:
        for i, ln in enumerate(lines):
            if ln.strip():
                title = ln
                lines = lines[i + 1:]
                break
    text = clean_text("\n".join(lines))
    if not text.strip() and not meta.get("title"):
        # A one-paragraph brief: the paragraph is the text, and its first sentence the title.
        text = clean_text("\n".join(whole))
        title = first_sentence(text)
    title = clean_title(title) or clean_title(Path(name).stem.replace("-", " ").replace("_", " "))
    if not text.strip():
        raise DocumentError("no article text (empty)")
    return Document(title=title, text=text, url=meta.get("url") or url, published=parse_date(meta.get("published")),
                    author=meta.get("author"))


def first_sentence(text: str, limit: int = 160) -> str:
    """Return the first sentence of ``text`` (cut at a word within ``limit`` characters) as a title."""
    from digests.nlp.sentences import split_sentences

    spans = split_sentences(text[:2000])
    first = " ".join((text[spans[0][0]:spans[0][1]] if spans else text[:2000]).split())
    if len(first) > limit:
        first = first[:limit].rsplit(" ", 1)[0] + "…"
    return first


def document_from_html(page: str, url: str | None = None, *, now: datetime | None = None) -> Document:
    """Extract the main text and metadata (title, author, date) of an HTML page, the same on every call."""
    ex = extract_page(page, url, now=now)
    if not ex.text.strip():
        raise DocumentError("no article text found in the page")
    if is_stub(ex.text, ex.title):
        # A body that is only a date or a few words must not be stored (and counted) as an article.
        raise DocumentError(f"no article text found in the page (only {len(ex.text.split())} words)")
    return Document(title=ex.title or ex.text.split("\n", 1)[0][:120], text=ex.text, url=ex.url,
                    published=ex.published, author=ex.author)


def read_file(path: Path, max_bytes: int) -> Document:
    """Read a text, Markdown or HTML file into a document."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise DocumentError(f"no such file: {path}") from None
    except OSError as exc:
        raise DocumentError(f"cannot read {path}: {exc.strerror}") from None
    if path.is_dir():
        raise DocumentError(f"{path} is a folder, not a file")
    if size == 0:
        raise DocumentError(f"{path.name} is empty")
    if size > max_bytes:
        raise DocumentError(f"{path.name} is too large ({size // 1024} KB, limit {max_bytes // 1024} KB)")
    raw = path.read_bytes()
    try:
        text = _decode(raw)
    except DocumentError as exc:
        raise DocumentError(f"{path.name}: {exc}") from None
    try:
        return document_from_text(text, name=path.name, is_html=path.suffix.lower() in (".html", ".htm"))
    except DocumentError as exc:
        raise DocumentError(f"{path.name}: {exc}") from None


def page_document(body: bytes, charset: str | None, content_type: str, url: str) -> Document:
    """Build a document from a fetched page body."""
    # The declared type is checked first: "not a web page (image/png)" says more than a failed decode.
    if content_type not in ("text/plain", "text/markdown") and content_type and \
            "html" not in content_type and "xml" not in content_type:
        raise DocumentError(f"not a web page ({content_type[:60]})")
    text = _decode(body, charset)
    if content_type in ("text/plain", "text/markdown"):
        return document_from_text(text, url=url)
    return document_from_html(text, url)


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed feed: its title and the entries that became documents, plus per-entry problems."""

    title: str
    documents: list[Document]
    problems: list[str]


def _strip_html(value: str) -> str:
    value = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", value)
    value = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</h\d>", "\n", value)
    value = re.sub(r"<[^>]+>", " ", value)
    return _drop_cdata(html.unescape(value))


# An escaped CDATA section survives tag stripping: an empty one (left where a script was removed) is junk,
# a full one is text that was wrapped twice.
_EMPTY_CDATA = re.compile(r"<!\[CDATA\[\s*\]\]>")
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)


def _drop_cdata(value: str) -> str:
    return _CDATA.sub(lambda m: m.group(1), _EMPTY_CDATA.sub(" ", value))


# A feed date after fetch time plus this slack (a mislabelled time zone is at most 14 h off) is impossible.
FUTURE_SLACK = timedelta(days=1)
# Before this, a feed date is a placeholder (the Unix epoch is the classic one), not a publication date.
EARLIEST_FEED_DATE = datetime(1990, 1, 1, tzinfo=UTC)


def _entry_date(entry: Any, now: datetime) -> tuple[datetime | None, str | None]:
    """Return the entry's first plausible date, and a note when a date it gave was impossible."""
    rejected: datetime | None = None
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        st = entry.get(key)
        if st:
            try:
                dt = datetime.fromtimestamp(calendar.timegm(st), tz=UTC)
            except (OverflowError, ValueError, TypeError):
                continue
            if EARLIEST_FEED_DATE <= dt <= now + FUTURE_SLACK:
                return dt, None
            rejected = rejected or dt
    if rejected is None:
        return None, None
    # Neither the impossible date nor the fetch time is stored as the publication date: null, and said so.
    when = "in the future" if rejected > now else "implausibly old"
    return None, f"its date {rejected:%Y-%m-%d} is {when}; stored without a publication date"


# Start tags of feed entries (RSS <item>, RDF <rss:item>, Atom <entry>), found without parsing the XML.
_ENTRY_TAG = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?(?:item|entry)[\s/>]")


# What the open-element scan steps over: comments, CDATA, processing instructions, declarations; then tags.
_MARKUP = re.compile(rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<![A-Za-z][^>]*>|"
                     rb"<(/?)([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)(?:\s[^>]*?)?(/?)>", re.S)


def _closing_tags(head: bytes) -> bytes:
    """Return the end tags that close every element still open at the end of ``head``, innermost first."""
    stack: list[bytes] = []
    for m in _MARKUP.finditer(head):
        name = m.group(2)
        if name is None or m.group(3):  # not a tag, or a self-closing one
            continue
        if not m.group(1):
            stack.append(name)
        elif name in stack:
            del stack[len(stack) - 1 - stack[::-1].index(name):]
    return b"".join(b"</" + n + b">" for n in reversed(stack))


def _cap_entries(body: bytes, max_entries: int) -> tuple[bytes, int]:
    """Cut ``body`` before its (max_entries+1)-th entry, so parse time and memory stay bounded; return the count.

    feedparser builds every entry of a document (a 100,000-item feed takes minutes); what follows the cut is
    dropped and the elements still open there (channel, rss, feed) are closed, so a well-formed feed stays
    well-formed. Only ASCII-compatible encodings are cut.
    """
    starts = [m.start() for m in _ENTRY_TAG.finditer(body)]
    if len(starts) <= max_entries:
        return body, len(starts)
    head = body[:starts[max_entries]]
    return head + _closing_tags(head), len(starts)


_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._\-]+)""")


def _cp1252_bytes(err: UnicodeError) -> tuple[str, int]:
    assert isinstance(err, UnicodeDecodeError)
    bad = err.object[err.start:err.end]
    # cp1252 leaves five bytes undefined; Latin-1 maps every byte, so nothing is lost.
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in bad), err.end


codecs.register_error("newsbot-cp1252", _cp1252_bytes)


def _repair_utf8(body: bytes) -> bytes:
    """Return a UTF-8 feed with stray Windows-1252 bytes (a mixed-encoding feed) turned into UTF-8.

    Decoding the whole feed as cp1252 would garble every correct UTF-8 character; only invalid bytes are mapped.
    Feeds that declare another encoding, or start with a UTF-16/32 byte order mark, are left to feedparser.
    """
    if body[:2] in (b"\xff\xfe", b"\xfe\xff") or body[:4] in (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00"):
        return body
    m = _DECLARED.match(body.removeprefix(b"\xef\xbb\xbf")[:200])
    if m and m.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        return body
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("utf-8", errors="newsbot-cp1252").encode("utf-8")
    return body


def _web_link(value: Any) -> str | None:
    """Return ``value`` if it is an http(s) link: a javascript: or data: link must never reach a chat post."""
    link = str(value or "").strip()
    if not link.lower().startswith(("http://", "https://")):
        return None
    try:
        parts = urlsplit(link)
        parts.port  # noqa: B018 -- raises ValueError for a port out of range, which would break URL keys later
    except ValueError:
        return None
    if not parts.hostname or any(c.isspace() for c in link):
        return None
    return link


def _plain(entry: Any, key: str) -> str:
    """Return an entry's text field as plain text: HTML is stripped, but plain text keeps its "<" and "&"."""
    value = str(entry.get(key) or "")
    detail = entry.get(f"{key}_detail") or {}
    # A plain-text title such as "Vote <@&123>" is text; stripping it as HTML would eat part of the headline.
    if detail.get("type") == "text/plain":
        return _drop_cdata(value)
    return _strip_html(value)


def _bozo_reason(exc: BaseException | None) -> str:
    text = str(exc or "").strip() or (exc.__class__.__name__ if exc else "parse error")
    return text[:120]


def parse_feed(body: bytes, url: str, *, max_entries: int = 500, now: datetime | None = None) -> ParsedFeed:
    """Parse RSS/Atom bytes into documents; raise DocumentError when it is not a feed at all.

    Entry dates later than ``now`` (plus a day) or before 1990 are impossible: the entry is stored without a
    publication date and a problem says so.
    """
    import feedparser

    now = now or datetime.now(UTC)
    body, total = _cap_entries(_repair_utf8(body), max_entries)
    parsed = feedparser.parse(body, response_headers={"content-location": url})
    entries = parsed.get("entries") or []
    version = parsed.get("version") or ""
    exc = parsed.get("bozo_exception")
    # A missing Content-Type or an overridden charset is not a broken feed: a valid feed with no items is valid.
    broken = bool(parsed.get("bozo")) and not isinstance(
        exc, (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride))
    if broken and not any(e.get("title") or e.get("summary") for e in entries):
        entries = []
    if not entries and (broken or not version):
        reason = f" ({exc.__class__.__name__})" if exc and broken else ""
        raise DocumentError(f"not a valid RSS or Atom feed{reason}")
    docs: list[Document] = []
    problems: list[str] = []
    if broken:
        # Recovered entries are kept (people still want the stories); the problem shows in the feed's health.
        problems.append(f"the feed is not well-formed XML ({_bozo_reason(exc)}); its entries were recovered")
    for entry in entries[:max_entries]:
        title = clean_title(_plain(entry, "title"))
        content = ""
        for c in entry.get("content") or []:
            if c.get("value") and len(c["value"]) > len(content):
                content = c["value"]
        content = content or entry.get("summary") or entry.get("description") or ""
        # The item's own text: page clean-up rules (copyright, subscribe lines) are for web pages, not for it.
        text = clean_feed_text(_strip_html(content))
        link = _web_link(entry.get("link"))
        guid = entry.get("id") or entry.get("link") or None
        if not text.strip() and not title:
            problems.append(f"entry {str(guid or '?')[:100]} has no title and no text")
            continue
        published, note = _entry_date(entry, now)
        if note:
            problems.append(f"entry {str(guid or title)[:100]}: {note}")
        docs.append(Document(title=title or text[:80], text=text or title, url=link, guid=guid,
                             published=published, author=entry.get("author") or None))
    total = max(total, len(entries))
    if total > max_entries:
        # First: it is what the feed's health line shows, and a long feed is not a broken one.
        problems.insert(0, f"the feed has {total} entries; kept the first {max_entries}")
    # The feed's own title is shown in /feeds list: no raw HTML there either.
    feed_title = clean_title(_strip_html(parsed.get("feed", {}).get("title") or ""))
    return ParsedFeed(title=feed_title, documents=docs, problems=problems)
