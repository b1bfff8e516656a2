"""Train the story assigner's pairwise model on one half of a gold story file; measure what each evidence adds.

    .venv/bin/python -m bench.stories_train ../shared/eval/stories/dev.jsonl            # print the weights
    .venv/bin/python -m bench.stories_train ../shared/eval/stories/dev.jsonl --write    # write assign_model.json
    .venv/bin/python -m bench.stories_train ../shared/eval/stories/dev.jsonl --ablation # the ablation table

Training reads only the topics with ``topic % 4 == 1`` (the tuned half). Each of five shuffled orders of those
documents is replayed through the assigner with every document put into its gold story (so the stories it is
compared with are what the online assigner would hold if it were right so far); every candidate story the index
offers a document gives one training pair (features of ``Assigner.pair_features``, label: the document's gold
story or not). The model is an L2-regularised logistic regression fitted by Newton's method (numpy).

The ablation retrains the model without each piece of evidence and runs the assigner alone (no store; identical
texts are joined as the store's duplicate check would) over shuffled orders 1-3 of each half.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from digests.stories._assign import FEATURES, MODEL_PATH, ActiveStory, Assigner, Member, Params
from digests.stories._features import StoryFeatures, story_features

TUNED = 1  # topic % 4 of the half the model is trained on; 3 is the untuned half
TRAIN_SEEDS = (11, 12, 13, 14, 15)
EVAL_SEEDS = (1, 2, 3)
L2 = 1.0
AT = datetime(2026, 1, 1, tzinfo=UTC)  # every document arrives at once, as ``extract stories`` stores them

Doc = tuple[str, str, int, StoryFeatures, datetime | None, str]  # id, gold story, topic, features, published, text


def load(gold: Path) -> list[Doc]:
    """Return the gold file's documents with the signature the store computes for each."""
    from digests.ingest import first_sentence, parse_date

    out = []
    for line in gold.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        text = str(r.get("text") or "").strip()
        title = " ".join(str(r.get("title") or "").split()) or first_sentence(text)
        pub = parse_date(r["published"]) if isinstance(r.get("published"), str) else None
        out.append((r["id"], r["story"], int(r["topic"]), story_features(title, text, pub), pub, text))
    return out


def pairs(docs: Sequence[Doc], seeds: Iterable[int] = TRAIN_SEEDS) -> tuple[np.ndarray, np.ndarray]:
    """Return the training pairs (features, labels) of gold-assigned replays of ``docs`` in shuffled orders."""
    xs: list[list[float]] = []
    ys: list[float] = []
    for seed in seeds:
        order = list(docs)
        random.Random(seed).shuffle(order)
        a = Assigner()
        gold: dict[str, ActiveStory] = {}
        for i, (_, story, _, feats, pub, _) in enumerate(order):
            a.count(feats)
            vecs = a.vectors(feats)
            for st in a._candidates(vecs):
                xs.append(a.pair_features(vecs, feats.year, st))
                ys.append(1.0 if st is gold.get(story) else 0.0)
            st = gold.get(story) or gold.setdefault(story, a._new_story(AT))
            a._add(st, Member(i, vecs, feats.year, AT, st, pub))
    return np.array(xs), np.array(ys)


def fit(x: np.ndarray, y: np.ndarray, drop: Sequence[str] = (), l2: float = L2) -> dict[str, float]:
    """Return logistic-regression weights by feature name (those in ``drop`` held at 0; the bias not penalised)."""
    keep = np.array([name not in drop for name in FEATURES], dtype=float)
    x = x * keep
    reg = l2 * np.diag([0.0 if name == "bias" else 1.0 for name in FEATURES])
    w = np.zeros(len(FEATURES))
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        step = np.linalg.solve((x * (p * (1 - p))[:, None]).T @ x + reg, x.T @ (p - y) + reg @ w)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return {name: round(float(v), 4) for name, v in zip(FEATURES, w * keep, strict=True)}


def bcubed(gold: dict[str, str], pred: dict[str, Any]) -> float:
    """Return the B-cubed F1 of a predicted grouping against the gold one."""
    gc: dict[str, set[str]] = defaultdict(set)
    pc: dict[Any, set[str]] = defaultdict(set)
    for d, g in gold.items():
        gc[g].add(d)
    for d, p in pred.items():
        pc[p].add(d)
    prec = sum(len(gc[gold[d]] & pc[pred[d]]) / len(pc[pred[d]]) for d in gold) / len(gold)
    rec = sum(len(gc[gold[d]] & pc[pred[d]]) / len(gc[gold[d]]) for d in gold) / len(gold)
    return 2 * prec * rec / (prec + rec)


