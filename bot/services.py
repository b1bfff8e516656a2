"""What handlers need: the store, the ingestor, settings and the scheduler's hooks, built once per process."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import multiprocessing
import os
import sys
import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.config import Settings
from digests.ingest import Fetcher, FetchLimits, Ingestor
from digests.store import Store, SubscriptionRow


class SchedulerHooks(Protocol):
    """What commands ask of the scheduler when schedules and feeds change."""

    async def schedule_changed(self, schedule_id: int) -> None:
        """Register or re-register the job of a schedule."""

    async def schedule_removed(self, schedule_id: int) -> None:
        """Drop the job of a removed schedule."""

    def next_run(self, schedule_id: int) -> datetime | None:
        """Return when a schedule fires next."""

    async def feed_added(self, sub: SubscriptionRow, backfill: int) -> str:
        """Fetch a new subscription once (storing, posting nothing or the ``backfill`` newest) and say what it did."""


# Analysis runs at the lowest priority: on a Linux scheduler a nice-19 task gets about 1.5% of a core against
# the bot's nice-0 threads (nice 10: about 10%), so commands arriving during a backfill wait for no analysis.
ANALYSIS_NICE = 19


def _warm_worker() -> int:
    """Load the analysis code and its models in this worker process; return the worker's process id."""
    from digests.ingest import analyze_and_prepare
    from digests.store import NewArticle

    analyze_and_prepare([NewArticle("Warm-up", '"We are ready," said the keeper on Monday.')])
    time.sleep(0.2)  # hold this worker a moment, so each warm-up call lands on a worker of its own
    return os.getpid()


def settle_heap() -> None:
    """Collect once, then keep what start-up loaded (models, modules, settings) out of later collections."""
    # A full collection walks every tracked object: with the start-up heap in it, one took 40 ms during ingest
    # and stalled every command in flight. Frozen objects are never walked again (they live as long as the bot).
    gc.collect()
    gc.freeze()


def _nice_thread() -> None:
    """Lower the calling thread's CPU priority where the platform allows it."""
    with contextlib.suppress(OSError, AttributeError):
        os.nice(ANALYSIS_NICE)


@dataclass
class Services:
    """The engine objects shared by every front end in one process."""

    store: Store
    ingestor: Ingestor
    settings: Settings
    scheduler: SchedulerHooks | None = None
    owned_executor: Executor | None = field(default=None, repr=False)

    @classmethod
    async def create(cls, settings: Settings, *, executor: Executor | None = None, warm: bool = False,
                     create: bool = True) -> Services:
        """Open the store and build the fetcher and ingestor from settings (a process pool when workers > 0).

        ``create`` False refuses a SQLite file that does not exist instead of creating an empty one.
        """
        # The event loop shares the GIL with the store's reader and writer threads: a thread holding it runs
        # until the switch interval, so 1 ms (not 5) bounds how long a ready command waits for it.
        sys.setswitchinterval(min(sys.getswitchinterval(), 0.001))
        owned: Executor | None = None
        if executor is None and settings.workers > 0:
            # Analysis is pure-Python CPU work: threads would hold the GIL against the event loop, processes
            # use every core. Spawned workers inherit none of this process's threads or open connections.
            # Workers run niced: when cores are short, the bot's own process (commands, the event loop) goes first.
            owned = executor = ProcessPoolExecutor(settings.workers, mp_context=multiprocessing.get_context("spawn"),
                                                   initializer=os.nice, initargs=(ANALYSIS_NICE,))
            # Started at start-up, not at the first ingest: a spawned worker imports the whole app before its
            # initializer nices it, about a second of full-priority CPU per worker, which would land on the
            # commands of that moment. Only a long-running bot asks for it (``warm``): a one-shot command would
            # pay that start-up for nothing.
            if warm:
                loop = asyncio.get_running_loop()
                await asyncio.gather(*(loop.run_in_executor(executor, _warm_worker) for _ in range(settings.workers)))
        elif executor is None:
            # No worker processes: one analysis thread, niced (Linux nices threads one by one), instead of
            # asyncio's default pool, where several analyses at once would each take turns at the GIL against
            # the event loop.
            owned = executor = ThreadPoolExecutor(1, thread_name_prefix="newsbot-analysis",
                                                  initializer=_nice_thread)
        try:
            store = await Store.open(settings.store_url, readers=settings.db_readers, create=create)
        except BaseException:
            if owned is not None:
                owned.shutdown(wait=False, cancel_futures=True)
            raise
        store.configure_writes(chunk=settings.write_chunk, budget_ms=settings.write_budget_ms)
        if warm:
            # Articles a killed process stored but never gave a story get one now (the rest on later sweeps).
            await store.sweep_stories(limit=2048)
        fetcher = Fetcher(allow_loopback=settings.allow_loopback, internal=settings.internal_hosts,
                          limits=FetchLimits(max_bytes=settings.max_fetch_bytes, timeout_s=settings.fetch_timeout_s))
        llm = None
        if settings.summary_llm_base_url:
            from digests.nlp.llm import LLMSummarizer

            key = settings.summary_llm_api_key.get_secret_value() if settings.summary_llm_api_key else ""
            llm = LLMSummarizer(base_url=settings.summary_llm_base_url, model=settings.summary_llm_model or "default",
                                api_key=key)
        ingestor = Ingestor(store, fetcher, executor=executor, max_file_bytes=settings.max_fetch_bytes, llm=llm)
        return cls(store=store, ingestor=ingestor, settings=settings, owned_executor=owned)

    async def close(self) -> None:
        """Close the fetcher, the store and the worker pool this object started."""
        await self.ingestor.fetcher.close()
        await self.store.close()
        if self.owned_executor is not None:
            self.owned_executor.shutdown(wait=True, cancel_futures=True)
