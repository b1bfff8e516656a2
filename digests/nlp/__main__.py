"""`python -m digests.nlp TASK --jsonl IN [--out OUT]`: the extract contract without the full CLI."""

from __future__ import annotations

import argparse
import sys

from digests.nlp.extract import TASKS, iter_jsonl, run


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run one extraction task."""
    ap = argparse.ArgumentParser(prog="python -m digests.nlp")
    ap.add_argument("task", choices=TASKS)
    ap.add_argument("--jsonl", required=True)
    ap.add_argument("--out")
    ap.add_argument("--sentences", type=int, default=3)
    args = ap.parse_args(argv)
    with open(args.jsonl, encoding="utf-8") as fin:
        if args.out:
            with open(args.out, "w", encoding="utf-8") as fout:
                run(args.task, iter_jsonl(fin), fout, args.sentences)
        else:
            run(args.task, iter_jsonl(fin), sys.stdout, args.sentences)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
