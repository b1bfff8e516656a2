"""bench.quote_writer replays the writer on copies of a built store, in both modes: the store is left as it was."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from bench.quote_writer import replay
from digests.models import Analysis, Quote
from digests.store import NewArticle, Store
from digests.store._batch import BatchItem, prepare_for_store, prepare_quotes

SAID = "Every ferry on the estuary will run a late crossing while the harbour bridge is closed for repairs"


def _item(n: int) -> BatchItem:
    text = f'The Kelmsford harbour bridge shut on Monday, report {n} says. "{SAID}," Ottilie Brandvik said.'
    start = text.index(SAID)
    art = NewArticle(f"Bridge {n}", text, url=f"https://outlet{n}.example/b", published=datetime(2026, 3, n, tzinfo=UTC))
    analysis = Analysis(quotes=(Quote(SAID, start, start + len(SAID), "Ottilie Brandvik", None, "said",
                                      "Ottilie Brandvik", 0.9),))
    return BatchItem(art, analysis, ("local",), "feed", datetime(2026, 3, 9, tzinfo=UTC),
                     prepare_quotes(prepare_for_store(art), art, analysis))


async def test_replays_leave_the_built_store_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "built.db"
    store = await Store.open(str(db))
    await store.close()
    before = db.read_bytes()
    items = [_item(n) for n in (1, 2, 3)]
    for on in (False, True):
        assert replay(db, items, on) > 0
    assert db.read_bytes() == before
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
