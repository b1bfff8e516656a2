"""Digests: stories grouped across outlets, key quotes verbatim from their articles, empty windows empty."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.app import load_samples
from digests.digest import StoryGroup, build_digest, group_by_story
from digests.models import Article
from tests.conftest import shared_eval


async def _digest_of_samples_and_seed(services: Any) -> Any:
    await load_samples(services)
    seed = shared_eval("seed", "article.txt")
    await services.ingestor.ingest_path(seed, workspace="local", published=datetime(2021, 8, 15, tzinfo=UTC))
    now = datetime.now(UTC) + timedelta(seconds=1)
    # Digests go by publication time: the window reaches back to the seed's date (2021) and the samples' (2026).
    return await build_digest(services.store, "local", datetime(2021, 8, 1, tzinfo=UTC), now)


async def test_every_quote_in_a_digest_is_verbatim_from_its_article(services: Any) -> None:
    digest = await _digest_of_samples_and_seed(services)
    quotes = [(s.key_quote, s.key_quote_article_id) for s in digest.stories if s.key_quote]
    quotes.append((digest.quote_of_the_day, digest.quote_of_the_day_article_id))
    assert len(quotes) >= 5
    for quote, article_id in quotes:
        assert quote is not None and article_id is not None
        article = await services.store.article("local", article_id)
        assert article.text[quote.start:quote.end] == quote.quote


async def test_two_outlets_telling_one_story_make_one_story(services: Any) -> None:
    await load_samples(services)
    now = datetime.now(UTC) + timedelta(seconds=1)
    digest = await build_digest(services.store, "local", datetime(2026, 11, 1, tzinfo=UTC), now)
    sizes = sorted(len(s.article_ids) for s in digest.stories)
    assert sizes[-1] == 2 and sizes.count(1) == len(sizes) - 1


def test_articles_group_by_their_stored_story_and_unassigned_ones_stand_alone() -> None:
    arts = [Article(id=i, title=f"Item {i}", text="Some words about the item.") for i in range(1, 5)]
    groups = group_by_story(arts, {1: 70, 2: 71, 3: 70})  # article 4 has no story yet
    assert [(g.story_id, [a.id for a in g.articles]) for g in groups] == [(70, [1, 3]), (71, [2]), (None, [4])]


async def test_an_empty_window_has_no_stories(services: Any) -> None:
    await load_samples(services)
    then = datetime.now(UTC) - timedelta(days=30)
    digest = await build_digest(services.store, "local", then - timedelta(days=1), then)
    assert digest.stories == () and digest.quote_of_the_day is None


def test_a_merged_story_leads_with_its_newest_article() -> None:
    from digests.digest import compose

    t0 = datetime(2031, 5, 1, 8, 0, tzinfo=UTC)
    text = ("The Calder harbour bridge repairs are nearly finished, city engineers said, and the Calder bridge "
            "reopening was set for Monday after four months of work on the old harbour span. ")
    old = Article(id=1, title="Calder harbour bridge to reopen on Monday", text=text * 3, summary=text * 3,
                  published=t0)
    new = Article(id=2, title="Calder harbour bridge reopening postponed",
                  text="The Calder harbour bridge will not reopen on Monday after all, city engineers said, because "
                       "the Calder bridge repairs on the old harbour span found new cracks.",
                  published=t0 + timedelta(hours=5))
    digest = compose("local", t0, t0 + timedelta(days=1), [StoryGroup((old, new), 5)], {})
    assert len(digest.stories) == 1 and digest.stories[0].article_ids == (1, 2)
    story = digest.stories[0]
    assert story.headline == "Calder harbour bridge reopening postponed" and story.lead_article_id == 2
    assert "will not reopen" in story.summary and story.story_id == 5 and not story.update


async def test_the_samples_digest_keeps_its_stories_headlines_and_lead_summaries(services: Any) -> None:
    """The bundled samples' digest: eight stories, the flood told twice led by its newest article's summary."""
    await load_samples(services)
    now = datetime.now(UTC) + timedelta(seconds=1)
    digest = await build_digest(services.store, "local", datetime(2026, 11, 1, tzinfo=UTC), now)
    assert len(digest.stories) == 8
    [flood] = [s for s in digest.stories if len(s.article_ids) == 2]
    lead = await services.store.article("local", flood.lead_article_id)
    assert flood.headline == lead.title == "Larkhaven counts the cost after flash flood on the Mell"
    assert flood.summary == lead.summary and flood.outlets == ("samples.newsbot.invalid",)
    assert [c.article_id for c in flood.citations] == [lead.id] and not flood.update
    assert all(s.story_id is not None for s in digest.stories)


async def test_a_story_shown_in_one_digest_is_an_update_listing_only_what_is_new_in_the_next(
        store_url: str) -> None:
    """Two windows of one channel: the fire told by two outlets, then a third telling with news of its own."""
    from digests.digest import mark_digest_shown
    from digests.store import NewArticle, Store
    from tests.helpers.stories import FIRE_B, STRIKE, event_articles

    ws, channel = "slack:T1", "C-news"
    t0 = datetime(2031, 3, 4, 8, tzinfo=UTC)
    first, second, _, third = event_articles(FIRE_B, 4, published=t0)
    strike = event_articles(STRIKE, 1, published=t0 + timedelta(hours=9))[0]
    store = await Store.open(store_url)
    try:
        async def add(art: NewArticle, at: datetime) -> int:
            return (await store.add_article(art, None, workspace=ws, via="feed", now=at)).article_id

        old = [await add(first, t0 + timedelta(hours=4)), await add(second, t0 + timedelta(hours=4))]
        end1 = t0 + timedelta(hours=5)
        one = await build_digest(store, ws, t0 - timedelta(hours=1), end1, channel=channel)
        [fire] = one.stories
        assert set(fire.article_ids) == set(old) and not fire.update and len(fire.outlets) == 2
        assert {c.outlet for c in fire.citations} <= set(fire.outlets) and fire.citations
        await mark_digest_shown(store, ws, channel, one, end1)

        new = await add(third, t0 + timedelta(hours=10))
        other = await add(strike, t0 + timedelta(hours=10))
        end2 = t0 + timedelta(hours=12)
        two = await build_digest(store, ws, end1, end2, channel=channel)
        by_id = {s.article_ids: s for s in two.stories}
        update, fresh = by_id[(new,)], by_id[(other,)]
        assert update.update and update.seen_count == 2 and update.story_id == fire.story_id
        assert not fresh.update
        # The update's summary says only what the third telling adds: its own sentences, none the channel read.
        assert update.citations and {c.article_id for c in update.citations} == {new}
        assert not any(c.text in first.text or c.text in second.text for c in update.citations)
        # Another channel was shown nothing: the same window is news there, not an update.
        elsewhere = await build_digest(store, ws, end1, end2, channel="C-other")
        assert not any(s.update for s in elsewhere.stories)
    finally:
        await store.close()


def test_an_update_that_adds_nothing_says_so_instead_of_repeating_the_story() -> None:
    from digests.digest import compose

    t0 = datetime(2031, 5, 1, 8, 0, tzinfo=UTC)
    text = ("The Calder harbour bridge reopened on Monday after four months of repairs, city engineers said. "
            "Buses return to the bridge route from Tuesday.")
    seen = Article(id=1, title="Calder bridge reopens", text=text, summary=text, url="https://a.example/1",
                   published=t0)
    again = Article(id=2, title="Calder harbour bridge open again", text=text, summary=text,
                    url="https://b.example/2", published=t0 + timedelta(hours=3))
    [story] = compose("local", t0, t0 + timedelta(days=1), [StoryGroup((again,), 5, (1,), (seen,))], {}).stories
    assert story.update and story.article_ids == (2,) and story.citations == ()
    assert story.summary == "Also reported by b.example; nothing new since this channel last saw it."
