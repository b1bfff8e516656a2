"""The store's story contract, on both backends: assigned as stored, kept across restarts, seen per workspace."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from digests.store import NewArticle, Store
from tests.helpers.stories import FIRE_A, FIRE_B, FLOOD, event_articles

WHEN = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    s = await Store.open(store_url)
    yield s
    await s.close()


async def _add(store: Store, arts: list[NewArticle], workspace: str = "local", now: datetime = WHEN) -> list[int]:
    return [(await store.add_article(a, None, workspace=workspace, via="upload", now=now)).article_id for a in arts]


async def test_each_article_gets_its_story_as_it_is_stored(store: Store) -> None:
    fire = await _add(store, event_articles(FIRE_A, 3))
    flood = await _add(store, event_articles(FLOOD, 2))
    stories = await store.stories_for_articles(fire + flood)
    assert len({stories[i] for i in fire}) == 1 and len({stories[i] for i in flood}) == 1
    assert stories[fire[0]] != stories[flood[0]]
    st = await store.story(stories[fire[0]])
    assert st is not None and st.merged_into is None
    assert (st.articles, st.outlets) == (3, 3)
    assert "Kestrel Mills" in st.headline
    assert st.first_at is not None and st.last_at is not None and st.first_at < st.last_at
    assert await store.count_stories() == 2
    assert await store.unassigned_articles() == 0


async def test_two_fires_years_apart_are_two_stories(store: Store) -> None:
    a = await _add(store, event_articles(FIRE_A, 3))
    b = await _add(store, event_articles(FIRE_B, 3))
    stories = await store.stories_for_articles(a + b)
    assert len({stories[i] for i in a}) == 1 and len({stories[i] for i in b}) == 1
    assert stories[a[0]] != stories[b[0]]


async def test_a_restarted_store_carries_on_its_stories(store_url: str) -> None:
    arts = event_articles(FIRE_A, 4)
    s = await Store.open(store_url)
    first = await _add(s, arts[:2])
    await s.close()
    s = await Store.open(store_url)
    try:
        later = await _add(s, arts[2:])
        stories = await s.stories_for_articles(first + later)
        assert len(set(stories.values())) == 1
    finally:
        await s.close()


async def test_a_workspace_sees_only_its_own_articles_of_a_story(store: Store) -> None:
    arts = event_articles(FIRE_A, 3)
    mine = await _add(store, arts[:2], "local")
    theirs = await _add(store, arts[2:], "discord:1")
    sid = (await store.stories_for_articles(mine))[mine[0]]
    assert (await store.stories_for_articles(theirs))[theirs[0]] == sid
    views = await store.stories_in_window("local", WHEN - timedelta(hours=1), WHEN + timedelta(hours=1))
    assert [(v.story.id, v.article_ids, v.new_ids) for v in views] == [(sid, tuple(mine), tuple(mine))]
    assert [a.id for a in await store.story_articles("local", sid)] == mine
    assert [a.id for a in await store.story_articles("discord:1", sid)] == theirs
    assert (await store.article_story(theirs[0], "local")) is None
    assert (await store.article_story(mine[0], "local")).id == sid  # type: ignore[union-attr]
    assert await store.stories_in_window("slack:T9", WHEN - timedelta(hours=1), WHEN + timedelta(hours=1)) == []


async def test_a_window_lists_what_is_new_in_it_and_every_visible_article(store: Store) -> None:
    arts = event_articles(FIRE_A, 3)
    old = await _add(store, arts[:2], now=WHEN)
    new = await _add(store, arts[2:], now=WHEN + timedelta(days=1))
    views = await store.stories_in_window("local", WHEN + timedelta(hours=12), WHEN + timedelta(days=2))
    assert len(views) == 1
    assert views[0].article_ids == tuple(old + new) and views[0].new_ids == tuple(new)


async def test_headlines_autocomplete_by_words_newest_first(store: Store) -> None:
    fire = await _add(store, event_articles(FIRE_A, 2))
    flood = await _add(store, event_articles(FLOOD, 2), now=WHEN + timedelta(hours=1))
    await _add(store, event_articles(FIRE_B, 1), "discord:1")
    fire_id = (await store.stories_for_articles(fire))[fire[0]]
    flood_id = (await store.stories_for_articles(flood))[flood[0]]
    assert [s.id for s in await store.match_stories("local", "kestrel war")] == [fire_id]
    assert [s.id for s in await store.match_stories("local", "")][:2] == [flood_id, fire_id]
    assert await store.match_stories("local", "Norrow") == []  # the other workspace's story
    assert await store.match_stories("local", '"); DROP TABLE stories; --') == []


async def test_a_story_id_follows_merges(store: Store) -> None:
    a = await _add(store, event_articles(FIRE_A, 1))
    b = await _add(store, event_articles(FLOOD, 1))
    sa = (await store.stories_for_articles(a))[a[0]]
    sb = (await store.stories_for_articles(b))[b[0]]
    async with store._story_session() as ses:  # record a merge as the assigner writes one
        await ses.execute("UPDATE stories SET merged_into = ? WHERE id = ?", sb, sa)
    followed = await store.story(sa)
    assert followed is not None and followed.id == sb
    assert await store.story(10**9) is None


async def test_articles_left_without_a_story_are_swept_and_rebuild_gives_the_same_stories(store: Store) -> None:
    store.stories_keeper.enabled = False  # as if the process died between storing and assigning
    ids = await _add(store, event_articles(FIRE_A, 3) + event_articles(FLOOD, 2))
    assert await store.unassigned_articles() == 5
    store.stories_keeper.enabled = True
    assert await store.sweep_stories() == 5
    before = await store.stories_for_articles(ids)
    assert len(set(before.values())) == 2
    assert await store.rebuild_stories() == 5
    after = await store.stories_for_articles(ids)
    group = {i: before[i] == before[ids[0]] for i in ids}
    assert {i: after[i] == after[ids[0]] for i in ids} == group


async def test_bad_articles_each_get_a_story_of_their_own_without_error(store: Store) -> None:
    await _add(store, event_articles(FIRE_A, 2))
    bad = [NewArticle("", "Ticket prices for the autumn choir concert were announced by the organisers."),
           NewArticle("Fire", "fire"),
           NewArticle("火災", "倉庫で火災が発生し、十四人が治療を受けた。消防によると出火元は搬入口だという。"),
           NewArticle("Filler", "warehouse smoke crews " * 20_000)]
    ids = await _add(store, bad)
    stories = await store.stories_for_articles(ids)
    assert len(stories) == 4
    for i in ids:
        st = await store.story(stories[i])
        assert st is not None and st.articles == 1


async def test_what_a_channel_was_shown_follows_a_story_into_the_one_it_merged_into(store: Store) -> None:
    fire = await _add(store, event_articles(FIRE_B, 2))
    flood = await _add(store, event_articles(FLOOD, 1))
    stories = await store.stories_for_articles([*fire, *flood])
    small, big = stories[flood[0]], stories[fire[0]]
    assert small != big
    await store.mark_shown("local", "news", small, flood, WHEN, message="m1")
    await store.mark_shown("local", "news", big, fire[:1], WHEN + timedelta(hours=1))
    await store.mark_shown("local", "news", big, fire[1:], WHEN + timedelta(hours=2), message="m2")
    shown = await store.shown_stories("local", "news", [big, small])
    assert shown[big].article_ids == tuple(fire) and shown[big].message == "m2"  # the first post's id stays
    assert shown[big].first_at == WHEN + timedelta(hours=1) and shown[big].last_at == WHEN + timedelta(hours=2)
    # The store merges the flood's story into the fire's (as the assigner does when two stories converge).
    await store._opt_exec("UPDATE stories SET merged_into = ? WHERE id = ?", big, small)
    shown = await store.shown_stories("local", "news", [big])
    assert set(shown) == {big} and set(shown[big].article_ids) == {*fire, *flood}
    assert shown[big].first_at == WHEN and shown[big].message == "m1"


async def test_what_channels_were_shown_is_forgotten_past_the_retention(store: Store) -> None:
    [fire] = await _add(store, event_articles(FIRE_B, 1))
    [flood] = await _add(store, event_articles(FLOOD, 1))
    stories = await store.stories_for_articles([fire, flood])
    await store.mark_shown("local", "news", stories[fire], [fire], WHEN)
    await store.mark_shown("local", "news", stories[flood], [flood], WHEN + timedelta(days=2))
    assert await store.prune_shown_stories(WHEN + timedelta(days=1)) == 1
    assert set(await store.shown_stories("local", "news", stories.values())) == {stories[flood]}
