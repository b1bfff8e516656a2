"""Block Kit rendering of command replies, within Slack's limits; pure functions, no network."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.commands import Item, ItemQuote, Reply
from bot.text import fit, marked

MAX_BLOCKS = 50
SECTION_CHARS = 3000
HEADER_CHARS = 150
CONTEXT_CHARS = 3000
BUTTON_VALUE_CHARS = 2000
FALLBACK_CHARS = 3000
# Slack truncates long link labels anyway; short labels keep digest link lists readable.
LINK_LABEL_CHARS = 120
TITLE_CHARS = 500
# Longer URLs are shown as plain labels so one link cannot crowd the body out of a section.
MAX_URL_CHARS = 1000

ACTION_PREV = "newsbot_page_prev"
ACTION_NEXT = "newsbot_page_next"


def escape(text: str) -> str:
    """Escape the three characters Slack mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


ZWSP = "\u200b"
# Slack documents no escape for its formatting marks; a zero-width space beside each one keeps it from pairing
# with another into bold, italic, strike or code, while the text still reads the same.
_MARKS = re.compile(r"([*_~`])")
_EDGE_MARKS = re.compile(r"(?<![A-Za-z0-9])[*_~`]|[*_~`](?![A-Za-z0-9])")
# Bare URLs in feed text stay text because every mrkdwn object the bot sends is ``verbatim`` (Slack then links
# nothing by itself); inside a URL no mark is touched, so a copied URL has no invisible character in it.
_URL = re.compile(r"(?i)\b(?:https?|ftp|mailto|slack)://[^\s<>\"]+")
# The notification text of a message is not a text object and cannot be verbatim: there, a zero-width space
# after the scheme keeps a URL from being linked (it is read in a notification, not copied).
_SCHEME = re.compile(r"(?i)\b(https?|ftp|mailto|slack):(?=//)")


def escape_text(text: str) -> str:
    """Return mrkdwn that Slack shows as the given text in a verbatim text object: nothing is made of it."""
    out, at = [], 0
    for m in _URL.finditer(text):
        out.append(escape(_MARKS.sub(ZWSP + r"\1" + ZWSP, text[at:m.start()])))
        # Inside a URL a mark between two letters or digits ("a_b") can neither open nor close formatting, so it
        # stays as it is; only one at a word's edge (rare in a URL) gets the zero-width spaces.
        out.append(escape(_EDGE_MARKS.sub(lambda x: ZWSP + x.group() + ZWSP, m.group())))
        at = m.end()
    out.append(escape(_MARKS.sub(ZWSP + r"\1" + ZWSP, text[at:])))
    return "".join(out)


def escape_notification(text: str) -> str:
    """Return the top-level (notification) text of a message: escaped, and with no URL Slack would link."""
    return escape_text(_SCHEME.sub(lambda m: m.group(1) + ":" + ZWSP, text))


def link(url: str | None, label: str, limit: int = LINK_LABEL_CHARS) -> str:
    """Return an mrkdwn link to an http(s) URL, or the escaped label alone."""
    label = escape_text(fit(label, limit)) if label else ""
    if not url or not url.lower().startswith(("http://", "https://")):
        return label
    # A "|" or ">" in the URL would end the link early; percent-encoding them keeps the URL equivalent.
    target = escape(url).replace("|", "%7C")
    if len(target) > MAX_URL_CHARS:
        return label or escape_text(fit(url, limit))
    return f"<{target}|{label}>" if label else f"<{target}>"


def page_value(command_line: str, page: int) -> str | None:
    """Encode a page button's value (command line + page), or None when it would exceed Slack's limit."""
    value = json.dumps({"line": command_line, "page": page}, ensure_ascii=False, separators=(",", ":"))
    return value if len(value) <= BUTTON_VALUE_CHARS else None


def parse_page_value(value: str) -> tuple[str, int]:
    """Decode a page button's value into (command line, page); raise ValueError when it is malformed."""
    data = json.loads(value)
    if not isinstance(data, dict) or not isinstance(data.get("line"), str) or not isinstance(data.get("page"), int):
        raise ValueError("not a page button value")
    return data["line"], data["page"]


def _mrkdwn(text: str, limit: int) -> dict[str, Any]:
    # Verbatim: Slack links, mentions and channel names only where the bot wrote them as <…> itself.
    return {"type": "mrkdwn", "text": fit(text, limit), "verbatim": True}


def _section(mrkdwn: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(mrkdwn, SECTION_CHARS)}


def _context(mrkdwn: str) -> dict[str, Any]:
    return {"type": "context", "elements": [_mrkdwn(mrkdwn, CONTEXT_CHARS)]}


QUOTE_CHARS = 1000


def quote_block(quote: ItemQuote) -> dict[str, Any]:
    """Return a key quote as Slack's own block quote (a rich_text quote: plain text, nothing parsed in it)."""
    elements: list[dict[str, Any]] = [{"type": "text", "text": fit(quote.text, QUOTE_CHARS) or "…"}]
    if quote.speaker:
        elements.append({"type": "text", "text": f"\n— {fit(quote.speaker, 200)}"})
    if quote.link and quote.link.lower().startswith(("http://", "https://")) and len(quote.link) <= MAX_URL_CHARS:
        elements += [{"type": "text", "text": " · "}, {"type": "link", "url": quote.link, "text": "source"}]
    return {"type": "rich_text", "elements": [{"type": "rich_text_quote", "elements": elements}]}


def _quote_mrkdwn(quote: ItemQuote) -> str:
    """Return a key quote as an mrkdwn block quote (the bot's own ">" before escaped words)."""
    who = f" — {quote.speaker}" if quote.speaker else ""
    return "\n".join("> " + ln for ln in escape_text(fit(quote.text + who, 500)).splitlines() if ln.strip())


