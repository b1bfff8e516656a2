"""APScheduler 3.x AsyncIOScheduler: scheduled digests (never posted twice, never missed silently) and feed polling."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import socket
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobEvent, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.commands import Reply
from bot.delivery import Delivery
from bot.display import arrival_note
from bot.handlers import digest_reply
from bot.services import Services
from bot.subscriptions import folded_reply, live_reply
from digests.digest import SUMMARY_ARTICLES, build_digest, compose, mark_digest_shown, story_groups
from digests.feeds import FeedPolicy, FeedPoller, PollReport, newest, utc_now
from digests.filters import CompiledFilters, FilterError, keyword_matcher, load_filters
from digests.live import (
    RATE_LIMIT,
    RATE_WINDOW,
    Candidate,
    LiveStory,
    effective_time,
    plan_channel,
    rate_room,
    story_text,
)
from digests.models import Article, Story
from digests.store import (
    AlertRow,
    DeliveryRecord,
    QuoteRow,
    ScheduleRow,
    SourceRow,
    SubscriptionOptions,
    SubscriptionRow,
    item_key,
)

log = logging.getLogger("newsbot.scheduler")

Clock = Callable[[], datetime]
FIRST_WINDOW = timedelta(hours=24)
# A claimed run older than this never finished: its process died mid-run. It is marked failed so it shows.
STALE_CLAIM = timedelta(minutes=15)
INTERRUPTED = "interrupted: the bot stopped during this run (the digest may or may not have been posted)"
MAX_BACKFILL = 20
RUN_GRACE_S = 10.0
# The delivery log is pruned to its retention this often.
PRUNE_EVERY = timedelta(hours=1)
WAKE_JOB = "feeds:wake"
_LOOKBACK = (timedelta(hours=1), timedelta(days=1), timedelta(days=8), timedelta(days=32), timedelta(days=367),
             timedelta(days=5 * 366))


def _when(dt: datetime) -> str:
    return f"on {dt.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _web(link: str | None) -> str | None:
    return link if link and link.startswith(("http://", "https://")) else None


def job_id(schedule_id: int) -> str:
    """Return the stable APScheduler job id of a schedule."""
    return f"digest:{schedule_id}"


def cron_trigger(cron: str, timezone: str) -> CronTrigger:
    """Return the trigger a schedule's job uses: its cron expression in its own time zone."""
    return CronTrigger.from_crontab(cron, timezone=ZoneInfo(timezone))


def previous_fire_time(trigger: CronTrigger, now: datetime) -> datetime | None:
    """Return the trigger's latest fire time at or before ``now``, counting a wall-clock time repeated by DST once."""

    def after(moment: datetime) -> datetime | None:
        # Asked with a UTC instant: APScheduler 3.11 can loop for ever when given a local time just past a fold.
        nxt = trigger.get_next_fire_time(None, moment.astimezone(UTC))
        return nxt.astimezone(UTC) if nxt is not None else None

    now = now.astimezone(UTC)
    for back in _LOOKBACK:
        t = after(now - back)
        if t is None or t > now:
            continue
        before: datetime | None = None
        while True:
            nxt = after(t + timedelta(microseconds=1))
            if nxt is None or nxt > now or nxt <= t:
                break
            before, t = t, nxt
        if before is None:
            before = after(t - back - timedelta(hours=2))
            before = before if before is not None and before < t else None
        # When clocks go back, 02:30 happens twice; the second one is the same local occurrence, already covered.
        if before is not None and _wall(before, trigger) == _wall(t, trigger):
            return before
        return t
    return None


def _wall(moment: datetime, trigger: CronTrigger) -> datetime:
    return moment.astimezone(trigger.timezone).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class RunResult:
    """What one scheduled-digest attempt did: posted, empty, failed, or skipped (with why)."""

    schedule_id: int
    status: str
    run_id: int | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    message_ids: tuple[str, ...] = ()
    error: str | None = None
    late: bool = False


@dataclass(slots=True)
class StopReport:
    """What stopping the scheduler did with the work in flight."""

    polls_handed_back: int = 0
    posts_finished: int = 0
    posts_cut: int = 0
    leases_released: int = 0
    feeds_handed_back: int = 0

    def summary(self) -> str:
        """Return one line for the stop log."""
        parts = [f"{self.posts_finished} posting task(s) finished"]
        if self.posts_cut:
            parts.append(f"{self.posts_cut} cut at the deadline")
        parts.append(f"{self.polls_handed_back} feed poll(s) handed back")
        parts.append(f"{self.leases_released} lease(s) released")
        if self.feeds_handed_back:
            parts.append(f"{self.feeds_handed_back} feed(s) to fetch again")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class JobFailure:
    """An error APScheduler reported for a job (it escaped the run's own recording) or a missed firing."""

    job_id: str
    at: datetime
    error: str


