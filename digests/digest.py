"""Compose a digest for a workspace and window: the stored stories, summaries from every outlet, key quotes, links.

Articles are grouped by the story the store assigned them as they arrived (``digests.stories``); a story's
summary is written from all its articles in the window, each sentence citing its outlet. A story a channel was
shown in an earlier digest (or live post) is an update: it lists only the articles new since, and its summary
says only what they add.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from digests.models import Article, Citation, Digest, Quote, Story
from digests.store import QuoteRow, ShownStory, Store
from digests.stories import summarize_story
from digests.stories._summary import outlet_of

# A feed item can reach the store this long after its publication time and still be news: it belongs to the
# window it arrived in when the window its date falls in was already composed. Older ones are history.
LATE_ARRIVAL = timedelta(hours=24)
# A story's summary is written from at most this many of its newest articles in the window (and as many of those
# the channel saw before): the cost of a digest stays bounded however big a story grows.
SUMMARY_ARTICLES = 20
SUMMARY_WORDS = 80


@dataclass(frozen=True, slots=True)
class StoryGroup:
    """One story's articles in a window (newest first), and what a channel was shown of it before."""

    articles: tuple[Article, ...]
    story_id: int | None = None
    seen_ids: tuple[int, ...] = ()  # articles of it the channel was shown before: an update when any
    seen: tuple[Article, ...] = ()  # those of them read for the update's summary (what is new is new to these)


def group_by_story(articles: Sequence[Article], story_of: Mapping[int, int],
                   shown: Mapping[int, ShownStory] | None = None) -> list[StoryGroup]:
    """Group articles by their stored story, in the order of each story's first article.

    An article with no story yet (its assignment still running) is a story of its own. With ``shown`` (what the
    channel was shown, by story), a story shown before keeps only its articles the channel has not seen, and one
    with none left is dropped.
    """
    shown = shown or {}
    order: dict[tuple[str, int], list[Article]] = {}
    for a in articles:
        sid = story_of.get(a.id)
        order.setdefault(("story", sid) if sid is not None else ("article", a.id), []).append(a)
    out = []
    for key, members in order.items():
        sid = key[1] if key[0] == "story" else None
        seen = shown.get(sid) if sid is not None else None
        seen_ids = tuple(seen.article_ids) if seen else ()
        known = set(seen_ids)
        fresh = [a for a in members if a.id not in known]
        if fresh:
            out.append(StoryGroup(tuple(fresh), sid, seen_ids))
    return out


def _quote_score(q: QuoteRow) -> float:
    words = len(q.quote.split())
    return (2.0 if q.speaker else 0.0) + (1.0 if q.is_key else 0.0) + min(words, 40) / 40


def _when(a: Article, default: datetime) -> datetime:
    return a.published or a.fetched or default


def _key_quote(members: Sequence[Article], quotes: Mapping[int, Sequence[QuoteRow]]) -> tuple[QuoteRow | None, int]:
    cands = [q for a in members for q in quotes.get(a.id, ()) if q.speaker and 6 <= len(q.quote.split()) <= 70]
    return max(cands, key=_quote_score, default=None), len(cands)


def _ranked(groups: Sequence[StoryGroup], quotes: Mapping[int, Sequence[QuoteRow]],
            until: datetime) -> list[tuple[StoryGroup, QuoteRow | None]]:
    """Return (group, key quote) best first: more articles, a key quote, more quotes, newer."""
    newest = max((_when(a, until) for g in groups for a in g.articles), default=until)
    scored = []
    for i, g in enumerate(groups):
        key, n_cands = _key_quote(g.articles, quotes)
        when = max((_when(a, until) for a in g.articles), default=until)
        age_h = max(0.0, (newest - when).total_seconds() / 3600)
        score = 2.0 * len(g.articles) + (1.0 if key else 0.0) + n_cands * 0.1 + 1.0 / (1.0 + age_h / 12)
        scored.append((score, i, g, key))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [(g, key) for _, _, g, key in scored]


def rank(groups: Sequence[StoryGroup], quotes: Mapping[int, Sequence[QuoteRow]], until: datetime) -> list[StoryGroup]:
    """Return story groups best first: more articles, a key quote, more quotes, newer."""
    return [g for g, _ in _ranked(groups, quotes, until)]


