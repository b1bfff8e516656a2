"""BotScheduler with a hand-set clock and the real APScheduler: DST, double firings, restarts, catch-up, failures."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from xml.sax.saxutils import escape

from aiohttp import web

from bot.commands import Invocation, Reply, run_line
from bot.config import Settings
from bot.delivery import Delivery, DeliveryError
from bot.scheduler import BotScheduler, cron_trigger, job_id, previous_fire_time
from bot.services import Services
from digests.live import Candidate
from digests.store import NewArticle, RunRow, Store
from tests.helpers.http import LocalServer


def _word(k: int) -> str:
    letters = ""
    k += 26 * 26  # at least three letters, so the digest's story grouping counts every word
    while k:
        k, r = divmod(k, 26)
        letters += "abcdefghijklmnopqrstuvwxyz"[r]
    return letters


def body(n: int) -> str:
    """Return a body for article ``n`` sharing no word with any other (no near-duplicates, no shared story)."""
    return "Report " + " ".join(_word(n * 100 + k) for k in range(50)) + "."


class Clock:
    """A hand-set clock."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        """Return the set time."""
        return self.now


class Recorder:
    """A poster that records posts, can fail the next N posts, or hang after posting (a process killed mid-run)."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, str, Reply]] = []
        self.fail_next = 0
        self.hang: asyncio.Event | None = None
        self.posted = asyncio.Event()

    async def __call__(self, workspace: str, channel: str, reply: Reply) -> list[str]:
        """Post (record) a reply."""
        if self.fail_next:
            self.fail_next -= 1
            raise DeliveryError("channel gone")
        self.posts.append((workspace, channel, reply))
        self.posted.set()
        if self.hang is not None:
            await self.hang.wait()
        return [f"m{len(self.posts)}"]

    def digests(self) -> list[Reply]:
        """Return the posted digests."""
        return [r for _, _, r in self.posts if r.title == "News digest"]


def delivery_for(rec: Recorder) -> Delivery:
    """Return a Delivery routing every platform to ``rec``."""
    d = Delivery()
    for platform in ("local", "slack", "discord"):
        d.register(platform, rec)
    return d


def headlines(reply: Reply) -> list[str]:
    """Return the story headlines of a digest reply."""
    return [s["headline"] for s in reply.data["stories"]]


async def add_article(store: Store, n: int, at: datetime, workspace: str = "local") -> None:
    """Store article ``n`` as having reached ``workspace`` from a feed at ``at``."""
    await store.add_article(NewArticle(title=f"Story {n}", text=body(n), url=f"https://news.example/{n}"), None,
                            workspace=workspace, via="feed", now=at)


def fire_times(cron: str, tz: str, start: datetime, count: int) -> list[datetime]:
    """Return the real trigger's next ``count`` fire times from ``start``, in UTC."""
    trigger = cron_trigger(cron, tz)
    out: list[datetime] = []
    prev = None
    for _ in range(count):
        prev = trigger.get_next_fire_time(prev, start if prev is None else prev)
        assert prev is not None
        out.append(prev.astimezone(UTC))
    return out


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """Return a UTC datetime."""
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


async def ordered_runs(store: Store, schedule_id: int) -> list[RunRow]:
    """Return a schedule's runs, oldest first."""
    return list(reversed(await store.runs(schedule_id, limit=100)))


async def wait_for(cond: Any) -> None:
    """Wait (at most 5 s) until the async predicate ``cond`` holds."""
    async with asyncio.timeout(5):
        # Polling: the state lives in the database and in APScheduler, which signal no event to wait on.
        while not await cond():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


async def drive(svc: Services, cron: str, tz: str, instants: list[datetime], channel: str) -> None:
    """Run a schedule through ``instants`` with the job APScheduler holds; check next_run, windows and posts."""
    clock = Clock(instants[0] - timedelta(hours=1))
    rec = Recorder()
    sched = BotScheduler(svc, delivery_for(rec), clock=clock, poll_feeds=False)
    row = await svc.store.add_schedule("local", channel, "daily 08:00", cron, tz)
    await sched.start(paused=True, catch_up=False)  # paused: only this test fires jobs
    try:
        for i, t in enumerate(instants):
            clock.now = t - timedelta(hours=1)
            await sched.schedule_changed(row.id)
            assert sched.next_run(row.id) == t, (i, sched.next_run(row.id), t)
            await add_article(svc.store, 1000 * len(channel) + i, t - timedelta(hours=2))
            clock.now = t + timedelta(seconds=3)
            job = sched.aps.get_job(job_id(row.id))
            assert job is not None and job.coalesce and job.misfire_grace_time == svc.settings.misfire_grace_s
            await job.func(*job.args)
        runs = await ordered_runs(svc.store, row.id)
        assert [r.window_end for r in runs] == instants
        assert [r.status for r in runs] == ["posted"] * len(instants)
        assert all(a.window_end == b.window_start for a, b in zip(runs, runs[1:], strict=False))
        assert runs[0].window_start == instants[0] - timedelta(hours=24)
        assert [headlines(r) for r in rec.digests()] == [[f"Story {1000 * len(channel) + i}"]
                                                        for i in range(len(instants))]
    finally:
        await sched.shutdown()


