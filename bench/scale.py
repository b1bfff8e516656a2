"""Benchmarks at scale: build a store from the synthetic corpus, then time commands through the real handlers.

Phases, all in one process that plays the bot (Services over a real SQLite file):

1. analysis speed on one core (``analyze`` in this process over a sample of the corpus);
2. build: every article but the tail ingested in batches through ``Ingestor.store_batch`` (analysis in a
   process pool over ``workers`` cores, one transaction per batch on the writer's thread);
3. the tail ingested at full speed beside 20 concurrent command streams while a task measures how late a
   10 ms sleep wakes up (the event loop's lag);
4. queries on the idle store: each command through ``run_line`` and autocomplete through
   ``bot.handlers.autocomplete``, latencies in milliseconds; the digest over the tail's 1,000 new articles.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.corpus import WORKSPACES, Corpus, SynthArticle
from bot.commands import Invocation, load, run_line
from bot.config import Settings
from bot.handlers import autocomplete
from bot.services import Services, settle_heap
from digests.ingest import BatchDoc
from digests.nlp.pipeline import analyze
from digests.store import NewArticle

QUERY_KINDS = ("who_said", "quotes", "timeline", "search", "summary", "story", "autocomplete")
DIGEST_ARTICLES = 1000
STREAMS = 20
IDLE_STREAMS_S = 8.0
LAG_TICK_S = 0.010


@dataclass
class Figures:
    """Everything one run measured; ``as_json`` gives the documented key layout."""

    n_articles: int
    analyze_articles_per_s: float = 0.0
    ingest_articles_per_s: float = 0.0
    build_s: float = 0.0
    db_bytes_per_article: float = 0.0
    rss_mb: float = 0.0
    rss_peak_mb: float = 0.0
    rss_file_mb: float = 0.0
    loop_lag_p99_ms: float = 0.0
    loop_lag_max_ms: float = 0.0
    tail_ingest_articles_per_s: float = 0.0
    idle_lag_p99_ms: float = 0.0
    loaded: bool = False
    think_ms: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=dict)
    under_ingest: dict[str, list[float]] = field(default_factory=dict)
    idle_streams: dict[str, list[float]] = field(default_factory=dict)
    digest_articles: int = 0
    errors: int = 0

    def as_json(self) -> dict[str, Any]:
        """Return the figures: scalars at the top, one {p50_ms, p95_ms, p99_ms, n} object per command."""
        out: dict[str, Any] = {
            "n_articles": self.n_articles,
            "analyze_articles_per_s": round(self.analyze_articles_per_s, 1),
            "ingest_articles_per_s": round(self.ingest_articles_per_s, 1),
            "build_s": round(self.build_s, 1),
            "db_bytes_per_article": round(self.db_bytes_per_article),
            "rss_mb": round(self.rss_mb, 1),
            "rss_peak_mb": round(self.rss_peak_mb, 1),
            "rss_file_mb": round(self.rss_file_mb, 1),
            "loop_lag_p99_ms": round(self.loop_lag_p99_ms, 2),
            "loop_lag_max_ms": round(self.loop_lag_max_ms, 2),
            "tail_ingest_articles_per_s": round(self.tail_ingest_articles_per_s, 1),
            "idle_loop_lag_p99_ms": round(self.idle_lag_p99_ms, 2),
            "loaded_other_core": self.loaded,
            "stream_think_ms": self.think_ms,
            "digest_articles": self.digest_articles,
            "command_errors": self.errors,
        }
        for kind, values in self.latencies.items():
            out[kind] = percentiles(values)
        out["under_ingest"] = {kind: percentiles(v) for kind, v in self.under_ingest.items()}
        out["idle_streams"] = {kind: percentiles(v) for kind, v in self.idle_streams.items()}
        # What a user feels: each command's p95 beside ingest over its p95 beside the same streams, no ingest.
        out["ingest_ratio"] = {kind: round(percentile(v, 0.95) / max(1e-9, percentile(self.idle_streams[kind], 0.95)), 2)
                               for kind, v in self.under_ingest.items() if self.idle_streams.get(kind)}
        return out


def percentile(values: list[float], q: float) -> float:
    """Return the ``q`` quantile (0..1) of ``values`` by nearest rank; 0.0 when empty."""
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))]


def percentiles(values: list[float]) -> dict[str, float]:
    """Return p50/p95/p99 in milliseconds and the sample count."""
    return {"p50_ms": round(percentile(values, 0.50), 2), "p95_ms": round(percentile(values, 0.95), 2),
            "p99_ms": round(percentile(values, 0.99), 2), "n": len(values)}


def _status_kb(field_name: str) -> float:
    with contextlib.suppress(OSError), open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field_name + ":"):
                return float(line.split()[1])
    return 0.0


def rss_mb() -> tuple[float, float, float]:
    """Return (private resident, peak resident, file-backed resident) memory of this process in MB (Linux /proc).

    The store memory-maps the database, so VmRSS also counts database pages that are the OS page cache,
    shared with the file and reclaimable; the bot's own memory is the anonymous part (RssAnon + RssShmem).
    """
    private = (_status_kb("RssAnon") + _status_kb("RssShmem")) / 1024
    return private, _status_kb("VmHWM") / 1024, _status_kb("RssFile") / 1024


def tail_start(corpus: Corpus, workspace: str = WORKSPACES[0], wanted: int = DIGEST_ARTICLES) -> int:
    """Return the first index of the tail that holds ``wanted`` articles of ``workspace`` (at most a fifth)."""
    n = len(corpus)
    floor = n - max(1, n // 5) if n < 5 * wanted else 0
    seen = 0
    i = n
    while i > floor and seen < wanted:
        i -= 1
        if workspace in corpus.feeds[(i * 7919 + corpus.seed) % len(corpus.feeds)].workspaces:
            seen += 1
    return i


def _doc(art: SynthArticle, source_ids: dict[int, int]) -> BatchDoc:
    new = NewArticle(title=art.title, text=art.text, url=art.url, guid=art.guid, published=art.published,
                     source_id=source_ids.get(art.feed))
    return BatchDoc(new, art.workspaces, "feed", art.fetched)


def _batches(corpus: Corpus, start: int, stop: int, size: int) -> Iterator[list[SynthArticle]]:
    batch: list[SynthArticle] = []
    for art in corpus.articles(start, stop):
        batch.append(art)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


async def ingest_range(svc: Services, corpus: Corpus, start: int, stop: int, source_ids: dict[int, int], *,
                       batch: int, in_flight: int, progress: Callable[[int], None] | None = None) -> int:
    """Ingest articles ``start``..``stop`` with ``in_flight`` batches overlapping; return how many were added."""
    sem = asyncio.Semaphore(in_flight)
    added = 0
    done = 0
    tasks: set[asyncio.Task[None]] = set()

    async def one(arts: list[SynthArticle]) -> None:
        nonlocal added, done
        try:
            outcomes = await svc.ingestor.store_batch([_doc(a, source_ids) for a in arts])
            added += sum(o.status == "added" for o in outcomes)
            done += len(arts)
            if progress:
                progress(done)
        finally:
            sem.release()

    for arts in _batches(corpus, start, stop, batch):
        await sem.acquire()
        # Generating the next batch is the producer's work; yield so writes and commands interleave.
        task = asyncio.create_task(one(arts))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        await asyncio.sleep(0)
    while tasks:
        await asyncio.gather(*tasks)
    return added


async def setup_feeds(svc: Services, corpus: Corpus) -> dict[int, int]:
    """Create each feed's source and its workspaces' subscriptions; return feed index -> source id."""
    ids = {}
    for f, feed in enumerate(corpus.feeds):
        src = await svc.store.source("feed", feed.url, feed.title)
        ids[f] = src.id
        for ws in feed.workspaces:
            await svc.store.subscribe(ws, "news", src.id)
    return ids


# ---- query mixes ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Query:
    """One timed request: a command line or an autocomplete, in a workspace."""

    kind: str
    workspace: str
    line: str = ""
    complete: tuple[str, str] | None = None


def make_queries(corpus: Corpus, stop: int, per_kind: int, seed: int = 99) -> list[Query]:
    """Return ``per_kind`` queries of each kind drawn from articles below ``stop`` (so they have answers)."""
    rng = random.Random(seed)
    out: list[Query] = []
    for kind in QUERY_KINDS:
        for _ in range(per_kind):
            art = corpus.article(rng.randrange(max(1, stop)))
            ws = rng.choice(art.workspaces)
            q = rng.choice(art.quotes) if art.quotes else None
            words = [w.strip(".,;:!?“”\"") for w in (q.quote if q else art.title).split()]
            words = [w for w in words if w and "'" not in w]
            if kind == "who_said":
                k = rng.randint(2, 4)
                at = rng.randrange(max(1, len(words) - k))
                out.append(Query(kind, ws, "/who-said " + " ".join(words[at:at + k])))
            elif kind == "quotes":
                name = q.speaker if q else corpus.speakers[0].name
                topic = rng.choice(art.title.split())
                line = f"/quotes {name}" + (f" topic:{topic}" if rng.random() < 0.3 else "")
                out.append(Query(kind, ws, line))
            elif kind == "timeline":
                title_words = [w for w in art.title.split() if len(w) > 3 and w[0].islower()]
                topic = " ".join(title_words[-2:]) or art.title.split()[0]
                out.append(Query(kind, ws, "/timeline " + topic))
            elif kind == "search":
                k = rng.randint(1, 3)
                pool = [w for w in art.title.split() + words if len(w) > 3]
                out.append(Query(kind, ws, "/search " + " ".join(rng.sample(pool, min(k, len(pool))))))
            elif kind == "summary":
                out.append(Query(kind, ws, "/summary " + " ".join(art.title.split()[: rng.randint(2, 5)])))
            elif kind == "story":
                # Headline words of a stored article: /story finds the newest story they match and builds its page.
                title_words = [w for w in art.title.split() if len(w) > 3]
                k = rng.randint(1, 3)
                out.append(Query(kind, ws, "/story " + " ".join(title_words[:k] or art.title.split()[:2])))
            else:
                if rng.random() < 0.7:
                    name = q.speaker if q else corpus.speakers[0].name
                    part = rng.choice(name.split())
                    out.append(Query(kind, ws, complete=("speaker", part[: rng.randint(1, len(part))])))
                else:
                    title = art.title
                    out.append(Query(kind, ws, complete=("article", title[: rng.randint(3, min(20, len(title)))])))
    return out


async def run_query(svc: Services, q: Query, now: datetime | None = None) -> tuple[float, bool]:
    """Run one query through the real handler; return (milliseconds, whether it failed)."""
    inv = Invocation(workspace=q.workspace, channel="news", user="bench", now=now or datetime.now(UTC))
    t0 = time.perf_counter()
    if q.complete:
        await autocomplete(svc, inv, q.complete[0], q.complete[1])
        failed = False
    else:
        reply = await run_line(svc, inv, q.line)
        failed = reply.error
    return (time.perf_counter() - t0) * 1000, failed


async def time_queries(svc: Services, queries: list[Query], figures: Figures) -> None:
    """Run every query once, one after another, and record its latency under its kind."""
    for q in queries:
        ms, failed = await run_query(svc, q)
        figures.latencies.setdefault(q.kind, []).append(ms)
        figures.errors += failed


async def lag_monitor(samples: list[float], stop: asyncio.Event) -> None:
    """Record how late each 10 ms sleep wakes up, in milliseconds, until ``stop`` is set."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        t0 = loop.time()
        await asyncio.sleep(LAG_TICK_S)
        samples.append(max(0.0, (loop.time() - t0 - LAG_TICK_S) * 1000))


