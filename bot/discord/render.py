"""Replies as Discord embeds within every documented limit, cut at a sentence with ``bot.text.fit``."""

from __future__ import annotations

import re
from dataclasses import replace

import discord

from bot.commands import Item, ItemQuote, Reply
from bot.text import fit, marked

# Discord's documented limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000
EMBEDS_PER_MESSAGE = 10
CONTENT_MAX = 2000
URL_MAX = 2048  # not a published limit; longer URLs are dropped rather than rejected by the API

COLOUR_OK = discord.Colour(0x3B82F6)
COLOUR_ERROR = discord.Colour(0xDC2626)

# The header gets at most this much of the 6000-character message budget, so the items always have room.
HEADER_SHARE = 1500


# Characters Discord markdown gives a meaning to; a backslash before any of them shows the character itself.
_MARKDOWN = re.compile(r"([\\*_~`|<\[\]])")
# Headings, quotes and lists are markdown only at the start of a line.
_LINE_START = re.compile(r"(?m)^([ \t]*)([#>+-]|\d+\.)")
_EVERYONE = re.compile(r"@(everyone|here)\b", re.I)
# A bare URL in feed text would be turned into a link; an escaped colon ("https\\://") stops that, and Discord
# shows the URL as typed (the backslash is consumed), so a copied URL works. No invisible character is added.
_SCHEME = re.compile(r"(?i)\b(https?|ftp|steam|discord):(?=//)")
ZWSP = "\u200b"


def escape(text: str) -> str:
    """Return text that Discord shows as typed: no markdown, mention, channel, timestamp, emoji or link syntax."""
    text = _MARKDOWN.sub(r"\\\1", text)
    text = _SCHEME.sub(lambda m: m.group(1) + "\\:", text)
    text = _LINE_START.sub(lambda m: m.group(1) + (m.group(2)[:-1] + "\\." if m.group(2).endswith(".")
                                                   else "\\" + m.group(2)), text)
    return _EVERYONE.sub(lambda m: "@" + ZWSP + m.group(1), text)


def block_quote(quote: ItemQuote, limit: int) -> str:
    """Return an (escaped) quote as a Discord block quote: every line behind "> ", the speaker on the last."""
    who = f"— {_fit(quote.speaker, max(1, limit // 3))}" if quote.speaker else ""
    words = _fit(quote.text, max(0, limit - len(who) - 8 - quote.text.count("\n") * 2))
    lines = [ln for ln in words.splitlines() if ln.strip()] + ([who] if who else [])
    return "\n".join("> " + ln for ln in lines) if words else ""


def _fit(text: str, limit: int) -> str:
    out = fit(text, limit)
    if out == text:
        return out
    # A cut must not leave a lone escaping backslash, which would escape the ellipsis or the next markup.
    tail = "…" if out.endswith("…") else ""
    head = out[:len(out) - len(tail)]
    if (len(head) - len(head.rstrip("\\"))) % 2:
        head = head[:-1]
    return head + tail


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://")) and not any(c.isspace() for c in value)


def escaped(reply: Reply) -> Reply:
    """Return a reply whose every text is escaped for Discord (URLs the bot links on purpose stay as they are)."""
    items = tuple(Item(title=escape(it.title), body=marked(it.body, it.marks, escape, "**", "**"), url=it.url,
                       footer=escape(it.footer),
                       fields=tuple((escape(n), v if _is_url(v) else escape(v)) for n, v in it.fields),
                       quote=ItemQuote(escape(it.quote.text), escape(it.quote.speaker), it.quote.link)
                       if it.quote else None,
                       compare=tuple((escape(n), escape(v)) for n, v in it.compare))
                  for it in reply.items)
    return replace(reply, title=escape(reply.title), text=escape(reply.text), items=items)


def _url(url: str | None) -> str | None:
    if url and url.startswith(("http://", "https://")) and len(url) <= URL_MAX:
        return url
    return None


def _size(embed: discord.Embed) -> int:
    return len(embed)


