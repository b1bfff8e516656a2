"""Display helpers every command module shares: dates, quotes, event dates, feed URLs and story items."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime
from typing import Any

from bot.commands import CommandError, Item, ItemQuote
from digests.filters import Filter, FilterError
from digests.live import RATE_LIMIT
from digests.models import Quote, Story
from digests.store import QuoteRow
from digests.stories import MergedQuote, QuoteInstance


def day(dt: datetime | None) -> str:
    """Return the date of a moment as YYYY-MM-DD, or "date unknown"."""
    return dt.date().isoformat() if dt else "date unknown"


def display_quote(text: str) -> str:
    """Return a quote for display: verbatim, minus the comma that hands over to the attribution."""
    return text.rstrip(" ,;:")


def speaker_label(speaker: str | None, role: str | None = None) -> str:
    """Return who said a quote as shown under it: "Name, role", or "unattributed"."""
    who = speaker or "unattributed"
    return f"{who}, {role}" if role else who


def item_quote(q: Quote | QuoteRow, link: str | None = None) -> ItemQuote:
    """Return the block quote an item shows for a stored or composed quote."""
    return ItemQuote(f"“{display_quote(q.quote)}”", speaker_label(q.speaker, q.role), link)


def quote_item(q: QuoteRow) -> Item:
    """Return a quote as a result item: the words as title, speaker below, article, date and link."""
    return Item(title=f"“{display_quote(q.quote)}”", body=f"— {speaker_label(q.speaker, q.role)}", url=q.url,
                footer=f"{q.article_title} · {day(q.published)} · article #{q.article_id}")


def quote_data(q: QuoteRow) -> dict[str, Any]:
    """Return a quote's machine-readable form for a reply's data."""
    return {"quote": q.quote, "speaker": q.speaker, "role": q.role, "article_id": q.article_id,
            "title": q.article_title, "url": q.url, "published": day(q.published) if q.published else None}


MAX_LINKS = 5  # outlets linked under one merged quote
MAX_WORDINGS = 3  # wordings set side by side


def merged_speaker(m: MergedQuote) -> str:
    """Return who said a merged quote, as shown: the speaker and role, an even split, or "unattributed"."""
    v = m.verdict
    if v.status == "split" and v.split:
        counts = {vote.speaker: vote.articles for vote in v.votes}
        return "disputed: outlets split between " + " and ".join(
            f"{name} ({counts.get(name, 0)})" for name in v.split)
    return speaker_label(v.speaker, v.role if v.speaker else None)


def _outlet_label(i: QuoteInstance) -> str:
    return i.outlet if i.url else f"article #{i.article_id}"


def merged_item(m: MergedQuote) -> Item:
    """Return a merged quote as one result item: the words once, the speaker, the outlets and their wordings."""
    lead = m.lead
    body = f"— {merged_speaker(m)}"
    fields: list[tuple[str, str]] = []
    if m.outlets > 1:
        body += f"\nreported by {m.outlets} outlets"
        if m.differing_outlets:
            body += f" · worded differently in {m.differing_outlets} outlet{'s' if m.differing_outlets > 1 else ''}"
        seen: set[int] = set()
        for i in m.instances:
            if i.article_id in seen or len(fields) >= MAX_LINKS:
                continue
            seen.add(i.article_id)
            fields.append((f"{_outlet_label(i)}: {i.title}"[:100], i.url or f"article #{i.article_id}"))
    compare: tuple[tuple[str, str], ...] = ()
    if m.variants:
        shown = [lead, *m.variants][:MAX_WORDINGS]
        compare = tuple((_outlet_label(i), f"“{display_quote(i.quote)}”") for i in shown)
    return Item(title=f"“{display_quote(m.quote)}”", body=body, url=lead.url, fields=tuple(fields), compare=compare,
                footer=f"{lead.title} · {day(lead.published)} · article #{lead.article_id}")


def merged_data(m: MergedQuote) -> dict[str, Any]:
    """Return a merged quote's machine-readable form: the shown wording, its speaker, outlets and wordings."""
    lead = m.lead
    return {"quote": lead.quote, "speaker": m.speaker, "role": m.verdict.role, "speaker_status": m.verdict.status,
            "split": list(m.verdict.split), "article_id": lead.article_id, "title": lead.title, "url": lead.url,
            "published": day(lead.published) if lead.published else None, "outlets": m.outlets,
            "group_id": m.group_id,
            "articles": [{"article_id": i.article_id, "title": i.title, "url": i.url, "quote": i.quote}
                         for i in m.instances],
            "variants": [{"quote": i.quote, "article_id": i.article_id, "outlet": i.outlet} for i in m.variants]}


def story_link(story: Story) -> str | None:
    """Return the link of a story's first article when it is a web address."""
    url = story.links[0][1] if story.links else ""
    return url if url.startswith(("http://", "https://")) else None


