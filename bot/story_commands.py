"""/story: one story across outlets and days — headline, outlets and links, summary, key quotes, dated events."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from bot.commands import CommandError, Invocation, Item, Param, Reply, command
from bot.display import day, merged_data, merged_item
from bot.services import Services
from digests.queries import STORY_EVENTS, StoryDetail, TimelineEntry, outlet_label, story_detail
from digests.store import ArticleRow, StoryRow
from digests.stories import MergedQuote

# Links listed under a story (one per article, the first telling of each outlet first); the rest are counted.
STORY_LINK_FIELDS = 10
# Other stories whose headlines matched the words, named under the answer.
OTHER_MATCHES = 3

_ID = re.compile(r"^(?:story\s*)?#?\s*(\d{1,18})$", re.I)


def story_id_of(text: str) -> int | None:
    """Return the story id a user typed (``#12``, ``12``, ``story #12``), None when the text is words."""
    m = _ID.match(text.strip())
    return int(m.group(1)) if m else None


async def resolve_story(svc: Services, inv: Invocation, text: str) -> tuple[StoryRow | None, list[StoryRow]]:
    """Return the story ``text`` names (an id, else the newest whose headline matches) and other matches.

    Only stories the workspace sees an article of; their headlines come from articles it may see.
    """
    sid = story_id_of(text)
    if sid is not None:
        st = await svc.store.workspace_story(inv.workspace, sid)
        if st is not None or "#" in text:
            return st, []
        # A bare number that is no story's id may be a headline's word ("/story 2024").
    found = await svc.store.match_stories(inv.workspace, text, limit=OTHER_MATCHES + 1)
    return (found[0] if found else None), found[1:]


def not_found(text: str) -> str:
    """Return the one-line answer for a story that is not there."""
    sid = story_id_of(text)
    if sid is not None:
        return f"No story #{sid} in your workspace; /story with words from its headline finds one."
    return "No story in your workspace matches those words."


def _quote_item(m: MergedQuote) -> Item:
    item = merged_item(m)
    if m.outlets > 1:
        return item
    # One outlet: say so, so every key quote tells how widely it was carried.
    return replace(item, body=f"{item.body}\nreported by 1 outlet")


def _event_item(e: TimelineEntry) -> Item:
    when = e.date or (e.date_start.isoformat() if e.date_start == e.date_end else f"{e.date_start} – {e.date_end}")
    how = f"“{e.expression}”" if e.dated_by != "publication" and e.expression else "the day it was reported"
    src = ", ".join(str(s["title"]) for s in e.sources[:3])
    return Item(title=f"{when} ({how})", body=e.text,
                url=str(e.sources[0]["url"]) if e.sources and e.sources[0]["url"] else None,
                footer=f"{len(e.sources)} source(s): {src}")


def cited_summary(d: StoryDetail, links: list[ArticleRow]) -> str:
    """Return the story's summary with each sentence citing its article: [n] of the links listed under it."""
    number = {a.id: n for n, a in enumerate(links, 1)}
    sents = d.summary.sentences
    parts = []
    for i, sent in enumerate(sents):
        if i + 1 < len(sents) and sents[i + 1].article_id == sent.article_id:
            parts.append(sent.text)  # a run of one article's sentences cites it once, at its end
            continue
        n = number.get(sent.article_id)
        parts.append(f"{sent.text} [{n}]" if n else f"{sent.text} ({sent.outlet or 'upload'})")
    return " ".join(parts)


def story_reply(d: StoryDetail, others: list[StoryRow]) -> Reply:
    """Return /story's answer for one story."""
    st, arts = d.story, d.articles
    outlets = d.outlets
    first = min((a.published for a in arts if a.published), default=None)
    last = max((a.published for a in arts if a.published), default=None)
    span = day(first) if first == last else f"{day(first)} – {day(last)}"
    text = (f"Story #{st.id} · {len(arts)} article{'s' if len(arts) != 1 else ''} from {len(outlets)} "
            f"outlet{'s' if len(outlets) != 1 else ''} · {span}")
    if others:
        text += " · also: " + "; ".join(f"#{o.id} {o.headline[:60]}" for o in others)
    # One link per article, each outlet's first telling before any outlet's second.
    order = sorted(range(len(arts)), key=lambda i: (sum(outlet_label(a) == outlet_label(arts[i])
                                                        for a in arts[:i]), i))
    links = [arts[i] for i in order]
    fields = tuple((f"[{n}] {outlet_label(a)}: {a.title}"[:100], a.url or f"article #{a.id}")
                   for n, a in enumerate(links[:STORY_LINK_FIELDS], 1))
    more = len(links) - len(fields)
    items = [Item(title=f"Summary from {len(outlets)} outlet{'s' if len(outlets) != 1 else ''}",
                  body=cited_summary(d, links[:STORY_LINK_FIELDS]) or arts[-1].summary or arts[-1].title,
                  fields=fields,
                  url=next((a.url for a in links if a.url), None),
                  footer=(f"{more} more article(s) · " if more > 0 else "") + ", ".join(outlets[:8])
                  + (f" and {len(outlets) - 8} more" if len(outlets) > 8 else ""))]
    items += [_quote_item(m) for m in d.quotes]
    events = d.events[:STORY_EVENTS]
    items += [_event_item(e) for e in events]
    data = {"story": {"id": st.id, "headline": st.headline, "outlets": outlets,
                      "articles": [{"id": a.id, "title": a.title, "url": a.url, "outlet": outlet_label(a),
                                    "published": day(a.published) if a.published else None} for a in arts],
                      "summary": d.summary.text,
                      "summary_sources": [{"article_id": s.article_id, "outlet": s.outlet, "url": s.url}
                                          for s in d.summary.sentences],
                      "quotes": [merged_data(m) for m in d.quotes],
                      "events": [e.to_dict() for e in events], "events_total": len(d.events)},
            "others": [{"id": o.id, "headline": o.headline} for o in others]}
    return Reply(title=st.headline or f"Story #{st.id}", text=text, items=tuple(items), data=data)


@command("story", "One story across outlets: headline, links, summary, key quotes and dated events",
         Param("story", "words from its headline, or its #id", required=True, autocomplete="story"), slow=True)
async def story(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
    """Answer /story."""
    text = args["story"].strip()
    found, others = await resolve_story(svc, inv, text)
    # The row found is already the workspace's view of the story (its headline, merges followed).
    detail = await story_detail(svc.store, inv.workspace, found) if found is not None else None
    if detail is None:
        return Reply(title="Story", text=not_found(text), data={"story": None})
    return story_reply(detail, others)


async def story_arg(svc: Services, inv: Invocation, text: str) -> StoryRow:
    """Return the story a ``story:`` option names; raise CommandError with a one-line answer when there is none."""
    found, _ = await resolve_story(svc, inv, text)
    if found is None:
        raise CommandError(not_found(text))
    return found


async def complete_story(svc: Services, inv: Invocation, text: str) -> list[tuple[str, str]]:
    """Return up to 25 (label, value) choices of recent stories whose headline matches the typed words."""
    found = await svc.store.match_stories(inv.workspace, text, limit=25)
    sid = story_id_of(text)
    if sid is not None:
        # An id typed: that story first (when the workspace sees it), then headlines holding the number.
        st = await svc.store.workspace_story(inv.workspace, sid)
        found = ([st] if st else []) + [f for f in found if f.id != sid][:24]
    return [(f"#{st.id} {st.headline or 'untitled story'}"[:100], f"#{st.id}") for st in found]
