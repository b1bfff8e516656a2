"""Story summaries: sentences drawn from every article of a story, each citing the article it came from.

What several outlets report is what the story is: a word counts once for each outlet beyond the first that
uses it, and the summary is the set of whole, verbatim sentences that covers the most of that agreed content
within the word budget, no two saying much the same thing. Only the strongest sentences compete: a score
from agreement across outlets, centrality in the story, closeness to the headlines and position in the article
chooses them, and page debris, questions and the writer's own voice ("we", "you") are kept out.

A summary never opens on a sentence that needs another one before it: a pronoun or a back-reference ("The
move", "But"), a dateline, a byline, a caption or a subheading. A sentence that leans on the one before it in
its article is taken only right after that sentence. Each sentence carries its article id, outlet and link so
that a renderer can cite it.

For a story already shown, ``seen_before`` (a time, or the ids of the articles already shown) turns the summary
into an update: only sentences of the new articles that say something the seen ones did not.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, Protocol
from urllib.parse import urlsplit

from digests.nlp.openers import dangles, opener_problem, strip_label, writer_voice
from digests.nlp.sentences import dateline_end
from digests.nlp.summarize import candidate_sentences

# ---- settings (chosen on half A of the storysum dev set; see docs/quality.md) ----------------------------------
# The score that chooses which sentences compete: agreement across outlets weighs most, then centrality,
# closeness to the headlines and the lead; quotations, questions and one-person asides weigh against.
WEIGHTS: dict[str, float] = {
    "agreement": 2.0, "centrality": 0.5, "headlines": 0.5, "lead": 0.5, "quote": -0.1, "quote_only": -0.1,
    "question": -0.3, "first_person": -0.1, "short": -0.2, "long": -0.2,
}
# How fast the lead feature falls with the sentence's rank in its article.
POSITION_DECAY = 1.0
SHORT_WORDS = 8
LONG_WORDS = 60
MIN_SCORE = 0.01
# Only the first sentences of each article are candidates: the lead carries the news, and the cost stays
# linear in the story's size.
PER_ARTICLE = 8
# Only the opening of a long article is read for them (about twice what PER_ARTICLE sentences take).
OPENING_CHARS = 2500
MIN_WORDS = 5
# The best this many candidates are packed; of sentences that say much the same (many outlets repeat one
# lead) only this many enter the pool.
POOL = 6
ALTERNATIVES = 2
MAX_SENTENCES = 6
# Two sentences say much the same above this share of the shorter one's content words.
REDUNDANCY = 0.5
# As in single-article summaries, the budget is met at a sentence boundary: the last sentence may run past it,
# never beyond this factor.
OVERFLOW = 1.25
# An update sentence is new when at most this share of its content words and word pairs were in the seen
# articles and it repeats no seen sentence.
NOVELTY = 0.6

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_STOP = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my no nor not now of off on once only or other our ours out over own same she should so
    some such than that the their theirs them then there these they this those through to too under until
    up very was we were what when where which while who whom why will with would you your yours one
    mr mrs ms s t would could may might must shall can't won't don't it's""".split()
)


class StoryArticle(Protocol):
    """What a story summary needs of an article; ``digests.models.Article`` fits, as does :class:`ArticleText`."""

    @property
    def id(self) -> Any:
        """The article's id, carried into every sentence it gives."""

    @property
    def title(self) -> str:
        """The headline."""

    @property
    def text(self) -> str:
        """The stored text."""

    @property
    def url(self) -> str | None:
        """The link a renderer cites."""

    @property
    def published(self) -> datetime | None:
        """When it was published (aware), if known."""


@dataclass(frozen=True, slots=True)
class ArticleText:
    """One article of a story as plain fields (for callers without a store)."""

    id: Any
    title: str
    text: str
    url: str | None = None
    published: datetime | None = None
    outlet: str | None = None