async def command_stream(svc: Services, queries: list[Query], out: dict[str, list[float]], stop: asyncio.Event,
                         offset: int, think_s: float = 0.0) -> None:
    """Run queries round-robin from ``offset`` until ``stop`` is set, recording latencies by kind.

    Between two commands the stream's user "thinks" for an exponential time of mean ``think_s`` (none at 0):
    with no think time the streams measure the bot's saturation, not what one user waits.
    """
    rng = random.Random(offset)
    i = offset
    if think_s > 0:
        # Users arrive at random moments: twenty streams firing their first command together would queue behind
        # one another and put that burst, not ingest, into the p95 of a short phase.
        await asyncio.sleep(rng.expovariate(1 / think_s))
    while not stop.is_set():
        q = queries[i % len(queries)]
        ms, _ = await run_query(svc, q)
        out.setdefault(q.kind, []).append(ms)
        i += 1
        if think_s > 0:
            await asyncio.sleep(rng.expovariate(1 / think_s))


async def timed(coro: Awaitable[Any]) -> tuple[Any, float]:
    """Await ``coro`` and return (its result, seconds taken)."""
    t0 = time.perf_counter()
    result = await coro
    return result, time.perf_counter() - t0


async def streams_alone(svc: Services, queries: list[Query], out: dict[str, list[float]], seconds: float,
                        think_s: float) -> float:
    """Run the command streams for ``seconds`` with nothing else going on; return the loop lag p99 (ms)."""
    stop = asyncio.Event()
    lags: list[float] = []
    tasks = [asyncio.create_task(lag_monitor(lags, stop))]
    tasks += [asyncio.create_task(command_stream(svc, queries, out, stop, k * 7, think_s)) for k in range(STREAMS)]
    await asyncio.sleep(seconds)
    stop.set()
    await asyncio.gather(*tasks)
    return percentile(lags, 0.99)


