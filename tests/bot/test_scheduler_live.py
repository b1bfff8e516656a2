"""Live delivery through the scheduler: the rate limit of a channel holds from one round to the next and across a
restart, and what a full minute holds back is posted once the minute has passed, even after a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.scheduler import BotScheduler
from bot.services import Services
from digests.live import RATE_LIMIT, RATE_WINDOW
from tests.bot.test_scheduler import Clock, Feed, Recorder, delivery_for
from tests.helpers.http import LocalServer


def headlines(rec: Recorder, start: int = 0) -> list[str]:
    """Return the story headlines of the live posts recorded from ``start`` on (single and folded posts)."""
    out: list[str] = []
    for _, _, r in rec.posts[start:]:
        out += r.data["headlines"] if "headlines" in r.data else [r.data["headline"]]
    return out


async def test_the_rate_limit_holds_across_rounds_and_restarts(services: Services, http_server: LocalServer) -> None:
    feed = Feed(http_server)
    rec = Recorder()
    clock = Clock(datetime.now(UTC))

    async def boot() -> BotScheduler:
        sched = BotScheduler(services, delivery_for(rec), clock=clock, poll_feeds=False)
        sched.poller.gate.spacing_s = 0.0  # politeness is tested in tests/digests/test_feeds.py
        await sched.start(paused=True, catch_up=False)
        return sched

    sched = await boot()
    src = await services.store.source("feed", feed.url)
    sub, _ = await services.store.subscribe("local", "news", src.id)
    await sched.feed_added(sub, 0)  # items 1-5: the silent baseline
    # Live from now (real time, as the store stamps fetched articles): the baseline items are not news.
    await services.store.set_subscription_options(sub.id, mode="live", now=datetime.now(UTC))

    async def round_with(*items: int) -> int:
        """Poll the feed with these new items and post what the channel may get now; return how many posts."""
        feed.items += list(items)
        before = len(rec.posts)
        await sched.poll_source(src.id)
        await sched.flush_live()
        return len(rec.posts) - before

    # A burst of ten new stories: RATE_LIMIT - 1 single posts and one post folding the rest.
    assert await round_with(*range(6, 16)) == RATE_LIMIT
    assert sorted(headlines(rec)) == sorted(f"Story {n}" for n in range(6, 16))
    # The next round within the minute posts nothing: the channel's minute is full.
    clock.now += timedelta(seconds=20)
    assert await round_with(16, 17) == 0
    # Restarted within the same minute: still full. The feed has nothing new (it answers 304).
    await sched.shutdown()
    sched = await boot()
    clock.now += timedelta(seconds=20)
    assert await round_with() == 0
    # Once the minute has passed, the stories held back before the restart go out, each once.
    clock.now += RATE_WINDOW
    assert await round_with() > 0
    assert sorted(headlines(rec, RATE_LIMIT)) == ["Story 16", "Story 17"]
    clock.now += RATE_WINDOW
    assert await round_with(18) == 1
    assert await round_with() == 0
    assert sorted(headlines(rec)) == sorted(f"Story {n}" for n in range(6, 19))
    await sched.shutdown()
