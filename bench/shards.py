"""The bench's 20 command streams spread over several bot processes (shards) on one PostgreSQL store.

    .venv/bin/python -m bench.shards --articles 1000000 --database-url postgresql://…/pg1m_1m --processes 1
    .venv/bin/python -m bench.shards --articles 1000000 --database-url postgresql://…/pg1m_1m --processes 3

Each process opens its own Services (its own pools, as a shard does) and runs its share of the streams (20 split
as evenly as it goes) for ``--seconds``, with the bench's think time; with ``--ingest N`` the first process also
ingests that many articles of the bench's tail meanwhile (put the store back with ``python -m bench.bulk --reset-tail`` after).
Printed: p95 per command over all processes, commands per second, each process's private memory and loop lag.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import random
import sys
import time
from pathlib import Path
from typing import Any

from bench.corpus import Corpus
from bench.scale import (
    QUERY_KINDS,
    STREAMS,
    command_stream,
    ingest_range,
    lag_monitor,
    make_queries,
    percentile,
    rss_mb,
    setup_feeds,
    tail_start,
)


async def _shard(index: int, streams: list[int], n_articles: int, url: str, seconds: float, think_s: float,
                 ingest: int, seed: int) -> dict[str, Any]:
    from bot.commands import load
    from bot.config import Settings
    from bot.services import Services, settle_heap

    corpus = Corpus(n_articles, seed=seed)
    settings = Settings(_env_file=None, db_path=Path("unused.db"), workers=2 if ingest else 0,  # type: ignore[call-arg]
                        load_samples=False, database_url=url)
    load()
    svc = await Services.create(settings, warm=True)
    settle_heap()
    try:
        tail = tail_start(corpus)
        queries = make_queries(corpus, tail, 50, seed=seed + 1)
        random.Random(seed).shuffle(queries)
        out: dict[str, list[float]] = {}
        stop = asyncio.Event()
        lags: list[float] = []
        tasks = [asyncio.create_task(lag_monitor(lags, stop))]
        tasks += [asyncio.create_task(command_stream(svc, queries, out, stop, k * 7, think_s)) for k in streams]
        t0 = time.perf_counter()
        added = 0
        if ingest:
            source_ids = await setup_feeds(svc, corpus)
            added = await ingest_range(svc, corpus, tail, min(n_articles, tail + ingest), source_ids, batch=64,
                                       in_flight=3)
        left = seconds - (time.perf_counter() - t0)
        if left > 0:
            await asyncio.sleep(left)
        stop.set()
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - t0
        return {"index": index, "latencies": out, "seconds": elapsed, "lag_p99_ms": percentile(lags, 0.99),
                "rss_mb": rss_mb()[0], "ingested": added}
    finally:
        await svc.close()


def _run_shard(args: tuple[Any, ...], results: Any) -> None:
    results.put(asyncio.run(_shard(*args)))


def run(n_articles: int, url: str, processes: int, seconds: float, think_ms: float, ingest: int,
        seed: int = 9) -> dict[str, Any]:
    """Run the streams over ``processes`` processes; return the merged figures."""
    shares: list[list[int]] = [list(range(p, STREAMS, processes)) for p in range(processes)]
    jobs = [(p, shares[p], n_articles, url, seconds, think_ms / 1000, ingest if p == 0 else 0, seed)
            for p in range(processes)]
    # Plain processes, not a Pool: a pool's workers are daemons, which may not start the ingest's analysis workers.
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    procs = [ctx.Process(target=_run_shard, args=(job, results)) for job in jobs]
    for proc in procs:
        proc.start()
    parts = [results.get() for _ in procs]
    for proc in procs:
        proc.join()
    merged: dict[str, list[float]] = {}
    for part in parts:
        for kind, values in part["latencies"].items():
            merged.setdefault(kind, []).extend(values)
    total = sum(len(v) for v in merged.values())
    span = max(p["seconds"] for p in parts)
    return {"processes": processes, "seconds": round(span, 1), "commands": total,
            "commands_per_s": round(total / span, 1), "think_ms": think_ms, "ingest": ingest,
            "p95_ms": {k: round(percentile(merged[k], 0.95), 1) for k in QUERY_KINDS if k in merged},
            "p50_ms": {k: round(percentile(merged[k], 0.50), 1) for k in QUERY_KINDS if k in merged},
            "lag_p99_ms": [round(p["lag_p99_ms"], 1) for p in parts],
            "rss_mb": [round(p["rss_mb"]) for p in parts], "ingested": sum(p["ingested"] for p in parts)}


def main(argv: list[str] | None = None) -> int:
    """Run the command streams over several processes and print the figures as JSON."""
    ap = argparse.ArgumentParser(prog="python -m bench.shards", description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, required=True)
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--processes", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--think-ms", type=float, default=250.0)
    ap.add_argument("--ingest", type=int, default=0, metavar="N",
                    help="the first process ingests the first N articles of the bench's tail meanwhile")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    fig = run(args.articles, args.database_url, args.processes, args.seconds, args.think_ms, args.ingest)
    text = json.dumps(fig, indent=2)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