@contextlib.contextmanager
def busy_other_core(on: bool) -> Iterator[None]:
    """Keep an unrelated process spinning on a core while the block runs (the shared-machine mode)."""
    if not on:
        yield
        return
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])  # noqa: S603 - our own interpreter
    try:
        yield
    finally:
        proc.kill()
        proc.wait()


def measure_analysis(corpus: Corpus, sample: int) -> float:
    """Return articles per second of ``analyze`` on this one core over the first ``sample`` articles."""
    arts = list(corpus.articles(0, sample))
    analyze(arts[0].text, arts[0].title, arts[0].published.date())  # warm regexes and caches
    t0 = time.perf_counter()
    for a in arts:
        analyze(a.text, a.title, a.published.date())
    return len(arts) / (time.perf_counter() - t0)


def _window(span: timedelta) -> tuple[timedelta, str]:
    """Return the smallest /digest duration (minutes, else hours) covering ``span``, and its spelling."""
    minutes = int(span.total_seconds() // 60) + 1
    if minutes <= 99_999:
        return timedelta(minutes=minutes), f"{minutes}m"
    hours = minutes // 60 + 1
    return timedelta(hours=hours), f"{hours}h"


def _remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def _db_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(str(path) + "-wal")) if p.exists())


async def _pg_bytes(svc: Services) -> int:
    row = await svc.store._one("SELECT pg_database_size(current_database())")  # type: ignore[attr-defined]
    return int(row[0]) if row else 0


