"""The SQLite repository: one file, WAL, numbered migrations, FTS5; every SQL statement lives here."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from digests.nlp.speakers import speaker_key
from digests.store._base import (
    _STORY_COLS,
    QUOTE_COLS,
    SEARCH_SCAN,
    SNIPPET_SCAN,
    TABLES,
    TIMELINE_SCAN,
    WHO_SAID_SCAN,
    SchemaTooNew,
    Store,
    StoreError,
    article_row,
    content_topic,
    event_row,
    fts_query,
    iso,
    now_utc,
    phrase_key,
    query_terms,
    quote_row,
    run_row,
    schedule_row,
    snippet,
    source_row,
    story_row,
    to_dt,
)
from digests.store._batch import (
    BatchItem,
    Prepared,
    add_batch,
    added_with_features,
    find_duplicate,
    find_duplicates,
    grant,
    prepare,
)
from digests.store._records import (
    AddResult,
    ArticleRow,
    EventRow,
    NewArticle,
    QuoteRow,
    ScheduleRow,
    SourceRow,
    StoryRow,
    SubscriptionRow,
)

# Set inside ``Store.transaction``: reads there must see the transaction's own writes, so they use the writer.
_IN_TRANSACTION: contextvars.ContextVar[bool] = contextvars.ContextVar("in_transaction", default=False)
_now = now_utc
_iso = iso
_dt = to_dt
_article_row = article_row
_source_row = source_row
_quote_row = quote_row
_event_row = event_row
_run_row = run_row
_schedule_row = schedule_row


_EVENT_ORDER = "e.date_start, julianday(e.date_end) - julianday(e.date_start), e.article_id"
_QUOTE_COLS = QUOTE_COLS


class _SqliteStorySession:
    """The story transaction on SQLite's writer connection (BEGIN IMMEDIATE is the story lock)."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    @staticmethod
    def _params(params: Sequence[Any]) -> list[Any]:
        return [_iso(p) if isinstance(p, datetime) else p for p in params]

    async def fetch(self, sql: str, *params: Any) -> list[Any]:
        async with self._db.execute(sql, self._params(params)) as cur:
            return list(await cur.fetchall())

    async def execute(self, sql: str, *params: Any) -> None:
        await self._db.execute(sql, self._params(params))

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        await self._db.executemany(sql, [self._params(r) for r in rows])

    async def insert_id(self, sql: str, *params: Any) -> int:
        rows = await self.fetch(sql, *params)
        return int(rows[0][0])

    async def headlines_changed(self, ids: Sequence[int] | None) -> None:
        if ids is None:
            await self._db.execute("DELETE FROM stories_fts")
            await self._db.execute("INSERT INTO stories_fts(rowid, headline) SELECT id, headline FROM stories "
                                   "WHERE merged_into IS NULL")
            return
        for i in range(0, len(ids), 500):
            part = list(ids[i:i + 500])
            marks = ",".join("?" * len(part))
            await self._db.execute(f"DELETE FROM stories_fts WHERE rowid IN ({marks})", part)
            await self._db.execute(f"INSERT INTO stories_fts(rowid, headline) SELECT id, headline FROM stories "
                                   f"WHERE id IN ({marks}) AND merged_into IS NULL", part)


