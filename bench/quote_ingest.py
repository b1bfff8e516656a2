"""What merging quotes across articles adds to ingest: the same store, batches with and without it, alternating.

    .venv/bin/python -m bench.quote_ingest --articles 100000 --measure 4000 [--db PATH|URL] [--reuse]
        [--workers 2] [--batch 64] [--tail-jsonl ../shared/eval/stories/dev.jsonl]

Builds a store of the synthetic corpus (``bench.corpus``) up to ``articles - measure`` articles, as the bot
ingests feeds (analysis in ``--workers`` processes, quote groups assigned on write), then ingests the last
``measure`` articles one batch at a time, every other batch with quote-group assignment switched off (the
articles still stored, their quotes unindexed). Alternating batches meet the same store size, so the ratio is
the cost of assignment at that size. Prints, for each mode, articles per second end to end (analysis and
write) and the writer's milliseconds per article, and the extra ingest time assignment costs (target: at
most 10% at 100,000 articles). ``--reuse`` keeps a built store for the next run (SQLite: the file at ``--db``).

The corpus repeats few quotes word for word (about 1% within three weeks) but builds its quotes from a small
set of phrases, so many share 5-word shingles: a harder case for the key lookups than news, with about ten quotes
per 1,900 characters. ``--tail-jsonl`` measures instead on real documents (``{"id","title"?,"text","url"?}``,
e.g. the stories dev set: 2.7 quotes per article, a quarter of them carried by several) ingested as uploads on
top of the built store, cycled until ``--measure`` articles are ingested (repeats are stored as duplicates and
cost the writer little, so prefer ``--measure`` no larger than the file).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.corpus import Corpus
from bench.scale import _batches, _doc, _remove_db, ingest_range, setup_feeds
from bot.commands import load
from bot.config import Settings
from bot.services import Services
from digests.ingest import BatchDoc
from digests.store import NewArticle


@contextmanager
def grouping(on: bool) -> Iterator[None]:
    """Switch quote-group assignment on or off in this process (both backends)."""
    from digests.store import _pg_quote_groups, _quote_groups

    saved = (_quote_groups.assign_groups, _pg_quote_groups.assign_groups)
    if not on:
        def skip_sqlite(*_: Any, **__: Any) -> None:
            return None

        async def skip_pg(*_: Any, **__: Any) -> None:
            return None

        _quote_groups.assign_groups = skip_sqlite  # type: ignore[assignment]
        _pg_quote_groups.assign_groups = skip_pg  # type: ignore[assignment]
    try:
        yield
    finally:
        _quote_groups.assign_groups, _pg_quote_groups.assign_groups = saved


@contextmanager
def writer_cpu(spent: dict[str, float]) -> Iterator[None]:
    """Add up the CPU time the SQLite writer's thread spends in ``add_batch`` ."""
    from digests.store import _sqlite

    real_batch = _sqlite.add_batch

    def timed_batch(*args: Any, **kwargs: Any) -> Any:
        t0 = time.thread_time()  # the writer's own thread: other threads and processes do not count
        try:
            return real_batch(*args, **kwargs)
        finally:
            spent["cpu"] += time.thread_time() - t0

    _sqlite.add_batch = timed_batch  # type: ignore[assignment]
    try:
        yield
    finally:
        _sqlite.add_batch = real_batch  # type: ignore[assignment]


