"""The shipped speaker ranker: a linear score over candidate features, weights read from ``model.json``.

The weights are a conditional logit (softmax over one quote's candidates) trained by
``python -m digests.nlp.quotes.train``; scoring is a sum in pure Python, no download at run time.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from digests.models import Quote
from digests.nlp.quotes.candidates import Candidate, candidates
from digests.nlp.quotes.features import features, quote_context
from digests.nlp.quotes.rules import RuleQuote, RuleRun, _word_count, attribute
from digests.nlp.speakers import speaker_key

MODEL_PATH = Path(__file__).with_name("model.json")


Margin = float | Mapping[str, float]
# The rules' choice is final when it rests on explicit evidence: "the Taliban commander" resolved to the one
# person the article gives that role. Training data rarely shows it (PolNeAR keeps such descriptions as they
# are), so the ranker's positional features would otherwise outvote it.
_FINAL = frozenset({"desc_role"})


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_PATH) -> tuple[dict[str, float], Margin]:
    """Return the feature weights and the rule margin of the shipped model (one, or one per attribution kind)."""
    with path.open(encoding="utf-8") as fh:
        data = json.load(fh)
    default = float(data.get("rule_margin", 0.0))
    margin: Margin = default
    if data.get("rule_margins"):
        margin = {"*": default, **{str(k): float(v) for k, v in data["rule_margins"].items()}}
    return {str(k): float(v) for k, v in data["weights"].items()}, margin


def attribution_kind(rq: RuleQuote) -> str:
    """Return how the rules attributed a quote: "no_attr", "attr_name", "attr_pron", "attr_nominal"."""
    return "no_attr" if rq.mention is None else f"attr_{rq.mention.kind}"


def margin_for(margin: Margin, rq: RuleQuote) -> float:
    """Return the rule margin that applies to one quote."""
    if isinstance(margin, Mapping):
        return margin.get(attribution_kind(rq), margin.get("*", 0.0))
    return margin


def load_weights(path: Path = MODEL_PATH) -> dict[str, float]:
    """Return the feature weights of the shipped model."""
    return load_model(path)[0]


def score(feats: dict[str, float], weights: dict[str, float]) -> float:
    """Return the linear score of one candidate's features."""
    return sum(weights.get(k, 0.0) * v for k, v in feats.items())


def rank(run: RuleRun, weights: dict[str, float], margin: Margin = 0.0) -> list[Candidate]:
    """Return the chosen candidate for each of the run's quotes.

    The rules' own choice stands unless another candidate scores at least ``margin`` higher (one margin, or
    one per attribution kind with "*" for the rest), or when it rests on a role match; ties go to the earlier
    candidate.
    """
    return [cand for cand, _ in rank_with_probability(run, weights, margin)]


def rank_with_probability(run: RuleRun, weights: dict[str, float],
                          margin: Margin = 0.0) -> list[tuple[Candidate, float]]:
    """Return the chosen candidate of each of the run's quotes with the ranker's probability for it.

    The probability is the conditional logit's own: the softmax of the chosen candidate's score over every
    candidate of that quote (the rules' choice kept by the margin keeps its lower probability).
    """
    chosen: list[tuple[Candidate, float]] = []
    quoted: dict[str, int] = {}
    prev = None
    for rq in run.quotes:
        ctx = quote_context(run, rq, prev, dict(quoted))
        best: Candidate | None = None
        best_score = rule_score = float("-inf")
        rule: Candidate | None = None
        scores: list[float] = []
        for cand in candidates(run, rq, chosen[-1][0] if chosen else None):
            s = score(features(run, rq, ctx, cand), weights)
            scores.append(s)
            if s > best_score:
                best, best_score = cand, s
            if rule is None and "rule" in cand.sources:
                rule, rule_score = cand, s
        assert best is not None  # "nobody" is always a candidate
        pick = best_score
        if rule is not None and (best_score - rule_score < margin_for(margin, rq) or rq.speaker.via in _FINAL):
            best, pick = rule, rule_score
        chosen.append((best, softmax_at(scores, pick)))
        remember(quoted, best)
        prev = rq
    return chosen


def softmax_at(scores: list[float], chosen: float) -> float:
    """Return the softmax probability of the score ``chosen`` among ``scores``."""
    top = max(scores)
    total = sum(math.exp(s - top) for s in scores)
    return math.exp(chosen - top) / total


def remember(quoted: dict[str, int], cand: Candidate | None) -> None:
    """Count one more quote for a candidate's speaker."""
    if cand is not None and cand.name is not None:
        key = speaker_key(cand.name)
        quoted[key] = quoted.get(key, 0) + 1


def _chain_sources(quotes: list[RuleQuote]) -> list[int]:
    """Return, for each quote, the quote whose attribution it takes: itself, or for a paragraph of a quote that
    runs over several paragraphs with no attribution of its own, the first later paragraph of it that has one."""
    source = list(range(len(quotes)))
    chain: list[int] = []
    for i, rq in enumerate(quotes):
        if chain and not (rq.span.continued and not quotes[i - 1].span.closed):
            chain = []
        chain.append(i)
        if rq.mention is not None:
            for j in chain[:-1]:
                if quotes[j].mention is None and source[j] == j:
                    source[j] = i
            chain = [i]
    return source


def extract_quotes(text: str, model: tuple[dict[str, float], Margin] | None = None) -> list[Quote]:
    """Return every direct quote in ``text`` with its speaker, in text order (``model``: weights and margin)."""
    run = attribute(text)
    out: list[Quote] = []
    weights, margin = model if model is not None else load_model()
    ranked = list(zip(run.quotes, rank_with_probability(run, weights, margin), strict=True))
    source = _chain_sources(run.quotes)
    for i, (rq, (cand, prob)) in enumerate(ranked):
        if source[i] != i:
            # A paragraph of a quote that runs on: the attribution that closes it a paragraph later is its own.
            cand, prob = ranked[source[i]][1]
            rq = RuleQuote(rq.span, rq.quote, rq.speaker, rq.running, ranked[source[i]][0].mention, rq.after,
                           rq.before, ranked[source[i]][0].cue)
        if cand.name is None and _word_count(rq.quote) <= 4:
            continue
        men = cand.mention if cand.mention is not None else (rq.mention if "rule" in cand.sources else None)
        out.append(Quote(rq.quote, rq.span.start, rq.span.end, cand.name, cand.role if cand.name else None,
                         (men.cue or rq.cue) if men is not None else None, men.text if men is not None else None,
                         round(prob, 4)))
    return out
