"""Summary quality (ROUGE vs LEAD-3 by the project's own splitter) and speed, on one core.

    .venv/bin/python -m bench.summary [--jsonl ../shared/eval/summary/dev.jsonl] [--max-words 60]

Prints one row per system (LEAD-3 and ours) with ROUGE-1/2/L and mean words, then the speed of the
splitter and of the summarizer in articles per second, and the command that reproduces the figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from bench._scorer import find_scorer
from digests.nlp.sentences import split_sentences
from digests.nlp.summarize import summarize

DEFAULT_GOLD = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "summary" / "dev.jsonl"


def load_rows(path: Path) -> list[dict[str, Any]]:
    """Read a JSONL file into a list of objects."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def lead3(text: str) -> list[str]:
    """Return the first three sentences of ``text`` by the project's splitter."""
    return [text[a:b] for a, b in split_sentences(text)[:3]]


def rouge(gold: list[dict[str, Any]], preds: dict[str, str], scorer: ModuleType | None) -> dict[str, float]:
    """Return mean ROUGE-1/2/L F1 x 100 of ``preds`` against ``gold``."""
    pred_rows = [{"id": k, "summary": v} for k, v in preds.items()]
    if scorer is not None:
        per_item, _, _ = scorer.score(gold, pred_rows)
        metrics = ("rouge1", "rouge2", "rougeL", "rougeLsum")
        return {m: sum(r[m] for r in per_item) / len(per_item) for m in metrics}
    from rouge_score import rouge_scorer

    rs = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    totals = {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0}
    for g in gold:
        s = rs.score(g["summary"], preds.get(str(g["id"]), ""))
        for m in totals:
            totals[m] += s[m].fmeasure * 100
    return {m: v / len(gold) for m, v in totals.items()}


def half_of(item_id: str) -> int:
    """Return 0 or 1: a fixed 50/50 split of the set by a hash of the id (fit on one half, check the other)."""
    return int(hashlib.sha256(item_id.encode("utf-8")).hexdigest(), 16) % 2


def _rate(fn: Any, texts: list[str], min_seconds: float) -> float:
    """Return calls per second of ``fn`` over ``texts``, repeated for at least ``min_seconds``."""
    done = 0
    start = time.perf_counter()
    while True:
        for t in texts:
            fn(t)
        done += len(texts)
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return done / elapsed


def main(argv: list[str] | None = None) -> int:
    """Run the quality and speed benchmark and print its figures."""
    ap = argparse.ArgumentParser(prog="python -m bench.summary")
    ap.add_argument("--jsonl", type=Path, default=DEFAULT_GOLD)
    ap.add_argument("--sentences", type=int, default=3)
    ap.add_argument("--max-words", type=int, default=60)
    ap.add_argument("--seconds", type=float, default=2.0, help="minimum time per speed measurement")
    ap.add_argument("--out", type=Path, help="also write our predictions to this JSONL")
    args = ap.parse_args(argv)
    if not args.jsonl.exists():
        print(f"no evaluation file at {args.jsonl}; nothing to measure", file=sys.stderr)
        return 0
    gold = load_rows(args.jsonl)
    texts = [g.get("text") or "" for g in gold]
    ours = {
        str(g["id"]): "\n".join(
            summarize(g.get("text") or "", g.get("title") or "", args.sentences, args.max_words)
        )
        for g in gold
    }
    lead = {str(g["id"]): "\n".join(lead3(g.get("text") or "")) for g in gold}
    if args.out:
        with args.out.open("w", encoding="utf-8") as fh:
            for k, v in ours.items():
                fh.write(json.dumps({"id": k, "summary": v}, ensure_ascii=False) + "\n")
    scorer = find_scorer(args.jsonl)
    print(f"set={args.jsonl} articles={len(gold)} scorer={'score.py' if scorer else 'rouge_score'}")
    for name, preds in (("LEAD-3", lead), ("ours", ours)):
        r = rouge(gold, preds, scorer)
        words = [len(p.split()) for p in preds.values()]
        lsum = f" rougeLsum={r['rougeLsum']:.2f}" if "rougeLsum" in r else ""
        print(
            f"{name:7s} rouge1={r['rouge1']:.2f} rouge2={r['rouge2']:.2f} rougeL={r['rougeL']:.2f}{lsum} "
            f"mean_words={sum(words) / len(words):.1f} max_words={max(words)}"
        )
    for half in (0, 1):
        part = [g for g in gold if half_of(str(g["id"])) == half]
        if not part:
            continue
        cells = []
        for name, preds in (("LEAD-3", lead), ("ours", ours)):
            r = rouge(part, {str(g["id"]): preds[str(g["id"])] for g in part}, scorer)
            cells.append(f"{name} rouge1={r['rouge1']:.2f} rouge2={r['rouge2']:.2f}")
        print(f"half {'AB'[half]} ({len(part)} articles): " + "  ".join(cells))
    split_rate = _rate(split_sentences, texts, args.seconds)
    summ_rate = _rate(lambda t: summarize(t, "", args.sentences, args.max_words), texts, args.seconds)
    print(f"speed: split_sentences {split_rate:.0f} articles/s, summarize {summ_rate:.0f} articles/s (one core)")
    cmd = " ".join(["python -m bench.summary", *(argv if argv is not None else sys.argv[1:])])
    print(f"command: cd {os.getcwd()} && .venv/bin/{cmd}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
