"""PostgreSQL newest-N searches look among the newest rows first and answer exactly as over everything."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from digests.models import Analysis, Event, Quote
from digests.store import NewArticle, Store, _pg

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
KEEPERS = ["Arden", "Brisk", "Colter", "Dunmore", "Elsby", "Farrow", "Gedney", "Hollin", "Ivett", "Jessop",
           "Kimber", "Loxley"]


async def _answers(store: Store) -> tuple[Any, ...]:
    return (await store.who_said("local", "lantern"), await store.search("local", "lantern"),
            await store.timeline("local", "lantern"))


async def test_a_window_that_holds_enough_matches_gives_the_answer_over_everything(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = await Store.open(pg_url)
    try:
        for i in range(12):
            quote = f"The lantern on pier {i} stays lit until the last boat is home"
            body = f'"{quote}," said harbour keeper Ansel {KEEPERS[i]}. The lantern was cleaned on May {i + 1}.'
            start = body.index(quote)
            analysis = Analysis(
                quotes=(Quote(quote, start, start + len(quote), f"Ansel {KEEPERS[i]}", "harbour keeper", "said"),),
                events=(Event(date(2026, 5, i + 1), date(2026, 5, i + 1), "day", f"May {i + 1}",
                              f"The lantern was cleaned on May {i + 1}"),))
            await store.add_article(NewArticle(f"Pier {i}", body, url=f"https://news.example/pier-{i}",
                                               published=NOW), analysis, workspace="local", via="feed")
        # Scans of 3 newest matches, windows of the newest 2 rows (of 12): the window holds enough.
        for name, value in (("WHO_SAID_SCAN", 2), ("SEARCH_SCAN", 2), ("TIMELINE_SCAN", 2),
                            ("_QUOTES_WINDOW", 2), ("_ARTICLES_WINDOW", 2)):
            monkeypatch.setattr(_pg, name, value)
        queries: list[int] = []
        real_all = store._all  # type: ignore[attr-defined]

        async def counted(sql: str, *params: Any) -> Any:
            queries.append(1)
            return await real_all(sql, *params)

        monkeypatch.setattr(store, "_all", counted)
        windowed = await _answers(store)
        assert len(queries) == 3  # each answered by its first, windowed query (the highest ids are _one)
        monkeypatch.setattr(_pg, "_QUOTES_WINDOW", 10**9)
        monkeypatch.setattr(_pg, "_ARTICLES_WINDOW", 10**9)
        assert windowed == await _answers(store)
        assert [q.speaker for q in windowed[0]] and {q.speaker for q in windowed[0]} <= {
            "Ansel Kimber", "Ansel Loxley"}
        # A scan larger than the window's matches runs again over everything: the oldest pier is found too.
        monkeypatch.setattr(_pg, "_QUOTES_WINDOW", 2)
        monkeypatch.setattr(_pg, "WHO_SAID_SCAN", 100)
        assert "Ansel Arden" in {q.speaker for q in await store.who_said("local", "lantern", limit=20)}
    finally:
        await store.close()
