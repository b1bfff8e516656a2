"""The digest ledger and the feed leases at their edges, on every backend: a window is claimed once whatever
happens to its run, and a lease is taken over the moment it runs out, never before, and only for due feeds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from digests.store import Store

T = datetime(2026, 3, 1, 7, tzinfo=UTC)


@pytest.fixture
async def stores(store_url: str) -> AsyncIterator[tuple[Store, Store]]:
    """Return two stores on one database: two processes of the bot."""
    a, b = await Store.open(store_url), await Store.open(store_url)
    yield a, b
    await a.close()
    await b.close()


async def test_a_window_is_claimed_once_whatever_its_run_did(stores: tuple[Store, Store]) -> None:
    a, b = stores
    daily = await a.add_schedule("discord:1", "c1", "daily 08:00", "0 8 * * *", "Europe/Berlin")
    other = await a.add_schedule("discord:1", "c2", "daily 08:00", "0 8 * * *", "Europe/Berlin")
    first = await a.claim_run(daily.id, T, T + timedelta(days=1))
    assert first is not None
    [claimed] = await b.runs(daily.id)
    assert (claimed.id, claimed.status, claimed.late, claimed.window_start) == (first, "claimed", False, T)
    # The same window again, from the other process, with a different end, or late: refused every time.
    assert await b.claim_run(daily.id, T, T + timedelta(days=1)) is None
    assert await b.claim_run(daily.id, T, T + timedelta(hours=25)) is None
    assert await a.claim_run(daily.id, T, T + timedelta(days=1), late=True) is None
    # Whether the run failed or posted, its window stays claimed: a retry would post twice.
    await a.finish_run(first, "failed", error="boom")
    assert await b.claim_run(daily.id, T, T + timedelta(days=1)) is None
    [run] = await b.runs(daily.id)
    assert (run.id, run.status, run.error, run.window_end) == (first, "failed", "boom", T + timedelta(days=1))
    # Another schedule's window at the same time, and the next window of this one, are free.
    assert await b.claim_run(other.id, T, T + timedelta(days=1)) is not None
    nxt = await b.claim_run(daily.id, T + timedelta(days=1), T + timedelta(days=2))
    assert nxt is not None and nxt != first
    assert await a.last_window_end(daily.id) == T + timedelta(days=2)
    # Ten claims racing for one new window: exactly one wins.
    racing = await asyncio.gather(*(s.claim_run(daily.id, T + timedelta(days=2), T + timedelta(days=3))
                                    for s in (a, b) * 5))
    assert sum(r is not None for r in racing) == 1


async def test_a_lease_is_taken_over_when_it_runs_out_and_not_a_moment_before(stores: tuple[Store, Store]) -> None:
    a, b = stores
    due = await a.source("feed", "http://127.0.0.1:9/due.xml")
    later = await a.source("feed", "http://127.0.0.1:9/later.xml")
    paused = await a.source("feed", "http://127.0.0.1:9/paused.xml")
    for src in (due, later, paused):
        await a.subscribe("discord:1", "c1", src.id)
    await a.set_paused("discord:1", "c1", paused.url, True)
    await a.update_source(later.id, next_fetch=T + timedelta(hours=1))
    assert [s.id for s in await a.claim_due_feeds("proc-a", T, 60)] == [due.id]  # not the later, not the paused
    # proc-a dies holding its lease. Until the lease's last instant, nobody else takes the feed.
    assert await b.claim_due_feeds("proc-b", T + timedelta(seconds=59, microseconds=999_999), 60) == []
    # A release by another owner does not end proc-a's lease.
    await b.release_feed(due.id, "proc-b")
    assert await b.claim_due_feeds("proc-b", T + timedelta(seconds=30), 60) == []
    # At the instant it runs out, proc-b takes the feed over, and holds it in turn.
    assert [s.id for s in await b.claim_due_feeds("proc-b", T + timedelta(seconds=60), 60)] == [due.id]
    assert await a.claim_due_feeds("proc-a", T + timedelta(seconds=61), 60) == []
    # Its owner's release frees it at once, long before the lease would run out.
    await b.release_feed(due.id, "proc-b")
    assert [s.id for s in await a.claim_due_feeds("proc-a", T + timedelta(seconds=62), 60)] == [due.id]
    # An hour on, proc-a's own lease has run out too, and the feed that became due is leased with it.
    got = await a.claim_due_feeds("proc-a", T + timedelta(hours=1), 60)
    assert [s.id for s in got] == [due.id, later.id]
