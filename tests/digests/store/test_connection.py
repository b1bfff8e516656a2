"""Bad database URLs and lost connections: a short, clear error, then the store reconnects and loses nothing."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from digests.store import NewArticle, Store, StoreError, StoreUnavailable
from tests.helpers.tcpproxy import CuttableProxy

BODY = ("The lantern festival in Orrin Bay moved to the harbour wall this year because the old square is being "
        "repaved. Organisers expect more visitors than last year and asked people to arrive on foot.")


@pytest.mark.parametrize("url", ["mysql://root@127.0.0.1/x", "sqlite://relative.db", "ftp://127.0.0.1/db"])
async def test_an_unsupported_or_malformed_url_is_refused_clearly(url: str) -> None:
    with pytest.raises(StoreError, match="database URL"):
        await Store.open(url)


async def test_an_unreachable_postgresql_server_is_a_clear_error() -> None:
    with pytest.raises(StoreUnavailable, match="cannot reach the database postgresql://postgres:\\*\\*\\*@127.0.0.1:1"):
        await Store.open("postgresql://postgres:secret@127.0.0.1:1/newsbot")


async def test_a_missing_postgresql_database_is_a_clear_error(pg_url: str) -> None:
    parts = urlsplit(pg_url)
    with pytest.raises(StoreError, match="does not exist"):
        await Store.open(urlunsplit((parts.scheme, parts.netloc, "/no_such_newsbot_db", "", "")))


async def test_a_sqlite_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "notes.db"
    bad.write_text("these are notes, not a database\n" * 50)
    with pytest.raises(StoreError, match="cannot use the SQLite database"):
        await Store.open(f"sqlite:///{bad}")


async def test_a_lost_connection_fails_one_command_clearly_then_the_store_reconnects(pg_url: str) -> None:
    parts = urlsplit(pg_url)
    proxy = await CuttableProxy(parts.hostname or "127.0.0.1", parts.port or 5432).start()
    netloc = f"{parts.username}@127.0.0.1:{proxy.port}" if parts.username else f"127.0.0.1:{proxy.port}"
    store = await Store.open(urlunsplit((parts.scheme, netloc, parts.path, "", "")))
    try:
        await store.add_article(NewArticle("Lanterns", BODY), None, workspace="local", via="upload")
        proxy.cut()
        with pytest.raises(StoreUnavailable, match="lost the connection to the database"):
            await store.add_article(NewArticle("Lanterns again", BODY + " More."), None, workspace="local",
                                    via="upload")
        proxy.restore()
        assert [a.title for a in await store.search("local", "lantern")] == ["Lanterns"]
        added = await store.add_article(NewArticle("Lanterns again", BODY + " More."), None, workspace="local",
                                        via="upload")
        assert added.status in ("added", "near-duplicate")
        assert await store.count_articles() == 1 + (added.status == "added")
    finally:
        await store.close()
        await proxy.stop()


async def test_the_read_pool_is_sized_for_each_backend_unless_set(store_url: str) -> None:
    def size(store: Store) -> int:
        pool = getattr(store, "_pool", None)  # PostgreSQL: asyncpg's pool; SQLite: a list of reader connections
        return int(pool.get_max_size()) if pool is not None else len(store._readers)  # type: ignore[attr-defined]

    store = await Store.open(store_url)
    try:
        # PostgreSQL reads run in the server, so more of them may wait on it at once than SQLite's reader threads.
        assert size(store) == (4 if store.backend == "postgresql" else 2)
    finally:
        await store.close()
    store = await Store.open(store_url, readers=3)
    try:
        assert size(store) == 3
    finally:
        await store.close()


async def test_a_write_cancelled_while_it_begins_leaves_the_writer_usable(store_url: str) -> None:
    # A stop cancels an ingest wherever it waits, also while its BEGIN runs on the connection's thread; the
    # next write (handing a feed lease back) must not find that transaction still open.
    store = await Store.open(store_url)
    try:
        await _cancel_writes_at_every_step(store)
    finally:
        await store.close()


async def _cancel_writes_at_every_step(store: Store) -> None:
    feed = await store.source("feed", "https://news.example/rss")
    for ticks in range(12):
        async def write() -> None:
            async with store.transaction():
                await asyncio.sleep(1)

        task = asyncio.create_task(write())
        for _ in range(ticks):
            await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await store.release_feed(feed.id, "owner")