async def test_berlin_0800_fires_at_the_right_utc_instants_across_both_2026_dst_changes(services: Services) -> None:
    spring = fire_times("0 8 * * *", "Europe/Berlin", utc(2026, 3, 27), 4)
    assert spring == [utc(2026, 3, 27, 7), utc(2026, 3, 28, 7), utc(2026, 3, 29, 6), utc(2026, 3, 30, 6)]
    autumn = fire_times("0 8 * * *", "Europe/Berlin", utc(2026, 10, 23), 4)
    assert autumn == [utc(2026, 10, 23, 6), utc(2026, 10, 24, 6), utc(2026, 10, 25, 7), utc(2026, 10, 26, 7)]
    await drive(services, "0 8 * * *", "Europe/Berlin", spring, "spring")
    await drive(services, "0 8 * * *", "Europe/Berlin", autumn, "autumn-channel")


async def test_new_york_0800_fires_at_the_right_utc_instants_across_both_2026_dst_changes(
        services: Services) -> None:
    spring = fire_times("0 8 * * *", "America/New_York", utc(2026, 3, 6), 4)
    assert spring == [utc(2026, 3, 6, 13), utc(2026, 3, 7, 13), utc(2026, 3, 8, 12), utc(2026, 3, 9, 12)]
    autumn = fire_times("0 8 * * *", "America/New_York", utc(2026, 10, 30), 4)
    assert autumn == [utc(2026, 10, 30, 12), utc(2026, 10, 31, 12), utc(2026, 11, 1, 13), utc(2026, 11, 2, 13)]
    await drive(services, "0 8 * * *", "America/New_York", spring, "ny-spring")
    await drive(services, "0 8 * * *", "America/New_York", autumn, "ny-autumn-ch")


async def test_wall_clock_time_repeated_when_clocks_go_back_posts_once(services: Services) -> None:
    # APScheduler 3 fires 02:30 Europe/Berlin twice on 25 October 2026 (once in CEST, once in CET).
    raw = fire_times("30 2 * * *", "Europe/Berlin", utc(2026, 10, 24), 3)
    assert raw == [utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)]
    assert previous_fire_time(cron_trigger("30 2 * * *", "Europe/Berlin"), utc(2026, 10, 25, 1, 31)) == raw[1]
    rec = Recorder()
    clock = Clock(raw[0])
    sched = BotScheduler(services, delivery_for(rec), clock=clock, poll_feeds=False)
    row = await services.store.add_schedule("local", "news", "daily 02:30", "30 2 * * *", "Europe/Berlin")
    await sched.start(paused=True, catch_up=False)
    try:
        await add_article(services.store, 1, utc(2026, 10, 24, 12))
        results = []
        for t in [*raw[1:], utc(2026, 10, 26, 1, 30)]:
            clock.now = t + timedelta(seconds=1)
            results.append((await sched.run_schedule(row.id)).status)
            await add_article(services.store, len(results) + 1, t + timedelta(minutes=5))
        assert results == ["posted", "skipped", "posted"]
        assert [r.window_end for r in await ordered_runs(services.store, row.id)] == [
            utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]
        assert [headlines(r) for r in rec.digests()] == [["Story 1"], ["Story 3", "Story 2"]]
    finally:
        await sched.shutdown()


