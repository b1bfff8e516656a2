"""The store's subscription options, alerts, schedule layouts and live ledger (one suite for every backend)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from digests.store import NewArticle, Store

NOW = datetime(2031, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    """Return an empty store of each backend (SQLite, and PostgreSQL when NEWSBOT_TEST_DATABASE_URL is set)."""
    s = await Store.open(store_url)
    yield s
    await s.close()


async def _sub(store: Store, ws: str = "w", channel: str = "c", url: str = "https://feeds.example/a.xml") -> int:
    src = await store.source("feed", url)
    sub, _ = await store.subscribe(ws, channel, src.id)
    return sub.id


async def test_options_default_then_change_and_survive_other_changes(store: Store) -> None:
    sid = await _sub(store)
    opts = (await store.subscription_options([sid]))[sid]
    assert (opts.mode, opts.filters, opts.template, opts.live_since) == ("digest", (), None, None)
    rule = {"field": "title", "action": "exclude", "kind": "word", "pattern": "sponsored"}
    await store.set_subscription_options(sid, mode="live", filters=[rule], now=NOW)
    await store.set_subscription_options(sid, template="{title}")
    opts = (await store.subscription_options([sid]))[sid]
    assert (opts.mode, opts.filters, opts.template, opts.live_since) == ("live", (rule,), "{title}", NOW)
    # Going live again keeps the original start; back to digest clears it.
    await store.set_subscription_options(sid, mode="live", now=NOW + timedelta(hours=1))
    assert (await store.subscription_options([sid]))[sid].live_since == NOW
    await store.set_subscription_options(sid, mode="digest", clear_template=True)
    opts = (await store.subscription_options([sid]))[sid]
    assert (opts.mode, opts.template, opts.live_since, opts.filters) == ("digest", None, None, (rule,))
    with pytest.raises(ValueError):
        await store.set_subscription_options(sid, mode="firehose")


async def test_options_go_with_their_subscription(store: Store) -> None:
    sid = await _sub(store)
    await store.set_subscription_options(sid, mode="live", now=NOW)
    assert await store.unsubscribe("w", "c", "https://feeds.example/a.xml")
    again = await _sub(store)
    assert (await store.subscription_options([again]))[again].mode == "digest"


async def test_alerts_are_per_channel_and_removed_only_there(store: Store) -> None:
    a, new = await store.add_alert("w", "c", "ferry", "role:7", now=NOW)
    same, again = await store.add_alert("w", "c", "ferry", "role:7")
    other, _ = await store.add_alert("x", "c", "ferry", "subteam:S1")
    assert new and not again and same.id == a.id and a.created_at == NOW
    assert [x.keyword for x in await store.alerts("w")] == ["ferry"]
    assert not await store.remove_alert("x", "c", a.id)  # another workspace cannot remove it
    assert not await store.remove_alert("w", "elsewhere", a.id)
    assert await store.remove_alert("w", "c", a.id)
    assert await store.alerts("w") == [] and [x.id for x in await store.alerts("x")] == [other.id]


async def test_schedule_layout(store: Store) -> None:
    row = await store.add_schedule("w", "c", "daily 08:00", "0 8 * * *", "UTC")
    assert await store.schedule_layout(row.id) == "message"
    await store.set_schedule_layout(row.id, "thread")
    assert await store.schedule_layout(row.id) == "thread"
    with pytest.raises(ValueError):
        await store.set_schedule_layout(row.id, "carousel")


async def test_the_live_ledger_claims_an_article_once_per_channel(store: Store) -> None:
    ids = []
    for i in range(3):
        res = await store.add_article(NewArticle(title=f"Story {i}", text=f"Body number {i} of the test story " * 5,
                                                 url=f"https://news.example/{i}"), None, workspace="w", via="feed")
        ids.append(res.article_id)
    assert await store.live_claim("w", "c", ids[:2], "posted", NOW) == ids[:2]
    assert await store.live_claim("w", "c", ids, "folded", NOW) == ids[2:]  # the first two were taken
    assert await store.live_claim("w", "other", ids[:1], "posted", NOW) == ids[:1]
    assert await store.live_handled("w", "c", ids) == set(ids)
    recent = await store.live_recent("w", "c", NOW - timedelta(minutes=1))
    assert sorted(a for a, _ in recent) == sorted(ids)
    assert await store.live_recent("w", "c", NOW + timedelta(minutes=1)) == []


async def test_live_sends_count_a_channels_posts_of_the_window_and_drop_old_rows(store: Store) -> None:
    for seconds in (0, 10, 50, 70):
        await store.record_live_send("w", "c", NOW + timedelta(seconds=seconds))
    await store.record_live_send("w", "other", NOW + timedelta(seconds=65))
    window = await store.live_sends("w", "c", NOW + timedelta(seconds=70) - timedelta(minutes=1))
    assert window == [NOW + timedelta(seconds=s) for s in (70, 50, 10)]
    await store.record_live_send("w", "c", NOW + timedelta(days=2))  # a day later: the old rows are dropped
    assert await store.live_sends("w", "c", NOW - timedelta(days=1)) == [NOW + timedelta(days=2)]
    assert await store.live_sends("w", "other", NOW) == [NOW + timedelta(seconds=65)]


async def test_held_live_stories_wait_in_the_store_until_released(store: Store) -> None:
    ids = [(await store.add_article(NewArticle(f"t{i}", f"Body number {i} about the harbour works."), None,
                                    workspace="w", via="feed")).article_id for i in range(3)]
    await store.hold_live("w", "c", [(ids[0], 7, "Gazette", "https://g.example/1", NOW), (ids[1], 7, "Gazette", None,
                                                                                          None)])
    await store.hold_live("w", "c", [(ids[0], 7, "Gazette", "https://g.example/1", NOW)])  # held once
    await store.hold_live("v", "c", [(ids[2], 8, "Post", None, NOW)])
    assert await store.live_held() == [("v", "c", ids[2], 8, "Post", None, NOW),
                                       ("w", "c", ids[0], 7, "Gazette", "https://g.example/1", NOW),
                                       ("w", "c", ids[1], 7, "Gazette", None, None)]
    await store.release_live_held("w", "c", keep={ids[1]})
    assert [(w, a) for w, _, a, *_ in await store.live_held()] == [("v", ids[2]), ("w", ids[1])]
    await store.release_live_held("w", "c")
    assert [(w, a) for w, _, a, *_ in await store.live_held()] == [("v", ids[2])]
