"""Queries behind the commands that need more than one store call: speakers, timelines, article summaries."""

from __future__ import annotations

import asyncio
import functools
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from digests.models import Article, Event
from digests.store import EventRow, Store
from digests.stories import StoryEvent, TimelineArticle, date_label, story_timeline
from digests.stories._timeline import Order

# A timeline reads the best-matching articles, at most this many: enough for the outlets of a story,
# few enough that their texts are read in one query and the timeline is built in about 10 ms (storytl dev:
# the same figures from 20 to 40).
TIMELINE_ARTICLES = 20


@dataclass
class TimelineEntry:
    """One event on a timeline, with every article that reported it."""

    date_start: date
    date_end: date
    granularity: str
    expression: str
    text: str
    article_id: int
    sources: list[dict[str, object]] = field(default_factory=list)
    sentence: str = ""
    dated_by: str = "text"  # "text", "context" (the day its article's lead reports) or "publication"
    date_weight: int = 1  # how many articles point at this date

    @property
    def date(self) -> str | None:
        """Return the date as YYYY-MM-DD, YYYY-MM or YYYY (None for a decade or a century)."""
        return date_label(self.date_start, self.date_end, self.granularity)

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form used by `newsbot ask --json "/timeline ..."`."""
        return {"date": self.date, "date_start": self.date_start.isoformat(), "date_end": self.date_end.isoformat(),
                "granularity": self.granularity, "expression": self.expression, "text": self.text,
                "sentence": self.sentence, "dated_by": self.dated_by, "date_weight": self.date_weight,
                "article_id": self.article_id, "sources": self.sources}


def timeline_articles(articles: list[Article], rows: list[EventRow]) -> list[TimelineArticle]:
    """Pair stored articles with their stored events, as the timeline engine takes them."""
    events: dict[int, list[Event]] = {}
    for r in rows:
        events.setdefault(r.article_id, []).append(
            Event(r.date_start, r.date_end, r.granularity, r.expression, r.text, start=r.start, end=r.end))
    return [TimelineArticle(a.id, a.title, a.text, a.published.date() if a.published else None, a.url,
                            tuple(events.get(a.id, ()))) for a in articles]


def to_entries(events: list[StoryEvent], articles: list[Article]) -> list[TimelineEntry]:
    """Turn engine entries into timeline entries whose sources carry each article's title, link and date."""
    by_id = {a.id: a for a in articles}
    out = []
    for e in events:
        sources: list[dict[str, object]] = []
        for aid in e.article_ids:
            a = by_id.get(aid)
            if a is not None:
                sources.append({"article_id": a.id, "title": a.title, "url": a.url,
                                "published": a.published.date().isoformat() if a.published else None})
        out.append(TimelineEntry(e.date_start, e.date_end, e.granularity, e.expression, e.text, e.article_id,
                                 sources, e.sentence, e.dated_by, e.date_weight))
    return out


async def timeline(store: Store, workspace: str, topic: str, *, since: date | None = None,
                   until: date | None = None, order: Order = "date") -> list[TimelineEntry]:
    """Return the timeline of a topic: what happened to it, merged across articles, by date or by weight."""
    # The articles that best match the topic are the ones about it. With a date window, the articles whose
    # dated events in it match come first: the best matches overall may all lie outside the window.
    ids: list[int] = []
    if since is not None or until is not None:
        rows = await store.timeline(workspace, topic, since=since, until=until)
        hits = Counter(r.article_id for r in rows)
        ids = sorted(hits, key=lambda a: (-hits[a], -a))[:TIMELINE_ARTICLES]
    if len(ids) < TIMELINE_ARTICLES:
        found = await store.search(workspace, topic, limit=TIMELINE_ARTICLES, snippets=False)
        ids += [a.id for a in found if a.id not in set(ids)][:TIMELINE_ARTICLES - len(ids)]
    if not ids:
        return []
    articles = await store.articles_by_id(workspace, ids)
    inputs = timeline_articles(articles, await store.events_for_articles(workspace, ids))
    build = functools.partial(story_timeline, inputs, topic, since=since, until=until, order=order)
    # Building the timeline is pure-Python work of milliseconds per article: off the event loop for more than a
    # few, as digests are, so other commands go on.
    events = await asyncio.to_thread(build) if len(inputs) > _BUILD_ON_LOOP else build()
    return to_entries(events, articles)


_BUILD_ON_LOOP = 4  # below this many articles a thread hand-off costs more than the build
