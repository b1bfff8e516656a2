"""Quotes merged across outlets, as the store assigns them on ingest, written in the ``--quotes-out`` format.

    .venv/bin/python -m bench.quote_groups [--jsonl ../shared/eval/stories/dev.jsonl] [--out Q.jsonl]
        [--gold ../shared/eval/stories/quotes_dev.jsonl] [--db URL] [--per-article] [--tuned-only]

Ingests each document of IN (``{"id","title"?,"text","published"?,"url"?}``) as ``newsbot ingest`` ingests one
file (the text field only: its first line is the title), in file order, into a throw-away store (a temporary
SQLite file, or ``--db`` for a PostgreSQL test database), then writes one line per merged quote:
``{"quote","speaker","ids":[document ids],"variants":[other wordings]}`` (plus ``"split"`` when the outlets'
evidence is even). ``--per-article`` writes one line per stored quote instead (the output before merging).
With ``--gold``, the lines are scored with ``quotes_score.py`` beside it, on every group and on each half of
the topics (topic % 4 == 1: the half tuned on; topic % 4 == 3: the half not tuned on).

``newsbot extract stories --jsonl IN --out OUT --quotes-out Q`` writes the same lines from its own in-memory
store (there each record's title is kept apart and its whole text stored); this script ingests as the labels of
``quotes_dev.jsonl`` were made, and prints per-half figures.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from digests.ingest import DocumentError, Fetcher, Ingestor, document_from_text
from digests.store import Store
from digests.stories import quote_lines

EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "stories"
WORKSPACE = "local"


async def ingest(records: Sequence[dict[str, Any]], url: str) -> tuple[Store, dict[int, list[str]]]:
    """Store every record as one uploaded file would be; return the store and article id -> document ids."""
    store = await Store.open(url)
    ingestor = Ingestor(store, Fetcher())
    ids: dict[int, list[str]] = {}
    try:
        for r in records:
            try:
                doc = document_from_text(str(r.get("text") or ""), name=str(r.get("id")))
            except DocumentError:
                continue
            out = await ingestor.store_document(doc, workspace=WORKSPACE, via="upload", source=str(r.get("id")))
            if out.article_id is not None:
                ids.setdefault(out.article_id, []).append(str(r.get("id")))
    finally:
        await ingestor.fetcher.close()
    return store, ids


def _scorer(gold: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("quotes_score", gold.parent / "quotes_score.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"no quotes_score.py beside {gold}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HALVES = (("all", None), ("tuned (topic % 4 == 1)", 1), ("untuned (topic % 4 == 3)", 3))


def score(gold_path: Path, lines: list[dict[str, Any]], *, tuned_only: bool = False) -> list[str]:
    """Return the scorer's figures for all gold groups and for each half of the topics (or the tuned half)."""
    scorer = _scorer(gold_path)
    gold = scorer.load_jsonl(str(gold_path))
    out = []
    for name, keep in HALVES[1:2] if tuned_only else HALVES:
        part = [g for g in gold if keep is None or _topic(g) % 4 == keep]
        res, _ = scorer.evaluate(part, [dict(x) for x in lines], 0.5)
        out.append(f"{name:<26} groups={len(part):>3} xo_instance_acc={res['xo_instance_acc']:.3f} "
                   f"xo_group_acc={res['xo_group_acc']:.3f} xo_whole={res['xo_whole']:.3f} "
                   f"junk_shown={res['junk_shown']:.2f}")
    return out


def _topic(group: dict[str, Any]) -> int:
    first = str((group.get("instances") or [{}])[0].get("id", "0"))
    head = first.split("_", 1)[0]
    return int(head) if head.isdigit() else 0


async def run(args: argparse.Namespace) -> int:
    """Ingest, write the merged quotes, and score them when a gold file is given."""
    with args.jsonl.open(encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        store, ids = await ingest(records, args.db or str(Path(tmp) / "quotes.db"))
        try:
            lines = await quote_lines(store, WORKSPACE, ids, per_article=args.per_article)
        finally:
            await store.close()
    if args.out:
        with args.out.open("w", encoding="utf-8") as fh:
            for line in lines:
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    merged = sum(1 for x in lines if len(x["ids"]) > 1)
    print(f"quote_groups: {len(records)} documents, {len(ids)} stored, {len(lines)} quotes shown, "
          f"{merged} carried by 2+ documents")
    if args.gold:
        for line in score(args.gold, lines, tuned_only=args.tuned_only):
            print(line)
    print(f"reproduce: {Path(sys.executable).name} -m bench.quote_groups --jsonl {args.jsonl}"
          + (f" --gold {args.gold}" if args.gold else "") + (" --per-article" if args.per_article else ""))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the merged-quotes benchmark (skips with a message when the evaluation file is absent)."""
    ap = argparse.ArgumentParser(prog="python -m bench.quote_groups")
    ap.add_argument("--jsonl", type=Path, default=EVAL / "dev.jsonl")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--gold", type=Path)
    ap.add_argument("--db", help="a PostgreSQL test database URL (default: a temporary SQLite file)")
    ap.add_argument("--per-article", action="store_true", help="one line per stored quote (before merging)")
    ap.add_argument("--tuned-only", action="store_true", help="score only the half tuned on (while tuning)")
    args = ap.parse_args(argv)
    if not args.jsonl.exists():
        print(f"bench.quote_groups: skipped, {args.jsonl} not found")
        return 0
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