@dataclass(frozen=True, slots=True)
class SummarySentence:
    """One summary sentence, verbatim from its article, with what a renderer needs to cite it."""

    text: str
    article_id: Any
    outlet: str | None
    url: str | None
    # The ids of the other articles that report much the same (for "3 outlets" or more footnotes).
    also: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class StorySummary:
    """A story's summary: sentences in reading order; ``update`` when it only tells what is new since a time."""

    sentences: tuple[SummarySentence, ...] = ()
    update: bool = False
    # For an update, the ids of the articles not seen before, in reading order.
    new_articles: tuple[Any, ...] = ()

    @property
    def text(self) -> str:
        """Return the summary as one paragraph."""
        return " ".join(s.text for s in self.sentences)

    @property
    def words(self) -> int:
        """Return how many words the summary has."""
        return sum(len(s.text.split()) for s in self.sentences)


# ---- words ----------------------------------------------------------------------------------------------------

_SUFFIXES = (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""))


@functools.lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """Fold a word to a rough stem so that "rallies"/"rally" and "voted"/"votes" meet."""
    word = word.replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) <= 4 or word.isdigit():
        return word
    for suf, rep in _SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 3:
            if suf == "s" and word.endswith(("ss", "us", "is")):
                return word
            return word[: len(word) - len(suf)] + rep
    return word


def _tokens(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text.lower())]


def _content(tokens: list[str]) -> list[str]:
    return [t for t in tokens if t not in _STOP and len(t) > 1]


def _bigrams(tokens: list[str]) -> set[tuple[str, str]]:
    return {(a, b) for a, b in zip(tokens, tokens[1:], strict=False) if not (a in _STOP and b in _STOP)}


# ---- sentences ------------------------------------------------------------------------------------------------


def outlet_of(article: Any) -> str | None:
    """Return the outlet that published ``article``: its ``outlet``/``source`` field, else its URL's host."""
    for attr in ("outlet", "source"):
        value = getattr(article, attr, None)
        if isinstance(value, str) and value.strip():
            return value.strip()
    url = getattr(article, "url", None)
    if isinstance(url, str) and url:
        host = urlsplit(url).hostname or ""
        return host.removeprefix("www.") or None
    return None


@dataclass(slots=True)
class _Cand:
    art: int
    rank: int
    text: str
    n_words: int
    terms: set[str]
    counts: Counter[str]
    pairs: set[tuple[str, str]]
    dangling: bool
    opener: str | None
    score: float = 0.0


def _opening(text: str) -> str:
    """Return the opening of ``text`` that holds its first candidates, cut at a line or sentence end."""
    if len(text) <= OPENING_CHARS:
        return text
    cut = max(text.rfind("\n", 0, OPENING_CHARS), text.rfind(". ", 0, OPENING_CHARS) + 1)
    return text[:cut] if cut > 0 else text[:OPENING_CHARS]


def _cands(article_index: int, article: Any) -> list[_Cand]:
    """Return the first PER_ARTICLE usable sentences of one article, labels and datelines cut off."""
    out: list[_Cand] = []
    title = getattr(article, "title", "") or ""
    for sent in candidate_sentences(_opening(getattr(article, "text", "") or ""), title, PER_ARTICLE + 2):
        if len(out) >= PER_ARTICLE:
            break
        if sent.debris:
            continue
        text = strip_label(sent.text.strip())
        d = dateline_end(text)
        if d:
            text = text[d:].strip()
        n = len(text.split())
        if n < MIN_WORDS or writer_voice(text):
            continue
        toks = _tokens(text)
        content = _content(toks)
        out.append(_Cand(article_index, len(out), text, n, set(content), Counter(content), _bigrams(toks),
                         dangles(text), "caption" if sent.caption else opener_problem(text)))
    return out


# ---- scoring --------------------------------------------------------------------------------------------------

_QUOTE_MARK = re.compile(r"[\"“”]|(?:^|\s)['‘]\w")
_QUOTE_ONLY = re.compile(r"^\W{0,2}['\"‘“]")
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|I'd|me|my|we|We|our|Our|us)\b")


@dataclass(slots=True)
class _Context:
    n_outlets: int
    term_outlets: dict[str, set[str]]
    centroid: Counter[str]
    c_norm: float
    title_terms: Counter[str]
    t_norm: float


