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


async def _add_piers(store: Store, piers: range) -> None:
    for i in piers:
        quote = f"The lantern on pier {i} stays lit until the last boat is home"
        keeper = KEEPERS[i % len(KEEPERS)]
        body = f'"{quote}," said harbour keeper Ansel {keeper}. The lantern was cleaned on May {i % 28 + 1}.'
        start = body.index(quote)
        day = date(2026, 5, i % 28 + 1)
        analysis = Analysis(
            quotes=(Quote(quote, start, start + len(quote), f"Ansel {keeper}", "harbour keeper", "said"),),
            events=(Event(day, day, "day", f"May {i % 28 + 1}", f"The lantern was cleaned on May {i % 28 + 1}"),))
        await store.add_article(NewArticle(f"Pier {i}", body, url=f"https://news.example/pier-{i}",
                                           published=NOW), analysis, workspace="local", via="feed")


async def test_a_window_that_holds_enough_matches_gives_the_answer_over_everything(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = await Store.open(pg_url)
    try:
        await _add_piers(store, range(12))
        # Scans of 3 newest matches, windows of the newest 2 rows (of 12): the window holds enough.
        for name, value in (("WHO_SAID_SCAN", 2), ("SEARCH_SCAN", 2), ("TIMELINE_SCAN", 2),
                            ("_QUOTES_WINDOW", 2), ("_EVENTS_WINDOW", 2), ("_ARTICLES_WINDOW", 2)):
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
        monkeypatch.setattr(_pg, "_EVENTS_WINDOW", 10**9)
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


async def test_a_timeline_widens_only_the_side_whose_window_did_not_fill(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = await Store.open(pg_url)
    try:
        await _add_piers(store, range(12))
        # "boat" is in every article's quote, never in an event sentence: the event side finds nothing anywhere,
        # while the article side fills its window of the newest 2 articles.
        for name, value in (("SEARCH_SCAN", 2), ("TIMELINE_SCAN", 2), ("_EVENTS_WINDOW", 2),
                            ("_ARTICLES_WINDOW", 2)):
            monkeypatch.setattr(_pg, name, value)
        whole_table: list[tuple[bool, bool]] = []
        real_all = store._all  # type: ignore[attr-defined]

        async def recorded(sql: str, *params: Any) -> Any:
            whole_table.append((params[1], params[4]))  # (events side unbounded, articles side unbounded)
            return await real_all(sql, *params)

        monkeypatch.setattr(store, "_all", recorded)
        windowed = await store.timeline("local", "boat")
        # The events side went to the whole table; the articles side kept its window.
        assert whole_table == [(False, False), (True, False)]
        monkeypatch.setattr(_pg, "_EVENTS_WINDOW", 10**9)
        monkeypatch.setattr(_pg, "_ARTICLES_WINDOW", 10**9)
        assert windowed == await store.timeline("local", "boat")
        newest = [r[0] for r in await real_all("SELECT id FROM articles ORDER BY id DESC LIMIT 2")]
        assert {e.article_id for e in windowed} == set(newest)  # the events of the newest 2 matching articles
    finally:
        await store.close()


async def _recent_indexes(store: Store) -> list[str]:
    rows = await store._all("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%tsv_recent%' "  # type: ignore[attr-defined]
                            "ORDER BY indexname")
    return [r[0] for r in rows]


async def test_the_newest_rows_get_an_index_of_their_own_that_follows_them(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = await Store.open(pg_url)
    try:
        await _add_piers(store, range(12))
        everything = await _answers(store)
        monkeypatch.setattr(_pg, "_RECENT_WINDOWS", {"quotes": 2, "events": 2, "articles": 2})
        monkeypatch.setattr(_pg, "_RECENT_SPAN", 1)
        monkeypatch.setattr(_pg, "_RECENT_COVER", 1)
        for name, value in (("WHO_SAID_SCAN", 2), ("SEARCH_SCAN", 2), ("TIMELINE_SCAN", 2),
                            ("_QUOTES_WINDOW", 2), ("_EVENTS_WINDOW", 2), ("_ARTICLES_WINDOW", 2)):
            monkeypatch.setattr(_pg, name, value)
        built = await store.refresh_recent_indexes()  # type: ignore[attr-defined]
        assert built == ["quotes_tsv_recent_10", "events_tsv_recent_10", "articles_tsv_recent_10",
                         "articles_title_tsv_recent_10"]
        assert await store.refresh_recent_indexes() == []  # type: ignore[attr-defined]  # still covers the newest
        windowed = await _answers(store)
        assert [q.speaker for q in windowed[0]] and {q.speaker for q in windowed[0]} <= {
            "Ansel Kimber", "Ansel Loxley"}
        await _add_piers(store, range(100, 112))  # past 1 + span windows: a smaller index replaces the old one
        tops = [(await store._one(f"SELECT MAX(id) FROM {t}"))[0] for t in ("quotes", "events", "articles")]  # type: ignore[attr-defined]
        assert min(tops) >= 16  # near-copies of earlier piers are linked, not stored
        names = [f"{t}_tsv_recent_{top - 2}" for t, top in zip(("quotes", "events", "articles"), tops, strict=True)]
        names.append(f"articles_title_tsv_recent_{tops[2] - 2}")
        assert await store.refresh_recent_indexes() == names  # type: ignore[attr-defined]
        assert await _recent_indexes(store) == sorted(names)
        windowed = await _answers(store)  # through the new index: the same as over everything
        monkeypatch.setattr(_pg, "_QUOTES_WINDOW", 10**9)
        monkeypatch.setattr(_pg, "_EVENTS_WINDOW", 10**9)
        monkeypatch.setattr(_pg, "_ARTICLES_WINDOW", 10**9)
        assert windowed == await _answers(store)
        for name in ("WHO_SAID_SCAN", "SEARCH_SCAN", "TIMELINE_SCAN"):
            monkeypatch.setattr(_pg, name, 1000)
        assert [len(a) for a in everything] == [10, 10, 12]  # the default page of 10; every event
        assert [len(a) for a in await _answers(store)] == [10, 10, tops[1]]
    finally:
        await store.close()


async def test_a_cut_short_recent_index_build_is_dropped(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = await Store.open(pg_url)
    try:
        await _add_piers(store, range(6))
        # What an interrupted CREATE INDEX CONCURRENTLY leaves: an index marked invalid.
        await store._exec("CREATE INDEX quotes_tsv_recent_1 ON quotes USING gin (tsv) WHERE id > 1")  # type: ignore[attr-defined]
        await store._exec("UPDATE pg_index SET indisvalid = false WHERE indexrelid = "  # type: ignore[attr-defined]
                          "'quotes_tsv_recent_1'::regclass")
        monkeypatch.setattr(_pg, "_RECENT_WINDOWS", {"quotes": 100})  # too small a table for one
        assert await store.refresh_recent_indexes() == []  # type: ignore[attr-defined]
        assert await _recent_indexes(store) == []
    finally:
        await store.close()


def test_widening_reads_the_recent_index_s_rows_before_the_whole_table() -> None:
    top, cover = 1_000_000, 380_000
    # 74 of 300 matches among the newest 50,000: the covered 380,000 should hold about 560, so they come next.
    assert _pg._widen(50_000, 74, 300, top, cover) == cover
    # Too few for the covered rows to hold enough, or no index, or the cover already read: the whole table.
    assert _pg._widen(50_000, 30, 300, top, cover) is None
    assert _pg._widen(50_000, 74, 300, top, None) is None
    assert _pg._widen(cover, 200, 300, top, cover) is None
    # A window that can still grow 4x inside the table grows as before; no hit at all reads everything.
    assert _pg._widen(50_000, 200, 300, 10_000_000, cover) == 200_000
    assert _pg._widen(50_000, 0, 300, top, cover) is None
