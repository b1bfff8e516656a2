"""Story-timeline quality on the SemEval-2015 TimeLine dev set, whole and by halves of its documents.

    .venv/bin/python -m bench.storytl [--docs ../shared/eval/storytl/docs.jsonl] [--gold .../dev.jsonl]

Runs what `newsbot extract timelines` runs (documents stored in order into a throw-away store, each target
entity answered as `/timeline` answers it), then scores the whole set and two halves with the set's own
``score.py``. The halves split the documents by sorted numeric id (even positions A, odd B): gold events keep
only their mentions in the half's documents (events with none are dropped) and predictions only items from
them. Rules were tuned looking at half A only; half B is the figure nobody looked into. Skips with a message
when the evaluation files are absent.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from digests.stories.timeline_extract import run_timelines

EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "storytl"


def _rows(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def halves(docs: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Return the document ids of each half: A at even positions of the ids sorted as numbers, B at odd."""
    ids = sorted((str(d["id"]) for d in docs), key=lambda x: (len(x), x))
    return {"A": set(ids[0::2]), "B": set(ids[1::2])}


def restrict(gold: list[dict[str, Any]], pred: list[dict[str, Any]], keep: set[str]
             ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return gold and predictions cut to the documents in ``keep``."""
    g_out = []
    for g in gold:
        events = []
        for e in g["events"]:
            mentions = [m for m in e.get("mentions") or [] if m["doc"] in keep]
            if mentions:
                events.append(dict(e, mentions=mentions, doc=mentions[0]["doc"], sentence=mentions[0]["sentence"],
                                   mention=mentions[0]["mention"]))
        g_out.append(dict(g, events=events))
    p_out = [dict(p, events=[e for e in p["events"] if str(e["doc"]) in keep]) for p in pred]
    return g_out, p_out


def score(scorer: Path, gold: list[dict[str, Any]], pred: list[dict[str, Any]]) -> str:
    """Return the scorer's summary (its last line) for these gold and predicted timelines."""
    with tempfile.TemporaryDirectory() as tmp:
        g, p = Path(tmp) / "gold.jsonl", Path(tmp) / "pred.jsonl"
        g.write_text("".join(json.dumps(x) + "\n" for x in gold), encoding="utf-8")
        p.write_text("".join(json.dumps(x) + "\n" for x in pred), encoding="utf-8")
        out = subprocess.run([sys.executable, str(scorer), str(g), str(p)], capture_output=True, text=True,
                             check=True).stdout.strip().splitlines()
    return out[-1] if out else ""


def main(argv: list[str] | None = None) -> int:
    """Print the story-timeline scores (whole, half A, half B), or a skip message without the data."""
    ap = argparse.ArgumentParser(prog="python -m bench.storytl")
    ap.add_argument("--docs", type=Path, default=EVAL / "docs.jsonl")
    ap.add_argument("--gold", type=Path, default=EVAL / "dev.jsonl")
    ap.add_argument("--pred-out", type=Path, help="also write the predictions here")
    args = ap.parse_args(argv)
    scorer = args.gold.parent / "score.py"
    if not (args.docs.exists() and args.gold.exists() and scorer.exists()):
        print(f"bench.storytl: skipped, {args.docs.parent} has no docs, gold or score.py")
        return 0
    docs, gold = _rows(args.docs), _rows(args.gold)
    buf = io.StringIO()
    asyncio.run(run_timelines(docs, [{"entity": g["entity"]} for g in gold], buf))
    pred = [json.loads(line) for line in buf.getvalue().splitlines() if line.strip()]
    if args.pred_out:
        args.pred_out.write_text(buf.getvalue(), encoding="utf-8")
    print(f"bench.storytl all: {score(scorer, gold, pred)}")
    for name, keep in halves(docs).items():
        g, p = restrict(gold, pred, keep)
        print(f"bench.storytl half {name} ({len(keep)} docs): {score(scorer, g, p)}")
    print(f"reproduce: {sys.executable} -m bench.storytl --docs {args.docs} --gold {args.gold}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