async def test_two_firings_for_one_window_post_once_even_from_two_processes(
        services: Services, settings: Settings) -> None:
    rec = Recorder()
    clock = Clock(utc(2027, 1, 5, 8, 0, 2))
    row = await services.store.add_schedule("local", "news", "daily 08:00", "0 8 * * *", "UTC")
    await add_article(services.store, 1, utc(2027, 1, 5, 7))
    other = await Services.create(settings)  # a second process: its own connection to the same file
    a = BotScheduler(services, delivery_for(rec), clock=clock, poll_feeds=False)
    b = BotScheduler(other, delivery_for(rec), clock=clock, poll_feeds=False)
    await a.start(paused=True, catch_up=False)
    await b.start(paused=True, catch_up=False)
    try:
        first = await asyncio.gather(a.run_schedule(row.id), a.run_schedule(row.id), b.run_schedule(row.id))
        assert sorted(r.status for r in first) == ["posted", "skipped", "skipped"]
        clock.now += timedelta(minutes=30)  # a late duplicate firing of the same occurrence
        assert (await b.run_schedule(row.id)).status == "skipped"
        assert len(rec.posts) == 1
        # The next day both processes fire again: still one post.
        await add_article(services.store, 2, utc(2027, 1, 6, 7))
        clock.now = utc(2027, 1, 6, 8, 0, 1)
        second = await asyncio.gather(b.run_schedule(row.id), a.run_schedule(row.id))
        assert sorted(r.status for r in second) == ["posted", "skipped"]
        assert [headlines(r) for r in rec.digests()] == [["Story 1"], ["Story 2"]]
    finally:
        await a.shutdown()
        await b.shutdown()
        await other.close()


async def test_kill_during_a_run_then_restart_posts_once(services: Services, settings: Settings) -> None:
    rec = Recorder()
    rec.hang = asyncio.Event()  # the post goes out, then the process "dies" before recording it
    clock = Clock(utc(2027, 1, 5, 8, 0, 5))
    row = await services.store.add_schedule("local", "news", "daily 08:00", "0 8 * * *", "UTC")
    await add_article(services.store, 1, utc(2027, 1, 5, 6))
    first = BotScheduler(services, delivery_for(rec), clock=clock, poll_feeds=False)
    await first.start(paused=True, catch_up=False)
    run = asyncio.create_task(first.run_schedule(row.id))
    await asyncio.wait_for(rec.posted.wait(), 5)
    run.cancel()  # killed mid-run: claimed, posted, never finished
    await asyncio.gather(run, return_exceptions=True)
    await first.shutdown()
    assert [r.status for r in await services.store.runs(row.id)] == ["claimed"]

    rec.hang = None
    restarted = await Services.create(settings)
    try:
        clock.now = utc(2027, 1, 5, 8, 1)
        second = BotScheduler(restarted, delivery_for(rec), clock=clock, poll_feeds=False)
        await second.start(paused=True)  # catch-up included
        job = second.aps.get_job(job_id(row.id))
        await job.func(*job.args)  # and a duplicate firing after the restart
        assert len(rec.posts) == 1
        # Once the claim is old, it is shown as an interrupted run instead of staying 'claimed' for ever.
        await restarted.store._db.execute("UPDATE digest_runs SET claimed_at = ?",
                                          ((datetime.now(UTC) - timedelta(hours=1)).isoformat(),))
        assert await second.mark_stale_runs() == 1
        inv = Invocation(workspace="local", channel="news", user="admin", is_admin=True)
        status = await run_line(restarted, inv, "/digest-status")
        assert "failed: interrupted" in status.items[0].body
        await second.shutdown()
    finally:
        await restarted.close()


