"""Schedules in their own time zones across restarts: next run, DST changes and the catch-up of a missed digest.

Four zones (two northern DST rules, the southern one, and a half-hour offset without DST). Each case is a day on
which the zone's clocks change (or any day for Kolkata). The expected instants come from ``zoneinfo``, not from
APScheduler: the bot posts the day before at 08:00, restarts an hour later (its next run is 08:00 on the change
day, at the new offset), is down at 08:00 on the change day, and on start-up at 08:30 posts that missed digest
once, marked late, with its window ending at the local 08:00. A restart after that posts nothing more.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.scheduler import BotScheduler, cron_trigger, previous_fire_time
from bot.services import Services
from tests.bot.test_scheduler import Clock, Recorder, add_article, delivery_for, headlines, ordered_runs

CASES = [
    ("Europe/Berlin", date(2026, 3, 29)),  # CET -> CEST
    ("Europe/Berlin", date(2026, 10, 25)),  # CEST -> CET
    ("America/New_York", date(2026, 3, 8)),  # EST -> EDT
    ("America/New_York", date(2026, 11, 1)),  # EDT -> EST
    ("Australia/Sydney", date(2026, 4, 5)),  # AEDT -> AEST
    ("Australia/Sydney", date(2026, 10, 4)),  # AEST -> AEDT
    ("Asia/Kolkata", date(2026, 6, 1)),  # +05:30 all year
]


def local_0800(day: date, zone: str) -> datetime:
    """Return 08:00 on ``day`` in ``zone`` as a UTC instant (zoneinfo's answer, independent of APScheduler)."""
    return datetime.combine(day, time(8), tzinfo=ZoneInfo(zone)).astimezone(UTC)


@pytest.mark.parametrize(("zone", "day"), CASES, ids=[f"{z}-{d}" for z, d in CASES])
async def test_next_run_dst_and_a_missed_0800_caught_up_once_after_a_restart(services: Services, zone: str,
                                                                             day: date) -> None:
    before, fire, after = (local_0800(day + timedelta(days=n), zone) for n in (-1, 0, 1))
    if zone != "Asia/Kolkata":
        assert fire - before != timedelta(hours=24), "the case should straddle a change of the zone's offset"
    rec = Recorder()
    clock = Clock(before - timedelta(minutes=1))
    row = await services.store.add_schedule("local", "news", "daily 08:00", "0 8 * * *", zone)
    await add_article(services.store, 1, before - timedelta(hours=1))

    async def boot() -> BotScheduler:
        sched = BotScheduler(services, delivery_for(rec), clock=clock, poll_feeds=False)
        await sched.start(paused=True)  # catch-up included, as `newsbot run` starts
        return sched

    s1 = await boot()
    assert s1.next_run(row.id) == before
    clock.now = before + timedelta(seconds=1)
    assert (await s1.run_schedule(row.id)).status == "posted"
    await s1.shutdown()

    clock.now = before + timedelta(hours=1)  # a restart after that digest: nothing to catch up
    s2 = await boot()
    assert s2.next_run(row.id) == fire, "next run across the DST change"
    await s2.shutdown()
    assert len(rec.posts) == 1

    await add_article(services.store, 2, before + timedelta(hours=2))
    clock.now = fire + timedelta(minutes=30)  # down at 08:00 on the change day, back at 08:30
    s3 = await boot()
    assert s3.next_run(row.id) == after
    await s3.shutdown()
    clock.now = fire + timedelta(minutes=40)
    s4 = await boot()  # a second restart posts nothing more
    await s4.shutdown()

    runs = await ordered_runs(services.store, row.id)
    assert [(r.window_start, r.window_end, r.status, r.late) for r in runs] == [
        (before - timedelta(hours=24), before, "posted", False), (before, fire, "posted", True)]
    assert [headlines(r) for r in rec.digests()] == [["Story 1"], ["Story 2"]]
    late = rec.digests()[1].text
    assert f"{day:%Y-%m-%d} 08:00" in late, late  # the note gives the missed time in the schedule's zone


def test_the_previous_fire_time_is_the_latest_at_or_before_now() -> None:
    berlin = cron_trigger("0 8 * * *", "Europe/Berlin")
    fire = local_0800(date(2026, 3, 29), "Europe/Berlin")
    assert previous_fire_time(berlin, fire) == fire  # at the very instant
    assert previous_fire_time(berlin, fire - timedelta(microseconds=1)) == local_0800(date(2026, 3, 28),
                                                                                     "Europe/Berlin")
    quarter = cron_trigger("*/15 * * * *", "Asia/Kolkata")  # several fire times within the hour looked back on
    now = datetime(2026, 6, 1, 8, 50, tzinfo=ZoneInfo("Asia/Kolkata"))
    assert previous_fire_time(quarter, now) == datetime(2026, 6, 1, 8, 45, tzinfo=ZoneInfo("Asia/Kolkata"))
    monthly = cron_trigger("0 8 1 * *", "America/New_York")  # far back: the first of the month
    assert previous_fire_time(monthly, datetime(2026, 3, 20, tzinfo=UTC)) == local_0800(date(2026, 3, 1),
                                                                                         "America/New_York")


async def test_catch_up_takes_every_schedule_whatever_the_ones_before_it(services: Services) -> None:
    rec = Recorder()
    # A day to come: the store stamps schedules with the real time, and none may look older than its runs.
    day = (datetime.now(UTC) + timedelta(days=30)).date()
    now = local_0800(day, "Europe/Berlin") + timedelta(minutes=30)
    clock = Clock(now)
    store = services.store
    # A zone that no longer exists (a row written by hand), Kiritimati's 08:00 over 12 hours ago and New York's
    # last one too (beyond the catch-up window), Paris posted already; Berlin's 08:00 is missed, and so is a
    # Berlin 20:30 exactly 12 hours ago (the edge of the window, still caught up).
    zones = ("Mars/Olympus_Mons", "Pacific/Kiritimati", "America/New_York", "Europe/Paris", "Europe/Berlin")
    rows = [await store.add_schedule("local", f"news-{n}", "daily 08:00", "0 8 * * *", zone)
            for n, zone in enumerate(zones)]
    rows.append(await store.add_schedule("local", "news-5", "daily 20:30", "30 20 * * *", "Europe/Berlin"))
    paris = local_0800(day, "Europe/Paris")
    assert await store.claim_run(rows[3].id, paris - timedelta(days=1), paris) is not None
    await add_article(store, 1, now - timedelta(hours=3))
    sched = BotScheduler(services, delivery_for(rec), clock=clock, poll_feeds=False)
    await sched.start(paused=True)
    await sched.shutdown()
    assert [(ws, ch) for ws, ch, _ in rec.posts] == [("local", "news-4")]  # 20:30's window had no news
    [late] = await store.runs(rows[4].id, limit=1)
    assert (late.window_end, late.late) == (local_0800(day, "Europe/Berlin"), True)
    [edge] = await store.runs(rows[5].id, limit=1)
    assert (now - edge.window_end, edge.status, edge.late) == (
        timedelta(hours=services.settings.catchup_window_h), "empty", True)
    assert [len(await store.runs(r.id)) for r in rows] == [0, 0, 0, 1, 1, 1]


async def test_a_host_clock_set_to_another_zone_changes_no_fire_time(services: Services,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import time as systime

    monkeypatch.setenv("TZ", "Pacific/Chatham")  # +12:45/+13:45: no schedule here is in it
    systime.tzset()
    try:
        await test_next_run_dst_and_a_missed_0800_caught_up_once_after_a_restart(
            services, "America/New_York", date(2026, 3, 8))
        test_the_previous_fire_time_is_the_latest_at_or_before_now()
    finally:
        monkeypatch.undo()
        systime.tzset()


async def test_a_run_interrupted_by_a_stop_does_not_roll_into_the_next_digest(services: Services) -> None:
    rec = Recorder()
    store = services.store
    row = await store.add_schedule("local", "news", "hourly", "0 * * * *", "Asia/Kolkata")
    t = datetime(2027, 1, 5, 8, tzinfo=ZoneInfo("Asia/Kolkata")).astimezone(UTC)
    # 06:00-07:00 failed (it rolls into the next digest); 07:00-08:00 was interrupted by a stop (it may have been
    # posted: it does not).
    failed = await store.claim_run(row.id, t - timedelta(hours=3), t - timedelta(hours=2))
    await store.finish_run(failed or 0, "failed", error="DeliveryError: channel gone")
    cut = await store.claim_run(row.id, t - timedelta(hours=1), t)
    await store.finish_run(cut or 0, "failed", error="interrupted: the bot stopped during this run")
    for n, hours in enumerate((2.5, 1.5, 0.5), 1):
        await add_article(store, n, t + timedelta(hours=1) - timedelta(hours=hours))
    sched = BotScheduler(services, delivery_for(rec), clock=Clock(t + timedelta(hours=1, seconds=1)),
                         poll_feeds=False)
    await sched.start(paused=True, catch_up=False)
    result = await sched.run_schedule(row.id)
    await sched.shutdown()
    assert (result.status, result.window_start) == ("posted", t)
    assert [headlines(r) for r in rec.digests()] == [["Story 3"]]