def run(docs: Sequence[Doc], params: Params, seed: int) -> float:
    """Return the B-cubed F1 of the assigner alone over ``docs`` in one shuffled order."""
    order = list(docs)
    random.Random(seed).shuffle(order)
    a = Assigner(params)
    first: dict[str, int] = {}
    art: dict[str, int] = {}
    where: dict[int, ActiveStory] = {}
    into: dict[int, ActiveStory] = {}
    for i, (doc_id, _, _, feats, pub, text) in enumerate(order):
        if text in first:  # the store links an identical text to the article it repeats
            art[doc_id] = first[text]
            continue
        first[text] = art[doc_id] = i
        a.assign(i, feats, AT, pub)
        ch = a.take_changes()
        where.update(ch.members)
        into.update((small.key, big) for small, big in ch.merged)

    def final(st: ActiveStory) -> int:
        while st.key in into:
            st = into[st.key]
        return st.key

    return bcubed({d[0]: d[1] for d in order}, {d[0]: final(where[art[d[0]]]) for d in order})


def halves(docs: Sequence[Doc]) -> dict[str, list[Doc]]:
    """Return the tuned half, the untuned half and all documents."""
    return {"tuned": [d for d in docs if d[2] % 4 == TUNED], "untuned": [d for d in docs if d[2] % 4 != TUNED],
            "all": list(docs)}


ABLATION: list[tuple[str, Sequence[str], Callable[[Params], Params]]] = [
    ("all evidence (shipped)", (), lambda p: p),
    ("without terms", ("terms",), lambda p: p),
    ("without names", ("names",), lambda p: p),
    ("without numbers", ("nums",), lambda p: p),
    ("without key names (cosine and no-shared-key flag)", ("keys", "keys_apart"), lambda p: p),
    ("without the year", ("year_apart",), lambda p: p),
    ("without time (dormancy margin 0)", (), lambda p: replace(p, dormant_extra=0.0)),
    ("without reseating", (), lambda p: replace(p, reseat_max=0)),
    ("without merging", (), lambda p: replace(p, merge=1e9)),
    ("without reseating and merging", (), lambda p: replace(p, reseat_max=0, merge=1e9)),
    ("without re-clustering", (), lambda p: replace(p, recluster_k=0)),
    ("re-clustering without the lone-article guard", (), lambda p: replace(p, recluster_guard=False)),
    ("terms of title and lead only", ("names", "nums", "keys", "keys_apart", "year_apart"), lambda p: p),
]


def ablation(docs: Sequence[Doc]) -> list[str]:
    """Return the ablation table's markdown lines (worst of the evaluation orders, mean in brackets)."""
    parts = halves(docs)
    x, y = pairs(parts["tuned"])
    lines = ["| evidence | tuned half (topic % 4 == 1) | untuned half (topic % 4 == 3) | all 496 |", "|---|---|---|---|"]
    for label, drop, change in ABLATION:
        w = fit(x, y, drop)
        params = change(Params(model=tuple(w[n] for n in FEATURES)))
        cells = []
        for name in ("tuned", "untuned", "all"):
            f1 = [run(parts[name], params, s) for s in EVAL_SEEDS]
            cells.append(f"{min(f1):.3f} ({sum(f1) / len(f1):.3f})")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
        print(lines[-1], flush=True)
    return lines


def main(argv: list[str] | None = None) -> int:
    """Train on the tuned half and print (or write) the weights, or print the ablation table."""
    ap = argparse.ArgumentParser(prog="python -m bench.stories_train")
    ap.add_argument("gold", type=Path)
    ap.add_argument("--write", action="store_true", help=f"write the weights to {MODEL_PATH.name}")
    ap.add_argument("--ablation", action="store_true")
    args = ap.parse_args(argv)
    docs = load(args.gold)
    if args.ablation:
        ablation(docs)
        return 0
    tuned = halves(docs)["tuned"]
    x, y = pairs(tuned)
    model = {"kind": "logistic-regression", "trained_on": f"{args.gold.name}, topic % 4 == {TUNED}",
             "documents": len(tuned), "pairs": len(y), "positive": int(y.sum()), "l2": L2,
             "seeds": list(TRAIN_SEEDS), "weights": fit(x, y)}
    text = json.dumps(model, indent=1) + "\n"
    if args.write:
        MODEL_PATH.write_text(text, encoding="utf-8")
    print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
