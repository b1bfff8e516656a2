"""Story assignment speed: per-article latency at N stored, and the store's ingest rate with and without it.

    .venv/bin/python -m bench.stories --articles 100000                          # SQLite (a temporary file)
    .venv/bin/python -m bench.stories --articles 100000 --database-url postgresql://postgres@127.0.0.1:5432/x

1. build: the first N articles of the synthetic corpus stored in batches of 64 (assignment on), their MinHash and
   story signatures made by a process pool first, as the ingest workers make them;
2. latency: ``--sample`` more articles stored one at a time; the time of each one's assignment (the story
   transaction: lock, refresh, assign, write) gives p50/p95 per article at N stored;
3. throughput: ``--sample`` × 4 articles stored in batches of 64 with assignment off, then as many with it on;
   the store path only (no analysis, which runs in workers beside it in the bot), so the ratio is the most
   assignment can cost ingest.
Prints one table (and writes JSON with ``--json``); memory is this process's private resident set.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from bench.corpus import Corpus, SynthArticle
from bench.scale import percentiles, rss_mb
from digests.store import NewArticle, Store
from digests.store._batch import BatchItem, Prepared, prepare_for_store

BATCH = 64


def _new(art: SynthArticle) -> NewArticle:
    return NewArticle(title=art.title, text=art.text, url=art.url, guid=art.guid, published=art.published)


def _prepare(arts: list[NewArticle]) -> list[Prepared]:
    return [prepare_for_store(a) for a in arts]


async def _items(pool: ProcessPoolExecutor, corpus: Corpus, start: int, stop: int) -> list[BatchItem]:
    arts = [(_new(a), a.fetched, a.workspaces) for a in corpus.articles(start, stop)]
    loop = asyncio.get_running_loop()
    parts = await asyncio.gather(*(loop.run_in_executor(pool, _prepare, [a for a, _, _ in arts[i:i + BATCH]])
                                   for i in range(0, len(arts), BATCH)))
    preps = [p for part in parts for p in part]
    return [BatchItem(a, None, ws, "feed", when, p) for (a, when, ws), p in zip(arts, preps, strict=True)]


async def run(n_articles: int, url: str, *, sample: int, workers: int) -> dict[str, Any]:
    """Build a store of ``n_articles`` with stories, then time assignment and ingest; return the figures."""
    corpus = Corpus(n_articles + 9 * sample)
    store = await Store.open(url)
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    timings: list[tuple[float, int]] = []
    keeper = store.stories_keeper
    assign = keeper.assign

    async def timed_assign(ids: Any, features: Any = None, executor: Any = None) -> int:
        t0 = time.perf_counter()
        done = int(await assign(ids, features, executor))
        if done:
            timings.append(((time.perf_counter() - t0) * 1000, done))
        return done

    keeper.assign = timed_assign
    fig: dict[str, Any] = {"n_articles": n_articles, "backend": store.backend}
    try:
        t0 = time.perf_counter()
        step = 2048
        for start in range(0, n_articles, step):
            items = await _items(pool, corpus, start, min(n_articles, start + step))
            for i in range(0, len(items), BATCH):
                await store.add_articles(items[i:i + BATCH])
            print(f"\r  built {min(n_articles, start + step):,}/{n_articles:,}", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        fig["build_s"] = round(time.perf_counter() - t0, 1)
        fig["build_assign_ms_per_article"] = round(sum(t for t, _ in timings) / max(1, sum(n for _, n in timings)), 2)
        at = n_articles
        timings.clear()
        for item in await _items(pool, corpus, at, at + sample):
            await store.add_articles([item])
        at += sample
        fig["assign_one"] = percentiles([t / n for t, n in timings])
        rates = {}
        for label, enabled in (("off", False), ("on", True)):
            items = await _items(pool, corpus, at, at + 4 * sample)
            at += 4 * sample
            keeper.enabled = enabled
            t0 = time.perf_counter()
            for i in range(0, len(items), BATCH):
                await store.add_articles(items[i:i + BATCH])
            rates[label] = len(items) / (time.perf_counter() - t0)
        keeper.enabled = True
        await store.sweep_stories()
        fig["ingest_per_s_without"] = round(rates["off"], 1)
        fig["ingest_per_s_with"] = round(rates["on"], 1)
        fig["ingest_cost_pct"] = round(100 * (1 - rates["on"] / rates["off"]), 1)
        fig["stories"] = await store.count_stories()
        fig["active_stories_in_memory"] = len(keeper.assigner.stories) if keeper.assigner else 0
        fig["rss_mb"] = round(rss_mb()[0], 1)
    finally:
        pool.shutdown(cancel_futures=True)
        await store.close()
    return fig


def table(fig: dict[str, Any]) -> str:
    """Return the figures as a plain-text table."""
    one = fig["assign_one"]
    rows = [("backend", fig["backend"], ""), ("articles stored", f"{fig['n_articles']:,}", ""),
            ("stories", f"{fig['stories']:,}", ""),
            ("assignment p50 per article, ms", f"{one['p50_ms']}", ""),
            ("assignment p95 per article, ms", f"{one['p95_ms']}", "<= 10"),
            ("assignment in the build, ms per article", f"{fig['build_assign_ms_per_article']}", ""),
            ("store ingest without assignment, /s", f"{fig['ingest_per_s_without']}", ""),
            ("store ingest with assignment, /s", f"{fig['ingest_per_s_with']}", ""),
            ("ingest cost of assignment, %", f"{fig['ingest_cost_pct']}", "<= 10 (whole ingest)"),
            ("active stories held in memory", f"{fig['active_stories_in_memory']:,}", ""),
            ("rss of this process (private), MB", f"{fig['rss_mb']}", "<= 300"),
            ("build time, s", f"{fig['build_s']}", "")]
    out = [f"{'figure':<42} {'value':>12}  target", "-" * 72]
    out += [f"{name:<42} {value:>12}  {target}" for name, value, target in rows]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Run the story benchmark and print its table."""
    ap = argparse.ArgumentParser(prog="python -m bench.stories", description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--sample", type=int, default=200, help="articles timed one by one (and 4x per ingest rate)")
    ap.add_argument("--database-url", help="postgresql://… (an empty database); default a temporary SQLite file")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'stories.db'}"
        fig = asyncio.run(run(args.articles, url, sample=args.sample, workers=args.workers))
    print(table(fig))
    cmd = f"python -m bench.stories --articles {args.articles} --sample {args.sample}"
    print(f"\nreproduce: {cmd}" + (" --database-url URL" if args.database_url else ""))
    if args.json:
        args.json.write_text(json.dumps(fig, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
