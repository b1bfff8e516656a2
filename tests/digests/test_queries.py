"""Timeline query: about the topic asked for, one entry per event with every source, by date or by weight."""

from __future__ import annotations

from datetime import date

import pytest

from digests.models import Analysis, Event
from digests.queries import timeline
from digests.store import NewArticle, Store


async def test_the_same_event_from_two_articles_is_merged_with_both_sources(store_url: str) -> None:
    store = await Store.open(store_url)
    try:
        launch = Event(date(2026, 4, 7), date(2026, 4, 7), "day", "on Tuesday",
                       "The Orla ferry service launched its first electric boat on Tuesday")
        launch_again = Event(date(2026, 4, 7), date(2026, 4, 7), "day", "Tuesday",
                             "Orla ferry service launched the electric boat Tuesday morning")
        vote = Event(date(2026, 3, 30), date(2026, 3, 30), "day", "on March 30",
                     "The ferry board voted to buy two more electric boats")
        for title, body, events in (
            ("Electric ferry launched", "The Orla ferry service launched its first electric boat.", (launch, vote)),
            ("Orla goes electric", "An electric ferry now crosses the Orla strait every hour.", (launch_again,)),
        ):
            await store.add_article(NewArticle(title, body), Analysis(events=events), workspace="local", via="upload")
        entries = await timeline(store, "local", "ferry")
    finally:
        await store.close()
    assert [(e.date_start, len(e.sources)) for e in entries] == [(date(2026, 3, 30), 1), (date(2026, 4, 7), 2)]
    assert {s["title"] for s in entries[1].sources} == {"Electric ferry launched", "Orla goes electric"}


async def _store_texts(store: Store, texts: list[tuple[str, str, date]]) -> None:
    """Store articles through the same analysis as an ingest."""
    from datetime import UTC, datetime, time

    from digests.nlp.pipeline import analyze

    for title, text, day in texts:
        published = datetime.combine(day, time(9), tzinfo=UTC)
        await store.add_article(NewArticle(title, text, published=published), analyze(text, title, day),
                                workspace="local", via="upload")


THREE_REPORTS = [
    ("Tunnel opens under the Fenn", "The Fenn tunnel opened to traffic on Thursday after six years of work.\n\n"
     "Drivers queued at both ends.", date(2032, 3, 5)),
    ("Fenn crossing", "After six years of work, the Fenn tunnel opened to traffic on Thursday.\n\n"
     "The old ferry will stop in April.", date(2032, 3, 6)),
    ("Traffic flows", "Traffic flowed through the Fenn tunnel, which opened on Thursday after years of work.",
     date(2032, 3, 5)),
]


async def test_an_event_reported_by_three_articles_is_shown_once_with_three_sources(store_url: str) -> None:
    store = await Store.open(store_url)
    try:
        await _store_texts(store, THREE_REPORTS)
        entries = await timeline(store, "local", "Fenn tunnel")
    finally:
        await store.close()
    opened = [e for e in entries if e.date_start == date(2032, 3, 4)]
    assert len(opened) == 1, [e.to_dict() for e in entries]
    assert {s["title"] for s in opened[0].sources} == {t for t, _, _ in THREE_REPORTS}
    assert opened[0].date == "2032-03-04" and opened[0].date_weight == 3
    # The ferry's April stop is in a matching article, but the tunnel takes no part in it.
    assert not any("ferry" in e.sentence for e in entries)


async def test_the_most_reported_date_comes_first_by_importance(store_url: str) -> None:
    store = await Store.open(store_url)
    try:
        await _store_texts(store, [*THREE_REPORTS, ("Tunnel plans", "The Fenn tunnel was first planned in 2019.",
                                                     date(2032, 3, 1))])
        by_date = await timeline(store, "local", "Fenn tunnel")
        by_weight = await timeline(store, "local", "Fenn tunnel", order="weight")
    finally:
        await store.close()
    assert by_date[0].date == "2019"
    assert by_weight[0].date == "2032-03-04" and len(by_weight[0].sources) == 3


