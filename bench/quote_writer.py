"""The SQLite writer's CPU per article with quote grouping on and off, replayed on copies of one built store.

    .venv/bin/python -m bench.quote_ingest --articles 10000 --measure 1000 --build-only --db /tmp/q9k.db
    .venv/bin/python -m bench.quote_writer --db /tmp/q9k.db --articles 10000 --count 400 [--repeat 3]

Analyses the synthetic corpus' next ``--count`` articles once (the analysis workers' part, ``analyze_and_prepare``),
then, ``--repeat`` times for each mode, copies the store and stores them with ``add_batch`` in chunks of 16 on
this thread, as the writer's thread does, with quote-group assignment on or off. Prints the thread's CPU time
(``time.thread_time``: other processes and threads do not count, so the figure holds on a loaded machine) per
article, the best of the repeats, and what assignment adds. No analysis, no event loop: only the writer.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.corpus import Corpus
from bench.scale import _doc
from digests.ingest import analyze_and_prepare
from digests.store import _batch, _quote_groups
from digests.store._batch import BatchItem

CHUNK = 16  # articles per transaction, the store's default write_chunk
_PRAGMAS = ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL", "temp_store=MEMORY", "cache_size=-32000")


def items(db: Path, articles: int, count: int) -> list[BatchItem]:
    """Return the corpus' articles after those stored, analysed and prepared as the workers would."""
    conn = sqlite3.connect(db)
    try:
        stored = int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
        by_url = {str(u): int(i) for i, u in conn.execute("SELECT id, url FROM sources")}
    finally:
        conn.close()
    corpus = Corpus(articles, seed=9)
    feeds = {f: by_url[feed.url] for f, feed in enumerate(corpus.feeds) if feed.url in by_url}
    docs = [_doc(a, feeds) for a in corpus.articles(stored, min(articles, stored + count))]
    done = analyze_and_prepare([d.article for d in docs])
    now = datetime.now(UTC)
    return [BatchItem(d.article, a, d.workspaces, d.via, d.now or now, p) for d, (a, p) in zip(docs, done, strict=True)]


def replay(db: Path, batch: Sequence[BatchItem], on: bool) -> float:
    """Store ``batch`` on a copy of ``db`` with assignment on or off; return this thread's CPU seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "replay.db"
        shutil.copy(db, copy)
        conn = sqlite3.connect(copy, isolation_level=None)
        for pragma in _PRAGMAS:
            conn.execute(f"PRAGMA {pragma}")
        saved = _quote_groups.assign_groups
        if not on:
            _quote_groups.assign_groups = lambda *_, **__: None  # type: ignore[assignment]
        # Each run starts with the writer's memory empty, as a process just started.
        _quote_groups._COMMON.clear()
        _quote_groups._NAMES.clear()
        try:
            t0 = time.thread_time()
            for at in range(0, len(batch), CHUNK):
                _batch.add_batch(conn, batch[at:at + CHUNK])
            return time.thread_time() - t0
        finally:
            _quote_groups.assign_groups = saved  # type: ignore[assignment]
            conn.close()


def main(argv: list[str] | None = None) -> int:
    """Print the writer's CPU per article with quote grouping off and on."""
    ap = argparse.ArgumentParser(prog="python -m bench.quote_writer")
    ap.add_argument("--db", type=Path, required=True, help="a store built by bench.quote_ingest --build-only")
    ap.add_argument("--articles", type=int, default=10_000, help="the corpus size the store was built for")
    ap.add_argument("--count", type=int, default=400, help="articles replayed after those stored")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    batch = items(args.db, args.articles, args.count)
    if not batch:
        ap.error("the store already holds every article of the corpus")
    best: dict[bool, float] = {}
    for _ in range(args.repeat):
        for on in (False, True):
            spent = replay(args.db, batch, on)
            best[on] = min(best.get(on, spent), spent)
            print(f"assignment {'on ' if on else 'off'}: writer CPU {1000 * spent / len(batch):.2f} ms/article",
                  flush=True)
    off, on_ = (1000 * best[m] / len(batch) for m in (False, True))
    print(f"best of {args.repeat}: off {off:.2f}, on {on_:.2f} ms/article; assignment adds {on_ - off:+.2f} ms of "
          f"writer CPU per article ({len(batch)} articles)")
    print(f"reproduce: {Path(sys.executable).name} -m bench.quote_writer --db {args.db} --articles {args.articles} "
          f"--count {args.count} --repeat {args.repeat}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