async def test_missed_run_is_caught_up_once_and_not_again_on_a_second_restart(
        services: Services, settings: Settings) -> None:
    rec = Recorder()
    clock = Clock(utc(2027, 1, 5, 7, 59))
    row = await services.store.add_schedule("local", "news", "daily 08:00", "0 8 * * *", "UTC")
    await add_article(services.store, 1, utc(2027, 1, 5, 7))
    s1 = BotScheduler(services, delivery_for(rec), clock=clock, poll_feeds=False)
    await s1.start(paused=True)
    clock.now = utc(2027, 1, 5, 8, 0, 1)
    await s1.run_schedule(row.id)
    await s1.shutdown()  # down from 10:00 on the 5th to 09:30 on the 6th: the 08:00 run on the 6th is missed
    await add_article(services.store, 2, utc(2027, 1, 5, 20))

    clock.now = utc(2027, 1, 6, 9, 30)
    s2 = BotScheduler(services, delivery_for(rec), clock=clock, poll_feeds=False)
    await s2.start(paused=True)
    await s2.shutdown()
    clock.now = utc(2027, 1, 6, 10, 0)
    s3 = BotScheduler(services, delivery_for(rec), clock=clock, poll_feeds=False)
    await s3.start(paused=True)
    await s3.shutdown()
    runs = await ordered_runs(services.store, row.id)
    assert [(r.window_end, r.status, r.late) for r in runs] == [
        (utc(2027, 1, 5, 8), "posted", False), (utc(2027, 1, 6, 8), "posted", True)]
    assert [headlines(r) for r in rec.digests()] == [["Story 1"], ["Story 2"]]
    assert "posted late" in rec.digests()[1].text

    # Down longer than the catch-up window: no stale post at start, and the next digest still has the news.
    await add_article(services.store, 3, utc(2027, 1, 6, 20))
    clock.now = utc(2027, 1, 7, 23, 0)  # 15 h after the 7th's run; catchup_window_h is 12
    s4 = BotScheduler(services, delivery_for(rec), clock=clock, poll_feeds=False)
    await s4.start(paused=True)
    assert len(rec.posts) == 2
    clock.now = utc(2027, 1, 8, 8, 0, 1)
    result = await s4.run_schedule(row.id)
    await s4.shutdown()
    assert (result.status, result.window_start) == ("posted", utc(2027, 1, 6, 8))
    assert headlines(rec.digests()[2]) == ["Story 3"]


async def test_a_failing_job_is_recorded_shown_and_the_next_run_still_happens(services: Services) -> None:
    rec = Recorder()
    rec.fail_next = 1  # the digest post fails (no failure notice is tried: delivery itself is what failed)
    clock = Clock(utc(2027, 1, 5, 8, 0, 1))  # ahead of the real time, so only this test makes jobs fire
    row = await services.store.add_schedule("local", "news", "daily 08:00", "0 8 * * *", "UTC")
    await add_article(services.store, 1, utc(2027, 1, 5, 7))
    sched = BotScheduler(services, delivery_for(rec), clock=clock, poll_feeds=False)
    services.scheduler = sched
    await sched.start(catch_up=False)
    try:
        async def runs_done(n: int) -> bool:
            runs = await services.store.runs(row.id, limit=10)
            return len(runs) >= n and all(r.status != "claimed" for r in runs)

        sched.aps.modify_job(job_id(row.id), next_run_time=datetime.now(UTC))  # fire it through APScheduler
        await wait_for(lambda: runs_done(1))
        [failed] = await services.store.runs(row.id)
        assert failed.status == "failed" and failed.error == "DeliveryError: channel gone"
        assert sched.next_run(row.id) is not None
        inv = Invocation(workspace="local", channel="news", user="admin", is_admin=True)
        status = await run_line(services, inv, "/digest-status")
        assert "failed: DeliveryError: channel gone" in status.items[0].body

        # An error that escapes the run's own recording reaches APScheduler's error listener.
        real_claim = services.store.claim_run

        async def broken_claim(*args: Any, **kwargs: Any) -> int | None:
            raise OSError("disk full")

        services.store.claim_run = broken_claim  # type: ignore[method-assign]
        clock.now = utc(2027, 1, 6, 8, 0, 1)
        sched.aps.modify_job(job_id(row.id), next_run_time=datetime.now(UTC))
        await wait_for(lambda: _true_after(lambda: bool(sched.failures)
                                           and sched.failures[-1].error == "OSError: disk full"))
        assert sched.failures[-1].job_id == job_id(row.id)
        services.store.claim_run = real_claim  # type: ignore[method-assign]
        assert sched.next_run(row.id) is not None

        await add_article(services.store, 2, utc(2027, 1, 6, 7))
        clock.now = utc(2027, 1, 7, 8, 0, 1)
        sched.aps.modify_job(job_id(row.id), next_run_time=datetime.now(UTC))
        await wait_for(lambda: runs_done(2))
        runs = await ordered_runs(services.store, row.id)
        assert [(r.window_end, r.status) for r in runs] == [(utc(2027, 1, 5, 8), "failed"),
                                                            (utc(2027, 1, 7, 8), "posted")]
        # The failed window rolls into the next digest, so its story is not lost.
        assert [sorted(headlines(r)) for r in rec.digests()] == [["Story 1", "Story 2"]]
    finally:
        await sched.shutdown()


