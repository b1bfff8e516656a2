"""Main text, headline and publication date of a saved or fetched web page, the same on every call.

Extraction is a ladder: a precise trafilatura pass first; when it returns little text for what the page shows,
a recall-oriented pass; then trafilatura's baseline extractor. Each pass gets its own duplicate memory, so what
one page yields never depends on the pages read before it (trafilatura's default memory is process-wide).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from digests.ingest._clean import clean_text, clean_title

# A pass "returns little" when it keeps under this share of the page's visible text, or under MIN_CHARS.
LITTLE_SHARE = 0.15
MIN_CHARS = 500
# A later rung replaces the text only when it gives this many times more: a few extra lines are usually menus.
GAIN = 1.5
# The structured-data body replaces a text that is not little only when it is not already inside it: when the
# precise pass's text is (almost) all within articleBody, that pass found the story and chose its paragraphs,
# and what articleBody adds is mostly furniture that sites put in it (related links, author boxes, comments).
COVERED = 0.5
# The balanced pass may carry on past where the precise one stopped (a reference list, an address box): a tail
# of at most this share of the text is kept when the balanced pass agrees on everything before it.
TAIL_SHARE = 0.1
# Word n-grams that compare two texts for containment.
_SHINGLE = 4
# A body under this many words (once dates and the title are taken out) is a stub, not an article.
STUB_WORDS = 12
# trafilatura's duplicate memory per pass: large enough for any one page.
_DEDUP_SIZE = 4096
# A publication date after the fetch plus this slack (time zones) is impossible.
FUTURE_SLACK = timedelta(days=1)
EARLIEST_DATE = datetime(1990, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class PageExtract:
    """What one page gave: cleaned text, headline, date, author, canonical URL, and the ladder step used."""

    text: str
    title: str
    published: datetime | None
    author: str | None
    url: str | None
    step: str


_HIDDEN = frozenset({"script", "style", "noscript", "template", "head", "svg"})


def visible_chars(tree: Any) -> int:
    """Return how many non-space characters the page shows outside scripts, styles and the head."""
    total = 0
    stack = [tree]
    while stack:
        el = stack.pop()
        if not isinstance(el.tag, str) or el.tag in _HIDDEN:
            continue
        total += len("".join((el.text or "").split()))
        for child in el:
            # A child's tail is text of this (visible) element, even when the child itself is hidden.
            total += len("".join((child.tail or "").split()))
            stack.append(child)
    return total


# Inline elements: inside a sentence they carry words of it (a link, an emphasis), never a block of furniture.
_INLINE = ("a", "span", "em", "strong", "b", "i", "u", "small", "mark", "abbr", "cite", "font", "time", "q", "sup",
           "sub", "s", "del", "ins", "bdi", "var", "dfn")
_HIDING = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_WORDY = re.compile(r"[^\W\d_]{2}")


def _text_before(el: Any) -> str:
    prev = el.getprevious()
    if prev is not None:
        return (prev.tail or "") or (prev.text_content() if isinstance(prev.tag, str) else "")
    parent = el.getparent()
    return (parent.text or "") if parent is not None else ""


def _text_after(el: Any) -> str:
    if el.tail and el.tail.strip():
        return el.tail
    nxt = el.getnext()
    return nxt.text_content() if nxt is not None and isinstance(nxt.tag, str) else ""


def keep_inline_text(tree: Any) -> int:
    """Free inline elements inside running text of the class, id and style that extraction rules target.

    An extractor's rules for page furniture match class names ("link", "bottom", "share", "author") and styles;
    on a link or span in the middle of a sentence they cut words out of it ("has reported that for his role").
    A hidden element stays as it is. Return how many elements were changed.
    """
    changed = 0
    for el in tree.iter(*_INLINE):
        attrs = el.attrib
        if not any(k in attrs for k in ("class", "id", "style")):
            continue
        if attrs.get("hidden") is not None or attrs.get("aria-hidden") == "true" or _HIDING.search(attrs.get("style", "")):
            continue
        if _WORDY.search(_text_before(el)[-40:]) and _WORDY.search(_text_after(el)[:40]):
            for k in ("class", "id", "style"):
                attrs.pop(k, None)
            changed += 1
    return changed


# Only headings: a paragraph that is one link is often the post's own point ("Click through: <link>").
_TEASER_BLOCKS = ("h2", "h3", "h4", "h5", "h6")
_TERMINAL = re.compile(r"""[.!?:;…]['"’”)\]]*$""")
# A teaser headline is short: a heading-length line, not a paragraph that happens to be one link.
TEASER_WORDS = 20


def drop_link_headlines(tree: Any, title: str = "", url: str | None = None) -> int:
    """Remove headings that are nothing but one link to another page (teaser headlines inside the article).

    Pages set links to other stories as headlines between the paragraphs of an article ("Tsai says Beijing must
    face reality"); extracted without their links they read as the article's own words. A link to the page
    itself or that repeats its headline (a blog post's title) stays. Return how many went.
    """
    gone = []
    own = _key(title)
    path = urlsplit(url).path.rstrip("/") if url else ""
    for el in tree.iter(*_TEASER_BLOCKS):
        links = el.findall(".//a")
        if len(links) != 1:
            continue
        href = (links[0].get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        words = " ".join(el.text_content().split())
        if not words or " ".join(links[0].text_content().split()) != words:
            continue
        if len(words.split()) > TEASER_WORDS or _TERMINAL.search(words):
            continue
        key = _key(words)
        if own and (key in own or own in key) or path and urlsplit(href).path.rstrip("/") == path:
            continue
        gone.append(el)
    for el in gone:
        parent = el.getparent()
        if parent is not None:
            # The tail is text of the parent that only followed the teaser: it stays.
            tail = el.tail
            prev = el.getprevious()
            if tail:
                if prev is not None:
                    prev.tail = (prev.tail or "") + tail
                else:
                    parent.text = (parent.text or "") + tail
            parent.remove(el)
    return len(gone)


def _pass(page: str | Any, url: str | None, focus: str, *, fast: bool = False) -> str:
    import trafilatura
    from trafilatura.deduplication import LRUCache

    # A fresh LRUCache per call: trafilatura's shared one would drop paragraphs and whole pages seen earlier.
    # A parsed page is copied: extraction prunes the tree it is given.
    doc = page if isinstance(page, str) else deepcopy(page)
    return trafilatura.extract(doc, url=url, include_comments=False, include_tables=True,
                               favor_precision=focus == "precision", favor_recall=focus == "recall", fast=fast,
                               deduplicate=LRUCache(maxsize=_DEDUP_SIZE)) or ""


def _baseline(page: str) -> str:
    import trafilatura

    return trafilatura.baseline(page)[1] or ""


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.casefold())
    return {tuple(words[i:i + _SHINGLE]) for i in range(max(len(words) - _SHINGLE + 1, 0))}


def covered_share(text: str, other: str) -> float:
    """Return the share of ``text``'s word 4-grams that ``other`` also contains (1.0 when ``text`` has none)."""
    mine = _shingles(text)
    if not mine:
        return 1.0
    return len(mine & _shingles(other)) / len(mine)


_URLISH = re.compile(r"https?://|www\.", re.I)


def with_tail(precise: str, balanced: str) -> str:
    """Return ``precise`` with the short tail that ``balanced`` adds after all of it, when there is one.

    The tail counts only if every paragraph of ``precise`` is in ``balanced`` in the same order (the two passes
    read the same story), it is at most TAIL_SHARE of the text and none of its lines is a bare address.
    """
    mine = precise.split("\n\n")
    other = balanced.split("\n\n")
    pos = 0
    for para in mine:
        try:
            pos = other.index(para, pos) + 1
        except ValueError:
            return precise
    tail = other[pos:]
    if not tail or sum(map(len, tail)) > TAIL_SHARE * len(precise) or any(_URLISH.search(t) for t in tail):
        return precise
    return "\n\n".join([*mine, *tail])


# A paragraph of at least this many words that ends a sentence is a lead: what a reader sees first.
LEAD_WORDS = 12


def keeps_lead(text: str, other: str, title: str = "") -> bool:
    """Return True if ``other`` holds the lead of ``text`` (its first sentence-like paragraph), or ``text`` has none.

    A later rung of the ladder that reads more of a short page may pick a sidebar or a list of other stories
    instead of the article: it may add to the lead the precise pass found, never replace it.
    """
    for para in text.split("\n\n"):
        para = para.strip()
        if para == title.strip() or len(para.split()) < LEAD_WORDS or not _TERMINAL.search(para):
            continue
        return covered_share(para, other) >= COVERED
    return True


def _little(text: str, visible: int) -> bool:
    n = len("".join(text.split()))
    return n < MIN_CHARS or n < LITTLE_SHARE * visible


_DATE_WORDS = re.compile(
    r"\b(?:\d{1,4}(?:st|nd|rd|th)?|jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|mon|tue|wed|thu|fri|sat|sun|\w+day|"
    r"posted|published|updated|on|at|by|am|pm)\b", re.I)


def is_stub(text: str, title: str = "") -> bool:
    """Return True if ``text`` is no article: empty, a date alone, or a few words beside the title."""
    rest = text
    if title:
        rest = rest.replace(title, " ")
    rest = _DATE_WORDS.sub(" ", rest)
    return len(re.findall(r"[^\W\d_]{2,}", rest)) < STUB_WORDS


# ---- title ----------------------------------------------------------------------------------------------------

_SEP = re.compile(r"\s+(?:[|\u2013\u2014\u00b7\u2022»:/-]|::|--)\s*|\s*(?:\||::)\s+")
_DATEISH = re.compile(r"^[\d\s./-]+$|^\d{1,2}\s+\w+\s+\d{4}$|^\w+\s+\d{1,2},?\s+\d{4}$")


def _key(s: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", s).casefold())


def _site_keys(site: str | None, url: str | None) -> list[str]:
    keys = []
    if site:
        keys.append(_key(site))
        keys.append(_key(re.sub(r"\.(com|org|net|co\.uk|de|io)$", "", site.strip(), flags=re.I)))
    host = urlsplit(url).hostname if url else None
    if host:
        parts = [p for p in host.split(".") if p not in ("www", "m", "amp", "blog", "news")]
        if len(parts) >= 2:
            keys.append(_key(parts[-2] if len(parts[-1]) <= 3 and len(parts) >= 2 else parts[-1]))
            keys.append(_key("".join(parts[:-1])))
    return [k for k in dict.fromkeys(keys) if len(k) >= 2]


def _is_site(segment: str, keys: list[str]) -> bool:
    k = _key(segment)
    if not k:
        return True
    if _DATEISH.match(segment.strip()):
        return True
    return any(k == s or len(s) >= 3 and ((k.startswith(s) or k.endswith(s) or s in k and len(s) >= 6) and len(k) <= len(s) + 14)
               or (k in s and len(k) >= 4) for s in keys)


# Separators of breadcrumb titles ("Site » Section » Headline"); dashes and colons also occur inside headlines.
_CRUMB = re.compile(r"\s+(?:[|\u00b7\u2022»/]|::)\s+")


def split_site(title: str, site: str | None = None, url: str | None = None) -> tuple[str, list[str]]:
    """Return ``title`` without its site name or date segments, and the segments cut (what the site calls itself)."""
    title = clean_title(title)
    keys = _site_keys(site, url)
    cut: list[str] = []
    for _ in range(3):
        seps = list(_SEP.finditer(title))
        if not seps:
            break
        last, first = seps[-1], seps[0]
        tail, head = title[last.end():], title[:first.start()]
        if tail and _is_site(tail, keys) and title[:last.start()].strip():
            cut.append(tail.strip())
            title = title[:last.start()].strip()
            crumbs = _CRUMB.split(title) if _CRUMB.fullmatch(last.group(0)) else []
            # "Headline | Section | Site": with the site cut from the end, the headline is the first crumb.
            if len(crumbs) > 1 and last.group(0).strip() in title:
                title = title.split(f" {last.group(0).strip()} ")[0].strip()
        elif head and _is_site(head, keys) and title[first.end():].strip():
            cut.append(head.strip())
            title = title[first.end():].strip()
            # "Site » Section » Headline": with the site cut from the front, the headline is the last crumb.
            if _CRUMB.fullmatch(first.group(0)) and f" {first.group(0).strip()} " in title:
                title = title.rsplit(f" {first.group(0).strip()} ", 1)[-1].strip()
        else:
            break
    return title, cut


def strip_site(title: str, site: str | None = None, url: str | None = None) -> str:
    """Return ``title`` without the site's name or a date before or after a separator (" | Site", "Site - ")."""
    return split_site(title, site, url)[0]


def _headings(tree: Any) -> list[str]:
    out: list[str] = []
    for el in tree.iter("h1"):
        text = clean_title(el.text_content())
        if text and text not in out:
            out.append(text)
    return out


_LD_HEADLINE = re.compile(r'"headline"\s*:\s*"((?:[^"\\]|\\.)*)"')


def ld_headlines(tree: Any) -> list[str]:
    """Return the schema.org "headline" values of the page's JSON-LD blocks, in order."""
    out: list[str] = []
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        for m in _LD_HEADLINE.finditer(script):
            try:
                out.append(json.loads(f'"{m.group(1)}"'))
            except ValueError:
                continue
    return out


def choose_title(tree: Any, meta_title: str, site: str | None, url: str | None) -> str:
    """Return the page's headline: the <h1> that the <title>/og:title repeat, else that title without its site."""
    sources = []
    for t in tree.xpath("//head/title|//meta[@property='og:title']/@content|//meta[@name='twitter:title']/@content"):
        sources.append(t if isinstance(t, str) else (t.text_content() or ""))
    sources += ld_headlines(tree)
    sources = [clean_title(t) for t in sources if t and t.strip()]
    # What the <title> cuts off as the site's name, learned from this page: an <h1> or a title equal to it is
    # the site's banner, not the headline.
    banners = {_key(c) for t in sources for c in split_site(t, site, url)[1]}
    keys = _site_keys(site, url)
    titles = [t for t in [clean_title(meta_title), *sources] if t and _key(t) not in banners]
    h1s = [h for h in _headings(tree) if _key(h) not in keys and _key(h) not in banners and len(h) <= 300]
    tkeys = [_key(t) for t in titles]
    # The visible headline is what readers see; <title> and og:title often add the site or shorten it.
    matching = [h for h in h1s if len(_key(h)) >= 4 and any(_key(h) in k for k in tkeys)]
    if matching:
        return _unglued(max(matching, key=len), sources, site, url)
    base = strip_site(titles[0], site, url) if titles else ""
    if len(h1s) == 1 and len(h1s[0].split()) >= 4:
        return _unglued(h1s[0], sources, site, url)
    return base


def _unglued(h1: str, sources: list[str], site: str | None, url: str | None) -> str:
    # Two metadata sources (og:title, twitter:title, JSON-LD headline, <title>) agreeing on a form that begins or
    # ends the <h1> and is most of it: the <h1> glues a kicker or section label to the headline.
    stripped = [strip_site(t, site, url) for t in sources]
    agreed = Counter(_key(t) for t in stripped)
    hkey = _key(h1)
    for t in stripped:
        k = _key(t)
        if agreed[k] >= 2 and k != hkey and len(k) >= max(4, len(hkey) / 2) and (hkey.startswith(k) or hkey.endswith(k)):
            return t
    return h1


# ---- date -----------------------------------------------------------------------------------------------------

_COPYRIGHT = re.compile(r"(?:©|\(c\)|copyright)\s*(?:(?:19|20)\d{2}\s*[-\u2013]\s*)?((?:19|20)\d{2})"
                        r"|(?:©|\(c\)|copyright)\s*((?:19|20)\d{2})\s*[-\u2013]", re.I)


def _as_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value[:10])
    except ValueError:
        return None
    return dt.replace(tzinfo=UTC)


def copyright_years(text: str) -> list[int]:
    """Return the years of the page's copyright notices ("© 2015-2020" gives 2015 and 2020)."""
    years: list[int] = []
    for m in _COPYRIGHT.finditer(text):
        span = m.group(0)
        years += [int(y) for y in re.findall(r"(?:19|20)\d{2}", span)]
    return years


def plausible_guess(guess: datetime, years: list[int]) -> bool:
    """Return False for a text guess that is the copyright notice itself or older than the site's copyright range."""
    if not years:
        return True
    if (guess.month, guess.day) == (1, 1) and guess.year in years:
        return False
    return guess.year >= min(years)


def choose_date(tree: Any, url: str | None, now: datetime) -> datetime | None:
    """Return a publication date guessed from the page text, never after ``now`` nor before 1990."""
    from htmldate import find_date

    try:
        guess = _as_datetime(find_date(tree, extensive_search=True, url=url, original_date=True,
                                       outputformat="%Y-%m-%d", min_date=EARLIEST_DATE.strftime("%Y-%m-%d"),
                                       max_date=(now + FUTURE_SLACK).strftime("%Y-%m-%d")))
    except (ValueError, TypeError):
        return None
    if guess is None or not plausible_guess(guess, copyright_years(tree.text_content())):
        return None
    return guess


_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_MON = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_SHOWN_DATE = re.compile(
    rf"\b(?:{_MON}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)"
    rf"|(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MON},?\s+((?:19|20)\d\d)"
    r"|((?:19|20)\d\d)-(\d\d)-(\d\d))\b", re.I)
# How far after the headline the byline's date may be printed (characters of page text).
SHOWN_WINDOW = 600


def shown_dates(text: str) -> list[datetime]:
    """Return the unambiguous dates written in ``text`` ("March 3, 2021", "3 March 2021", "2021-03-03"), in order."""
    out = []
    for m in _SHOWN_DATE.finditer(text):
        g = m.groups()
        try:
            if g[2]:
                out.append(datetime(int(g[2]), _MONTHS[g[0].lower()[:3]], int(g[1]), tzinfo=UTC))
            elif g[5]:
                out.append(datetime(int(g[5]), _MONTHS[g[4].lower()[:3]], int(g[3]), tzinfo=UTC))
            else:
                out.append(datetime(int(g[6]), int(g[7]), int(g[8]), tzinfo=UTC))
        except ValueError:
            continue
    return out


def headline_date(tree: Any, title: str, now: datetime) -> datetime | None:
    """Return the first date printed just after the headline in the page body (the byline's date), if any."""
    if not title:
        return None
    body = tree.find(".//body")
    # itertext with a separator: text_content() glues "headline" and "Updated May 4" into one word.
    text = " ".join(" ".join((body if body is not None else tree).itertext()).split())
    pos = text.find(title)
    if pos < 0:
        return None
    for d in shown_dates(text[pos + len(title):pos + len(title) + SHOWN_WINDOW]):
        if EARLIEST_DATE <= d <= now + FUTURE_SLACK:
            return d
    return None


# ---- the ladder -----------------------------------------------------------------------------------------------


def extract_page(page: str, url: str | None = None, *, now: datetime | None = None) -> PageExtract:
    """Extract text, headline and date of one HTML page; ``step`` says which rung of the ladder gave the text."""
    import trafilatura
    from trafilatura.metadata import extract_metadata

    now = now or datetime.now(UTC)
    tree = trafilatura.load_html(page)
    if tree is None:
        return PageExtract("", "", None, None, url, "none")
    meta = extract_metadata(tree, default_url=url, extensive=False,
                            date_config={"original_date": True, "extensive_search": False,
                                         "max_date": (now + FUTURE_SLACK).strftime("%Y-%m-%d")})
    site = meta.sitename if meta else None
    title = choose_title(tree, (meta.title if meta else None) or "", site, url)
    visible = visible_chars(tree)
    step = "precise"
    # The passes read a copy whose inline elements in running text keep their words (see keep_inline_text).
    body = deepcopy(tree)
    keep_inline_text(body)
    drop_link_headlines(body, title, url)
    text = clean_text(_pass(body, url, "precision"))
    if _little(text, visible) or is_stub(text, title):
        recall = clean_text(_pass(body, url, "recall"))
        if len(recall) > GAIN * len(text) and keeps_lead(text, recall, title):
            text, step = recall, "recall"
    else:
        # Only the main extractor: the tail is what it reads past the precise pass, not a fallback's guess.
        text = with_tail(text, clean_text(_pass(body, url, "balanced", fast=True)))
    # A page may carry its whole story as structured data (schema.org articleBody) and show only a teaser.
    little = _little(text, visible) or is_stub(text, title)
    if little or '"articleBody"' in page:
        base = clean_text(_baseline(page))
        if len(base) > GAIN * len(text) and (keeps_lead(text, base, title) if little
                                             else covered_share(text, base) < COVERED):
            text, step = base, "baseline"
    published = _as_datetime(meta.date if meta else None)
    if published is not None and not EARLIEST_DATE <= published <= now + FUTURE_SLACK:
        published = None
    # The date printed by the headline is what the page tells its readers; metadata often keeps the day the
    # draft was created, so a later shown date wins. A date found elsewhere in the text is only a last resort.
    shown = headline_date(tree, title, now)
    if shown is not None and (published is None or shown.date() > published.date()):
        published = shown
    if published is None:
        published = choose_date(tree, url, now)
    author = meta.author if meta else None
    return PageExtract(text, title, published, author, (meta.url if meta else None) or url, step)
