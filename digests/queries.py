"""Queries behind the commands that need more than one store call: speakers, timelines, article summaries."""

from __future__ import annotations

import asyncio
import functools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from digests.models import Article, Event
from digests.store import ArticleRow, EventRow, Store, StoryRow
from digests.store._stories import host_of
from digests.stories import (
    ArticleText,
    MergedQuote,
    StoryEvent,
    StorySummary,
    TimelineArticle,
    date_label,
    story_key_quotes,
    story_timeline,
    summarize_story,
)
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


# ---- one story: what /story shows, and the articles /timeline and /quotes read for story:<id> -------------------

# A story's summary and timeline read at most this many of its articles: the first few (how it began) and the
# newest (where it stands); the links list every article up to STORY_LINKS.
STORY_TEXTS_FIRST = 5
STORY_TEXTS = 20
STORY_LINKS = 200
STORY_QUOTES = 3
STORY_EVENTS = 10


@dataclass
class StoryDetail:
    """One story as a workspace sees it: its articles, a summary, key quotes and dated events."""

    story: StoryRow
    articles: list[ArticleRow]  # every article of it the workspace sees, oldest first
    summary: StorySummary
    quotes: list[MergedQuote]
    events: list[TimelineEntry]

    @property
    def outlets(self) -> list[str]:
        """Return the outlets of its articles, in the order they first told it."""
        return list(dict.fromkeys(outlet_label(a) for a in self.articles))


def outlet_label(a: ArticleRow | Article) -> str:
    """Return an article's outlet as shown: its link's host, else its feed's, else "upload"."""
    return host_of(a.url) or host_of(a.source) or "upload"


def story_text_ids(articles: Sequence[ArticleRow]) -> list[int]:
    """Return the ids of the articles a story's summary and timeline read: the first few and the newest."""
    if len(articles) <= STORY_TEXTS:
        return [a.id for a in articles]
    keep = [*articles[:STORY_TEXTS_FIRST], *articles[-(STORY_TEXTS - STORY_TEXTS_FIRST):]]
    return [a.id for a in keep]


async def story_texts(store: Store, workspace: str, story_id: int) -> tuple[list[ArticleRow], list[Article]]:
    """Return a story's articles ``workspace`` sees (oldest first) and the texts of those its summary reads."""
    rows = await store.story_articles(workspace, story_id, limit=STORY_LINKS)
    return rows, await store.articles_by_id(workspace, story_text_ids(rows))


async def story_detail(store: Store, workspace: str, story: int | StoryRow) -> StoryDetail | None:
    """Return what /story shows of a story (an id, or a row ``workspace`` was given by ``workspace_story`` or
    ``match_stories``); None when the workspace sees no article of it."""
    st = await store.workspace_story(workspace, story) if isinstance(story, int) else story
    if st is None:
        return None
    rows, texts = await story_texts(store, workspace, st.id)
    if not rows:
        return None
    quotes = await story_key_quotes(store, workspace, [a.id for a in rows], STORY_QUOTES)
    inputs = timeline_articles(texts, await store.events_for_articles(workspace, [a.id for a in texts]))
    summary_in = [ArticleText(a.id, a.title, a.text, a.url, a.published, outlet_label(a)) for a in texts]

    def build() -> tuple[StorySummary, list[StoryEvent]]:
        return summarize_story(summary_in), story_timeline(inputs)

    # Both are pure-Python work of milliseconds per article: off the event loop, so other commands go on.
    summary, events = await asyncio.to_thread(build) if len(texts) > _BUILD_ON_LOOP else build()
    return StoryDetail(st, rows, summary, quotes, to_entries(events, texts))


async def story_timeline_entries(store: Store, workspace: str, story_id: int, topic: str | None = None, *,
                                 since: date | None = None, until: date | None = None,
                                 order: Order = "date") -> list[TimelineEntry]:
    """Return the timeline of one story's articles (``workspace``'s only), about ``topic`` when given."""
    _, texts = await story_texts(store, workspace, story_id)
    if not texts:
        return []
    inputs = timeline_articles(texts, await store.events_for_articles(workspace, [a.id for a in texts]))
    build = functools.partial(story_timeline, inputs, topic or None, since=since, until=until, order=order)
    events = await asyncio.to_thread(build) if len(inputs) > _BUILD_ON_LOOP else build()
    return to_entries(events, texts)