async def test_a_firing_missed_beyond_the_grace_time_is_recorded_and_caught_up_late(
        services: Services) -> None:
    services.settings.misfire_grace_s = 1
    rec = Recorder()
    clock = Clock(utc(2027, 1, 5, 7, 59))
    row = await services.store.add_schedule("local", "news", "daily 08:00", "0 8 * * *", "UTC")
    await add_article(services.store, 1, utc(2027, 1, 5, 7))
    sched = BotScheduler(services, delivery_for(rec), clock=clock, poll_feeds=False)
    await sched.start()
    try:
        clock.now = utc(2027, 1, 5, 8, 0, 30)
        # The loop was blocked: APScheduler sees the fire time 30 s late, past the grace, and reports it missed.
        sched.aps.modify_job(job_id(row.id), next_run_time=datetime.now(UTC) - timedelta(seconds=30))

        async def posted() -> bool:
            return bool(rec.posts)

        await wait_for(posted)
        assert any(f.job_id == job_id(row.id) and "missed" in f.error for f in sched.failures)
        [run] = await services.store.runs(row.id)
        assert (run.window_end, run.status, run.late) == (utc(2027, 1, 5, 8), "posted", True)
        assert sched.next_run(row.id) is not None
    finally:
        await sched.shutdown()


async def test_shutdown_lets_a_digest_being_posted_finish_and_record(services: Services) -> None:
    rec = Recorder()
    rec.hang = asyncio.Event()
    clock = Clock(utc(2027, 1, 5, 8, 0, 1))
    row = await services.store.add_schedule("local", "news", "daily 08:00", "0 8 * * *", "UTC")
    await add_article(services.store, 1, utc(2027, 1, 5, 7))
    sched = BotScheduler(services, delivery_for(rec), clock=clock, poll_feeds=False)
    await sched.start(catch_up=False)
    sched.aps.modify_job(job_id(row.id), next_run_time=datetime.now(UTC))
    await asyncio.wait_for(rec.posted.wait(), 5)
    asyncio.get_running_loop().call_later(0.2, rec.hang.set)  # the platform answers a moment later
    await sched.shutdown()
    assert [(r.status, r.message_ids) for r in await services.store.runs(row.id)] == [("posted", '["m1"]')]


async def _true_after(pred: Any) -> bool:
    return bool(pred())


async def test_next_run_and_schedule_commands_use_the_job(services: Services) -> None:
    clock = Clock(utc(2027, 3, 27, 12))
    sched = BotScheduler(services, delivery_for(Recorder()), clock=clock, poll_feeds=False)
    services.scheduler = sched
    await sched.start(paused=True)
    try:
        inv = Invocation(workspace="local", channel="news", user="admin", is_admin=True)
        reply = await run_line(services, inv, "/schedule set daily 08:00 timezone:Europe/Berlin")
        sid = reply.data["id"]
        assert sched.next_run(sid) == utc(2027, 3, 28, 6)  # 28 March 2027: the first CEST morning
        assert "2027-03-28 08:00 CEST" in reply.text
        await run_line(services, inv, f"/schedule remove {sid}")
        assert sched.next_run(sid) is None and sched.aps.get_job(job_id(sid)) is None
    finally:
        await sched.shutdown()


# ---- feeds through the scheduler -------------------------------------------------------------------------------


