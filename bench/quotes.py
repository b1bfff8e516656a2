"""Quote extraction speed on one core, over the quotes dev set.

    .venv/bin/python -m bench.quotes [--jsonl ../shared/eval/quotes/dev.jsonl] [--repeat 5]

Runs ``extract_quotes`` over every article, ``--repeat`` times, and prints articles per second (best pass),
the number of quotes found and the command that reproduces the figures. Skips with a message when the
evaluation file is absent.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench._timing import best_rate
from digests.nlp.quotes import extract_quotes

DEFAULT_JSONL = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "quotes" / "dev.jsonl"


def load_texts(path: Path) -> list[str]:
    """Read the ``text`` field of every JSONL line."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line).get("text") or "" for line in fh if line.strip()]


def measure(texts: list[str], repeat: int) -> tuple[float, int]:
    """Return (articles per second of the best pass, quotes found in one pass)."""
    return best_rate(texts, lambda t: len(extract_quotes(t)), repeat)


def main(argv: list[str] | None = None) -> int:
    """Print quote-extraction speed over the dev set, or a skip message when it is absent."""
    ap = argparse.ArgumentParser(prog="python -m bench.quotes")
    ap.add_argument("--jsonl", type=Path, default=DEFAULT_JSONL)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    if not args.jsonl.exists():
        print(f"bench.quotes: skipped, {args.jsonl} not found")
        return 0
    texts = load_texts(args.jsonl)
    rate, found = measure(texts, args.repeat)
    chars = sum(len(t) for t in texts)
    print(f"quotes: {len(texts)} articles ({chars} chars), {found} quotes, {rate:.0f} articles/s on one core "
          f"(best of {args.repeat})")
    print(f"reproduce: {Path(sys.executable).name} -m bench.quotes --jsonl {args.jsonl} --repeat {args.repeat}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