def story_of_group(g: StoryGroup, quotes: Mapping[int, Sequence[QuoteRow]], until: datetime, *,
                   key: QuoteRow | None | bool = True) -> Story:
    """Compose one story: the newest article leads, the summary comes from every article (what is new, if seen).

    ``key`` is the story's key quote when the caller chose it already (True: choose it here).
    """
    members = list(g.articles)
    # The newest article leads: when a story moved on (a reopening postponed), its headline is the news.
    lead = max(members, key=lambda a: (_when(a, until), len(a.summary or ""), -a.id))
    if key is True or key is False:
        key, _ = _key_quote(members, quotes)
    outlets = tuple(dict.fromkeys(o for a in members if (o := outlet_of(a))))
    newest_first = sorted(members, key=lambda a: (_when(a, until), a.id), reverse=True)[:SUMMARY_ARTICLES]
    if g.seen_ids:
        seen = sorted(g.seen, key=lambda a: (_when(a, until), a.id), reverse=True)[:SUMMARY_ARTICLES]
        summary = summarize_story([*seen, *newest_first], seen_before=set(g.seen_ids), max_words=SUMMARY_WORDS)
    elif len(outlets) <= 1 and lead.summary:
        # One outlet: no agreement across outlets to draw on, and its newest article's own summary tells it best.
        summary = None
    else:
        summary = summarize_story(newest_first, max_words=SUMMARY_WORDS)
    if summary is not None and summary.sentences:
        text = summary.text
        citations = tuple(Citation(s.text, s.article_id, s.outlet, s.url) for s in summary.sentences)
    elif g.seen_ids:
        # New articles that add nothing the channel has not read: listed, never passed off as news.
        text = f"Also reported by {', '.join(outlets) or 'another source'}; nothing new since this channel last saw it."
        citations = ()
    else:
        text = lead.summary or lead.text[:400]
        citations = (Citation(text, lead.id, outlet_of(lead), lead.url),)
    return Story(
        headline=lead.title,
        summary=text,
        links=tuple((a.title, a.url or f"article #{a.id}") for a in members),
        article_ids=tuple(a.id for a in members),
        published=max((_when(a, until) for a in members), default=until),
        key_quote=Quote(key.quote, key.start, key.end, key.speaker, key.role) if key else None,
        key_quote_article_id=key.article_id if key else None,
        lead_article_id=lead.id,
        story_id=g.story_id,
        outlets=outlets,
        citations=citations,
        update=bool(g.seen_ids),
        seen_count=len(g.seen_ids),
    )


def compose(workspace: str, since: datetime, until: datetime, groups: Sequence[StoryGroup],
            quotes: Mapping[int, Sequence[QuoteRow]], *, max_stories: int = 10) -> Digest:
    """Build a render-neutral digest from a window's story groups and their stored quotes."""
    ranked = _ranked(groups, quotes, until)
    best: QuoteRow | None = None
    for _, key in ranked:
        if key and (best is None or _quote_score(key) > _quote_score(best)):
            best = key
    return Digest(
        workspace=workspace, window_start=since, window_end=until,
        stories=tuple(story_of_group(g, quotes, until, key=key) for g, key in ranked[:max_stories]),
        quote_of_the_day=Quote(best.quote, best.start, best.end, best.speaker, best.role) if best else None,
        quote_of_the_day_article_id=best.article_id if best else None,
    )


async def story_groups(store: Store, workspace: str, articles: Sequence[Article], *,
                       channel: str | None = None) -> list[StoryGroup]:
    """Group articles by their stored stories; with ``channel``, mark the stories it was shown before as updates."""
    story_of = await store.stories_for_articles([a.id for a in articles])
    shown = await store.shown_stories(workspace, channel, set(story_of.values())) if channel and story_of else {}
    return group_by_story(articles, story_of, shown)


async def read_seen(store: Store, workspace: str, groups: Sequence[StoryGroup],
                    story_ids: Collection[int | None]) -> list[StoryGroup]:
    """Read back what the channel saw of these stories (their newest SUMMARY_ARTICLES), for update summaries."""
    want = [g for g in groups if g.seen_ids and g.story_id in story_ids]
    ids = sorted({i for g in want for i in g.seen_ids[-SUMMARY_ARTICLES:]})
    if not ids:
        return list(groups)
    seen = {a.id: a for a in await store.articles_by_id(workspace, ids)}
    wanted = {id(g) for g in want}
    return [StoryGroup(g.articles, g.story_id, g.seen_ids,
                       tuple(seen[i] for i in g.seen_ids[-SUMMARY_ARTICLES:] if i in seen)) if id(g) in wanted else g
            for g in groups]


async def build_digest(store: Store, workspace: str, since: datetime, until: datetime, *,
                       max_stories: int = 10, channel: str | None = None) -> Digest:
    """Load the window's articles (by publication time), their stories and quotes, and compose the digest.

    With ``channel``, a story that channel was shown before is an update listing only what is new.
    """
    articles = await store.articles_since(workspace, since, until, late_from=since - LATE_ARRIVAL)
    rows = await store.quotes_for_articles(workspace, [a.id for a in articles])
    by_article: dict[int, list[QuoteRow]] = {}
    for q in rows:
        by_article.setdefault(q.article_id, []).append(q)
    groups = await story_groups(store, workspace, articles, channel=channel)
    # Only the stories the digest shows need what the channel saw of them (read for their update summaries).
    top = {g.story_id for g in rank(groups, by_article, until)[:max_stories] if g.seen_ids}
    groups = await read_seen(store, workspace, groups, top)
    # Composing ~1,000 articles takes a few hundred ms of CPU: off the event loop, so commands keep answering.
    return await asyncio.to_thread(compose, workspace, since, until, groups, by_article, max_stories=max_stories)


async def mark_digest_shown(store: Store, workspace: str, channel: str, digest: Digest, at: datetime) -> None:
    """Record which articles of which stories a channel was shown in a digest posted there."""
    for s in digest.stories:
        if s.story_id is not None:
            await store.mark_shown(workspace, channel, s.story_id, s.article_ids, at)