def _header(reply: Reply, page: int, pages: int, budget: int) -> discord.Embed:
    title = _fit(reply.title, min(TITLE_MAX, budget // 4)) or "…"
    footer = f"Page {page + 1}/{pages}" if pages > 1 else ""
    room = budget - len(title) - len(footer)
    desc = _fit(reply.text, max(0, min(DESCRIPTION_MAX, room)))
    embed = discord.Embed(title=title, description=desc or None,
                          colour=COLOUR_ERROR if reply.error else COLOUR_OK)
    if footer:
        embed.set_footer(text=footer)
    return embed


def _item_embed(item: Item, budget: int) -> discord.Embed:
    """Render one item as an embed using at most ``budget`` characters."""
    url = _url(item.url)
    # A title too long for the embed title (a long quote) goes whole into the description instead of being cut.
    long_title = len(item.title) > TITLE_MAX
    title = "" if long_title else item.title
    footer = _fit(item.footer, min(FOOTER_MAX, budget // 5))
    room = max(0, budget - len(title) - len(footer))
    fields: list[tuple[str, str, bool]] = []
    # Wordings side by side (inline fields share a row) take up to a third; the other fields a third more.
    side_room = room // 3 if item.compare else 0
    for name, value in item.compare[:3]:
        n = _fit(name, min(FIELD_NAME_MAX, 80)) or "·"
        v = _fit(value, min(FIELD_VALUE_MAX, max(1, side_room // max(1, len(item.compare[:3])) - len(n)))) or "·"
        if len(n) + len(v) > side_room:
            break
        side_room -= len(n) + len(v)
        fields.append((n, v, True))
    field_room = room // 3  # fields never take more than a third: the body is what people read
    for name, value in item.fields[:FIELDS_MAX - len(fields)]:
        n = _fit(name, min(FIELD_NAME_MAX, 80)) or "·"
        v = _fit(value, min(FIELD_VALUE_MAX, 300)) or "·"
        if len(n) + len(v) > field_room:
            break
        field_room -= len(n) + len(v)
        fields.append((n, v, False))
    room -= sum(len(n) + len(v) for n, v, _ in fields)
    body = f"**{item.title}**\n{item.body}" if long_title else item.body
    if long_title and url:
        title = _fit(item.title, min(TITLE_MAX, max(0, room // 4)))
        room -= len(title)
    room = max(0, min(DESCRIPTION_MAX, room))
    # The key quote is the bot's own markup (a block quote) around escaped words: it keeps its share of the room.
    quote = block_quote(item.quote, min(500, room // 4)) if item.quote else ""
    desc = _fit(body, max(0, room - len(quote) - 1))
    if quote:
        desc = f"{desc}\n{quote}" if desc else quote
    embed = discord.Embed(title=title or None, url=url if title else None, description=desc or None,
                          colour=COLOUR_OK)
    for n, v, inline in fields:
        embed.add_field(name=n, value=v, inline=inline)
    if footer:
        embed.set_footer(text=footer)
    return embed


def _fields_embed(items: tuple[Item, ...], budget: int) -> discord.Embed:
    """Render many items as the fields of one embed (used when they would need more than ten embeds)."""
    embed = discord.Embed(colour=COLOUR_OK)
    shown = items[:FIELDS_MAX]
    per = max(2, budget // max(1, len(shown)))
    for item in shown:
        name = _fit(item.title, min(FIELD_NAME_MAX, max(1, per // 3))) or "·"
        parts = [item.body, block_quote(item.quote, 300) if item.quote else "", item.footer, _url(item.url) or ""]
        value = _fit("\n".join(p for p in parts if p), min(FIELD_VALUE_MAX, max(1, per - len(name)))) or "·"
        embed.add_field(name=name, value=value, inline=False)
    return embed


def reply_to_embeds(reply: Reply, page: int | None = None) -> list[discord.Embed]:
    """Render one page of a reply as embeds that fit one Discord message (10 embeds, 6000 characters)."""
    reply = escaped(reply)
    pages = reply.pages
    p = min(max(reply.page if page is None else page, 0), pages - 1)
    items = reply.page_items(p)
    header_budget = min(HEADER_SHARE, EMBED_TOTAL_MAX) if items else EMBED_TOTAL_MAX - 100
    header = _header(reply, p, pages, header_budget)
    embeds = [header]
    if reply.image and reply.image_name:
        header.set_image(url=f"attachment://{reply.image_name}")
    left = EMBED_TOTAL_MAX - _size(header)
    if not items:
        return embeds
    if len(items) <= EMBEDS_PER_MESSAGE - 1:
        per = left // len(items)
        for item in items:
            embed = _item_embed(item, per)
            left -= _size(embed)
            embeds.append(embed)
    else:
        embeds.append(_fields_embed(items, left))
    return embeds


def error_content(reply: Reply) -> str:
    """Return the short plain-text form of an error reply."""
    return _fit(escape(reply.text or reply.title), CONTENT_MAX)