def _context(cands: list[_Cand], outlets: list[str], titles: list[str]) -> _Context:
    term_outlets: dict[str, set[str]] = defaultdict(set)
    centroid: Counter[str] = Counter()
    for c in cands:
        o = outlets[c.art]
        for t in c.terms:
            term_outlets[t].add(o)
        centroid.update(c.counts)
    title_terms: Counter[str] = Counter()
    for t in titles:
        title_terms.update(set(_content(_tokens(t))))
    return _Context(len(set(outlets)), term_outlets, centroid, math.sqrt(sum(v * v for v in centroid.values())) or 1.0,
                    title_terms, math.sqrt(sum(v * v for v in title_terms.values())) or 1.0)


def _features(c: _Cand, outlet: str, ctx: _Context) -> dict[str, float]:
    """Return the salience features of one candidate sentence (each in about [0, 1])."""
    others = ctx.n_outlets - 1
    agree = (sum(len(ctx.term_outlets[t]) - (outlet in ctx.term_outlets[t]) for t in c.terms) / (others * len(c.terms))
             if others and c.terms else 0.0)
    s_norm = math.sqrt(sum(v * v for v in c.counts.values())) or 1.0
    return {
        "agreement": agree,
        "centrality": sum(v * ctx.centroid[t] for t, v in c.counts.items()) / (s_norm * ctx.c_norm),
        "headlines": sum(v * ctx.title_terms[t] for t, v in c.counts.items()) / (s_norm * ctx.t_norm),
        "lead": 1.0 / (1.0 + POSITION_DECAY * c.rank),
        "quote": 1.0 if _QUOTE_MARK.search(c.text) else 0.0,
        "quote_only": 1.0 if _QUOTE_ONLY.match(c.text) else 0.0,
        "question": 1.0 if c.text.rstrip("'\"’” )").endswith("?") else 0.0,
        "first_person": 1.0 if _FIRST_PERSON.search(c.text) else 0.0,
        "short": 1.0 if c.n_words < SHORT_WORDS else 0.0,
        "long": 1.0 if c.n_words > LONG_WORDS else 0.0,
    }


def _score(cands: list[_Cand], outlets: list[str], titles: list[str]) -> None:
    """Set each candidate's score from agreement across outlets, centrality, headlines and position."""
    ctx = _context(cands, outlets, titles)
    for c in cands:
        f = _features(c, outlets[c.art], ctx)
        c.score = max(sum(WEIGHTS.get(k, 0.0) * v for k, v in f.items()), MIN_SCORE)


def _agreed(cands: list[_Cand], outlets: list[str], floor: int = 1) -> dict[str, float]:
    """Weigh each content word by how many outlets beyond ``floor`` use it in their candidate sentences."""
    seen: dict[str, set[str]] = defaultdict(set)
    for c in cands:
        for t in c.terms:
            seen[t].add(outlets[c.art])
    return {t: float(len(os_) - floor) for t, os_ in seen.items() if len(os_) > floor}


# ---- choosing -------------------------------------------------------------------------------------------------


def _overlap(a: _Cand, b: _Cand) -> float:
    """Return the share of the shorter sentence's content words that the other one also has."""
    small, big = (a, b) if len(a.terms) <= len(b.terms) else (b, a)
    if not small.terms:
        return 1.0
    return len(small.terms & big.terms) / len(small.terms)


def _pool(ranked: list[_Cand]) -> list[_Cand]:
    """Return the best POOL candidates, with at most ALTERNATIVES of those that say much the same thing."""
    pool: list[_Cand] = []
    for c in ranked:
        if len(pool) >= POOL:
            break
        if sum(1 for p in pool if _overlap(c, p) > REDUNDANCY) < ALTERNATIVES:
            pool.append(c)
    return pool


def _valid(chosen: list[_Cand]) -> bool:
    """Return True if some sentence can open and every dangling sentence follows its own predecessor."""
    if not any(c.opener is None for c in chosen):
        return False
    keys = {(c.art, c.rank) for c in chosen}
    return all(not c.dangling or (c.art, c.rank - 1) in keys for c in chosen)


