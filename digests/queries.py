"""Queries behind the commands that need more than one store call: speakers, timelines, article summaries."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from digests.store import EventRow, Store

_WORD = re.compile(r"\w+")


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


def _tokens(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if len(w) > 3}


def merge_timeline(rows: list[EventRow]) -> list[TimelineEntry]:
    """Merge the same event reported by several articles (same dates, similar words), keeping date order."""
    entries: list[tuple[set[str], TimelineEntry]] = []
    for r in rows:
        toks = _tokens(r.text)
        src = {"article_id": r.article_id, "title": r.article_title, "url": r.url,
               "published": r.published.date().isoformat() if r.published else None}
        merged = False
        for etoks, entry in entries:
            if (entry.date_start, entry.date_end) != (r.date_start, r.date_end):
                continue
            if entry.article_id == r.article_id and entry.text == r.text:
                merged = True
                break
            if toks and etoks and len(toks & etoks) / len(toks | etoks) >= 0.5:
                if all(s["article_id"] != r.article_id for s in entry.sources):
                    entry.sources.append(src)
                merged = True
                break
        if not merged:
            entries.append((toks, TimelineEntry(r.date_start, r.date_end, r.granularity, r.expression, r.text,
                                                r.article_id, [src])))
    precision = {"day": 0, "week": 1, "month-part": 2, "month": 3, "quarter": 4, "year": 5}
    out = [e for _, e in entries]
    out.sort(key=lambda e: (e.date_start, precision.get(e.granularity, 9), e.date_end))
    return out


async def timeline(store: Store, workspace: str, topic: str, *, since: date | None = None,
                   until: date | None = None) -> list[TimelineEntry]:
    """Return the merged, date-ordered timeline of a topic."""
    return merge_timeline(await store.timeline(workspace, topic, since=since, until=until))
