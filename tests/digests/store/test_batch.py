"""One chunk of articles is stored exactly as the same articles stored one at a time, on every backend.

PostgreSQL plans a chunk in Python and writes it with set-based statements; the articles of a chunk depend on
each other (a duplicate of an earlier one, a surname that joins a name an earlier article brought in), so the
chunk must leave the store as the sequential writer does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from digests.models import Analysis, Quote
from digests.store import NewArticle, Store
from digests.store._batch import BatchItem
from tests.helpers import pg

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)

PIER = ("The county opened a new fishing pier at Gorrow Point on Monday after two years of delays caused by storms "
        "and a shortage of timber. Anglers queued before dawn to be the first to cast from its far end. The council "
        "expects the pier to draw visitors through the summer and has added a small car park beside the dunes.")
LIBRARY = ("Volunteers in Ellerby have kept the village library open three evenings a week since the county cut its "
           "hours. They catalogue donated books on a borrowed laptop and run a reading club for children on Fridays. "
           "A grant from a local trust will pay for new shelves and a heater before the winter arrives.")
ORCHARD = ("A frost in late April damaged most of the blossom in the Tanby orchards, and growers now expect a small "
           "apple harvest. Some farms lit braziers between the rows through the coldest nights, which saved part of "
           "the crop. Cider makers say they will buy fruit from further north to keep their presses running.")
FERRY = ("The island ferry will run an extra crossing on Saturdays from June, the operator announced, after the "
         "spring timetable left weekend passengers waiting on the quay for hours. A second boat is being refitted in "
         "the yard at Skelby and should join the route in August if its engine trials go well.")
CANAL = ("Dredging of the old canal basin at Hurst Mill began this week, the first in forty years. Crews expect to "
         "lift about nine thousand tonnes of silt, which will be dried on the meadows before it is carted away. "
         "Narrowboat owners have been asked to moor below the lock until the work ends in the autumn.")


def _said(body: str, quote: str, speaker: str, role: str | None = None, lead: str = "") -> tuple[str, Analysis]:
    text = f'{lead}"{quote}," {speaker} said. {body}'
    start = text.index(quote)
    return text, Analysis(quotes=(Quote(quote, start, start + len(quote), speaker, role, "said"),))


def _item(title: str, text: str, analysis: Analysis | None, workspace: str | tuple[str, ...],
          url: str | None) -> BatchItem:
    workspaces = (workspace,) if isinstance(workspace, str) else workspace
    return BatchItem(NewArticle(title, text, url=url, published=NOW), analysis, workspaces, "feed", NOW)


def _scenario() -> tuple[list[BatchItem], list[BatchItem]]:
    """Return (stored before, the chunk): each chunk article depends on one stored earlier in the chunk."""
    harbour, harbour_a = _said(CANAL, "The basin will be deep enough for barges again by October", "Ida Varga",
                               "port director")
    mayor, mayor_a = _said(LIBRARY, "Every village deserves a library that opens after work", "Tomas Brenner",
                           "mayor")
    before = [_item("Basin", harbour, harbour_a, "w1", None),  # a private upload in w1
              _item("Library", mayor, mayor_a, "w2", "https://news.example/library")]
    pier, pier_a = _said(PIER, "We built it to last a hundred winters", "Nell Ashdown", "fire chief")
    frost, frost_a = _said(ORCHARD, "The town needs more than one good harvest to recover", "Brenner", "mayor")
    crossing, crossing_a = _said(FERRY, "Nobody should wait three hours for a boat in June", "Ashdown")
    other, other_a = _said(PIER.replace("Monday", "Tuesday").replace("storms", "floods"),
                           "My daughter fishes there every morning now", "Ashdown", None,
                           lead="Peter Ashdown lives by the dunes. ")
    chunk = [
        _item("Pier opens", pier, pier_a, "w1", "https://news.example/pier"),
        # The same URL (tracking parameter aside) reaches w2: a duplicate that shows the pier article to w2.
        _item("Pier opens (wire)", pier, pier_a, "w2", "https://news.example/pier?utm_source=wire"),
        # The library story's body under another URL reaches w1: a duplicate that brings Tomas Brenner to w1.
        _item("Library (copy)", mayor, mayor_a, "w1", "https://other.example/library"),
        # So a bare "Brenner" in w1 joins the mayor, and a bare "Ashdown" joins the fire chief in w1.
        _item("Frost", frost, frost_a, "w1", "https://news.example/frost"),
        _item("Ferry", crossing, crossing_a, "w1", "https://news.example/ferry"),
        # In w2 the article itself names another Ashdown: not the fire chief.
        _item("Dunes", other, other_a, "w2", "https://news.example/dunes"),
        # The frost story again with a line added: a near-duplicate of an article of this chunk.
        _item("Frost, updated", frost + " Growers meet on Thursday.", frost_a, "w1", "https://news.example/frost2"),
        # A near copy of w1's private upload reaching w2 must not be linked to it.
        _item("Basin works", harbour + " More later.", None, "w2", "https://news.example/basin"),
        _item("Canal notes", CANAL.replace("forty", "fifty"), None, "w1", None),
        # The very text of that upload on the web: its own public row, not a link to w1's upload of the chunk.
        _item("Canal (web)", CANAL.replace("forty", "fifty"), None, "w2", "https://news.example/canal"),
        # w2 uploads the same text: a duplicate of the public page.
        _item("Canal (w2)", CANAL.replace("forty", "fifty"), None, "w2", None),
        # w1 uploads its text again for itself and w3 (a duplicate, shown to w3), then w3 uploads a near copy:
        # now it may be linked.
        _item("Basin (w1, w3)", harbour, harbour_a, ("w1", "w3"), None),
        _item("Basin notes", harbour + " Crews start at dawn.", None, "w3", None),
    ]
    return before, chunk


async def _run(url: str, chunk_size: int) -> dict[str, Any]:
    store = await Store.open(url)
    try:
        before, chunk = _scenario()
        for item in before:
            await store.add_articles([item])
        store.configure_writes(chunk=chunk_size, budget_ms=1000)
        results = await store.add_articles(chunk)
        visible = {ws: {r.id: r.title for r in await store.find_articles(ws, "", limit=50)}
                   for ws in ("w1", "w2", "w3")}
        titles = visible["w1"] | visible["w2"] | visible["w3"]
        speakers: dict[str, list[tuple[str, int]]] = {}
        who: dict[str, list[tuple[str | None, str]]] = {}
        for ws in ("w1", "w2"):
            speakers[ws] = sorted({(name, n) for s in ("Brenner", "Ashdown", "Varga")
                                   for _, name, n in await store.match_speakers(ws, s)})
            who[ws] = sorted({(h.speaker, h.quote) for p in ("harvest", "boat", "fishes", "winters", "library")
                              for h in await store.who_said(ws, p)})
        return {"results": [(r.status, titles.get(r.article_id, r.title)) for r in results],
                "counts": await store.table_counts(), "speakers": speakers, "who": who,
                "visible": {ws: sorted(v.values()) for ws, v in visible.items()}}
    finally:
        await store.close()


async def test_one_chunk_stores_what_one_at_a_time_stores(store_url: str) -> None:
    chunked = await _run(store_url, 16)
    if store_url.startswith("postgresql"):
        pg.reset_database(store_url)
        one_by_one = await _run(store_url, 1)
    else:
        one_by_one = await _run(store_url.replace("store.db", "store-2.db"), 1)
    assert chunked == one_by_one
    assert [s for s, _ in chunked["results"]] == ["added", "duplicate", "duplicate", "added", "added", "added",
                                                 "near-duplicate", "added", "added", "added", "duplicate",
                                                 "duplicate", "near-duplicate"]
    assert chunked["results"][10] == ("duplicate", "Canal (web)")
    assert chunked["results"][1][1] == "Pier opens" and chunked["results"][6][1] == "Frost"
    assert chunked["speakers"]["w1"] == [("Ida Varga", 1), ("Nell Ashdown", 2), ("Tomas Brenner", 2)]
    assert chunked["speakers"]["w2"] == [("Ashdown", 1), ("Nell Ashdown", 1), ("Tomas Brenner", 1)]
    assert ("Tomas Brenner", "The town needs more than one good harvest to recover") in chunked["who"]["w1"]
    assert "Basin" not in chunked["visible"]["w2"] and "Basin works" in chunked["visible"]["w2"]
    assert chunked["results"][-1] == ("near-duplicate", "Basin")