def story_quote(story: Story) -> ItemQuote | None:
    """Return a story's key quote as a block quote, linked to the article it was found in."""
    q = story.key_quote
    if q is None:
        return None
    link = None
    if story.key_quote_article_id is not None and story.key_quote_article_id in story.article_ids:
        url = story.links[story.article_ids.index(story.key_quote_article_id)][1]
        link = url if url.startswith(("http://", "https://")) else None
    return item_quote(q, link)


MAX_STORY_LINKS = 5  # links under a digest story
LINK_LABEL = 80  # characters of a link's label


def outlets_label(n: int) -> str:
    """Return how many outlets told a story, as shown: "1 outlet", "5 outlets"."""
    return f"{n} outlet{'' if n == 1 else 's'}"


def cited_summary(story: Story) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Return a story's summary with a footnote mark after each sentence ("… [2]") and its links, the cited
    articles first, each labelled with its mark and outlet; the front ends draw the links as they draw fields."""
    links = list(zip(story.article_ids, story.links, strict=False))
    by_id = {aid: link for aid, link in links}
    order: list[int] = []
    for c in story.citations:
        if c.article_id in by_id and c.article_id not in order:
            order.append(c.article_id)
    order += [aid for aid, _ in links if aid not in order]
    order = order[:MAX_STORY_LINKS]
    mark = {aid: n for n, aid in enumerate(order, 1)}
    outlet = {c.article_id: c.outlet for c in story.citations if c.outlet}
    if not story.citations:
        body = story.summary
    else:
        cs = story.citations
        # A run of one article's sentences cites it once, at its end (as /story does).
        body = " ".join(f"{c.text} [{mark[c.article_id]}]"
                        if c.article_id in mark and (i + 1 == len(cs) or cs[i + 1].article_id != c.article_id)
                        else c.text for i, c in enumerate(cs))
    fields = []
    for aid in order:
        title, url = by_id[aid]
        head = f"[{mark[aid]}] {outlet[aid]}: " if aid in outlet else f"[{mark[aid]}] "
        room = LINK_LABEL - len(head)
        short = title if len(title) <= room else title[:room - 1].rsplit(" ", 1)[0] + "…"
        fields.append(((head + short)[:LINK_LABEL] or "source", url))
    return body, tuple(fields)


def digest_story_item(story: Story) -> Item:
    """Return a digest story as an item: headline (marked as an update), cited summary, key quote, outlets."""
    body, fields = cited_summary(story)
    n = len(story.article_ids)
    count = (f"update: {n} new article{'' if n == 1 else 's'} since this channel's last post of it"
             if story.update else f"{n} article{'' if n == 1 else 's'}")
    footer = f"{outlets_label(len(story.outlets) or 1)} · {count} · {day(story.published)}"
    return Item(title=f"Update: {story.headline}" if story.update else story.headline, body=body,
                url=story_link(story) or (story.links[0][1] if story.links else None), footer=footer,
                fields=fields, quote=story_quote(story))


def _month(d: date) -> str:
    return f"{calendar.month_name[d.month]} {d.year}"


def when_label(start: date, end: date) -> str:
    """Return an event's date range in words: a day, a whole month or year, or "start – end"."""
    if start == end:
        return start.isoformat()
    last_of_month = calendar.monthrange(end.year, end.month)[1]
    if start.day == 1 and end.day == last_of_month:
        if (start.year, start.month) == (end.year, end.month):
            return _month(start)
        if (start.month, end.month) == (1, 12):
            return str(start.year) if start.year == end.year else f"{start.year}–{end.year}"
    return f"{start.isoformat()} – {end.isoformat()}"


def feed_url(value: str) -> str:
    """Return a feed URL a user typed, stripped; raise CommandError when it may not be fetched."""
    from digests.ingest import UnsafeURLError
    from digests.ingest._safety import split_url

    try:
        split_url(value)
    except UnsafeURLError as exc:
        raise CommandError(str(exc)) from None
    return value.strip()


_SLASHED = re.compile(r"^/(.+)/$", re.S)


def filter_rule(field: str, action: str, value: str, regex: bool) -> Filter:
    """Return the filter a user typed, exactly as typed; ``/…/`` (or ``regex``) makes it a regular expression."""
    pattern = value.strip()
    m = _SLASHED.match(pattern)
    if m and len(pattern) > 2:
        pattern, regex = m.group(1), True
    kind = "regex" if regex else ("word" if len(pattern.split()) == 1 else "phrase")
    try:
        return Filter(field, action, kind, pattern).validate()
    except FilterError as exc:
        raise CommandError(str(exc)) from None


def arrival_note(mode: str) -> str:
    """Return how a subscription's new items reach its channel, in words, for its mode."""
    if mode == "live":
        return f"new stories are posted here as they arrive (at most {RATE_LIMIT} posts a minute)"
    return "new items appear in this channel's digests"
