"""Compose a digest for a workspace and window: stories, summaries, key quotes and links."""

from __future__ import annotations

import asyncio
import difflib
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from digests.models import Article, Digest, Quote, Story
from digests.store import QuoteRow, Store

_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]+")
_STOP = frozenset("""a an and are as at be been but by for from has have he her his in into is it its of on or
that the their they this to was were will with after over says said say new more than about who what when""".split())
SAME_STORY = 0.34
# A feed item can reach the store this long after its publication time and still be news: it belongs to the
# window it arrived in when the window its date falls in was already composed. Older ones are history.
LATE_ARRIVAL = timedelta(hours=24)
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


# Words of a title and lead, kept whole when they hold a figure ("1,200", "9:30", "12.5").
_TOKEN = re.compile(r"\w+(?:[.,:'’\-]\w+)*")
# Two texts sharing this much of their wording, in order, were written from one template.
TEMPLATE_SHARE = 0.6
_MONTHS = frozenset("""january february march april may june july august september october november december jan feb
mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday""".split())
_SENTENCE_END = frozenset(".!?:;")


def _tokens(article: Article) -> list[tuple[str, bool]]:
    """Return the words of a title and lead, each with whether it starts a sentence (a capital says nothing then)."""
    text = f"{article.title}. {article.summary or article.text[:600]}"
    out: list[tuple[str, bool]] = []
    last = 0
    for m in _TOKEN.finditer(text):
        between = text[last:m.start()]
        out.append((m.group(), not out or any(c in _SENTENCE_END or c in "\"“‘(" for c in between)))
        last = m.end()
    return out


def _facts(tokens: list[tuple[str, bool]], i1: int, i2: int) -> set[str]:
    """Return what in ``tokens[i1:i2]`` states a fact of its own: a name, a place, a date or a time."""
    out = set()
    for i in range(i1, i2):
        tok, starts = tokens[i]
        low = tok.lower()
        if low in _MONTHS or ":" in tok or re.fullmatch(r"(?:19|20)\d\d", tok):
            out.add(low)
        elif tok[:1].isdigit():
            # A bare number is a fact when it is a date ("12 May", "May 12"); a count that changed is an update.
            near = {tokens[j][0].lower() for j in (i - 1, i + 1) if 0 <= j < len(tokens)}
            if near & _MONTHS:
                out.add(low)
        elif tok[:1].isupper() and not starts and low not in _COMMON_CAPS and low not in _STOP:
            out.add(low)
    return out


def different_facts(a: list[tuple[str, bool]], b: list[tuple[str, bool]]) -> bool:
    """Tell whether two texts are one template filled in with different facts (names, places, dates)."""
    if not a or not b:
        return False
    words_a, words_b = [t.lower() for t, _ in a], [t.lower() for t, _ in b]
    sm = difflib.SequenceMatcher(None, words_a, words_b, autojunk=False)
    shared = sum(m.size for m in sm.get_matching_blocks())
    if shared / max(len(a), len(b)) < TEMPLATE_SHARE:
        return False
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag != "replace":
            continue
        # A fact on each side that the other text never states: this item is about someone or somewhere else.
        left = _facts(a, i1, i2) - set(words_b)
        right = _facts(b, j1, j2) - set(words_a)
        if left and right:
            return True
    return False


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _quote_score(q: QuoteRow) -> float:
    words = len(q.quote.split())
    return (2.0 if q.speaker else 0.0) + (1.0 if q.is_key else 0.0) + min(words, 40) / 40


def group_stories(articles: Sequence[Article]) -> list[list[Article]]:
    """Group articles that tell the same story (greedy, by shared title and lead terms).

    Items written from one template (a road-closure notice per street, a result per club) share most of their
    words but not their facts: when the wording matches and a name, place or date differs, they stay apart.
    """
    # Compare with each story's first article only, so a story cannot snowball by absorbing loose matches.
    groups: list[tuple[tuple[frozenset[str], frozenset[str]], Article, list[Article]]] = []
    tokens: dict[int, list[tuple[str, bool]]] = {}

    def words(a: Article) -> list[tuple[str, bool]]:
        if id(a) not in tokens:
            tokens[id(a)] = _tokens(a)
        return tokens[id(a)]

    for art in articles:
        sig = (_terms(art), _names(art))
        for gsig, first, members in groups:
            if same_story(sig, gsig) and not different_facts(words(art), words(first)):
                members.append(art)
                break
        else:
            groups.append((sig, art, [art]))
    return [members for _, _, members in groups]


def compose(workspace: str, since: datetime, until: datetime, articles: Sequence[Article],
            quotes: Mapping[int, Sequence[QuoteRow]], *, max_stories: int = 10) -> Digest:
    """Build a render-neutral digest from articles of the window and their stored quotes."""
    stories: list[tuple[float, Story]] = []
    best_overall: tuple[float, QuoteRow] | None = None
    newest = max((a.published or a.fetched or until for a in articles), default=until)
    for members in group_stories(articles):
        # The newest article leads: when a story moved on (a reopening postponed), its headline is the news.
        lead = max(members, key=lambda a: (a.published or a.fetched or until, len(a.summary or ""), -a.id))
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
            lead_article_id=lead.id,
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
    """Load the window's articles (by publication time) and quotes from the store and compose the digest."""
    articles = await store.articles_since(workspace, since, until, late_from=since - LATE_ARRIVAL)
    rows = await store.quotes_for_articles(workspace, [a.id for a in articles])
    by_article: dict[int, list[QuoteRow]] = {}
    for q in rows:
        by_article.setdefault(q.article_id, []).append(q)
    # Composing ~1,000 articles takes a few hundred ms of CPU: off the event loop, so commands keep answering.
    return await asyncio.to_thread(compose, workspace, since, until, articles, by_article, max_stories=max_stories)
