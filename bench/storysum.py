"""Story summary quality on the multi-outlet set (storysum), by the set's own scorer, whole and per half.

    .venv/bin/python -m bench.storysum [--jsonl ../shared/eval/storysum/dev.jsonl] [--max-words 80] [--out PRED]

Runs `newsbot extract story-summary`'s code over every story and prints the scorer's last line for the whole set
and for each half (sha256 of the story id, even = half A, on which the settings were chosen; odd = half B, not
tuned on), beside the baseline of each story's first article (what a digest showed before).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

from bench._scorer import find_scorer
from digests.stories._summary import run_story_summaries

DEFAULT_GOLD = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "storysum" / "dev.jsonl"


def half_of(story_id: str) -> str:
    """Return "A" (settings chosen on it) or "B" (not tuned on) by sha256 of the story id."""
    return "A" if int(hashlib.sha256(story_id.encode("utf-8")).hexdigest(), 16) % 2 == 0 else "B"


def last_line(scorer: ModuleType, gold: list[dict[str, Any]], preds: list[dict[str, Any]]) -> str:
    """Run the scorer's main() on ``gold`` and ``preds`` and return its last line (R1, R2, RLsum, words)."""
    with tempfile.TemporaryDirectory(prefix="newsbot-storysum-") as tmp:
        g, p = Path(tmp) / "gold.jsonl", Path(tmp) / "pred.jsonl"
        g.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in gold), encoding="utf-8")
        p.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in preds), encoding="utf-8")
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            scorer.main([str(g), str(p), "--bootstrap", "0"])
    return buf.getvalue().rstrip("\n").rsplit("\n", 1)[-1]


def main(argv: list[str] | None = None) -> int:
    """Summarize every story of the set and print the scorer's figures, whole and per half."""
    ap = argparse.ArgumentParser(prog="python -m bench.storysum", description=__doc__.split("\n")[0])
    ap.add_argument("--jsonl", type=Path, default=DEFAULT_GOLD)
    ap.add_argument("--max-words", type=int, default=80)
    ap.add_argument("--out", type=Path, help="also write the predictions to this JSONL")
    args = ap.parse_args(argv)
    if not args.jsonl.exists():
        print(f"no evaluation file at {args.jsonl}; nothing to measure", file=sys.stderr)
        return 0
    scorer = find_scorer(args.jsonl)
    if scorer is None:
        print(f"no score.py beside {args.jsonl}", file=sys.stderr)
        return 1
    gold = [json.loads(line) for line in args.jsonl.open(encoding="utf-8") if line.strip()]
    buf = io.StringIO()
    run_story_summaries(gold, buf, max_words=args.max_words)
    ours = [json.loads(line) for line in buf.getvalue().splitlines()]
    first = [{"id": g["id"], "summary": (g["articles"][0].get("text") or "") if g["articles"] else ""} for g in gold]
    if args.out:
        args.out.write_text(buf.getvalue(), encoding="utf-8")
    print(f"set={args.jsonl} stories={len(gold)} (half A {sum(half_of(g['id']) == 'A' for g in gold)} tuned on, "
          f"half B {sum(half_of(g['id']) == 'B' for g in gold)} not)")
    for label, part in (("all", gold), ("half A", [g for g in gold if half_of(g["id"]) == "A"]),
                        ("half B", [g for g in gold if half_of(g["id"]) == "B"])):
        ids = {g["id"] for g in part}
        print(f"{label:7s} ours          {last_line(scorer, part, [p for p in ours if p['id'] in ids])}")
        print(f"{label:7s} first article {last_line(scorer, part, [p for p in first if p['id'] in ids])}")
    cmd = " ".join(["python -m bench.storysum", *(argv if argv is not None else sys.argv[1:])])
    print(f"command: cd {os.getcwd()} && .venv/bin/{cmd}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
