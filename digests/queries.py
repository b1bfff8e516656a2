"""Queries behind the commands that need more than one store call: speakers, timelines, article summaries."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date

from digests.models import Event
from digests.nlp.events import merge_events
from digests.store import EventRow, Store


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

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form used by `newsbot ask --json "/timeline ..."`."""
        return {"date_start": self.date_start.isoformat(), "date_end": self.date_end.isoformat(),
                "granularity": self.granularity, "expression": self.expression, "text": self.text,
                "article_id": self.article_id, "sources": self.sources}


def merge_timeline(rows: list[EventRow]) -> list[TimelineEntry]:
    """Merge the same event reported by several articles (same dates, similar words), keeping date order."""
    by_event: dict[int, EventRow] = {}
    pairs: list[tuple[int, Event]] = []
    for r in rows:
        ev = Event(r.date_start, r.date_end, r.granularity, r.expression, r.text)
        by_event[id(ev)] = r
        pairs.append((r.id, ev))
    row_of = {r.id: r for r in rows}
    out = []
    for merged in merge_events(pairs):
        lead = by_event[id(merged.event)]
        sources: dict[int, dict[str, object]] = {}
        for rid in merged.article_ids:  # ids of event rows: several may come from one article
            r = row_of[rid]
            sources.setdefault(r.article_id, {
                "article_id": r.article_id, "title": r.article_title, "url": r.url,
                "published": r.published.date().isoformat() if r.published else None})
        out.append(TimelineEntry(lead.date_start, lead.date_end, lead.granularity, lead.expression, lead.text,
                                 lead.article_id, list(sources.values())))
    precision = {"day": 0, "week": 1, "month-part": 2, "month": 3, "quarter": 4, "year": 5, "decade": 6, "century": 7}
    out.sort(key=lambda e: (e.date_start, precision.get(e.granularity, 9), e.date_end))
    return out


async def timeline(store: Store, workspace: str, topic: str, *, since: date | None = None,
                   until: date | None = None) -> list[TimelineEntry]:
    """Return the merged, date-ordered timeline of a topic."""
    rows = await store.timeline(workspace, topic, since=since, until=until)
    # Merging a few hundred events is pure-Python work of tens of milliseconds at 100k articles (a third of the
    # event loop's busy time in the ingest profile): off the loop, as digests are, so other commands go on.
    return await asyncio.to_thread(merge_timeline, rows) if len(rows) > _MERGE_ON_LOOP else merge_timeline(rows)


_MERGE_ON_LOOP = 32  # below this many rows a thread hand-off costs more than the merge