def backup_file(source: str | Path, target: str | Path) -> str:
    """Copy a live SQLite database to ``target`` with SQLite's online backup; return the copy's integrity verdict.

    Safe while a bot writes to ``source`` (the backup restarts on pages changed under it) and never creates
    ``source``. ``target`` must not exist yet, so a backup never overwrites another file.
    """
    src_path, dst_path = Path(source), Path(target)
    if not src_path.is_file():
        raise StoreError(f"there is no SQLite database at {str(src_path)!r}")
    if dst_path.exists():
        raise StoreError(f"{str(dst_path)!r} exists already: give a new file name for the backup")
    if not dst_path.parent.is_dir():
        raise StoreError(f"the folder {str(dst_path.parent)!r} for the backup does not exist")
    src = sqlite3.connect(f"{src_path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(dst_path)
        try:
            src.backup(dst, pages=1024)
            verdict = str(dst.execute("PRAGMA integrity_check").fetchone()[0])
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise StoreError(f"the backup of {str(src_path)!r} failed: {exc}") from None
    finally:
        src.close()
    return verdict


def _prepare_location(path: str, *, create: bool, make_dirs: bool) -> None:
    """Check that a database file may be opened at ``path`` (making its folders if asked); raise StoreError."""
    file = Path(path)
    if not create and not file.exists():
        raise StoreError(f"there is no SQLite database at {path!r}")
    if file.is_dir():
        raise StoreError(f"{path!r} is a folder, not a SQLite database file")
    if not make_dirs and not file.parent.is_dir():
        raise StoreError(f"the folder {str(file.parent)!r} of the SQLite database {path!r} does not exist")
    file.parent.mkdir(parents=True, exist_ok=True)


class SqliteStore(Store):
    """The article store over one SQLite file; create with ``await Store.open(path)``."""

    backend = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, path: str, reader: aiosqlite.Connection | None = None) -> None:
        self._db = conn
        # Queries go to a pool of read-only connections, each on its own thread (WAL lets them read while the
        # writer commits), so commands never queue behind a batch of ingest writes nor behind each other.
        self._readers: list[aiosqlite.Connection] = [reader or conn]
        self._busy: list[int] = [0]
        self.path = path
        self._write = asyncio.Lock()

    @property
    def _reader(self) -> aiosqlite.Connection:
        return self._readers[self._pick()]

    def _pick(self) -> int:
        # The reader with the fewest statements queued on its thread (first on ties).
        return min(range(len(self._busy)), key=self._busy.__getitem__)

    @classmethod
    async def open_file(cls, path: str | Path, *, readers: int = 2, create: bool = True,
                        make_dirs: bool = True) -> SqliteStore:
        """Open (creating if needed and ``create``) the database at ``path`` and apply pending migrations."""
        path = str(path)
        try:
            if path != ":memory:":
                _prepare_location(path, create=create, make_dirs=make_dirs)
            conn = await aiosqlite.connect(path, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the SQLite database {path!r}: {exc}") from None
        conn.row_factory = sqlite3.Row
        try:
            store = cls(conn, path)
            try:
                for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL", "busy_timeout=10000",
                               "temp_store=MEMORY", "cache_size=-32000"):
                    await conn.execute(f"PRAGMA {pragma}")
                await store._migrate()
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"cannot use the SQLite database {path!r}: {exc}") from None
            if path != ":memory:":
                store._readers = []
                try:
                    for _ in range(max(1, readers)):
                        store._readers.append(await _open_reader(path))
                finally:
                    store._busy = [0] * len(store._readers)
                    if not store._readers:
                        store._readers, store._busy = [conn], [0]
        except BaseException:
            await conn.close()
            raise
        return store

    async def close(self) -> None:
        """Close the connections."""
        for reader in self._readers:
            if reader is not self._db:
                await reader.close()
        await self._db.close()

    async def schema_version(self) -> int:
        """Return the number of the last migration applied (SQLite's user_version)."""
        async with self._db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def _migrate(self) -> None:
        current = await self.schema_version()
        folder = resources.files("digests.store") / "migrations"
        scripts = sorted((p.name, p) for p in folder.iterdir() if p.name.endswith(".sql"))
        known = max((int(name.split("_", 1)[0]) for name, _ in scripts), default=0)
        if current > known:
            raise SchemaTooNew(f"the database {self.path!r} has schema version {current}, newer than this newsbot "
                               f"knows ({known}); upgrade newsbot instead of opening it with an older one")
        for name, script in scripts:
            number = int(name.split("_", 1)[0])
            if number <= current:
                continue
            sql = script.read_text(encoding="utf-8")
            # executescript commits; user_version in the same script keeps each migration all-or-nothing.
            await self._db.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run a block in one IMMEDIATE transaction, rolled back on any error."""
        # Counted while waiting: bulk ingest sees a command queued for the writer and steps aside.
        self._writes_waiting += 1
        try:
            await self._write.acquire()
        finally:
            self._writes_waiting -= 1
        try:
            await self._begin()
            token = _IN_TRANSACTION.set(True)
            try:
                yield self._db
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            else:
                await self._db.execute("COMMIT")
            finally:
                _IN_TRANSACTION.reset(token)
        finally:
            self._write.release()

    async def _begin(self) -> None:
        # The statement runs on the connection's own thread even when the waiting task is cancelled (a stop
        # during ingest): the transaction it opens is ended before the writer lock is free, or the next
        # writer's BEGIN fails ("cannot start a transaction within a transaction").
        begin = asyncio.ensure_future(self._db.execute("BEGIN IMMEDIATE"))
        try:
            await asyncio.shield(begin)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await begin
                await self._db.execute("ROLLBACK")
            raise

    @contextlib.asynccontextmanager
    async def _read_conn(self) -> AsyncIterator[aiosqlite.Connection]:
        # Reads inside ``transaction`` must see its own writes, so they use the writer; others take the least
        # busy reader of the pool.
        if _IN_TRANSACTION.get():
            yield self._db
            return
        i = self._pick()
        self._busy[i] += 1
        self._reads_in_flight += 1
        try:
            yield self._readers[i]
        finally:
            self._busy[i] -= 1
            self._reads_in_flight -= 1

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        async with self._read_conn() as conn, conn.execute(sql, params) as cur:
            return await cur.fetchone()  # type: ignore[no-any-return]

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        async with self._read_conn() as conn, conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def _rows(self, sql: str, *params: Any) -> list[sqlite3.Row]:
        return await self._all(sql, [_iso(p) if isinstance(p, datetime) else p for p in params])

    async def _row(self, sql: str, *params: Any) -> sqlite3.Row | None:
        return await self._one(sql, [_iso(p) if isinstance(p, datetime) else p for p in params])

    async def _opt_exec(self, sql: str, *args: Any) -> int:
        """Run one write statement for the options mixin; return how many rows it changed."""
        async with self.transaction() as db:
            cur = await db.execute(sql, args)
            return int(cur.rowcount)

    async def _opt_all(self, sql: str, *args: Any) -> list[Any]:
        """Run one query for the options mixin."""
        return await self._all(sql, args)

    async def _opt_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one write statement for each row of arguments, in one transaction."""
        async with self.transaction() as db:
            await db.executemany(sql, rows)

    async def integrity_check(self) -> str:
        """Return SQLite's integrity_check verdict ("ok" when sound)."""
        row = await self._one("PRAGMA integrity_check")
        return str(row[0]) if row else "no answer"

    async def table_counts(self) -> dict[str, int]:
        """Return the number of rows in every table, by name."""
        counts = {}
        for table in TABLES:
            row = await self._one(f"SELECT COUNT(*) FROM {table}")
            counts[table] = int(row[0]) if row else 0
        return counts

    async def copy_columns(self, table: str) -> list[str]:
        """Return the columns of ``table`` a copy carries."""
        return [r["name"] for r in await self._all(f"PRAGMA table_info({table})")]

    async def iter_rows(self, table: str, columns: Sequence[str], batch: int,
                        ) -> AsyncIterator[list[tuple[Any, ...]]]:
        """Yield every row of ``table`` (those columns) in batches."""
        cols = ", ".join(f'"{c}"' for c in columns)
        async with self._reader.execute(f"SELECT {cols} FROM {table}") as cur:
            while rows := await cur.fetchmany(batch):
                yield [tuple(r) for r in rows]

    async def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Insert copied rows as they are, timestamps and dates as the store's text."""
        def conv(v: Any) -> Any:
            if isinstance(v, datetime):
                return _iso(v)
            return v.isoformat() if isinstance(v, date) else v

        cols = ", ".join(f'"{c}"' for c in columns)
        marks = ",".join("?" * len(columns))
        async with self.transaction() as db:
            await db.executemany(f"INSERT INTO {table}({cols}) VALUES ({marks})",
                                 [tuple(conv(v) for v in r) for r in rows])

    async def after_copy(self) -> None:
        """Rebuild the FTS5 indexes from the copied rows."""
        async with self.transaction() as db:
            await db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
            await db.execute("INSERT INTO titles_fts(titles_fts) VALUES ('rebuild')")
            await db.execute("INSERT INTO events_fts(events_fts) VALUES ('rebuild')")
            await _SqliteStorySession(db).headlines_changed(None)
            await db.execute("INSERT INTO quotes_fts(rowid, quote, speaker) SELECT q.id, q.quote, "
                             "COALESCE(s.name, '') FROM quotes q LEFT JOIN speakers s ON s.id = q.speaker_id")

    async def _count_quotes(self) -> int:
        row = await self._one("SELECT COUNT(*) FROM quotes")
        return int(row[0]) if row else 0

    async def _quote_at(self, offset: int) -> tuple[str, str] | None:
        row = await self._one("SELECT w.workspace, q.quote FROM quotes q JOIN workspace_articles w ON "
                              "w.article_id = q.article_id ORDER BY q.id, w.workspace LIMIT 1 OFFSET ?", (offset,))
        return (row[0], row[1]) if row else None

    # ---- articles -------------------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _story_session(self) -> AsyncIterator[_SqliteStorySession]:
        """Run a story transaction on the writer (BEGIN IMMEDIATE: one process at a time)."""
        async with self.transaction() as db:
            yield _SqliteStorySession(db)

    async def add_articles(self, items: Sequence[BatchItem]) -> list[AddResult]:
        """Store many articles, ``write_chunk`` per transaction, one call on the writer's thread per chunk."""
        if not items:
            return []
        out: list[AddResult] = []
        for i in range(0, len(items), self.write_chunk):
            chunk = items[i:i + self.write_chunk]
            async with self._write:
                t0 = time.perf_counter()
                # aiosqlite's _execute runs a callable on the connection's own thread: one hop per chunk.
                done = await self._db._execute(add_batch, self._db._conn, chunk)
                spent = time.perf_counter() - t0
            out += done
            t0 = time.perf_counter()
            await self.assign_stories(*added_with_features(chunk, done))
            spent += time.perf_counter() - t0
            # Between chunks the lock is free: a command's write goes next (asyncio.Lock is first come, first
            # served), and while commands are in flight ingest keeps to its budget of writer time.
            await self._yield_to_commands(spent)
        return out

    async def _group_archive_chunk(self, article_ids: Sequence[int], now: datetime) -> int:
        """Group some archived articles' ungrouped quotes in one transaction on the writer's thread."""
        from digests.store._quote_groups import group_archive

        async with self._write:
            return await self._db._execute(group_archive, self._db._conn, article_ids, now)  # type: ignore[no-any-return]

    async def find_duplicates(self, arts: Sequence[NewArticle], *, near: bool = True) -> list[AddResult | None]:
        """Return, for each article, the stored article it duplicates or None (one call on the reader)."""
        if not arts:
            return []
        async with self._read_conn() as conn:
            return await conn._execute(find_duplicates, conn._conn, arts, near=near)  # type: ignore[no-any-return]

    async def find_duplicate(self, art: NewArticle, workspace: str | None = None, *,
                             prepared: Prepared | None = None) -> AddResult | None:
        """Return the stored article that ``art`` duplicates (same URL, GUID, body or near-same body)."""
        # Without prepared keys the MinHash is computed on the reader's thread, not on the event loop.
        async with self._read_conn() as conn:
            return await conn._execute(_find_one, conn._conn, art, workspace, prepared)  # type: ignore[no-any-return]

    async def grant(self, article_id: int, workspace: str, via: str, now: datetime | None = None) -> bool:
        """Let ``workspace`` see an article; return False when it already could."""
        async with self.transaction() as db:
            return await db._execute(  # type: ignore[no-any-return]
                grant, db._conn, article_id, workspace, via, now or _now())

    async def find_articles(self, workspace: str, title: str, limit: int = 10) -> list[ArticleRow]:
        """Return articles whose title matches ``title`` (id, exact, prefix or words), newest first."""
        # SQLite integers are 64-bit: "#99999999999999999999" is no id (binding it would raise OverflowError).
        if title.strip().lstrip("#").isdigit() and len(title.strip().lstrip("#")) <= 18:
            art = await self.article(workspace, int(title.strip().lstrip("#")))
            if art:
                return [ArticleRow(art.id, art.title, art.url, art.published, art.summary)]
        q = fts_query(title, prefix_last=True)
        if not q:
            rows = await self._all(
                "SELECT a.id, a.title, a.url, a.published, a.summary FROM workspace_articles w "
                "JOIN articles a ON a.id = w.article_id WHERE w.workspace = ? ORDER BY w.added_at DESC LIMIT ?",
                (workspace, limit))
        else:
            # Rank only the workspace's newest SEARCH_SCAN title matches, as /search does: a prefix such as
            # "Cou*" matches tens of thousands of titles at 100k articles, and bm25 over all of them was the
            # tail of /summary and of article autocomplete. Titles have an index of their own (migration 5).
            rows = await self._all(
                "SELECT a.id, a.title, a.url, a.published, a.summary FROM (SELECT f.rowid AS id, f.rank AS r "
                "FROM titles_fts f JOIN workspace_articles w ON w.article_id = f.rowid AND w.workspace = ? "
                "WHERE titles_fts MATCH ? ORDER BY f.rowid DESC LIMIT ?) h JOIN articles a ON a.id = h.id "
                "ORDER BY h.r, a.id DESC LIMIT ?",
                (workspace, q, SEARCH_SCAN, limit))
        return [_article_row(r) for r in rows]

    async def search(self, workspace: str, text: str, *, limit: int = 10, offset: int = 0,
                     newest: bool = False, snippets: bool = True) -> list[ArticleRow]:
        """Return articles matching ``text`` by full text, best (or newest) first (``snippets=False``: none made)."""
        q = fts_query(text)
        if not q:
            return []
        # Rank only the workspace's newest SEARCH_SCAN matches: bm25 over every match of a common word cost
        # 140 ms at 100k articles; news readers want recent stories anyway.
        order = "a.published DESC" if newest else "h.r"
        rows = await self._all(
            "SELECT a.id, a.title, a.url, a.published, a.summary, substr(a.text, 1, ?) AS text FROM "
            "(SELECT f.rowid AS id, f.rank AS r "
            "FROM articles_fts f JOIN workspace_articles w ON w.article_id = f.rowid AND w.workspace = ? "
            "WHERE articles_fts MATCH ? ORDER BY f.rowid DESC LIMIT ?) h JOIN articles a ON a.id = h.id "
            f"ORDER BY {order} LIMIT ? OFFSET ?",
            (SNIPPET_SCAN if snippets else 0, workspace, q, SEARCH_SCAN, limit, offset))
        terms = query_terms(text)
        return [_article_row(r, snippet(r["text"], terms) if snippets else "") for r in rows]

    # ---- quotes and speakers --------------------------------------------------------------------------------

    async def quotes_for_articles(self, workspace: str, article_ids: Iterable[int]) -> list[QuoteRow]:
        """Return the quotes of some articles visible to ``workspace``, in text order."""
        ids = list(article_ids)
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = await self._all(
            f"SELECT {_QUOTE_COLS} FROM quotes q JOIN articles a ON a.id = q.article_id "
            f"JOIN workspace_articles w ON w.article_id = a.id AND w.workspace = ? "
            f"LEFT JOIN speakers s ON s.id = q.speaker_id WHERE q.article_id IN ({marks}) "
            f"ORDER BY q.article_id, q.start", (workspace, *ids))
        return [_quote_row(r) for r in rows]

    async def who_said(self, workspace: str, phrase: str, *, limit: int = 10, offset: int = 0) -> list[QuoteRow]:
        """Return quotes containing the words of ``phrase``, best match first."""
        q = fts_query(phrase)
        if not q:
            return []
        # The workspace's newest WHO_SAID_SCAN matches; those holding the phrase verbatim first, then newest.
        # No bm25: its IDF counts every row holding each term, a scan of the whole doclist ("to the": 75 ms
        # at 100k articles), and every candidate holds every term anyway.
        rows = await self._all(
            f"SELECT {_QUOTE_COLS} FROM (SELECT f.rowid AS qid FROM quotes_fts f "
            "JOIN quotes x ON x.id = f.rowid JOIN workspace_articles w ON w.article_id = x.article_id "
            "AND w.workspace = ? WHERE quotes_fts MATCH ? ORDER BY f.rowid DESC LIMIT ?) h "
            "JOIN quotes q ON q.id = h.qid JOIN articles a ON a.id = q.article_id "
            "LEFT JOIN speakers s ON s.id = q.speaker_id "
            "ORDER BY instr(lower(q.quote), ?) = 0, a.published DESC, q.id DESC LIMIT ? OFFSET ?",
            (workspace, "quote : (" + q + ")", WHO_SAID_SCAN, phrase_key(phrase), limit, offset))
        return [_quote_row(r) for r in rows]

    async def match_stories(self, workspace: str, text: str, limit: int = 25) -> list[StoryRow]:
        """Return stories ``workspace`` can see whose headline matches ``text`` (last word a prefix), newest first."""
        # Nested, so SQLite walks the story's articles (by story) and looks each up in the workspace (by primary
        # key); as a join it scanned every article of the workspace per story (300 ms at 3,000 articles).
        seen = ("EXISTS (SELECT 1 FROM article_stories m WHERE m.story_id = s.id AND EXISTS (SELECT 1 FROM "
                "workspace_articles w WHERE w.workspace = ? AND w.article_id = m.article_id))")
        q = fts_query(text, prefix_last=True)
        if not q:
            rows = await self._all(f"SELECT {_STORY_COLS} FROM stories s WHERE s.merged_into IS NULL AND {seen} "
                                   "ORDER BY s.last_at DESC, s.id DESC LIMIT ?", (workspace, limit))
        else:
            # The newest SEARCH_SCAN headline matches only, as title autocomplete does.
            rows = await self._all(
                f"SELECT {_STORY_COLS} FROM (SELECT rowid AS id FROM stories_fts WHERE stories_fts MATCH ? "
                f"ORDER BY rowid DESC LIMIT ?) h JOIN stories s ON s.id = h.id WHERE s.merged_into IS NULL "
                f"AND {seen} ORDER BY s.last_at DESC, s.id DESC LIMIT ?", (q, SEARCH_SCAN, workspace, limit))
        return await self._matched_stories(workspace, text, [story_row(r) for r in rows], limit)

    async def match_speakers(self, workspace: str, text: str, limit: int = 25) -> list[tuple[int, str, int]]:
        """Return (id, name, quote count) of the workspace's speakers matching ``text``, most quoted first."""
        text = text.strip().replace("\x00", "")
        if not text:
            rows = await self._all(
                "SELECT speaker_id, name, quote_count FROM workspace_speakers WHERE workspace = ? "
                "ORDER BY quote_count DESC, name LIMIT ?", (workspace, limit))
        else:
            key = speaker_key(text)
            rows = await self._all(
                "SELECT w.speaker_id, w.name, w.quote_count FROM workspace_speakers w "
                "JOIN speakers s ON s.id = w.speaker_id WHERE w.workspace = ? AND "
                "(w.name LIKE ? ESCAPE '\\' OR s.last_key LIKE ? ESCAPE '\\' OR s.key = ?) "
                "ORDER BY (s.key = ?) DESC, w.quote_count DESC, w.name LIMIT ?",
                (workspace, _like(text) + "%", _like(key) + "%", key, key, limit))
            if not rows:
                rows = await self._all(
                    "SELECT speaker_id, name, quote_count FROM workspace_speakers WHERE workspace = ? "
                    "AND name LIKE ? ESCAPE '\\' ORDER BY quote_count DESC LIMIT ?",
                    (workspace, "%" + _like(text) + "%", limit))
        return [(int(r[0]), str(r[1]), int(r[2])) for r in rows]

    async def speaker_roles(self, speaker_id: int, workspace: str) -> list[str]:
        """Return the roles a speaker was given in articles ``workspace`` can see, newest first."""
        rows = await self._all(
            "SELECT r.role, MAX(r.seen) AS seen FROM speaker_roles r JOIN workspace_articles w "
            "ON w.article_id = r.article_id AND w.workspace = ? WHERE r.speaker_id = ? GROUP BY r.role "
            "ORDER BY seen DESC", (workspace, speaker_id))
        return [r["role"] for r in rows]

    async def quotes_by(self, workspace: str, speaker_id: int, *, topic: str | None = None,
                        since: datetime | None = None, limit: int = 10, offset: int = 0) -> list[QuoteRow]:
        """Return a speaker's quotes visible to ``workspace``, newest first, optionally about ``topic``."""
        params: list[Any] = [workspace, speaker_id]
        where = ""
        if since:
            where += " AND COALESCE(a.published, w.added_at) >= ?"
            params.append(_iso(since))
        topic = content_topic(topic)
        tq = fts_query(topic) if topic else None
        if tq:
            where += (" AND (q.id IN (SELECT rowid FROM quotes_fts WHERE quotes_fts MATCH ?) OR "
                      "q.article_id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?))")
            params += ["quote : (" + tq + ")", tq]
        params += [limit, offset]
        rows = await self._all(
            f"SELECT {_QUOTE_COLS} FROM quotes q JOIN workspace_articles w ON w.article_id = q.article_id "
            f"AND w.workspace = ? JOIN articles a ON a.id = q.article_id JOIN speakers s ON s.id = q.speaker_id "
            f"WHERE q.speaker_id = ? {where} ORDER BY COALESCE(a.published, w.added_at) DESC, q.start "
            f"LIMIT ? OFFSET ?", params)
        return [_quote_row(r) for r in rows]

    # ---- events -----------------------------------------------------------------------------------------------

    async def timeline(self, workspace: str, topic: str, *, since: date | None = None, until: date | None = None,
                       limit: int = 200) -> list[EventRow]:
        """Return dated events whose sentence or article matches ``topic``, in date order."""
        q = fts_query(topic)
        if not q:
            return []
        params: list[Any] = [q, TIMELINE_SCAN, q, SEARCH_SCAN, workspace]
        where = ""
        if since:
            where += " AND e.date_end >= ?"
            params.append(since.isoformat())
        if until:
            where += " AND e.date_start <= ?"
            params.append(until.isoformat())
        params.append(limit)
        # Drive from the matching events, not from the workspace: the old plan walked every article the
        # workspace can see and probed its events (100+ ms p95 at 10k articles). The article side ranks only
        # the newest SEARCH_SCAN matching articles, as PostgreSQL does.
        rows = await self._all(
            # Articles are joined after the date cut: only the rows shown read an article (a third less time).
            f"SELECT e.*, a.title, a.url, a.published FROM (SELECT e.* FROM ("
            "SELECT id FROM (SELECT rowid AS id FROM events_fts WHERE events_fts MATCH ? ORDER BY rowid DESC LIMIT ?) "
            "UNION SELECT x.id FROM events x WHERE x.article_id IN "
            "(SELECT id FROM (SELECT rowid AS id, rank AS r FROM articles_fts WHERE articles_fts MATCH ? "
            "ORDER BY rowid DESC LIMIT ?) ORDER BY r LIMIT 200)) h "
            "JOIN events e ON e.id = h.id "
            "JOIN workspace_articles w ON w.article_id = e.article_id AND w.workspace = ? WHERE 1=1"
            f"{where} ORDER BY {_EVENT_ORDER} LIMIT ?) e JOIN articles a ON a.id = e.article_id "
            f"ORDER BY {_EVENT_ORDER}", params)
        return [_event_row(r) for r in rows]

    async def events_for_article(self, workspace: str, article_id: int) -> list[EventRow]:
        """Return the dated events of one article visible to ``workspace``, in date order."""
        rows = await self._all(
            "SELECT e.*, a.title, a.url, a.published FROM events e JOIN articles a ON a.id = e.article_id "
            "JOIN workspace_articles w ON w.article_id = a.id AND w.workspace = ? WHERE e.article_id = ? "
            "ORDER BY e.date_start, e.date_end", (workspace, article_id))
        return [_event_row(r) for r in rows]

    # ---- sources and subscriptions ------------------------------------------------------------------------------

    async def source(self, kind: str, url: str, title: str | None = None) -> SourceRow:
        """Return the source for ``url``, creating it if new."""
        async with self.transaction() as db:
            await db.execute("INSERT OR IGNORE INTO sources(kind, url, title, created_at) VALUES (?,?,?,?)",
                             (kind, url, title, _iso(_now())))
        row = await self._one("SELECT * FROM sources WHERE url = ?", (url,))
        assert row is not None
        return _source_row(row)

    async def update_source(self, source_id: int, **fields: Any) -> None:
        """Update a source's fetch state (etag, last_modified, health, last_error, failures, times, title)."""
        allowed = {"title", "etag", "last_modified", "health", "last_error", "failures", "last_fetch",
                   "last_success", "next_fetch", "interval_s", "announced_health", "last_failure",
                   "last_failure_at"}
        if not fields:
            return
        bad = set(fields) - allowed
        if bad:
            raise ValueError(f"unknown source fields: {sorted(bad)}")
        cols = ", ".join(f"{k} = ?" for k in fields)
        vals = [_iso(v) if isinstance(v, datetime) else v for v in fields.values()]
        async with self.transaction() as db:
            await db.execute(f"UPDATE sources SET {cols} WHERE id = ?", (*vals, source_id))

    async def subscribe(self, workspace: str, channel: str, source_id: int) -> tuple[SubscriptionRow, bool]:
        """Subscribe a channel to a source; return the subscription and whether it is new."""
        async with self.transaction() as db:
            cur = await db.execute(
                "INSERT OR IGNORE INTO subscriptions(workspace, channel, source_id, created_at) VALUES (?,?,?,?)",
                (workspace, channel, source_id, _iso(_now())))
            created = bool(cur.rowcount)
        subs = [s for s in await self.subscriptions(workspace, channel) if s.source.id == source_id]
        return subs[0], created

    async def unsubscribe(self, workspace: str, channel: str, url: str) -> bool:
        """Remove a channel's subscription to the source at ``url``; False when there was none."""
        async with self.transaction() as db:
            cur = await db.execute(
                "DELETE FROM subscriptions WHERE workspace = ? AND channel = ? AND source_id IN "
                "(SELECT id FROM sources WHERE url = ?)", (workspace, channel, url))
            return bool(cur.rowcount)

    async def set_paused(self, workspace: str, channel: str, url: str, paused: bool) -> bool:
        """Pause or resume a channel's subscription; False when there was none."""
        async with self.transaction() as db:
            cur = await db.execute(
                "UPDATE subscriptions SET paused = ? WHERE workspace = ? AND channel = ? AND source_id IN "
                "(SELECT id FROM sources WHERE url = ?)", (1 if paused else 0, workspace, channel, url))
            return bool(cur.rowcount)

    async def active_sources(self) -> list[SourceRow]:
        """Return feeds that at least one unpaused subscription follows."""
        rows = await self._all(
            "SELECT DISTINCT s.* FROM sources s JOIN subscriptions b ON b.source_id = s.id "
            "WHERE b.paused = 0 AND s.kind = 'feed' ORDER BY s.id")
        return [_source_row(r) for r in rows]

    async def claim_due_feeds(self, owner: str, now: datetime, lease_s: float, limit: int = 50) -> list[SourceRow]:
        """Lease active feeds that are due and not leased by a live process to ``owner``; return them."""
        # BEGIN IMMEDIATE takes SQLite's write lock, so two processes never lease the same row.
        async with self.transaction() as db:
            async with db.execute(
                "UPDATE sources SET lease_owner = ?, lease_until = ? WHERE id IN (SELECT s.id FROM sources s "
                "WHERE s.kind = 'feed' AND (s.next_fetch IS NULL OR s.next_fetch <= ?) "
                "AND (s.lease_until IS NULL OR s.lease_until <= ?) AND EXISTS (SELECT 1 FROM subscriptions b "
                "WHERE b.source_id = s.id AND b.paused = 0) ORDER BY s.next_fetch IS NOT NULL, s.next_fetch, s.id "
                "LIMIT ?) RETURNING *",
                (owner, _iso(now + timedelta(seconds=lease_s)), _iso(now), _iso(now), limit)) as cur:
                rows = list(await cur.fetchall())
        return sorted((_source_row(r) for r in rows), key=lambda s: s.id)

    async def release_feed(self, source_id: int, owner: str) -> None:
        """End ``owner``'s lease on a feed."""
        async with self.transaction() as db:
            await db.execute("UPDATE sources SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND "
                             "lease_owner = ?", (source_id, owner))

    # ---- schedules and the delivery ledger ----------------------------------------------------------------------

    async def add_schedule(self, workspace: str, channel: str, spec: str, cron: str, timezone: str,
                           notify_empty: bool = False) -> ScheduleRow:
        """Create (or return the identical existing) schedule for a channel."""
        async with self.transaction() as db:
            await db.execute(
                "INSERT OR IGNORE INTO schedules(workspace, channel, spec, cron, timezone, notify_empty, created_at)"
                " VALUES (?,?,?,?,?,?,?)", (workspace, channel, spec, cron, timezone, int(notify_empty),
                                            _iso(_now())))
        row = await self._one(
            "SELECT * FROM schedules WHERE workspace = ? AND channel = ? AND cron = ? AND timezone = ?",
            (workspace, channel, cron, timezone))
        assert row is not None
        return _schedule_row(row)

    async def remove_schedule(self, workspace: str, schedule_id: int) -> bool:
        """Delete a workspace's schedule; False when it has no such schedule."""
        async with self.transaction() as db:
            cur = await db.execute("DELETE FROM schedules WHERE workspace = ? AND id = ?", (workspace, schedule_id))
            return bool(cur.rowcount)

    async def claim_run(self, schedule_id: int, window_start: datetime, window_end: datetime, *,
                        late: bool = False) -> int | None:
        """Claim a schedule window before posting; None when it was already claimed (never post twice)."""
        async with self.transaction() as db:
            cur = await db.execute(
                "INSERT OR IGNORE INTO digest_runs(schedule_id, window_start, window_end, status, late, claimed_at)"
                " VALUES (?,?,?,'claimed',?,?)",
                (schedule_id, _iso(window_start), _iso(window_end), int(late), _iso(_now())))
            return int(cur.lastrowid or 0) if cur.rowcount else None

    async def finish_run(self, run_id: int, status: str, *, message_ids: str | None = None,
                         error: str | None = None) -> None:
        """Record how a claimed run ended (posted, empty or failed)."""
        async with self.transaction() as db:
            await db.execute("UPDATE digest_runs SET status = ?, message_ids = ?, error = ?, finished_at = ? "
                             "WHERE id = ?", (status, message_ids, error, _iso(_now()), run_id))

    async def save_page_state(self, command: str, args: str, *, workspace: str, channel: str, user: str,
                              is_admin: bool, created_at: datetime) -> int:
        """Remember the command behind a paged reply; return the id its page buttons carry."""
        async with self.transaction() as db:
            cur = await db.execute(
                "INSERT INTO page_states(command, args, workspace, channel, user_id, is_admin, created_at) "
                "VALUES (?,?,?,?,?,?,?)", (command, args, workspace, channel, user, int(is_admin), _iso(created_at)))
            return int(cur.lastrowid or 0)


def _find_one(conn: sqlite3.Connection, art: NewArticle, workspace: str | None,
              prepared: Prepared | None) -> AddResult | None:
    prep = prepared or prepare(art)
    return find_duplicate(conn, art, prep.sig, workspace, prep)


async def _open_reader(path: str) -> aiosqlite.Connection:
    reader = await aiosqlite.connect(path, isolation_level=None)
    reader.row_factory = sqlite3.Row
    # mmap serves reads from the OS page cache: without it a fresh connection's who_said p95 was 151 ms at 100k
    # articles (reads copied through SQLite's own cache), with it 27 ms.
    for pragma in ("query_only=ON", "busy_timeout=10000", "temp_store=MEMORY", "cache_size=-32000",
                   "mmap_size=1073741824"):
        await reader.execute(f"PRAGMA {pragma}")
    return reader


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
