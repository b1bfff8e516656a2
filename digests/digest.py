"""Compose a digest for a workspace and window: stories, summaries, key quotes and links."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime

from digests.models import Article, Digest, Quote, Story
from digests.store import QuoteRow, Store

_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]+")
_STOP = frozenset("""a an and are as at be been but by for from has have he her his in into is it its of on or
that the their they this to was were will with after over says said say new more than about who what when""".split())
SAME_STORY = 0.34


def _terms(article: Article) -> frozenset[str]:
    words = _WORD.findall(f"{article.title} {article.title} {article.summary or article.text[:600]}")
    return frozenset(w.lower() for w in words if w.lower() not in _STOP and len(w) > 2)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _quote_score(q: QuoteRow) -> float:
    words = len(q.quote.split())
    return (2.0 if q.speaker else 0.0) + (1.0 if q.is_key else 0.0) + min(words, 40) / 40


def group_stories(articles: Sequence[Article]) -> list[list[Article]]:
    """Group articles that tell the same story (greedy, by shared title and lead terms)."""
    groups: list[tuple[frozenset[str], list[Article]]] = []
    for art in articles:
        terms = _terms(art)
        best, best_sim = None, SAME_STORY
        for i, (gterms, _) in enumerate(groups):
            sim = _jaccard(terms, gterms)
            if sim >= best_sim:
                best, best_sim = i, sim
        if best is None:
            groups.append((terms, [art]))
        else:
            gterms, members = groups[best]
            members.append(art)
            groups[best] = (gterms | terms, members)
    return [members for _, members in groups]


def compose(workspace: str, since: datetime, until: datetime, articles: Sequence[Article],
            quotes: Mapping[int, Sequence[QuoteRow]], *, max_stories: int = 10) -> Digest:
    """Build a render-neutral digest from articles of the window and their stored quotes."""
    stories: list[tuple[float, Story]] = []
    best_overall: tuple[float, QuoteRow] | None = None
    newest = max((a.published or a.fetched or until for a in articles), default=until)
    for members in group_stories(articles):
        lead = max(members, key=lambda a: (len(a.summary or ""), -a.id))
        cands = [q for a in members for q in quotes.get(a.id, ()) if q.speaker and 6 <= len(q.quote.split()) <= 70]
        key = max(cands, key=_quote_score, default=None)
        when = max((a.published or a.fetched or until for a in members), default=until)
        age_h = max(0.0, (newest - when).total_seconds() / 3600)
        score = 2.0 * len(members) + (1.0 if key else 0.0) + len(cands) * 0.1 + 1.0 / (1.0 + age_h / 12)
        story = Story(
            headline=lead.title,
            summary=lead.summary or lead.text[:400],
            links=tuple((a.title, a.url or f"article #{a.id}") for a in members),
            article_ids=tuple(a.id for a in members),
            published=when,
            key_quote=Quote(key.quote, key.start, key.end, key.speaker, key.role) if key else None,
            key_quote_article_id=key.article_id if key else None,
        )
        stories.append((score, story))
        if key and (best_overall is None or _quote_score(key) > _quote_score(best_overall[1])):
            best_overall = (score, key)
    stories.sort(key=lambda s: -s[0])
    qotd = best_overall[1] if best_overall else None
    return Digest(
        workspace=workspace, window_start=since, window_end=until,
        stories=tuple(s for _, s in stories[:max_stories]),
        quote_of_the_day=Quote(qotd.quote, qotd.start, qotd.end, qotd.speaker, qotd.role) if qotd else None,
        quote_of_the_day_article_id=qotd.article_id if qotd else None,
    )


async def build_digest(store: Store, workspace: str, since: datetime, until: datetime, *,
                       max_stories: int = 10) -> Digest:
    """Load the window's articles and quotes from the store and compose the digest."""
    articles = await store.articles_since(workspace, since, until)
    rows = await store.quotes_for_articles(workspace, [a.id for a in articles])
    by_article: dict[int, list[QuoteRow]] = {}
    for q in rows:
        by_article.setdefault(q.article_id, []).append(q)
    return compose(workspace, since, until, articles, by_article, max_stories=max_stories)
