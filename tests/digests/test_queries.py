"""Timeline query: one event reported by several articles is one entry with every source, in date order."""

from __future__ import annotations

from datetime import date, timedelta

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


async def test_a_long_timeline_merged_off_the_loop_is_the_same_as_on_it(store_url: str) -> None:
    from digests.queries import _MERGE_ON_LOOP, merge_timeline

    store = await Store.open(store_url)
    try:
        # More events than are merged on the loop: each day's sailing reported twice, by two articles.
        days = [date(2026, 1, 1) + timedelta(days=i) for i in range(_MERGE_ON_LOOP)]
        for k in range(2):
            events = tuple(Event(d, d, "day", f"on {d:%B} {d.day}",
                                 f"The Orla ferry made its crossing of {d:%B} {d.day} in calm seas") for d in days)
            await store.add_article(NewArticle(f"Ferry log {k}", f"Crossings of the Orla ferry, part {k}."),
                                    Analysis(events=events), workspace="local", via="upload")
        rows = await store.timeline("local", "ferry")
        entries = await timeline(store, "local", "ferry")
    finally:
        await store.close()
    assert len(rows) > _MERGE_ON_LOOP
    assert [e.to_dict() for e in entries] == [e.to_dict() for e in merge_timeline(rows)]
    assert [e.date_start for e in entries] == days
    assert all(len(e.sources) == 2 for e in entries)
