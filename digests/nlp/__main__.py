"""`python -m digests.nlp TASK --jsonl IN [--out OUT]`: the extract contract without the full CLI."""

from __future__ import annotations

import argparse

from digests.nlp.extract import TASKS, run_path


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run one extraction task."""
    ap = argparse.ArgumentParser(prog="python -m digests.nlp")
    ap.add_argument("task", choices=TASKS)
    ap.add_argument("--jsonl", required=True)
    ap.add_argument("--out")
    ap.add_argument("--sentences", type=int, default=3)
    args = ap.parse_args(argv)
    run_path(args.task, args.jsonl, args.out, args.sentences)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