class BotScheduler:
    """Scheduled digests and feed polling on one AsyncIOScheduler (UTC); implements SchedulerHooks."""

    def __init__(self, svc: Services, delivery: Delivery, *, clock: Clock | None = None,
                 poll_feeds: bool = True) -> None:
        self.svc = svc
        self.store = svc.store
        self.settings = svc.settings
        self.delivery = delivery
        self.clock: Clock = clock or utc_now
        self.poll_feeds = poll_feeds
        self.failures: deque[JobFailure] = deque(maxlen=200)
        self.aps = AsyncIOScheduler(timezone=UTC)
        s = self.settings
        self.poller = FeedPoller(svc.store, svc.ingestor, FeedPolicy(
            interval_s=float(s.feed_interval_s), failing_after=s.feed_failing_after,
            failed_after=s.feed_failed_after), clock=self.clock)
        self._feed_locks: dict[int, asyncio.Lock] = {}
        self._feed_tasks: set[asyncio.Task[PollReport | None]] = set()
        self._side_tasks: set[asyncio.Task[object]] = set()
        self._runs: set[asyncio.Task[RunResult]] = set()
        # This process's name on feed leases in the shared database (host, pid and a random tail: pids recur).
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        # Workspaces whose first fetch of a feed failed: their baseline is still owed (kept in memory only).
        self._pending_initial: dict[int, set[str]] = {}
        # New items of live subscriptions (and channels with alerts) waiting for the next live round, by channel.
        self._live_pending: dict[tuple[str, str], list[Candidate]] = {}
        self._live_lock = asyncio.Lock()
        self._pruned_at: datetime | None = None
        # Live items a round took from the queue and has not finished posting (handed back if the bot stops).
        self._live_inflight: dict[tuple[str, str], list[Candidate]] = {}
        # Feeds whose poll was cancelled part way (the bot stopping): fetched again in full by the next poller.
        self._cancelled_polls: set[int] = set()
        self.stopping = False
        self.last_poll_ok: datetime | None = None

    # ---- lifecycle ------------------------------------------------------------------------------------------

    async def start(self, *, paused: bool = False, catch_up: bool = True) -> None:
        """Start APScheduler, register every stored schedule, start feed polling, then catch up missed digests."""
        self.aps.add_listener(self._on_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
        # Paused: jobs are registered and next_run works, but nothing fires by itself (tests drive the clock).
        self.aps.start(paused=paused)
        schedules = await self.store.schedules()
        for row in schedules:
            self._register(row)
        if self.poll_feeds:
            tick = max(5.0, min(60.0, self.settings.feed_interval_s / 4))
            self.aps.add_job(self._sweep_job, IntervalTrigger(seconds=tick, timezone=UTC), id="feeds:sweep",
                             name="feed polling", replace_existing=True, coalesce=True, max_instances=1,
                             misfire_grace_time=int(tick * 4), next_run_time=datetime.now(UTC) + timedelta(seconds=1))
        await self.mark_stale_runs()
        if catch_up:
            await self.catch_up()

    async def shutdown(self) -> None:
        """Stop firing jobs, let posts in flight finish (a few seconds at most) and hand feed polls back."""
        await self.stop(RUN_GRACE_S)

    async def stop(self, grace_s: float) -> StopReport:
        """Take no more work; hand polls in flight back; give posts up to ``grace_s`` to finish; hand back the rest.

        A poll is cancelled rather than waited for (a slow feed must not hold a restart) and its feed is made due
        at once, with its lease released, so another process (or this one, restarted) polls it in its next sweep.
        Digests and live rounds being posted get the grace, so none is left half posted; live items still
        waiting (rate limit, or a round cut at the deadline) have their feeds fetched again in full, so they are
        found and posted by whoever polls next, not lost.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, grace_s)
        self.stopping = True
        if self.aps.running:
            self.aps.shutdown(wait=False)
            await asyncio.sleep(0)  # AsyncIOScheduler shuts down in a loop callback; let it run
        report = StopReport()
        polls = [t for t in self._feed_tasks if not t.done()]
        for t in polls:
            t.cancel()
        await asyncio.gather(*polls, return_exceptions=True)
        report.polls_handed_back = len(polls)
        owed = set(self._cancelled_polls)
        # Posts in flight: digests being posted and live rounds (which post once their polls are in).
        posting: list[asyncio.Task[Any]] = [t for t in (*self._runs, *self._side_tasks) if not t.done()]
        if posting:
            finished, cut = await asyncio.wait(posting, timeout=max(0.0, deadline - loop.time()))
            report.posts_finished = len(finished)
            for t in cut:
                t.cancel()
            await asyncio.gather(*cut, return_exceptions=True)
            report.posts_cut = len(cut)
        owed |= await self._owed_live_sources()
        try:
            report.leases_released = await self.store.release_feeds(self.owner)
            if owed:
                await self.store.refetch_soon(owed, self.clock())
            report.feeds_handed_back = len(owed)
        except Exception as exc:  # noqa: BLE001 - the leases then run out by themselves; say so and go on
            log.warning("could not hand feed leases back (they expire after NEWSBOT_FEED_LEASE_S): %s", exc)
        return report

    async def _owed_live_sources(self) -> set[int]:
        """Return the feeds of live items not yet posted (queued, or in a round that was cut)."""
        subs = {c.subscription_id for queue in (*self._live_pending.values(), *self._live_inflight.values())
                for c in queue}
        if not subs:
            return set()
        by_id = {s.id: s.source.id for s in await self.store.subscriptions()}
        return {by_id[i] for i in subs if i in by_id}

    def health(self) -> dict[str, object]:
        """Return whether jobs fire and feeds are polled, and when a poll last succeeded."""
        running = self.aps.running and not self.stopping
        last = self.last_poll_ok
        when = f"last successful poll {last.isoformat(timespec='seconds')}" if last else "no successful poll yet"
        state = "running" if running else "stopping" if self.stopping else "not started (waiting for the front ends)"
        return {"ok": running, "detail": f"{state}; {when}",
                "last_successful_poll": last.isoformat() if last else None}

    # ---- SchedulerHooks -------------------------------------------------------------------------------------

    async def schedule_changed(self, schedule_id: int) -> None:
        """Register or re-register the job of a schedule."""
        row = await self.store.get_schedule(schedule_id)
        if row is None:
            await self.schedule_removed(schedule_id)
            return
        self._register(row)

    async def schedule_removed(self, schedule_id: int) -> None:
        """Drop the job of a removed schedule."""
        if self.aps.get_job(job_id(schedule_id)) is not None:
            self.aps.remove_job(job_id(schedule_id))

    def next_run(self, schedule_id: int) -> datetime | None:
        """Return when a schedule fires next, from its APScheduler job."""
        job = self.aps.get_job(job_id(schedule_id))
        return job.next_run_time if job is not None else None  # type: ignore[no-any-return]

    async def feed_added(self, sub: SubscriptionRow, backfill: int) -> str:
        """Fetch a new subscription once: store its items silently, post only the ``backfill`` newest if asked.

        The subscription's options (mode, filters) are set before this runs, so the backfill is filtered and the
        answer says how later items arrive.
        """
        others = [s for s in await self.store.subscriptions(sub.workspace, source_id=sub.source.id)
                  if s.id != sub.id and not s.paused]
        # Another live channel of the same workspace follows the feed: the workspace has its baseline already.
        initial_for = set() if others else {sub.workspace}
        report = await self.poll_source(sub.source.id, initial_for=initial_for, wait=True)
        if report is None:
            return ""
        opts = (await self.store.subscription_options([sub.id]))[sub.id]
        later = arrival_note(opts.mode)
        if not report.ok:
            return (f"The first fetch failed ({report.error}); it is retried with backoff, and /feeds list shows "
                    f"the feed's health. Once it works, {later}.")
        stored = len(report.items)
        n = min(max(backfill, 0), MAX_BACKFILL)
        if not stored:
            return f"The feed has no items yet; {later}."
        history = f"Stored the feed's {stored} current item(s) as history, not posted; {later}."
        if not n:
            return history
        try:
            posted, held = await self._post_backfill(sub, report, n, opts)
        except Exception as exc:  # noqa: BLE001 - the subscription stands; say why the backfill did not
            log.warning("backfill for %s in %s failed: %s", sub.source.url, sub.channel, exc)
            return f"{history} Posting the {n} newest failed: {exc}"
        if not posted:
            return (f"Stored the feed's {stored} current item(s) as history: none passed its filters, so none was "
                    f"posted ({held} held back; /feeds why tells which); {later}.")
        passing = (f" that pass its filters ({held} newer one(s) held back by them; /feeds why tells which)"
                   if held else "")
        rest = "; the rest are history, not posted" if stored > posted + held else ""
        return f"Stored the feed's {stored} current item(s). Posted the {posted} newest{passing}{rest}; {later}."

    # ---- scheduled digests ------------------------------------------------------------------------------------

    def _register(self, row: ScheduleRow) -> None:
        try:
            trigger = cron_trigger(row.cron, row.timezone)
        except (ValueError, KeyError) as exc:
            self._failure(job_id(row.id), f"cannot schedule {row.cron!r} in {row.timezone}: {exc}")
            return
        self.aps.add_job(
            self._digest_job, trigger, args=[row.id], id=job_id(row.id), name=f"digest #{row.id}",
            replace_existing=True, coalesce=True, max_instances=1,
            misfire_grace_time=self.settings.misfire_grace_s,
            # From the injected clock, so next_run agrees with the clock the runs use.
            next_run_time=trigger.get_next_fire_time(None, self.clock()),
        )

    async def _digest_job(self, schedule_id: int) -> None:
        # Shielded: APScheduler's shutdown cancels running jobs, but shutdown() lets a run finish first.
        task = asyncio.create_task(self.run_schedule(schedule_id), name=f"digest:{schedule_id}")
        self._runs.add(task)
        task.add_done_callback(self._runs.discard)
        await asyncio.shield(task)

    async def run_schedule(self, schedule_id: int, *, fire_time: datetime | None = None,
                           late: bool = False) -> RunResult:
        """Post the digest of a schedule's window ending at its latest fire time, unless already claimed."""
        row = await self.store.get_schedule(schedule_id)
        if row is None:
            await self.schedule_removed(schedule_id)
            return RunResult(schedule_id, "skipped", error="schedule removed")
        fire = fire_time or previous_fire_time(cron_trigger(row.cron, row.timezone), self.clock())
        if fire is None:
            return RunResult(schedule_id, "skipped", error="no fire time yet")
        fire = fire.astimezone(UTC)
        max_window = timedelta(hours=self.settings.digest_max_window_h)
        last_end = await self.store.last_window_end(schedule_id)
        start = max(last_end or fire - FIRST_WINDOW, fire - max_window)
        if fire <= start:
            return RunResult(schedule_id, "skipped", window_start=start, window_end=fire, error="window already covered")
        # The ledger row is the lock: a second firing, a restart or another process gets None and posts nothing.
        run_id = await self.store.claim_run(schedule_id, start, fire, late=late)
        if run_id is None:
            return RunResult(schedule_id, "skipped", window_start=start, window_end=fire, error="already claimed")
        stage = "build"
        try:
            since = await self._content_start(schedule_id, run_id, start, fire - max_window)
            # A story this channel was shown in an earlier digest (or live) comes back as an update.
            digest = await build_digest(self.store, row.workspace, since, fire, channel=row.channel)
            status = "posted" if digest.stories else "empty"
            ids: list[str] = []
            if digest.stories or row.notify_empty:
                stage = "post"
                reply = replace(digest_reply(digest), layout=await self.store.schedule_layout(schedule_id))
                if late:
                    reply = replace(reply, text=reply.text + "\n(posted late: the bot was not running at "
                                    f"{fire.astimezone(ZoneInfo(row.timezone)):%Y-%m-%d %H:%M %Z})")
                ids = await self.delivery.post(row.workspace, row.channel, reply)
                await mark_digest_shown(self.store, row.workspace, row.channel, digest, fire)
            await self.store.finish_run(run_id, status, message_ids=json.dumps(ids) if ids else None)
            return RunResult(schedule_id, status, run_id, start, fire, tuple(ids), late=late)
        except Exception as exc:  # noqa: BLE001 - every failure is recorded in the ledger and shown
            error = f"{exc.__class__.__name__}: {exc}"[:500]
            log.exception("digest #%s for %s failed", schedule_id, fire.isoformat())
            await self.store.finish_run(run_id, "failed", error=error)
            self._failure(job_id(schedule_id), error)
            if stage != "post":
                await self._notify(row.workspace, row.channel, Reply(
                    title="Scheduled digest failed", error=True,
                    text=f"The digest for {fire:%Y-%m-%d %H:%M} UTC failed: {error}. The next digest includes "
                         "this window; /digest-status shows the runs."))
            return RunResult(schedule_id, "failed", run_id, start, fire, error=error, late=late)

    async def _content_start(self, schedule_id: int, run_id: int, start: datetime, floor: datetime) -> datetime:
        """Return where the digest's articles start: failed windows just before this one roll into it."""
        since = start
        for r in await self.store.runs(schedule_id, limit=50):
            if r.id == run_id:
                continue
            if r.status != "failed" or (r.error or "").startswith("interrupted"):
                break
            since = min(since, r.window_start)
        return max(since, floor)

    async def catch_up(self) -> list[RunResult]:
        """Post, marked late, each schedule's latest missed digest if it is within the catch-up window."""
        now = self.clock()
        horizon = timedelta(hours=self.settings.catchup_window_h)
        results = []
        for row in await self.store.schedules():
            try:
                prev = previous_fire_time(cron_trigger(row.cron, row.timezone), now)
            except (ValueError, KeyError):
                continue
            if prev is None or now - prev > horizon:
                continue
            covered = await self.store.last_window_end(row.id) or row.created_at
            if prev <= covered:
                continue
            results.append(await self.run_schedule(row.id, fire_time=prev, late=True))
        return results

    async def mark_stale_runs(self) -> int:
        """Mark runs claimed long ago and never finished (their process died) as failed, so they show."""
        cutoff = datetime.now(UTC) - STALE_CLAIM  # claimed_at is stamped with the real time by the store
        n = 0
        for row in await self.store.schedules():
            for r in await self.store.runs(row.id, limit=10):
                if r.status == "claimed" and r.claimed_at < cutoff:
                    await self.store.finish_run(r.id, "failed", error=INTERRUPTED)
                    n += 1
        return n

    # ---- feeds ------------------------------------------------------------------------------------------------

    async def _sweep_job(self) -> None:
        tasks = await self.sweep()
        # The job returns at once, so the next tick leases more feeds while slow polls are still in flight (a
        # feed that answers slowly must not delay taking over a dead process's feeds by a whole round).
        task = asyncio.create_task(self._finish_round(tasks), name="feeds:round")
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)

    async def _finish_round(self, tasks: list[asyncio.Task[PollReport | None]]) -> None:
        # Live posts go out once the round's polls are in, so a story two feeds carry becomes one post.
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await self.flush_live()

    async def sweep(self) -> list[asyncio.Task[PollReport | None]]:
        """Lease every due feed no other process is polling and start a poll of each; return the started tasks.

        The lease lives in the shared database: each due feed is fetched by one process, and the feeds of a
        process that died are taken over once its leases run out (``NEWSBOT_FEED_LEASE_S``).
        """
        started = []
        await self.mark_stale_runs()
        if self._pruned_at is None or self.clock() - self._pruned_at >= PRUNE_EVERY:
            await self.prune_log()
        now = self.clock()
        leased = await self.store.claim_due_feeds(self.owner, now, float(self.settings.feed_lease_s),
                                                  limit=self.settings.feed_batch)
        for src in leased:
            lock = self._feed_locks.get(src.id)
            if lock is not None and lock.locked():
                continue
            task = asyncio.create_task(self._poll_leased(src.id), name=f"feed:{src.id}")
            self._feed_tasks.add(task)
            task.add_done_callback(self._feed_tasks.discard)
            started.append(task)
        # The feeds not due yet: wake up when the first of them is (the polls started now set their own wake).
        # Asked once the polls are started, so a leased feed's fetch never waits for this query.
        self._wake_at(await self.store.next_fetch_after(now))
        return started

    async def _poll_leased(self, source_id: int) -> PollReport | None:
        try:
            report = await self.poll_source(source_id)
        except asyncio.CancelledError:
            # The bot is stopping: stop() hands this feed back (lease released, fetched again in full), since
            # items this poll stored may not have been queued for live posting yet.
            self._cancelled_polls.add(source_id)
            raise
        except BaseException:
            with contextlib.suppress(Exception):
                await self.store.release_feed(source_id, self.owner)
            raise
        # Released only after the poll recorded the next fetch time, so no other process polls it again now.
        # A release that fails (store closing) is harmless: the lease runs out by itself.
        with contextlib.suppress(Exception):
            await self.store.release_feed(source_id, self.owner)
        return report

    async def poll_source(self, source_id: int, *, initial_for: set[str] | None = None,
                          wait: bool = False) -> PollReport | None:
        """Poll one feed now (skipped if a poll of it is running, unless ``wait``) and post its announcements."""
        lock = self._feed_locks.setdefault(source_id, asyncio.Lock())
        if lock.locked() and not wait:
            return None
        async with lock:
            src: SourceRow | None = await self.store.get_source(source_id)
            if src is None:
                return None
            owed = self._pending_initial.pop(source_id, set()) | (initial_for or set())
            report = await self.poller.poll(src, initial_for=owed)
            if report.ok:
                self.last_poll_ok = datetime.now(UTC)
            if not report.ok and owed:
                self._pending_initial.setdefault(source_id, set()).update(owed)
        self._wake_at(report.next_fetch)
        for a in report.announcements:
            await self._notify(a.workspace, a.channel, Reply(title="Feed health", text=a.text,
                                                              data={"url": a.url, "health": a.health}))
        try:
            await self._log_baseline(report)
            await self._collect_live(report)
        except Exception:  # noqa: BLE001 - live delivery must never break polling; the poll itself is recorded
            log.exception("collecting live items of %s failed", report.url)
        return report

    def _wake_at(self, when: datetime | None) -> None:
        """Sweep at ``when`` (a feed's next fetch) unless a sweep is set sooner, so polls keep their interval.

        The regular sweep runs every few seconds to a minute; without this a feed due just after a sweep waited
        for the next one (polls came about 5 s late at the shortest interval, up to a minute at the default).
        """
        if when is None or not self.poll_feeds or not self.aps.running:
            return
        job = self.aps.get_job(WAKE_JOB)
        if job is not None and job.next_run_time is not None and job.next_run_time <= when:
            return
        self.aps.add_job(self._sweep_job, DateTrigger(when, timezone=UTC), id=WAKE_JOB, name="feed polling (due)",
                         replace_existing=True, coalesce=True, misfire_grace_time=60)

    async def _log_baseline(self, report: PollReport) -> None:
        """Record the items of a silent first fetch as the baseline of the channels that just subscribed."""
        if not report.ok or not report.items or not report.initial_for:
            return
        subs = [s for s in await self.store.subscriptions(source_id=report.source_id)
                if not s.paused and s.workspace in report.initial_for]
        now = self.clock()
        lines = [DeliveryRecord(
            s.workspace, s.channel, "baseline", now, subscription_id=s.id, feed_url=report.url,
            article_id=o.article_id, item_url=_web(o.source), item_title=o.item_title or o.title,
            published=o.published,
            detail=f"it was in the feed when this channel subscribed ({_when(s.created_at or now)}): a first fetch "
                   "posts nothing (backfill:N posts the newest)") for s in subs for o in report.items]
        await self.store.log_deliveries(lines)

    # ---- live delivery ----------------------------------------------------------------------------------------

    async def _collect_live(self, report: PollReport) -> None:
        """Queue a poll's items for every channel following the feed (not for a silent baseline).

        Live channels and channels with alerts get posts; every channel gets a line in the delivery log.
        """
        if not report.ok or not report.items:
            return
        subs = [s for s in await self.store.subscriptions(source_id=report.source_id)
                if not s.paused and s.workspace not in report.initial_for]
        if not subs:
            return
        opts = await self.store.subscription_options([s.id for s in subs])
        outlet = report.title or report.url
        for s in subs:
            since = [opts[s.id].live_since] if opts[s.id].mode == "live" else []
            since += [a.created_at for a in await self.store.alerts(s.workspace, s.channel) if a.created_at]
            start = min((t for t in since if t is not None), default=None) or s.created_at
            if start is not None and s.created_at is not None:
                start = max(start, s.created_at)  # an older alert never reaches back before the subscription
            queue = self._live_pending.setdefault((s.workspace, s.channel), [])
            for item in report.items:
                assert item.article_id is not None
                queue.append(Candidate(item.article_id, s.id, outlet, _web(item.source), start,
                                       item.item_title or item.title, report.url, item.status))

    async def flush_live(self) -> list[str]:
        """Post what the live queue holds, per channel: merged, filtered, with alerts' mentions, rate limited."""
        async with self._live_lock:
            pending, self._live_pending = self._live_pending, {}
            # Stories an earlier round (of this process or of one that stopped) held back for the rate limit.
            for workspace, channel, aid, sub_id, outlet, link, since in await self.store.live_held():
                pending.setdefault((workspace, channel), []).append(Candidate(aid, sub_id, outlet, link, since))
            self._live_inflight = dict(pending)
            ids: list[str] = []
            for (workspace, channel), cands in pending.items():
                try:
                    ids += await self._deliver_live(workspace, channel, cands)
                except Exception:  # noqa: BLE001 - one channel's failure must not hold the others' posts
                    log.exception("live delivery to %s/%s failed", workspace, channel)
                self._live_inflight.pop((workspace, channel), None)
            return ids

    async def _deliver_live(self, workspace: str, channel: str, cands: list[Candidate]) -> list[str]:
        held: list[Candidate] = []
        posted = await self._plan_and_post(workspace, channel, cands, held)
        # What the rate limit held back waits in the store, where a restart finds it; the rest was handled. (A
        # round that failed keeps the channel's held stories for the next one.)
        await self.store.hold_live(workspace, channel, [(c.article_id, c.subscription_id, c.outlet, c.link, c.since)
                                                        for c in held])
        await self.store.release_live_held(workspace, channel, keep={c.article_id for c in held})
        return posted

    async def _plan_and_post(self, workspace: str, channel: str, cands: list[Candidate],
                             held_back: list[Candidate]) -> list[str]:
        now = self.clock()
        cands = list({(c.article_id, c.subscription_id, item_key(c.link)): c for c in cands}.values())
        ids = list(dict.fromkeys(c.article_id for c in cands))
        logged = await self.store.deliveries_of(workspace, channel, ids)
        seen = {(d.article_id, item_key(d.item_url)) for d in logged}  # decided in an earlier round
        kept_since = now - timedelta(days=self.settings.delivery_log_days)
        first: dict[int, DeliveryRecord] = {}
        for d in logged:
            if d.article_id is not None:
                first.setdefault(d.article_id, d)
        handled = await self.store.live_handled(workspace, channel, ids)
        subs = {s.id: s for s in await self.store.subscriptions(workspace, channel)}
        opts = await self.store.subscription_options(list(subs))
        alert_rows = await self.store.alerts(workspace, channel)
        lines: list[DeliveryRecord] = []
        articles: dict[int, Article] = {}

        def line(c: Candidate, outcome: str, detail: str, related: int | None = None) -> DeliveryRecord:
            art = articles.get(c.article_id)
            return DeliveryRecord(workspace, channel, outcome, now, detail=detail, subscription_id=c.subscription_id,
                                  feed_url=c.feed_url, article_id=c.article_id, item_url=c.link,
                                  item_title=c.item_title or (art.title if art else ""),
                                  published=art.published if art else None, related_article_id=related)

        # One query for every article not decided before (in steady state a feed's items all were: none).
        articles.update((a.id, a) for a in await self.store.articles_by_id(
            workspace, sorted({c.article_id for c in cands if (c.article_id, item_key(c.link)) not in seen})))
        plannable: list[Candidate] = []
        for c in cands:
            key = (c.article_id, item_key(c.link))
            if key in seen:
                continue
            art = articles.get(c.article_id)
            if art is None:
                continue
            if art.fetched is not None and art.fetched < kept_since:
                continue  # stored before the log's retention: an item still in its feed, decided long ago
            if c.article_id in first or c.article_id in handled:
                if item_key(art.url) == key[1]:
                    continue  # the same item, handled before the delivery log kept it
                prior = first.get(c.article_id)
                when = f", {prior.outcome} here {_when(prior.at)}" if prior else ", already handled here"
                lines.append(line(c, "duplicate", f"the same article as #{art.id} “{art.title}”{when}", art.id))
                continue
            mode = opts[c.subscription_id].mode if c.subscription_id in opts else "digest"
            when_pub = effective_time(art, now)
            # Feed dates carry whole seconds: an item of the subscription's own second is not older than it.
            if c.since is not None and when_pub < c.since.replace(microsecond=0):
                sub = subs.get(c.subscription_id)
                created = sub.created_at if sub else None
                if mode == "digest" and created is not None and when_pub >= created:
                    lines.append(line(c, "digest", "its feed posts in this channel's digests; it was published "
                                      f"({_when(when_pub)}) before this channel's alerts started"))
                else:
                    # Switched to live later than it subscribed: live posts start at the switch.
                    later = created is not None and c.since - created > timedelta(minutes=1)
                    started = "went live" if mode == "live" and later else "subscribed"
                    lines.append(line(c, "too_old", f"published {_when(when_pub)}, before this channel {started} "
                                      f"({_when(c.since)}): a subscription posts only what is published after it "
                                      "starts"))
                continue
            if mode != "live" and not alert_rows:
                lines.append(line(c, "digest", "its feed posts in this channel's digests, not live"))
                continue
            plannable.append(c)
        posted: list[str] = []
        try:
            if plannable:
                posted = await self._post_planned(workspace, channel, now, plannable, articles, opts, alert_rows,
                                                  line, lines, held_back)
        finally:
            await self.store.log_deliveries(lines)
        return posted

    async def _post_planned(self, workspace: str, channel: str, now: datetime, cands: list[Candidate],
                            articles: dict[int, Article], opts: dict[int, SubscriptionOptions],
                            alert_rows: Sequence[AlertRow], line: Callable[..., DeliveryRecord],
                            lines: list[DeliveryRecord], held_back: list[Candidate]) -> list[str]:
        """Group, filter, rate-limit and post a channel's new items; add what became of each to ``lines``."""
        quotes: dict[int, list[QuoteRow]] = {}
        for q in await self.store.quotes_for_articles(workspace, list(dict.fromkeys(c.article_id for c in cands))):
            quotes.setdefault(q.article_id, []).append(q)
        # What this channel was shown of these articles' stories (live or in a digest), kept in the store: a
        # story posted before is updated, never posted as new, whatever restarts came between.
        story_of = await self.store.stories_for_articles(articles)
        shown = await self.store.shown_stories(workspace, channel, set(story_of.values()))
        seen = {a.id: a for a in await self.store.articles_by_id(
            workspace, sorted({i for sh in shown.values() for i in (*sh.article_ids[:1],
                                                                   *sh.article_ids[-SUMMARY_ARTICLES:])}))}
        filters = {i: CompiledFilters(load_filters(o.filters)) for i, o in opts.items() if o.filters}
        live_subs = {i for i, o in opts.items() if o.mode == "live"}
        alerts = []
        for a in alert_rows:
            try:
                alerts.append((a.mention, keyword_matcher(a.keyword)))
            except FilterError:
                continue
        # The channel's posts of the last minute are read from the store: the limit holds across rounds,
        # restarts and processes.
        sent = await self.store.live_sends(workspace, channel, now - RATE_WINDOW)
        # Grouping and composing stories is CPU work: keep it off the event loop like the digests.
        plan = await asyncio.to_thread(plan_channel, workspace, now, cands, articles, quotes, story_of=story_of,
                                       shown=shown, seen=seen, live_subs=live_subs, filters=filters, alerts=alerts,
                                       room=rate_room(sent, now))
        await self.store.live_claim(workspace, channel, plan.filtered, "filtered", now)
        await self.store.live_claim(workspace, channel, plan.merged, "merged", now)
        by_article: dict[int, list[Candidate]] = {}
        for c in cands:
            by_article.setdefault(c.article_id, []).append(c)
        for d in plan.decisions:
            for c in by_article.get(d.article_id, []):
                if d.subscription_id is None or d.subscription_id == c.subscription_id:
                    lines.append(line(c, d.outcome, d.detail, d.related_article_id))

        def story_lines(ls: LiveStory, outcome: str, detail: str) -> None:
            lead = ls.story.lead_article_id or ls.story.article_ids[0]
            n = len(ls.sources)
            if ls.shown is not None:
                first = seen.get(ls.shown.article_ids[0]) if ls.shown.article_ids else None
                story = f"“{first.title}” (article #{first.id})" if first else f"“{ls.story.headline}”"
                detail += (f"; an update of the story {story}, first shown here {_when(ls.shown.first_at)}"
                           + (f", in the thread of message {ls.thread}" if ls.thread and outcome == "posted" else ""))
            for aid in ls.story.article_ids:
                for c in by_article.get(aid, []):
                    if aid == lead or outcome != "posted":
                        lines.append(line(c, outcome, detail))
                    else:
                        lines.append(line(c, "merged", f"told the same story as “{ls.story.headline}” (article "
                                          f"#{lead}), posted here {_when(now)} as one post with {n} sources", lead))

        async def shown_now(ls: LiveStory, message: str | None) -> None:
            if ls.story.story_id is not None:
                await self.store.mark_shown(workspace, channel, ls.story.story_id, ls.story.article_ids, now, message)

        posted: list[str] = []
        for ls in plan.singles:
            # Claimed before posting: a racing round (or process) gets nothing and posts nothing.
            if not await self.store.live_claim(workspace, channel, ls.story.article_ids, "posted", now):
                continue
            template = next((opts[i].template for i in ls.subscription_ids if opts[i].template), None)
            ids, error = await self._post_live(workspace, channel, live_reply(ls, template))
            posted += ids
            await self.store.record_live_send(workspace, channel, now)
            why = "".join(f"; {r}" for r in ls.reasons) + (f"; mentioning {', '.join(ls.mentions)}"
                                                          if ls.mentions else "")
            if error:
                story_lines(ls, "failed", f"the post failed {_when(now)}: {error}")
            else:
                await shown_now(ls, ids[0] if ids else None)
                story_lines(ls, "posted", f"posted here {_when(now)} (message {', '.join(ids)}){why}")
        folded: list[LiveStory] = []
        for ls in plan.folded:
            if await self.store.live_claim(workspace, channel, ls.story.article_ids, "folded", now):
                folded.append(ls)
        if folded:
            ids, error = await self._post_live(workspace, channel, folded_reply(folded))
            posted += ids
            await self.store.record_live_send(workspace, channel, now)
            for ls in folded:
                if error:
                    story_lines(ls, "failed", f"the post failed {_when(now)}: {error}")
                else:
                    await shown_now(ls, None)
                    story_lines(ls, "folded", f"folded into the “{len(folded)} more stories” post {_when(now)} "
                                f"(message {', '.join(ids)}): this channel gets at most {RATE_LIMIT} live posts a "
                                "minute")
        # Over the rate limit: these wait for a later round, even if their feeds answer 304 by then.
        held = {a for ls in plan.deferred for a in ls.story.article_ids}
        held_back.extend(c for c in cands if c.article_id in held)
        return posted

    async def _post_live(self, workspace: str, channel: str, reply: Reply) -> tuple[list[str], str | None]:
        try:
            return await self.delivery.post(workspace, channel, reply), None
        except Exception as exc:  # noqa: BLE001 - the story stays claimed (at most once); the failure is logged
            log.warning("live post %r to %s/%s failed: %s", reply.title, workspace, channel, exc)
            error = f"{exc.__class__.__name__}: {exc}"
            self._failure(f"live:{workspace}:{channel}", error)
            return [], error

    async def _post_backfill(self, sub: SubscriptionRow, report: PollReport, n: int,
                             opts: SubscriptionOptions) -> tuple[int, int]:
        """Post the ``n`` newest items that pass the subscription's filters; return (posted, held back)."""
        flt = CompiledFilters(load_filters(opts.filters)) if opts.filters else None
        outlet = report.title or sub.source.url
        now = self.clock()
        picked: list[Article] = []
        lines: list[DeliveryRecord] = []
        by_id = {o.article_id: o for o in report.items}
        for o in newest(report.items, len(report.items)):
            if len(picked) >= n:
                break
            art = await self.store.article(sub.workspace, o.article_id) if o.article_id else None
            if art is None:
                continue
            if flt is not None:
                qrows = await self.store.quotes_for_articles(sub.workspace, [art.id])
                story = Story(art.title, art.summary or art.text[:400], (), (art.id,))
                ok, why = flt.verdict(story_text(story, [art], qrows, [outlet]))
                if not ok:
                    lines.append(DeliveryRecord(sub.workspace, sub.channel, "filtered", now, detail=f"backfill: {why}",
                                                subscription_id=sub.id, feed_url=sub.source.url, article_id=art.id,
                                                item_url=_web(o.source), item_title=o.item_title or art.title,
                                                published=art.published))
                    continue
            picked.append(art)
        try:
            if not picked:
                return 0, len(lines)
            rows = await self.store.quotes_for_articles(sub.workspace, [a.id for a in picked])
            quotes: dict[int, list[QuoteRow]] = {}
            for q in rows:
                quotes.setdefault(q.article_id, []).append(q)
            since = min((a.published or a.fetched or now for a in picked), default=now)
            groups = await story_groups(self.store, sub.workspace, picked)
            digest = await asyncio.to_thread(compose, sub.workspace, min(since, now), now, groups, quotes,
                                             max_stories=len(picked))
            reply = replace(digest_reply(digest), title=f"Latest from {outlet}")
            # Claimed first, so a live round never posts them again; a failed post stays claimed (at most once).
            await self.store.live_claim(sub.workspace, sub.channel, [a.id for a in picked], "posted", now)
            try:
                ids = await self.delivery.post(sub.workspace, sub.channel, reply)
                await mark_digest_shown(self.store, sub.workspace, sub.channel, digest, now)
            except Exception as exc:
                lines += [DeliveryRecord(
                    sub.workspace, sub.channel, "failed", now, subscription_id=sub.id, feed_url=sub.source.url,
                    article_id=a.id, item_url=_web(by_id[a.id].source), item_title=by_id[a.id].item_title or a.title,
                    published=a.published, detail=f"the backfill's post failed {_when(now)}: {exc}") for a in picked]
                raise
            for a in picked:
                o = by_id[a.id]
                lines.append(DeliveryRecord(
                    sub.workspace, sub.channel, "posted", now, subscription_id=sub.id, feed_url=sub.source.url,
                    article_id=a.id, item_url=_web(o.source), item_title=o.item_title or a.title, published=a.published,
                    detail=f"posted here {_when(now)} by the backfill of /feeds add (message {', '.join(ids)})"))
            return len(picked), sum(1 for x in lines if x.outcome == "filtered")
        finally:
            await self.store.log_deliveries(lines)

    async def prune_log(self) -> int:
        """Drop delivery-log lines older than the retention (``NEWSBOT_DELIVERY_LOG_DAYS``)."""
        now = self.clock()
        self._pruned_at = now
        before = now - timedelta(days=self.settings.delivery_log_days)
        # What a channel was shown of a story is kept as long as the log: a story quiet for longer is news again.
        await self.store.prune_shown_stories(before)
        return await self.store.prune_deliveries(before)

    # ---- failures -------------------------------------------------------------------------------------------

    async def _notify(self, workspace: str, channel: str, reply: Reply) -> None:
        try:
            await self.delivery.post(workspace, channel, reply)
        except Exception as exc:  # noqa: BLE001 - a notice that cannot be posted is logged, never fatal
            log.warning("could not post %r to %s/%s: %s", reply.title, workspace, channel, exc)

    def _failure(self, job: str, error: str) -> None:
        self.failures.append(JobFailure(job, datetime.now(UTC), error))
        log.error("job %s: %s", job, error)

    def _on_event(self, event: JobEvent) -> None:
        if isinstance(event, JobExecutionEvent) and event.code == EVENT_JOB_ERROR:
            self._failure(event.job_id, f"{event.exception.__class__.__name__}: {event.exception}")
            return
        if event.code == EVENT_JOB_MISSED and event.job_id.startswith("digest:"):
            # Missed beyond the grace time (the loop was blocked or the host slept): catch up now, marked late.
            self._failure(event.job_id, "missed its fire time; catching up")
            schedule_id = int(event.job_id.split(":", 1)[1])
            task: asyncio.Task[object] = asyncio.get_running_loop().create_task(
                self.run_schedule(schedule_id, late=True))
            self._side_tasks.add(task)
            task.add_done_callback(self._side_tasks.discard)
