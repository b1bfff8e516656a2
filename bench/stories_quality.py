"""Story grouping quality in shuffled arrival orders: `newsbot extract stories` scored by the shared scorer.

    .venv/bin/python -m bench.stories_quality ../shared/eval/stories/dev.jsonl --seeds 1 2 3
    .venv/bin/python -m bench.stories_quality ../shared/eval/stories/dev.jsonl --half 3    # topics with t % 4 == 3

Each seed shuffles the documents (``random.Random(seed).shuffle``), keeps only the fields the contract reads
(id, title, text, published, url), runs the same code as ``newsbot extract stories`` and scores the output with
``score.py`` beside the gold file. Prints the scorer's last line per seed and the worst B-cubed F1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from digests.stories import assign_records

FIELDS = ("id", "title", "text", "published", "url")


def main(argv: list[str] | None = None) -> int:
    """Score story assignment over shuffled orders of a gold file; print each seed's line and the worst F1."""
    ap = argparse.ArgumentParser(prog="python -m bench.stories_quality")
    ap.add_argument("gold", type=Path)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--half", type=int, choices=[1, 3], help="only topics with topic % 4 == HALF")
    args = ap.parse_args(argv)
    rows = [json.loads(x) for x in args.gold.read_text(encoding="utf-8").splitlines() if x.strip()]
    if args.half is not None:
        rows = [r for r in rows if int(r["topic"]) % 4 == args.half]
    scorer = args.gold.parent / "score.py"
    worst = 1.0
    with tempfile.TemporaryDirectory() as tmp:
        gold = Path(tmp) / "gold.jsonl"
        gold.write_text("".join(json.dumps({"id": r["id"], "story": r["story"]}) + "\n" for r in rows),
                        encoding="utf-8")
        for seed in args.seeds:
            order = rows[:]
            random.Random(seed).shuffle(order)
            out = asyncio.run(assign_records([{k: r[k] for k in FIELDS if k in r} for r in order]))
            pred = Path(tmp) / f"pred-{seed}.jsonl"
            pred.write_text("".join(json.dumps(x) + "\n" for x in out), encoding="utf-8")
            line = subprocess.run([sys.executable, str(scorer), str(gold), str(pred)], capture_output=True,
                                  text=True, check=True).stdout.strip().splitlines()[-1]
            print(f"seed {seed}: {line}")
            m = re.search(r"bcubed_f1=([0-9.]+)", line)
            worst = min(worst, float(m.group(1)) if m else 0.0)
    print(f"worst bcubed_f1 over {len(args.seeds)} orders: {worst:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
