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