def _pack(pool: list[_Cand], cap: int, weights: dict[str, float]) -> list[_Cand]:
    """Return the valid, non-redundant set of pool sentences within ``cap`` words that covers the most weight."""
    best: list[_Cand] = []
    best_value = 0.0
    covered: Counter[str] = Counter()

    def walk(i: int, chosen: list[_Cand], words: int, value: float) -> None:
        nonlocal best, best_value
        if value > best_value and _valid(chosen):
            best, best_value = list(chosen), value
        if len(chosen) >= MAX_SENTENCES:
            return
        for j in range(i, len(pool)):
            s = pool[j]
            if words + s.n_words > cap or any(_overlap(s, c) > REDUNDANCY for c in chosen):
                continue
            add = sum(weights.get(t, 0.0) for t in s.terms if not covered[t])
            covered.update(s.terms)
            chosen.append(s)
            walk(j + 1, chosen, words + s.n_words, value + add)
            chosen.pop()
            covered.subtract(s.terms)

    walk(0, [], 0, 0.0)
    return best


def _order(chosen: list[_Cand], reading: list[int]) -> list[_Cand]:
    """Return ``chosen`` in reading order: the best opener first, then by article and place in it."""
    openers = [c for c in chosen if c.opener is None]
    lead = max(openers, key=lambda c: c.score) if openers else None
    pos = {a: i for i, a in enumerate(reading)}
    rest = sorted((c for c in chosen if c is not lead), key=lambda c: (pos[c.art], c.rank))
    if lead is None:
        return rest
    # A sentence that leans on the lead follows it at once.
    out = [lead]
    while True:
        nxt = next((c for c in rest if c.art == out[-1].art and c.rank == out[-1].rank + 1), None)
        if nxt is None:
            break
        out.append(nxt)
        rest.remove(nxt)
    return out + rest


# ---- updates --------------------------------------------------------------------------------------------------


def _is_seen(article: Any, seen_before: datetime | Collection[Any]) -> bool:
    if isinstance(seen_before, datetime):
        published = getattr(article, "published", None)
        return published is not None and published <= seen_before
    return getattr(article, "id", None) in seen_before


def _is_new(c: _Cand, seen_terms: set[str], seen_pairs: set[tuple[str, str]], seen: list[_Cand]) -> bool:
    """Return True if ``c`` says something the seen articles did not: new words, and not a seen sentence again."""
    if not c.terms or not c.terms - seen_terms:
        return False
    known = (len(c.terms & seen_terms) + len(c.pairs & seen_pairs)) / (len(c.terms) + len(c.pairs))
    return known <= NOVELTY and all(_overlap(c, s) <= REDUNDANCY for s in seen)


# ---- the summary ----------------------------------------------------------------------------------------------


def summarize_story(articles: Iterable[StoryArticle], *, seen_before: datetime | Collection[Any] | None = None,
                    max_words: int = 80) -> StorySummary:
    """Summarize a story from all its articles; with ``seen_before``, say only what is new since then."""
    arts = list(articles)
    outlets = [outlet_of(a) or f"#{i}" for i, a in enumerate(arts)]
    titles = [getattr(a, "title", "") or "" for a in arts]
    reading = sorted(range(len(arts)), key=lambda i: _published_key(arts[i], i))
    cands = [c for i, a in enumerate(arts) for c in _cands(i, a)]
    _score(cands, outlets, titles)
    new_ids: tuple[Any, ...] = ()
    if seen_before is None:
        pool_src, weights = cands, _agreed(cands, outlets)
    else:
        seen_idx = {i for i, a in enumerate(arts) if _is_seen(a, seen_before)}
        seen = [c for c in cands if c.art in seen_idx]
        seen_terms: set[str] = set()
        seen_pairs: set[tuple[str, str]] = set()
        # Everything the seen articles said counts as seen, not only their candidate sentences.
        for i in seen_idx:
            toks = _tokens(f"{titles[i]} {getattr(arts[i], 'text', '') or ''}")
            seen_terms.update(_content(toks))
            seen_pairs.update(_bigrams(toks))
        new_ids = tuple(getattr(arts[i], "id", None) for i in reading if i not in seen_idx)
        pool_src = [c for c in cands if c.art not in seen_idx and _is_new(c, seen_terms, seen_pairs, seen)]
        # What one new outlet reports is news too: every new word counts, more when several new outlets agree.
        weights = {t: w for t, w in _agreed(pool_src, outlets, floor=0).items() if t not in seen_terms}
    ranked = sorted(pool_src, key=lambda c: -c.score)
    chosen = _pack(_pool(ranked), int(max_words * OVERFLOW), weights)
    if not chosen:
        # Nothing in the pool can open a summary on its own: the best sentence that can, if it fits.
        openers = [c for c in ranked if c.opener is None and c.n_words <= max_words * OVERFLOW]
        chosen = openers[:1]
    sentences = tuple(
        SummarySentence(c.text, getattr(arts[c.art], "id", None), outlet_of(arts[c.art]),
                        getattr(arts[c.art], "url", None), _also(c, cands, arts))
        for c in _order(chosen, reading))
    return StorySummary(sentences, seen_before is not None, new_ids)


