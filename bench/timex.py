"""Temporal-expression extraction speed on one core, over the timex dev set.

    .venv/bin/python -m bench.timex [--jsonl ../shared/eval/timex/dev.jsonl] [--repeat 5]

Runs ``extract_timexes`` over every document (resolved against its publication date), ``--repeat`` times,
and prints documents per second (best pass), the number of expressions found and the command that
reproduces the figures. Skips with a message when the evaluation file is absent.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from bench._timing import best_rate
from digests.nlp.timex import extract_timexes

DEFAULT_JSONL = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "timex" / "dev.jsonl"


def _published(value: object) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def load_docs(path: Path) -> list[tuple[str, date | None]]:
    """Read (text, publication date) from every JSONL line."""
    docs: list[tuple[str, date | None]] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                obj = json.loads(line)
                docs.append((obj.get("text") or "", _published(obj.get("published"))))
    return docs


def measure(docs: list[tuple[str, date | None]], repeat: int) -> tuple[float, int]:
    """Return (documents per second of the best pass, expressions found in one pass)."""
    return best_rate(docs, lambda d: len(extract_timexes(*d)), repeat)


def main(argv: list[str] | None = None) -> int:
    """Print timex-extraction speed over the dev set, or a skip message when it is absent."""
    ap = argparse.ArgumentParser(prog="python -m bench.timex")
    ap.add_argument("--jsonl", type=Path, default=DEFAULT_JSONL)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    if not args.jsonl.exists():
        print(f"bench.timex: skipped, {args.jsonl} not found")
        return 0
    docs = load_docs(args.jsonl)
    rate, found = measure(docs, args.repeat)
    print(f"bench.timex: {len(docs)} documents, {found} timexes, {rate:.0f} documents/s (best of {args.repeat})")
    print(f"reproduce: {sys.executable} -m bench.timex --jsonl {args.jsonl} --repeat {args.repeat}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
