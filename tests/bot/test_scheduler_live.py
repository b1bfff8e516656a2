"""Live delivery through the scheduler: the rate limit of a channel holds from one round to the next and across a
restart, what a full minute holds back is posted once the minute has passed, even after a restart, and a story
posted once comes back as an update, never as a new story, after a restart too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.config import Settings
from bot.scheduler import BotScheduler
from bot.services import Services
from digests.live import RATE_LIMIT, RATE_WINDOW
from tests.bot.test_scheduler import Clock, Feed, Recorder, delivery_for
from tests.helpers.http import LocalServer
from tests.helpers.newsfeed import STORIES, NewsFeed
from tests.helpers.stories import FIRE_B, event_articles


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


async def test_a_live_story_is_posted_once_and_its_next_article_as_an_update_after_a_restart(
        settings: Settings, http_server: LocalServer) -> None:
    """A restart between two articles of one story: the second is an update in the first post's thread."""
    from bot.commands import load

    load()
    feed = NewsFeed(http_server, "/valley.xml", "Valley News")
    feed.add(*STORIES[1], slug="concert", minutes_ago=30)  # the baseline
    first, second, _, news = event_articles(FIRE_B, 4)
    rec = Recorder()

    async def boot(svc: Services) -> BotScheduler:
        sched = BotScheduler(svc, delivery_for(rec), poll_feeds=False)
        sched.poller.gate.spacing_s = 0.0
        await sched.start(paused=True, catch_up=False)
        return sched

    async def round_with(svc: Services, sched: BotScheduler, title: str, text: str, slug: str) -> int:
        feed.add(title, text, slug=slug)
        before = len(rec.posts)
        await sched.poll_source((await svc.store.source("feed", feed.url)).id)
        await sched.flush_live()
        return len(rec.posts) - before

    svc = await Services.create(settings)
    try:
        sched = await boot(svc)
        src = await svc.store.source("feed", feed.url)
        sub, _ = await svc.store.subscribe("local", "news", src.id)
        await sched.feed_added(sub, 0)
        await svc.store.set_subscription_options(sub.id, mode="live", now=datetime.now(UTC) - timedelta(minutes=1))
        assert await round_with(svc, sched, first.title, first.text, "fire-1") == 1
        story = rec.posts[0][2]
        assert story.title.startswith("New from") and not story.data["update"] and story.in_thread is None
        await sched.shutdown()
    finally:
        await svc.close()

    svc = await Services.create(settings)  # a new process over the same SQLite file
    try:
        sched = await boot(svc)
        assert await round_with(svc, sched, news.title, news.text, "fire-2") == 1
        update = rec.posts[1][2]
        assert update.title.startswith("Update from") and update.data["update"]
        assert update.in_thread == "m1"  # the first post's id: its thread takes the update
        assert update.data["story_id"] == story.data["story_id"]
        [new_id] = update.data["article_ids"]
        assert new_id not in story.data["article_ids"]
        # /feeds why tells the truth about it: posted, as an update of the story first posted here.
        [line] = await svc.store.deliveries_of("local", "news", [new_id])
        assert line.outcome == "posted" and "an update of the story" in line.detail and "m1" in line.detail
        # Another outlet's telling of what the channel already has, nothing new in it: never a new story.
        assert await round_with(svc, sched, second.title, first.text, "fire-3") == 0
        await sched.shutdown()
    finally:
        await svc.close()
