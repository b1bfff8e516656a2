"""Train the speaker ranker on PolNeAR's training articles and write ``model.json``.

    .venv/bin/python -m digests.nlp.quotes.train [--jsonl ../shared/eval/quotes/polnear_train.jsonl]
                                                 [--out digests/nlp/quotes/model.json] [--folds 5]

For every quote the rules find that overlaps a gold direct quote, each candidate is labelled by whether it
names the gold speaker (or one of its alternates). The model is a conditional logit with an L2 penalty, fitted
by full-batch gradient descent from zero weights: deterministic, no random state but the fold order, which
comes from a fixed seed. Prints the cross-validated share of quotes whose top candidate is right (folds by
article), then writes the model fitted on all articles.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from digests.nlp.quotes.candidates import Candidate, candidates
from digests.nlp.quotes.features import features, quote_context
from digests.nlp.quotes.model import MODEL_PATH, rank, remember, score
from digests.nlp.quotes.rules import RuleQuote, attribute
from digests.nlp.speakers import speaker_key

DEFAULT_JSONL = Path(__file__).resolve().parents[3].parent / "shared" / "eval" / "quotes" / "polnear_train.jsonl"
SEED = 13
L2 = 1.0
ITERATIONS = 400
STEP = 0.1
DIGITS = 4
ROUNDS = 2
# The rules' choice stands unless another candidate scores this much higher; chosen by cross-validation
# (the margins tried are printed by the training command).
RULE_MARGIN = 0.5
MARGINS = (0.0, 0.5, 1.0, 2.0, 4.0)

Group = tuple[list[dict[str, float]], list[int]]


def same_speaker(pred: str | None, gold: str | None) -> bool:
    """Return whether two speaker names agree: equal keys, or one is a token suffix of the other."""
    p, g = speaker_key(pred or "").split(), speaker_key(gold or "").split()
    if not p or not g:
        return False
    short, long_ = (p, g) if len(p) <= len(g) else (g, p)
    return long_[-len(short) :] == short


def _gold_for(start: int, end: int, gold: list[dict[str, Any]]) -> dict[str, Any] | None:
    best, best_ov = None, 0.5
    for q in gold:
        gs, ge = q.get("start"), q.get("end")
        if not isinstance(gs, int) or not isinstance(ge, int):
            continue
        inter = min(end, ge) - max(start, gs)
        if inter <= 0:
            continue
        ov = inter / (max(end, ge) - min(start, gs))
        if ov >= best_ov:
            best, best_ov = q, ov
    return best


def article_groups(record: dict[str, Any], weights: dict[str, float] | None = None) -> list[Group]:
    """Return (candidate features, labels) for each quote of one gold article that matches a direct quote.

    With ``weights``, the previous quote's speaker is the one those weights choose, as at run time.
    """
    gold = [q for q in record.get("quotes", []) if q.get("kind", "direct") == "direct" and q.get("speaker")]
    run = attribute(record.get("text") or "")
    out: list[Group] = []
    prev = None
    # The previous quote's speaker is a candidate: in training the gold one (teacher forcing; the rules'
    # choice for a quote the gold set does not have), or with ``weights`` the one the model chooses.
    prev_choice: Candidate | None = None
    quoted: dict[str, int] = {}
    for rq in run.quotes:
        ctx = quote_context(run, rq, prev, dict(quoted))
        prev = rq
        cands = candidates(run, rq, prev_choice)
        feats = [features(run, rq, ctx, c) for c in cands]
        group, teacher = _label(rq, cands, feats, gold)
        if group is not None:
            out.append(group)
        if weights is not None:
            scores = [score(f, weights) for f in feats]
            prev_choice = cands[max(range(len(cands)), key=lambda i: (scores[i], -i))]
        else:
            prev_choice = teacher
        remember(quoted, prev_choice)
    return out


def _label(rq: RuleQuote, cands: list[Candidate], feats: list[dict[str, float]],
           gold: list[dict[str, Any]]) -> tuple[Group | None, Candidate | None]:
    """Return the training group of one quote (None when there is nothing to learn) and its gold speaker."""
    g = _gold_for(rq.span.start, rq.span.end, gold)
    if g is None:
        return None, cands[0] if "rule" in cands[0].sources else None
    names = [g["speaker"]] + list(g.get("speaker_alternates") or [])
    labels = [int(c.name is not None and any(same_speaker(c.name, n) for n in names)) for c in cands]
    if not any(labels):
        # No candidate names the speaker (a headline, a source the rules never see): nothing to learn about
        # ranking; training "nobody" on these would make it win wherever the cues are thin.
        return None, Candidate(g["speaker"], None, None)
    right = [c for lab, c in zip(labels, cands, strict=True) if lab]
    if all(c.person is None for c in right) and any(
            c.person is not None and "raw" not in c.sources and any(k.endswith("_nominal") for k in c.kinds)
            for c in cands):
        # Gold keeps a description ("the senator") that the rules resolve to a named person: PolNeAR's
        # convention, not ours (a named person is preferred); no label to learn from.
        return None, right[0]
    if any(c.person is not None for c in right):
        # A description and the person it describes are both right; users want the person's name.
        labels = [lab if c.person is not None else 0 for lab, c in zip(labels, cands, strict=True)]
    return (feats, labels), cands[labels.index(1)]


def load_records(path: Path) -> list[dict[str, Any]]:
    """Return the articles of a gold JSONL file."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_groups(records: list[dict[str, Any]], weights: dict[str, float] | None = None) -> list[list[Group]]:
    """Return the training groups of every article."""
    return [article_groups(r, weights) for r in records]


