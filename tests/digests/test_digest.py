"""Digests: stories grouped across outlets, key quotes verbatim from their articles, empty windows empty."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.app import load_samples
from digests.digest import build_digest, group_stories
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


def test_unrelated_articles_stay_apart_and_retellings_group() -> None:
    def art(i: int, title: str, text: str) -> Article:
        return Article(id=i, title=title, text=text)

    a = art(1, "Dunmore council approves new cycle lanes",
            "The Dunmore council approved cycle lanes on Fenwick Road and Quarry Street after a vote by Ida Brandt.")
    b = art(2, "Cycle lanes coming to Fenwick Road",
            "Councillors in Dunmore backed Ida Brandt's plan for lanes on Fenwick Road and Quarry Street.")
    c = art(3, "Orchard harvest hit by late frost", "Growers in the Selby valley lost half their apples to frost.")
    groups = group_stories([a, b, c])
    assert sorted(len(g) for g in groups) == [1, 2]


async def test_an_empty_window_has_no_stories(services: Any) -> None:
    await load_samples(services)
    then = datetime.now(UTC) - timedelta(days=30)
    digest = await build_digest(services.store, "local", then - timedelta(days=1), then)
    assert digest.stories == () and digest.quote_of_the_day is None


def test_items_from_one_template_with_different_facts_stay_apart() -> None:
    """Twelve notices sharing most of their words (issue 28) are twelve stories; an update of one story is not."""
    from tests.helpers.newsfeed import TEMPLATED

    notices = [Article(id=i, title=t, text=x) for i, (t, x) in enumerate(TEMPLATED)]
    assert [len(g) for g in group_stories(notices)] == [1] * 12
    first = Article(id=20, title="Fire at Elm Street warehouse: 3 injured",
                    text="A fire broke out at a warehouse on Elm Street on Tuesday night. Three people were hurt, "
                         "the fire service said.")
    update = Article(id=21, title="Fire at Elm Street warehouse: 5 injured, road closed",
                     text="A fire broke out at a warehouse on Elm Street on Tuesday night. Five people were hurt "
                          "and the road was closed, the fire service said.")
    assert [len(g) for g in group_stories([first, update])] == [2]  # a count that changed is the same story


def test_different_facts_are_names_places_and_dates_not_counts() -> None:
    from digests.digest import _tokens, different_facts

    def words(title: str, text: str) -> list[tuple[str, bool]]:
        return _tokens(Article(id=0, title=title, text=text))

    base = "The {x} will close for repairs on {d}, the council said, and buses will stop at the old depot instead."
    same_street = words("Road works", base.format(x="bridge on Mill Lane", d="Monday 3 March"))
    assert different_facts(same_street, words("Road works", base.format(x="bridge on Kiln Lane", d="Monday 3 March")))
    assert different_facts(same_street, words("Road works", base.format(x="bridge on Mill Lane", d="Friday 7 March")))
    assert not different_facts(words("Fire: 3 hurt", "Three were hurt in the fire at the depot on Mill Lane."),
                               words("Fire: 5 hurt", "Five were hurt in the fire at the depot on Mill Lane."))
    # Two outlets telling one story share too little wording to count as a template: the usual rules decide.
    assert not different_facts(words("Mill Lane bridge shut", "Kiln Lane and Mill Lane bridges shut on Monday."),
                               words("Repairs close two bridges", "Crews will close both old bridges next week."))


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
    digest = compose("local", t0, t0 + timedelta(days=1), [old, new], {})
    assert len(digest.stories) == 1 and digest.stories[0].article_ids == (1, 2)
    story = digest.stories[0]
    assert story.headline == "Calder harbour bridge reopening postponed" and story.lead_article_id == 2
    assert "will not reopen" in story.summary