async def test_a_timeline_built_off_the_loop_is_the_one_built_on_it(store_url: str,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import digests.queries

    store = await Store.open(store_url)
    try:
        await _store_texts(store, THREE_REPORTS)
        monkeypatch.setattr(digests.queries, "_BUILD_ON_LOOP", 0)
        off = await timeline(store, "local", "Fenn tunnel")
        monkeypatch.setattr(digests.queries, "_BUILD_ON_LOOP", 1000)
        on = await timeline(store, "local", "Fenn tunnel")
    finally:
        await store.close()
    assert off and [e.to_dict() for e in off] == [e.to_dict() for e in on]


def test_a_long_story_is_read_from_its_first_and_newest_articles() -> None:
    from digests.queries import STORY_TEXTS, STORY_TEXTS_FIRST, story_text_ids
    from digests.store import ArticleRow

    rows = [ArticleRow(i, f"t{i}", None, None, "") for i in range(1, 61)]
    ids = story_text_ids(rows)
    assert len(ids) == STORY_TEXTS
    assert ids[:STORY_TEXTS_FIRST] == list(range(1, STORY_TEXTS_FIRST + 1))
    assert ids[STORY_TEXTS_FIRST:] == list(range(61 - (STORY_TEXTS - STORY_TEXTS_FIRST), 61))
    assert story_text_ids(rows[:7]) == list(range(1, 8))


async def test_story_detail_on_both_backends(store_url: str) -> None:
    """A story's page: its articles, a summary citing them, the quote both carried, the event both date; nothing
    for a workspace that sees none of it."""
    from digests.models import Quote
    from digests.queries import story_detail, story_timeline_entries

    store = await Store.open(store_url)
    try:
        said = "The new pier will carry the ferry passengers from the first of June"
        ids = []
        tellings = (("Lisk pier to open for ferries in June", "coastwire.example",
                     "The harbour trust said the Lisk pier opens to ferries on 1 June 2034. \"{said},\" said trust "
                     "chair Edda Moran. Work on the Lisk pier began in 2032."),
                    ("Ferry passengers get Lisk pier from June", "bayreport.example",
                     "Ferries will berth at the rebuilt Lisk pier from 1 June 2034, the trust announced. Builders "
                     "replaced its timber piles with steel. \"{said},\" Edda Moran, the trust's chair, told "
                     "reporters at the quay."))
        for title, host, told in tellings:
            text = told.format(said=said)
            start = text.index(said)
            out = await store.add_article(
                NewArticle(title, text, url=f"https://{host}/lisk-pier"),
                Analysis(quotes=(Quote(said, start, start + len(said), "Edda Moran", "trust chair", "said"),),
                         events=(Event(date(2034, 6, 1), date(2034, 6, 1), "day", "on 1 June 2034",
                                       "The harbour trust said the Lisk pier opens to ferries on 1 June 2034."),)),
                workspace="local", via="feed")
            ids.append(out.article_id)
        [sid] = set((await store.stories_for_articles(ids)).values())
        d = await story_detail(store, "local", sid)
        assert d is not None and [a.id for a in d.articles] == ids
        assert d.outlets == ["coastwire.example", "bayreport.example"]
        assert d.summary.sentences and {s.article_id for s in d.summary.sentences} <= set(ids)
        assert [(m.speaker, m.outlets) for m in d.quotes] == [("Edda Moran", 2)]
        june = [e for e in d.events if e.date == "2034-06-01"]
        assert len(june) == 1 and {s["article_id"] for s in june[0].sources} == set(ids)
        assert await story_detail(store, "slack:T9", sid) is None
        assert await story_timeline_entries(store, "slack:T9", sid) == []
        assert {e.date for e in await story_timeline_entries(store, "local", sid, "pier")} == {"2034-06-01"}
        assert await story_timeline_entries(store, "local", sid, "zeppelin") == []
    finally:
        await store.close()