def _matrix(groups: Iterable[Group], index: dict[str, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows: list[dict[str, float]] = []
    ys: list[int] = []
    starts: list[int] = []
    for feats, labels in groups:
        starts.append(len(rows))
        rows.extend(feats)
        ys.extend(labels)
    x = np.zeros((len(rows), len(index)))
    for r, f in enumerate(rows):
        for k, v in f.items():
            j = index.get(k)
            if j is not None:
                x[r, j] = v
    return x, np.array(ys, dtype=float), np.array(starts, dtype=np.intp)


def fit(groups: list[Group], l2: float = L2, iterations: int = ITERATIONS) -> dict[str, float]:
    """Return conditional-logit weights fitted to the groups (full-batch Adam from zero, deterministic)."""
    names = sorted({k for feats, _ in groups for f in feats for k in f})
    index = {k: i for i, k in enumerate(names)}
    x, y, starts = _matrix(groups, index)
    n = len(starts)
    seg = np.repeat(np.arange(n), np.diff(np.append(starts, len(y))))
    w = np.zeros(len(names))
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for t in range(1, iterations + 1):
        s = x @ w
        s = s - np.maximum.reduceat(s, starts)[seg]
        e = np.exp(s)
        p = e / np.add.reduceat(e, starts)[seg]
        py = p * y
        q = py / np.add.reduceat(py, starts)[seg]
        grad = x.T @ (p - q) / n + l2 * w / n
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        w -= STEP * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return {k: round(float(wi), DIGITS) for k, wi in zip(names, w, strict=True) if round(float(wi), DIGITS) != 0.0}


def accuracy(groups: list[Group], weights: dict[str, float]) -> float:
    """Return the share of groups whose top-scored candidate is labelled right."""
    if not groups:
        return 0.0
    hits = 0
    for feats, labels in groups:
        scores = [sum(weights.get(k, 0.0) * val for k, val in f.items()) for f in feats]
        hits += labels[max(range(len(scores)), key=lambda i: (scores[i], -i))]
    return hits / len(groups)


def runtime_accuracy(records: list[dict[str, Any]], weights: dict[str, float],
                     margin: float = 0.0) -> tuple[int, int]:
    """Return (quotes matched to a gold direct quote, of which the ranker names the speaker) as at run time."""
    matched = right = 0
    for r in records:
        gold = [q for q in r.get("quotes", []) if q.get("kind", "direct") == "direct" and q.get("speaker")]
        run = attribute(r.get("text") or "")
        for rq, cand in zip(run.quotes, rank(run, weights, margin), strict=True):
            g = _gold_for(rq.span.start, rq.span.end, gold)
            if g is None:
                continue
            matched += 1
            right += any(same_speaker(cand.name, n) for n in [g["speaker"]] + list(g.get("speaker_alternates") or []))
    return matched, right


def fit_rounds(records: list[dict[str, Any]], rounds: int = ROUNDS, l2: float = L2) -> tuple[dict[str, float], int]:
    """Return the weights after ``rounds`` rounds (the first teacher-forced) and the last round's group count."""
    weights: dict[str, float] | None = None
    n = 0
    for _ in range(rounds):
        groups = [g for a in load_groups(records, weights) for g in a]
        weights, n = fit(groups, l2), len(groups)
    assert weights is not None
    return weights, n


def cross_validate(records: list[dict[str, Any]], folds: int, l2: float = L2,
                   margins: tuple[float, ...] = MARGINS) -> dict[float, list[float]]:
    """Return, for each rule margin, the run-time speaker accuracy of each held-out fold (fixed-seed folds)."""
    order = np.random.default_rng(SEED).permutation(len(records))
    out: dict[float, list[float]] = {m: [] for m in margins}
    for k in range(folds):
        held = set(order[k::folds].tolist())
        weights, _n = fit_rounds([r for i, r in enumerate(records) if i not in held], l2=l2)
        for m in margins:
            matched, right = runtime_accuracy([records[i] for i in sorted(held)], weights, m)
            out[m].append(right / max(matched, 1))
    return out


def model_json(weights: dict[str, float], n_articles: int, n_quotes: int, l2: float = L2,
               margin: float = RULE_MARGIN) -> str:
    """Return the model file's text."""
    data = {"kind": "conditional-logit", "trained_on": "polnear_train.jsonl", "articles": n_articles,
            "quotes": n_quotes, "l2": l2, "iterations": ITERATIONS, "rounds": ROUNDS, "rule_margin": margin,
            "weights": dict(sorted(weights.items()))}
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def train(path: Path) -> str:
    """Return the model file's text trained on every article of ``path``."""
    records = load_records(path)
    weights, n = fit_rounds(records)
    return model_json(weights, len(records), n)


def main(argv: list[str] | None = None) -> int:
    """Print cross-validated accuracy and write the model trained on all of the training set."""
    ap = argparse.ArgumentParser(prog="python -m digests.nlp.quotes.train")
    ap.add_argument("--jsonl", type=Path, default=DEFAULT_JSONL)
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--l2", type=float, default=L2, help="L2 penalty (choose by cross-validation)")
    args = ap.parse_args(argv)
    if not args.jsonl.exists():
        print(f"train: {args.jsonl} not found", file=sys.stderr)
        return 2
    records = load_records(args.jsonl)
    started = time.perf_counter()
    if args.folds > 1:
        for margin, accs in cross_validate(records, args.folds, args.l2).items():
            print(f"cross-validated speaker accuracy on quotes matched to gold ({args.folds} folds by article, "
                  f"as at run time), rule margin {margin:g}: {np.mean(accs):.3f} "
                  f"({' '.join(f'{a:.3f}' for a in accs)})")
    weights, n = fit_rounds(records, l2=args.l2)
    args.out.write_text(model_json(weights, len(records), n, args.l2, RULE_MARGIN), encoding="utf-8")
    print(f"{len(records)} articles, {n} quotes to learn from, {len(weights)} weights, "
          f"{time.perf_counter() - started:.0f} s")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