async def run(n_articles: int, db_path: Path, *, workers: int = 2, batch: int = 64, per_kind: int = 200,
              reuse: bool = False, seed: int = 9, log: Callable[[str], None] = print,
              database_url: str | None = None, load_other_core: bool = False, think_ms: float = 250.0,
              build_only: bool = False) -> Figures:
    """Run every phase and return the figures (over the SQLite file, or PostgreSQL when given its URL)."""
    with busy_other_core(load_other_core):
        fig = await _run(n_articles, db_path, workers=workers, batch=batch, per_kind=per_kind, reuse=reuse,
                         seed=seed, log=log, database_url=database_url, think_s=think_ms / 1000,
                         build_only=build_only)
    fig.loaded = load_other_core
    fig.think_ms = think_ms
    return fig


async def _vacuum(database_url: str | None) -> None:
    """Run what autovacuum does on a production server (it is off on the test server)."""
    # The visibility map lets the workspace probes be index-only, and the planner gets statistics.
    import asyncpg

    con = await asyncpg.connect(database_url)
    try:
        await con.execute("VACUUM (ANALYZE)")
    finally:
        await con.close()


async def _run(n_articles: int, db_path: Path, *, workers: int, batch: int, per_kind: int, reuse: bool, seed: int,
               log: Callable[[str], None], database_url: str | None, think_s: float,
               build_only: bool = False) -> Figures:
    corpus = Corpus(n_articles, seed=seed)
    fig = Figures(n_articles=n_articles)
    fig.analyze_articles_per_s = measure_analysis(corpus, min(300, n_articles))
    log(f"analysis: {fig.analyze_articles_per_s:.0f} articles/s on one core")
    pg = bool(database_url and database_url.startswith(("postgresql://", "postgres://")))
    settings = Settings(_env_file=None, db_path=db_path, workers=workers, load_samples=False,  # type: ignore[call-arg]
                        database_url=database_url if pg else None)
    load()
    fresh = not reuse if pg else not (reuse and db_path.exists())  # noqa: ASYNC240 - before the loop has other work
    if fresh and not pg:
        _remove_db(db_path)
    svc = await Services.create(settings, warm=True)
    settle_heap()  # as the bot does after start-up
    try:
        if fresh and pg and await svc.store.count_articles():
            raise SystemExit("bench: the PostgreSQL database is not empty; give an empty one (or --reuse)")
        tail = tail_start(corpus)
        # A reused store that holds only the build (``--build-only``) goes on with the streams and the tail, so
        # one slow build serves several runs of the part that is measured (copy the store first: it grows).
        resume = not fresh and await svc.store.count_articles() == tail
        if fresh or resume:
            source_ids = await setup_feeds(svc, corpus)
        if fresh:
            step = max(1, tail // 10)
            marks = iter(range(step, tail + step, step))
            mark = next(marks)

            def progress(done: int) -> None:
                nonlocal mark
                if done >= mark:
                    log(f"build: {done}/{tail} articles, {done / (time.perf_counter() - t_build):.0f}/s")
                    mark = next(marks, tail + 1)

            t_build = time.perf_counter()
            await ingest_range(svc, corpus, 0, tail, source_ids, batch=batch, in_flight=workers + 1,
                               progress=progress)
            fig.build_s = time.perf_counter() - t_build
            fig.ingest_articles_per_s = tail / fig.build_s if fig.build_s else 0.0
            log(f"build: {tail} articles in {fig.build_s:.1f} s ({fig.ingest_articles_per_s:.0f}/s)")
            if build_only:
                return fig
        if pg and (fresh or resume):
            await _vacuum(database_url)  # the streams meet a store whose growth autovacuum has seen
        if fresh or resume:
            # The same 20 command streams first with no ingest (the baseline of the ratios), then beside the
            # tail ingested at full speed, with the lag monitor running both times.
            queries = make_queries(corpus, tail, max(5, per_kind // 4), seed=seed + 1)
            random.Random(seed).shuffle(queries)  # every kind in every stretch of time, idle and under ingest
            fig.idle_lag_p99_ms = await streams_alone(svc, queries, fig.idle_streams, IDLE_STREAMS_S, think_s)
            log(f"idle streams: {IDLE_STREAMS_S:.0f} s, loop lag p99 {fig.idle_lag_p99_ms:.1f} ms")
            stop = asyncio.Event()
            lags: list[float] = []
            monitor = asyncio.create_task(lag_monitor(lags, stop))
            streams = [asyncio.create_task(command_stream(svc, queries, fig.under_ingest, stop, k * 7, think_s))
                       for k in range(STREAMS)]
            _, secs = await timed(ingest_range(svc, corpus, tail, n_articles, source_ids, batch=batch,
                                               in_flight=workers + 1))
            stop.set()
            await asyncio.gather(monitor, *streams)
            fig.tail_ingest_articles_per_s = (n_articles - tail) / secs if secs else 0.0
            fig.loop_lag_p99_ms = percentile(lags, 0.99)
            fig.loop_lag_max_ms = max(lags, default=0.0)
            log(f"tail: {n_articles - tail} articles in {secs:.1f} s beside {STREAMS} command streams; "
                f"loop lag p99 {fig.loop_lag_p99_ms:.1f} ms over {len(lags)} ticks")
        if pg:
            await _vacuum(database_url)
            fig.db_bytes_per_article = await _pg_bytes(svc) / max(1, n_articles)
        else:
            # Fold the WAL into the main file so the size is the store's, not the log's.
            with contextlib.closing(sqlite3.connect(db_path)) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            fig.db_bytes_per_article = _db_bytes(db_path) / max(1, n_articles)

        gc.collect()
        queries = make_queries(corpus, tail, per_kind, seed=seed)
        await time_queries(svc, queries[: len(QUERY_KINDS)], Figures(0))  # warm the page cache and statements
        await time_queries(svc, queries, fig)
        log("queries: " + ", ".join(f"{k} p95 {percentile(v, 0.95):.1f} ms" for k, v in fig.latencies.items()))

        # The digest over the tail: the window is the tail's arrival times, in the workspace it was sized for.
        last = corpus.article(n_articles - 1).fetched
        first = corpus.article(tail).fetched
        now = last + timedelta(minutes=1)
        span, since = _window(now - first)
        window_count = len(await svc.store.articles_since(WORKSPACES[0], now - span, now))
        fig.digest_articles = window_count
        dq = Query("digest", WORKSPACES[0], f"/digest since:{since}")
        for _ in range(max(3, min(10, per_kind // 20))):
            ms, failed = await run_query(svc, dq, now=now)
            fig.latencies.setdefault("digest", []).append(ms)
            fig.errors += failed
        log(f"digest over {window_count} articles: p50 {percentile(fig.latencies['digest'], 0.5):.0f} ms")
        fig.rss_mb, fig.rss_peak_mb, fig.rss_file_mb = rss_mb()
    finally:
        await svc.close()
    return fig