class Feed:
    """A feed on the test server with numbered items and a failure switch."""

    def __init__(self, server: LocalServer) -> None:
        self.items = [1, 2, 3, 4, 5]
        self.fail = False
        server.route("/feed.xml", self.handle)
        self.url = server.url("/feed.xml")

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Serve the feed (newest first) with an ETag, or a 502."""
        if self.fail:
            return web.Response(status=502, text="bad gateway")
        entries = "".join(
            f"<item><title>Story {n}</title><link>https://news.example/{n}</link><guid>urn:{n}</guid>"
            f"<pubDate>{format_datetime(utc(2027, 1, 1) + timedelta(hours=n))}</pubDate>"
            f"<description>{escape(body(n))}</description></item>" for n in sorted(self.items, reverse=True))
        data = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Loopback News</title>'
                f"<link>https://news.example/</link><description>t</description>{entries}</channel></rss>").encode()
        etag = '"' + hashlib.sha256(data).hexdigest()[:12] + '"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=data, headers={"Content-Type": "application/rss+xml", "ETag": etag})


async def test_new_subscription_posts_nothing_and_backfill_posts_the_n_newest(
        services: Services, http_server: LocalServer) -> None:
    feed = Feed(http_server)
    rec = Recorder()
    sched = BotScheduler(services, delivery_for(rec), poll_feeds=False)
    sched.poller.gate.spacing_s = 0.05  # politeness is tested in tests/digests/test_feeds.py
    services.scheduler = sched
    await sched.start()
    try:
        t0 = datetime.now(UTC) - timedelta(seconds=1)
        local = Invocation(workspace="local", channel="news", user="admin", is_admin=True)
        reply = await run_line(services, local, f"/feeds add {feed.url}")
        assert not reply.error and "Stored the feed's 5 current item(s) as history, not posted" in reply.text
        assert rec.posts == []

        slack = Invocation(workspace="slack:T1", channel="C1", user="admin", platform="slack", is_admin=True)
        reply = await run_line(services, slack, f"/feeds add {feed.url} backfill:2")
        assert "Posted the 2 newest" in reply.text
        [(ws, ch, post)] = rec.posts
        assert (ws, ch, post.title) == ("slack:T1", "C1", "Latest from Loopback News")
        assert sorted(headlines(post)) == ["Story 4", "Story 5"]

        # A later poll stores the new item for both workspaces as news; the old ones never reach a digest.
        feed.items.append(6)
        [src] = await services.store.active_sources()
        report = await sched.poll_source(src.id)
        assert report is not None and report.ok and report.added == 1
        until = datetime.now(UTC) + timedelta(seconds=1)
        for ws in ("local", "slack:T1"):
            assert [a.title for a in await services.store.articles_since(ws, t0, until)] == ["Story 6"]
        assert len(rec.posts) == 1
    finally:
        await sched.shutdown()


async def test_failing_feed_is_announced_once_per_channel_and_recovery_once(
        services: Services, http_server: LocalServer) -> None:
    feed = Feed(http_server)
    rec = Recorder()
    sched = BotScheduler(services, delivery_for(rec), poll_feeds=False)
    sched.poller.gate.spacing_s = 0.05  # politeness is tested in tests/digests/test_feeds.py
    services.scheduler = sched
    await sched.start()
    try:
        for ws, ch in (("local", "news"), ("slack:T1", "C1")):
            inv = Invocation(workspace=ws, channel=ch, user="admin", is_admin=True)
            assert not (await run_line(services, inv, f"/feeds add {feed.url}")).error
        [src] = await services.store.active_sources()
        feed.fail = True
        for _ in range(4):
            await sched.poll_source(src.id)
        health = [(ws, ch, r.data["health"]) for ws, ch, r in rec.posts if r.title == "Feed health"]
        assert sorted(health) == [("local", "news", "failing"), ("slack:T1", "C1", "failing")]
        inv = Invocation(workspace="local", channel="news", user="admin", is_admin=True)
        listing = await run_line(services, inv, "/feeds list")
        assert listing.data["feeds"][0]["health"] == "failing" and "502" in listing.data["feeds"][0]["last_error"]

        feed.fail = False
        for _ in range(2):
            await sched.poll_source(src.id)
        health = [(ws, ch, r.data["health"]) for ws, ch, r in rec.posts if r.title == "Feed health"]
        assert sorted(health) == [("local", "news", "failing"), ("local", "news", "ok"),
                                  ("slack:T1", "C1", "failing"), ("slack:T1", "C1", "ok")]
        assert len(rec.posts) == 4
        # Healthy and just fetched: the sweep has nothing due.
        assert await sched.sweep() == []
    finally:
        await sched.shutdown()


async def test_sweep_polls_due_feeds_in_the_background(services: Services, http_server: LocalServer) -> None:
    feed = Feed(http_server)
    src = await services.store.source("feed", feed.url)
    await services.store.subscribe("local", "news", src.id)
    sched = BotScheduler(services, delivery_for(Recorder()), poll_feeds=True)
    await sched.start()  # the sweep job fires a second after start
    try:
        async def fetched() -> bool:
            row = await services.store.get_source(src.id)
            return row is not None and row.last_success is not None

        await wait_for(fetched)
        assert await services.store.count_articles("local") == 5
        t0 = datetime.now(UTC) - timedelta(hours=1)
        assert await services.store.articles_since("local", t0) == []  # never fetched before: a silent baseline
    finally:
        await sched.shutdown()


async def test_two_processes_sweeping_one_shared_store_fetch_each_due_feed_once(
        store_url: str, settings: Settings, http_server: LocalServer) -> None:
    hits: list[str] = []
    urls = []
    for i in range(6):
        async def handle(request: web.Request, i: int = i) -> web.StreamResponse:
            hits.append(request.path)
            await asyncio.sleep(0.05)  # both sweeps overlap the fetches
            entries = (f"<item><title>Item {i}</title><link>https://news.example/{i}</link><guid>urn:{i}</guid>"
                       f"<description>{escape(body(i))}</description></item>")
            data = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {i}</title>'
                    f"<link>https://news.example/</link><description>t</description>{entries}</channel></rss>")
            return web.Response(body=data.encode(), headers={"Content-Type": "application/rss+xml"})

        http_server.route(f"/f{i}.xml", handle)
        urls.append(http_server.url(f"/f{i}.xml"))
    shared = settings.model_copy(update={"database_url": store_url})
    one, two = await Services.create(shared), await Services.create(shared)
    try:
        for url in urls:
            src = await one.store.source("feed", url)
            await one.store.subscribe("discord:1", "news", src.id)
        clock = Clock(utc(2027, 1, 1, 8))
        scheds = [BotScheduler(svc, delivery_for(Recorder()), clock=clock, poll_feeds=False) for svc in (one, two)]
        for s in scheds:
            s.poller.gate.spacing_s = 0.0
        started = await asyncio.gather(*(s.sweep() for s in scheds))
        await asyncio.gather(*started[0], *started[1])
        assert sorted(hits) == sorted(f"/f{i}.xml" for i in range(6))  # each feed fetched once, by one of them
        assert len(started[0]) + len(started[1]) == 6
        assert await one.store.count_articles("discord:1") == 6
        clock.now += timedelta(minutes=1)
        assert await scheds[0].sweep() == [] and await scheds[1].sweep() == []  # fetched: not due again yet
    finally:
        await one.close()
        await two.close()


# ---- issue 28: polls on time, backfill filtered, the delivery log -------------------------------------------------


def _first_firing_at_or_after(job: Any, when: datetime) -> datetime | None:
    t = job.next_run_time
    while t is not None and t < when:
        t = job.trigger.get_next_fire_time(t, t)
    return t  # type: ignore[no-any-return]


async def test_a_feed_is_polled_again_at_its_interval_not_at_the_next_sweep(
        services: Services, http_server: LocalServer) -> None:
    """After a poll, this process next polls the feed when it is due (± 1 s), not at a later sweep tick."""
    feed = Feed(http_server)
    src = await services.store.source("feed", feed.url)
    await services.store.subscribe("local", "news", src.id)
    services.settings = services.settings.model_copy(update={"feed_interval_s": 10})  # sweeps every 5 s
    sched = BotScheduler(services, delivery_for(Recorder()), poll_feeds=True)
    await sched.start()  # the first sweep fires a second after start and polls the feed
    try:
        async def fetched() -> bool:
            row = await services.store.get_source(src.id)
            return row is not None and row.last_success is not None and bool(sched.aps.get_jobs())

        await wait_for(fetched)
        row = await services.store.get_source(src.id)
        assert row is not None and row.next_fetch is not None
        firings = [_first_firing_at_or_after(j, row.next_fetch) for j in sched.aps.get_jobs()
                   if j.id.startswith("feeds:")]
        nxt = min(t for t in firings if t is not None)
        assert timedelta(0) <= nxt - row.next_fetch <= timedelta(seconds=1), nxt - row.next_fetch
    finally:
        await sched.shutdown()


async def test_a_backfill_posts_only_what_passes_the_filters_given_with_feeds_add(
        services: Services, http_server: LocalServer) -> None:
    feed = Feed(http_server)
    rec = Recorder()
    services.scheduler = BotScheduler(services, delivery_for(rec), poll_feeds=False)
    local = Invocation(workspace="local", channel="news", user="admin", is_admin=True)
    reply = await run_line(services, local, f'/feeds add {feed.url} backfill:2 exclude:"story 5" field:title')
    assert "Filter #1: exclude title phrase “story 5”." in reply.text, reply.text
    assert "Posted the 2 newest that pass its filters (1 newer one(s) held back by them" in reply.text
    [(_, _, post)] = rec.posts
    assert sorted(headlines(post)) == ["Story 3", "Story 4"]
    why = await run_line(services, local, "/feeds why https://news.example/5")
    assert why.data["items"][0]["outcome"] == "filtered"
    assert "backfill: filter #1 (exclude title phrase “story 5”) matched" in why.items[0].body
    assert why.data["items"][0]["history"] == ["filtered", "baseline"]
    posted = await run_line(services, local, "/feeds why https://news.example/4")
    assert posted.data["items"][0]["outcome"] == "posted" and "by the backfill" in posted.items[0].body


async def test_a_copy_from_another_feed_is_logged_as_a_duplicate_of_the_article_posted(
        services: Services, http_server: LocalServer) -> None:
    from tests.helpers.newsfeed import STORIES, NewsFeed

    rec = Recorder()
    sched = BotScheduler(services, delivery_for(rec), poll_feeds=False)
    services.scheduler = sched
    local = Invocation(workspace="local", channel="news", user="admin", is_admin=True)
    one, two = NewsFeed(http_server, "/one.xml", "One"), NewsFeed(http_server, "/two.xml", "Two")
    for feed in (one, two):
        assert not (await run_line(services, local, f"/feeds add {feed.url} mode:live")).error
    ids = [(await services.store.source("feed", f.url)).id for f in (one, two)]
    one.add(*STORIES[3], slug="library")
    for sid in ids:
        await sched.poll_source(sid)
    await sched.flush_live()
    two.add(*STORIES[3], slug="library-copy")  # the same text under another link: the same stored article
    for sid in ids:
        await sched.poll_source(sid)
    await sched.flush_live()
    assert len(rec.posts) == 1
    why = await run_line(services, local, "/feeds why https://news.example/two.xml/library-copy")
    item = why.data["items"][0]
    assert item["outcome"] == "duplicate" and item["related_article_id"] == item["article_id"]
    assert f"the same article as #{item['article_id']} “{STORIES[3][0]}”, posted here on" in why.items[0].body


async def test_the_delivery_log_is_pruned_to_its_retention(services: Services) -> None:
    from digests.store import DeliveryRecord

    clock = Clock(datetime(2031, 3, 2, 12, 0, tzinfo=UTC))
    services.settings = services.settings.model_copy(update={"delivery_log_days": 30})
    sched = BotScheduler(services, delivery_for(Recorder()), clock=clock, poll_feeds=False)
    await services.store.log_deliveries([
        DeliveryRecord("local", "news", "posted", clock.now - timedelta(days=31), item_title="Old news"),
        DeliveryRecord("local", "news", "posted", clock.now - timedelta(days=29), item_title="Recent news")])
    assert await sched.prune_log() == 1
    assert [d.item_title for d in await services.store.find_deliveries("local", "news", words=["news"])] == [
        "Recent news"]


async def test_stop_hands_back_live_items_not_yet_posted_and_the_polls_in_flight(
        services: Services, http_server: LocalServer) -> None:
    slow = asyncio.Event()

    async def hang(request: web.Request) -> web.StreamResponse:
        await slow.wait()  # a feed that answers only after the bot has stopped
        return web.Response(text="late")

    http_server.route("/slow.xml", hang)
    store = services.store
    queued = await store.source("feed", http_server.url("/queued.xml"))
    polling = await store.source("feed", http_server.url("/slow.xml"))
    sub, _ = await store.subscribe("discord:1", "c1", queued.id)
    await store.subscribe("discord:1", "c1", polling.id)
    now = datetime.now(UTC)
    # The queued feed was polled (validators kept, next poll in an hour) but its items wait for the next round.
    await store.update_source(queued.id, etag='"v7"', last_success=now, next_fetch=now + timedelta(hours=1))
    await store.update_source(polling.id, last_success=now, next_fetch=now - timedelta(seconds=1))
    sched = BotScheduler(services, delivery_for(Recorder()), poll_feeds=False)
    await sched.start(catch_up=False)
    try:
        sched._live_pending[("discord:1", "c1")] = [Candidate(41, sub.id, "Queued", None, now)]
        (task,) = await sched.sweep()  # leases the due feed and starts polling it; the server never answers
        await wait_for(lambda: _true_after(lambda: http_server.seen))
        report = await sched.stop(1.0)
    finally:
        slow.set()
    assert task.cancelled()
    assert (report.polls_handed_back, report.leases_released, report.feeds_handed_back) == (1, 1, 2)
    for row in (await store.get_source(queued.id), await store.get_source(polling.id)):
        # Due at once, fetched in full and leased to nobody: the next sweep of any process sees every item.
        assert row is not None and row.etag is None and row.next_fetch is not None and row.next_fetch <= now + \
            timedelta(minutes=1)
    assert {s.id for s in await store.claim_due_feeds("other", datetime.now(UTC), 60)} == {queued.id, polling.id}