def _fit_escaped(text: str, limit: int) -> str:
    # Cut before escaping would be simpler but "&amp;" grows the text; cut after and never split an entity.
    out = fit(escape_text(text), limit)
    amp = out.rfind("&", max(0, len(out) - 5))
    if amp != -1 and ";" not in out[amp:]:
        out = out[:amp].rstrip() + "…"
    return out


def _item_text(item: Item, *, with_footer: bool, with_quote: bool = True) -> str:
    head = f"*{link(item.url, item.title, TITLE_CHARS) if item.url else escape_text(fit(item.title, TITLE_CHARS))}*"
    tail_parts: list[str] = []
    for name, value in item.fields:
        if value.lower().startswith(("http://", "https://")):
            tail_parts.append(f"• {link(value, name)}")
        else:
            tail_parts.append(f"• *{escape_text(fit(name, 200))}:* {escape_text(fit(value, 500))}")
    if with_footer and item.footer:
        tail_parts.append(f"_{escape_text(fit(item.footer, 500))}_")
    tail = "\n".join(tail_parts)
    quote = _quote_mrkdwn(item.quote) if item.quote and with_quote else ""
    # The body is what gets cut (at a sentence) so the title, quote, links and footer always survive.
    room = SECTION_CHARS - len(head) - len(tail) - len(quote) - 3
    if item.marks and item.body and room > 20:
        # The marked words are the bot's own bold around escaped text; a cut never leaves a mark open.
        body = marked(item.body, item.marks, escape_text, "*", "*")
        if len(body) > room:
            body = _fit_escaped(item.body, room)
    else:
        body = _fit_escaped(item.body, room) if item.body and room > 20 else ""
    return "\n".join(x for x in (head, body, quote, tail) if x)


COMPARE_FIELDS = 10  # a section's fields: Slack sets them in two columns
FIELD_CHARS = 2000


def _compare_block(item: Item) -> dict[str, Any]:
    """Return the wordings of a quote as one section whose fields Slack shows side by side."""
    fields = [{"type": "mrkdwn", "text": fit(f"*{escape_text(fit(label, 200))}*\n{_fit_escaped(text, 1500)}",
                                             FIELD_CHARS)} for label, text in item.compare[:COMPARE_FIELDS]]
    return {"type": "section", "fields": fields}


def _item_blocks(item: Item, compact: bool) -> list[dict[str, Any]]:
    if compact:
        text = _item_text(item, with_footer=True, with_quote=True)
        if item.compare:
            lines = "\n".join(f"• *{escape_text(fit(label, 200))}:* {_fit_escaped(value, 500)}"
                              for label, value in item.compare)
            text = fit(f"{text}\n{lines}", SECTION_CHARS)
        return [_section(text)]
    blocks = [_section(_item_text(item, with_footer=False, with_quote=False))]
    if item.compare:
        blocks.append(_compare_block(item))
    if item.quote:
        blocks.append(quote_block(item.quote))
    if item.footer:
        blocks.append(_context(escape_text(item.footer)))
    return blocks


def _pager(reply: Reply, page: int, command_line: str | None) -> list[dict[str, Any]]:
    if reply.pages <= 1:
        return []
    blocks: list[dict[str, Any]] = [_context(f"Page {page + 1} of {reply.pages} · {len(reply.items)} results")]
    if command_line is None:
        return blocks
    buttons = []
    for action_id, label, target in ((ACTION_PREV, "◀ Previous", page - 1), (ACTION_NEXT, "Next ▶", page + 1)):
        value = page_value(command_line, target)
        if 0 <= target < reply.pages and value is not None:
            buttons.append({"type": "button", "action_id": action_id, "value": value,
                            "text": {"type": "plain_text", "text": label, "emoji": True}})
    if buttons:
        blocks.append({"type": "actions", "block_id": "newsbot_pager", "elements": buttons})
    return blocks


def reply_to_blocks(reply: Reply, page: int | None = None, *, command_line: str | None = None,
                    image_note: str | None = None) -> list[dict[str, Any]]:
    """Render one page of a reply as Block Kit blocks; page buttons appear when ``command_line`` is given."""
    page = reply.at_page(reply.page if page is None else page).page
    title = ("⚠️ " if reply.error else "") + (reply.title or "newsbot")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": fit(title, HEADER_CHARS), "emoji": True}}]
    if reply.text:
        blocks.append(_section(_fit_escaped(reply.text, SECTION_CHARS)))
    if reply.image:
        # The caller says what happens to the picture (uploaded next, or not); the blocks never carry it.
        blocks.append(_context(escape(image_note or "A picture comes with this result; Slack shows the text version.")))
    pager = _pager(reply, page, command_line)
    items = reply.page_items(page)
    room = MAX_BLOCKS - len(blocks) - len(pager)
    # Prefer the roomy layout (section, context, divider per item); fall back to one block per item.
    roomy = [_item_blocks(it, compact=False) + [{"type": "divider"}] for it in items]
    if sum(len(b) for b in roomy) <= room:
        body = [b for group in roomy for b in group][:-1] if roomy else []
    else:
        body = [_item_blocks(it, compact=True)[0] for it in items]
        if len(body) > room:
            hidden = len(body) - (room - 1)
            body = body[:room - 1] + [_context(f"… {hidden} more not shown on this page.")]
    return blocks + body + pager


def fallback_text(reply: Reply) -> str:
    """Return the plain notification text that accompanies the blocks."""
    text = reply.title + (f": {reply.text}" if reply.text else "")
    out = fit(escape_notification(text), FALLBACK_CHARS)
    amp = out.rfind("&", max(0, len(out) - 5))
    return out[:amp].rstrip() + "…" if amp != -1 and ";" not in out[amp:] else out