async def measure(svc: Services, batches: Iterator[list[BatchDoc]]) -> dict[bool, dict[str, float]]:
    """Ingest the batches, alternating assignment off and on; return per-mode totals."""
    out = {mode: {"articles": 0.0, "seconds": 0.0, "write_s": 0.0, "cpu": 0.0} for mode in (False, True)}
    store = svc.store
    real_add = store.add_articles
    spent = {"write": 0.0, "cpu": 0.0}

    async def timed_add(items: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return await real_add(items)
        finally:
            spent["write"] += time.perf_counter() - t0

    store.add_articles = timed_add  # type: ignore[method-assign]
    try:
        for k, docs in enumerate(batches):
            mode = k % 2 == 1
            spent["write"] = spent["cpu"] = 0.0
            with grouping(mode), writer_cpu(spent):
                t0 = time.perf_counter()
                await svc.ingestor.store_batch(docs)
                out[mode]["seconds"] += time.perf_counter() - t0
            out[mode]["articles"] += len(docs)
            out[mode]["write_s"] += spent["write"]
            out[mode]["cpu"] += spent["cpu"]
    finally:
        store.add_articles = real_add  # type: ignore[method-assign]
    return out


def _jsonl_batches(path: Path, n: int, size: int) -> Iterator[list[BatchDoc]]:
    """Yield ``n`` documents of a JSONL file as uploads to workspace local, in batches (the file cycled)."""
    with path.open(encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh if line.strip()]
    docs = []
    for r in records:
        text = str(r.get("text") or "").strip()
        if not text:
            continue
        title = str(r.get("title") or text.split("\n", 1)[0])[:200]
        url = r.get("url") if isinstance(r.get("url"), str) and r.get("url") else None
        docs.append(BatchDoc(NewArticle(title=title, text=text, url=url), ("local",), "upload"))
    picked = [docs[i % len(docs)] for i in range(n)] if docs else []
    for at in range(0, len(picked), size):
        yield picked[at:at + size]


async def run(args: argparse.Namespace) -> int:
    """Build (or reuse) the store, then measure."""
    corpus = Corpus(args.articles, seed=9)
    build_to = max(0, args.articles - args.measure)
    with tempfile.TemporaryDirectory() as tmp:
        pg = bool(args.db and args.db.startswith(("postgresql://", "postgres://")))
        db_path = Path(args.db) if args.db and not pg else Path(tmp) / "quote-ingest.db"
        if not pg and not args.reuse:
            _remove_db(db_path)
        settings = Settings(_env_file=None, db_path=db_path, workers=args.workers,  # type: ignore[call-arg]
                            load_samples=False, database_url=args.db if pg else None)
        load()
        svc = await Services.create(settings, warm=True)
        try:
            stored = await svc.store.count_articles()
            source_ids = await setup_feeds(svc, corpus)
            if stored < build_to:
                t0 = time.perf_counter()
                await ingest_range(svc, corpus, stored, build_to, source_ids, batch=args.batch,
                                   in_flight=args.workers + 1)
                print(f"build: {build_to - stored} articles in {time.perf_counter() - t0:.0f} s")
            elif stored > build_to:
                raise SystemExit(f"the store holds {stored} articles, more than the {build_to} to build; "
                                 "give an empty one")
            if args.build_only:
                return 0
            if args.tail_jsonl:
                batches = _jsonl_batches(args.tail_jsonl, args.measure, args.batch)
            else:
                batches = ([_doc(a, source_ids) for a in arts]
                           for arts in _batches(corpus, build_to, args.articles, args.batch))
            res = await measure(svc, batches)
        finally:
            await svc.close()
    for mode, name in ((False, "off"), (True, "on")):
        r = res[mode]
        print(f"assignment {name:<3}: {r['articles']:.0f} articles, {r['articles'] / r['seconds']:.1f} articles/s "
              f"end to end, writer {1000 * r['write_s'] / r['articles']:.2f} ms/article"
              + (f", writer CPU {1000 * r['cpu'] / r['articles']:.2f} ms/article" if r["cpu"] else ""))
    off, on = (res[m]["seconds"] / res[m]["articles"] for m in (False, True))
    w_off, w_on = (res[m]["write_s"] / res[m]["articles"] for m in (False, True))
    print(f"extra ingest time with assignment: {100 * (on - off) / off:+.1f}% end to end; writer "
          f"{1000 * (w_on - w_off):+.2f} ms/article ({100 * (w_on - w_off) / off:+.1f}% of the time per article)")
    if res[True]["cpu"]:
        c_off, c_on = (res[m]["cpu"] / res[m]["articles"] for m in (False, True))
        print(f"writer thread CPU (SQLite): {1000 * c_off:.2f} ms/article off, {1000 * c_on:.2f} on, "
              f"{1000 * (c_on - c_off):+.2f} ms/article with assignment")
    print(f"reproduce: {Path(sys.executable).name} -m bench.quote_ingest --articles {args.articles} "
          f"--measure {args.measure} --workers {args.workers} --batch {args.batch}"
          + (f" --db {args.db}" if args.db else "") + (f" --tail-jsonl {args.tail_jsonl}" if args.tail_jsonl else ""))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Measure what quote-group assignment adds to ingest."""
    ap = argparse.ArgumentParser(prog="python -m bench.quote_ingest")
    ap.add_argument("--articles", type=int, default=10_000, help="store size at the end of the run")
    ap.add_argument("--measure", type=int, default=2_000, help="articles ingested last, alternating modes")
    ap.add_argument("--db", help="SQLite file or PostgreSQL URL (default: a temporary SQLite file)")
    ap.add_argument("--reuse", action="store_true", help="go on from the store at --db instead of a new one")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--build-only", action="store_true",
                    help="build the store to articles - measure and stop (copy it to measure again and again)")
    ap.add_argument("--tail-jsonl", type=Path, help="measure on these documents instead of the corpus' last ones")
    args = ap.parse_args(argv)
    if args.measure <= 0 or args.measure > args.articles:
        ap.error("--measure must be between 1 and --articles")
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