def _published_key(article: Any, index: int) -> tuple[bool, float, int]:
    published = getattr(article, "published", None)
    return (published is None, published.timestamp() if isinstance(published, datetime) else 0.0, index)


def _also(c: _Cand, cands: list[_Cand], arts: list[Any]) -> tuple[Any, ...]:
    """Return the ids of the other articles that have a sentence saying much the same as ``c``."""
    idx = sorted({o.art for o in cands if o.art != c.art and _overlap(c, o) > REDUNDANCY})
    return tuple(getattr(arts[i], "id", None) for i in idx)


def articles_from_json(items: Iterable[Any]) -> list[ArticleText]:
    """Build story articles from JSON objects {"id","title","text","published"?,"url"?}; raise ValueError if bad."""
    from digests.ingest._documents import parse_date

    out = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise ValueError(f"article {i + 1}: expected a JSON object")
        text = item.get("text")
        if not isinstance(text, str):
            raise ValueError(f"article {i + 1}: no \"text\" string")
        published = item.get("published")
        url = item.get("url")
        out.append(ArticleText(item.get("id", i), str(item.get("title") or ""), text,
                               url if isinstance(url, str) and url else None,
                               parse_date(published) if isinstance(published, str) else None))
    return out


def story_summary_record(record: Mapping[str, Any], *, max_words: int = 80) -> dict[str, Any]:
    """Return the output line {"id","summary"} for one input story line; "error" says why a line was refused."""
    rid = record.get("id")
    items = record.get("articles")
    if not isinstance(items, list):
        return {"id": rid, "summary": "", "error": "no \"articles\" list in the line"}
    try:
        arts = articles_from_json(items)
    except ValueError as exc:
        return {"id": rid, "summary": "", "error": str(exc)}
    summary = summarize_story(arts, max_words=max_words)
    return {"id": rid, "summary": "\n".join(s.text for s in summary.sentences)}


def run_story_summaries(records: Iterable[Mapping[str, Any]], out: IO[str], *, max_words: int = 80) -> int:
    """Write one summary line per story line, in order, and return how many were written."""
    count = 0
    for record in records:
        out.write(json.dumps(story_summary_record(record, max_words=max_words), ensure_ascii=False) + "\n")
        count += 1
    return count


def run_story_summaries_path(jsonl: str, out: str | None, *, max_words: int = 80) -> int:
    """Summarize every story of the JSONL file ``jsonl`` into ``out`` (stdout when None)."""
    import sys

    from digests.nlp.extract import iter_jsonl

    with open(jsonl, encoding="utf-8") as fin:
        if out is None:
            return run_story_summaries(iter_jsonl(fin), sys.stdout, max_words=max_words)
        with open(out, "w", encoding="utf-8") as fout:
            return run_story_summaries(iter_jsonl(fin), fout, max_words=max_words)
