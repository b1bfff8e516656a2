"""Compose a digest for a workspace and window: stories, summaries, key quotes and links."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from datetime import datetime

from digests.models import Article, Digest, Quote, Story
from digests.store import QuoteRow, Store

_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]+")
_STOP = frozenset("""a an and are as at be been but by for from has have he her his in into is it its of on or
that the their they this to was were will with after over says said say new more than about who what when""".split())
SAME_STORY = 0.34
_COMMON_CAPS = frozenset("""monday tuesday wednesday thursday friday saturday sunday january february march april may
june july august september october november december mayor minister president council city police officials
government mr mrs ms dr the a an he she they it we i but and in on at for this that its their our his her
""".split())


_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z'’\-]+(?:\s+[A-Z][a-z'’\-]+)*")


def _terms(article: Article) -> frozenset[str]:
    words = _WORD.findall(f"{article.title} {article.summary or article.text[:600]}")
    return frozenset(w.lower() for w in words if w.lower() not in _STOP and len(w) > 2)


def _names(article: Article) -> frozenset[str]:
    # Proper names (places, people, organizations) mid-sentence are the strongest sign of the same story.
    lead = f"{article.title}. {article.text[:1500]}"
    out = set()
    for m in _NAME.finditer(lead):
        words = [w for w in m.group().lower().split() if w not in _COMMON_CAPS]
        if words:
            out.add(" ".join(words))
    return frozenset(out)


def same_story(a: tuple[frozenset[str], frozenset[str]], b: tuple[frozenset[str], frozenset[str]]) -> bool:
    """Tell whether two (terms, names) signatures describe the same story."""
    terms_a, names_a = a
    terms_b, names_b = b
    shared = names_a & names_b
    if len(shared) >= 3 and len(shared) / max(1, min(len(names_a), len(names_b))) >= 0.3:
        return True
    return _jaccard(terms_a, terms_b) >= SAME_STORY


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _quote_score(q: QuoteRow) -> float:
    words = len(q.quote.split())
    return (2.0 if q.speaker else 0.0) + (1.0 if q.is_key else 0.0) + min(words, 40) / 40


def group_stories(articles: Sequence[Article]) -> list[list[Article]]:
    """Group articles that tell the same story (greedy, by shared title and lead terms)."""
    # Compare with each story's first article only, so a story cannot snowball by absorbing loose matches.
    groups: list[tuple[tuple[frozenset[str], frozenset[str]], list[Article]]] = []
    for art in articles:
        sig = (_terms(art), _names(art))
        for gsig, members in groups:
            if same_story(sig, gsig):
                members.append(art)
                break
        else:
            groups.append((sig, [art]))
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
    # Composing ~1,000 articles takes a few hundred ms of CPU: off the event loop, so commands keep answering.
    return await asyncio.to_thread(compose, workspace, since, until, articles, by_article, max_stories=max_stories)
