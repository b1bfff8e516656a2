"""The PostgreSQL repository (asyncpg): the same contract as SQLite, for several processes on one database.

asyncpg rather than psycopg 3: its built-in pool replaces connections that died (the reconnect the bot needs
after a lost connection), it speaks the binary protocol (timestamps, dates and bytea arrive as Python objects
with no parsing), and COPY is one call (``newsbot db copy``). Search uses generated ``tsvector`` columns with
GIN indexes and ``websearch_to_tsquery``; speaker autocomplete a ``pg_trgm`` index; the newest-N caps are the
SQLite backend's, so latency does not grow with the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from importlib import resources
from typing import Any

import asyncpg

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
    StoreUnavailable,
    article_row,
    content_topic,
    event_row,
    now_utc,
    phrase_key,
    query_terms,
    quote_row,
    redact_url,
    schedule_row,
    snippet,
    source_row,
    story_row,
    to_date,
    to_dt,
)
from digests.store._batch import (
    BatchItem,
    Prepared,
    added_with_features,
    article_keys,
    exact_hashes,
    near_workspace,
    nearest,
    prepare,
)
from digests.store._pg_batch import add_chunk, find_stored, grant_many, match_stored
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
from digests.store._text import content_hash

# Errors that mean the connection (not the statement) failed: the pool replaces the connection next time.
_LOST = (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, asyncpg.exceptions.AdminShutdownError,
         asyncpg.exceptions.CannotConnectNowError, ConnectionError, OSError, asyncio.TimeoutError)
_CONTENDED = (asyncpg.exceptions.DeadlockDetectedError, asyncpg.exceptions.SerializationError,
              asyncpg.exceptions.UniqueViolationError)
_WRITE_RETRIES = 5
_QMARK = re.compile(r"\?")
_LOCK_MIGRATE = 7_402_214  # advisory lock: two processes starting together migrate one after the other
_LOCK_STORIES = 7_402_225  # advisory lock: one process at a time assigns stories
log = logging.getLogger(__name__)
# Newest-N searches look first among this many of the newest rows (see PgStore._newest_matches).
_QUOTES_WINDOW = 50_000
_ARTICLES_WINDOW = 10_000
# A timeline keeps 1,000 event matches (TIMELINE_SCAN) against 300 quotes for /who-said: its first window is
# wider, so a topic of middling frequency fills it in one query (timeline p95 51 -> 40 ms at 100k articles).
_EVENTS_WINDOW = 100_000
# Partial GIN indexes over each table's newest rows (``PgStore.refresh_recent_indexes``).
_RECENT_WINDOWS = {"quotes": _QUOTES_WINDOW, "events": _EVENTS_WINDOW, "articles": _ARTICLES_WINDOW}
# The search columns that get one, per table. Titles too: a title word or prefix in a fifth of all titles read
# its whole posting list for the newest 10,000 articles (35 ms at a million, the /summary and title lookups).
_RECENT_COLUMNS = {"quotes": ("tsv",), "events": ("tsv",), "articles": ("tsv", "title_tsv")}
_RECENT_COVER = 4  # windows: a window widened once (4x) still reads the small index
_RECENT_SPAN = 4  # windows of new rows it takes before a smaller index replaces it
_RECENT_CHECK_EVERY = 2_000  # articles written between two checks
_BOUNDS_TTL_S = 60.0  # how long the recent-rows index bounds are trusted before being read again
_RECENT_LOCK = 0x6E657773  # the advisory lock that lets one process at a time rebuild them
LOST_MESSAGE = "lost the connection to the database; nothing from this command was saved, try again"


def _sql(text: str) -> str:
    """Return ``text`` with each ``?`` placeholder numbered ($1, $2, …) as PostgreSQL wants."""
    n = 0

    def number(_: re.Match[str]) -> str:
        nonlocal n
        n += 1
        return f"${n}"

    return _QMARK.sub(number, text)


def _websearch(terms: list[str]) -> str:
    # Each term quoted: words like "or" or a leading "-" stay plain words, as in the SQLite backend.
    return " ".join(f'"{t}"' for t in terms)


def _prefix_lexeme(term: str) -> str:
    return "'" + term.replace("'", "''") + "':*"


class _PgStorySession:
    """The story transaction on one write connection, the story advisory lock held until it ends."""

    def __init__(self, con: asyncpg.Connection) -> None:
        self._con = con

    async def fetch(self, sql: str, *params: Any) -> list[Any]:
        return list(await self._con.fetch(_sql(sql), *params))

    async def execute(self, sql: str, *params: Any) -> None:
        await self._con.execute(_sql(sql), *params)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        await self._con.executemany(_sql(sql), rows)

    async def insert_id(self, sql: str, *params: Any) -> int:
        return int(await self._con.fetchval(_sql(sql), *params))

    async def headlines_changed(self, ids: Sequence[int] | None) -> None:
        return None  # headline_tsv is a generated column


_QUOTE_COLS = QUOTE_COLS


class PgStore(Store):
    """The article store over one PostgreSQL database; create with ``await Store.open("postgresql://…")``."""

    backend = "postgresql"

    def __init__(self, pool: asyncpg.Pool, url: str, writer: asyncpg.Pool | None = None) -> None:
        self._pool = pool
        # Writes take their connections from a pool of their own: with 20 commands reading, a write (an ingest
        # chunk, a paged reply's state) waited for a read connection behind them (ingest beside the bench's
        # command streams at 100k articles: 6.7 articles/s).
        self._wpool = writer or pool
        # One writer per process, as with SQLite: concurrent batches from one process would only contend for
        # the same speaker and band rows (and deadlock); other processes' batches are retried below.
        self._write = asyncio.Lock()
        self.url = url
        self.path = redact_url(url)
        self._refresh: asyncio.Task[list[str]] | None = None
        self._written_since_refresh = 0
        self._bounds: dict[str, int] = {}  # table -> the id its recent-rows index starts after
        self._bounds_read = -_BOUNDS_TTL_S

    @classmethod
    async def connect(cls, url: str, *, migrate: bool = True, min_size: int = 1, max_size: int = 8,
                      writers: int = 2) -> PgStore:
        """Connect a read pool (``max_size``) and a write pool (``writers``) to ``url``; apply pending migrations."""
        try:
            # asyncpg prepares every statement; after five runs PostgreSQL may switch to a generic plan, which
            # cannot see the tsquery and guesses its selectivity. A search plan is cheap to make, a bad one is not.
            # No JIT: a plan whose estimated cost passes jit_above_cost is compiled first, ~0.5 s of server CPU
            # for a chunk's duplicate lookup at 10k articles, against milliseconds to run it.
            settings = {"plan_cache_mode": "force_custom_plan", "jit": "off", "max_parallel_workers_per_gather": "0"}
            pool = await asyncpg.create_pool(url, min_size=min_size, max_size=max_size, timeout=10,
                                             command_timeout=60, server_settings=settings)
            try:
                writer = await asyncpg.create_pool(url, min_size=1, max_size=max(1, writers), timeout=10,
                                                   command_timeout=60, server_settings=settings)
            except BaseException:
                await pool.close()
                raise
        except (asyncpg.InvalidCatalogNameError, asyncpg.InvalidAuthorizationSpecificationError,
                asyncpg.InvalidPasswordError) as exc:
            raise StoreError(f"cannot use the database {redact_url(url)}: {exc}") from None
        except (ValueError, asyncpg.ClientConfigurationError) as exc:
            raise StoreError(f"bad database URL {redact_url(url)}: {exc}") from None
        except _LOST as exc:
            raise StoreUnavailable(f"cannot reach the database {redact_url(url)}: "
                                   f"{exc.__class__.__name__}: {exc}") from None
        store = cls(pool, url, writer)
        try:
            if migrate:
                await store._migrate()
        except BaseException:
            await store.close()
            raise
        store._start_refresh()
        return store

    async def close(self) -> None:
        """Close both pools (after a recent-rows index being built is finished)."""
        if self._refresh is not None:
            with contextlib.suppress(Exception):
                await self._refresh
        await self._pool.close()
        if self._wpool is not self._pool:
            await self._wpool.close()

    # ---- indexes over the newest rows -------------------------------------------------------------------------

    async def refresh_recent_indexes(self) -> list[str]:
        """Rebuild each search column's GIN index over its newest rows when new rows outgrew it; return new names.

        A GIN scan reads the whole posting list of every term, however few of its rows are new: 38 ms for a word
        in 68,000 of a million quotes, before the newest-N window (``_newest_matches``) can cut anything. A
        partial index over the rows past a boundary holds only the newest rows' postings, and the window's
        ``id > top - window`` lets the planner use it (plans are custom, so the bound is a constant there):
        3-5x faster window queries at 100k articles. It covers ``_RECENT_COVER`` windows, so a window widened
        once still uses it. New rows join it as they are written; after ``_RECENT_SPAN`` windows more a smaller
        one replaces it. Tables under two covers get none.
        """
        built: list[str] = []
        async with self._acquire(write=True) as con:
            if not await con.fetchval("SELECT pg_try_advisory_lock($1)", _RECENT_LOCK):
                return built  # another process is at it
            try:
                for table, window in _RECENT_WINDOWS.items():
                    top = int(await con.fetchval(f"SELECT COALESCE(MAX(id), 0) FROM {table}"))  # noqa: S608
                    for column in _RECENT_COLUMNS.get(table, ("tsv",)):
                        built += await self._refresh_recent(con, table, column, window, top)
            finally:
                await con.execute("SELECT pg_advisory_unlock($1)", _RECENT_LOCK)
        return built

    async def _refresh_recent(self, con: asyncpg.Connection, table: str, column: str, window: int,
                              top: int) -> list[str]:
        """Rebuild one column's recent-rows index when new rows have outgrown it; return the new name."""
        prefix = f"{table}_{column}_recent_"
        rows = await con.fetch(
            "SELECT c.relname, x.indisvalid FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid "
            "JOIN pg_class t ON t.oid = x.indrelid WHERE t.relname = $1 AND c.relname LIKE $2",
            table, prefix.replace("_", "\\_") + "%")
        valid = sorted(int(r["relname"].rsplit("_", 1)[1]) for r in rows if r["indisvalid"])
        stale = [r["relname"] for r in rows if not r["indisvalid"]]  # a build that was cut short
        cover = _RECENT_COVER * window
        built = []
        if top >= 2 * cover and not (valid and top - valid[-1] <= cover + _RECENT_SPAN * window):
            bound = top - cover
            name = f"{prefix}{bound}"
            await con.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} "
                              f"USING gin ({column}) WHERE id > {bound}")
            built.append(name)
            stale += [f"{prefix}{b}" for b in valid]
        for old in stale:
            await con.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {old}")
        return built

    def _start_refresh(self) -> None:
        # In the background: a build takes seconds of server time, and ingest or start-up need not wait for it.
        if self._refresh is None or self._refresh.done():
            self._refresh = asyncio.get_running_loop().create_task(self._refresh_quietly())

    async def _refresh_quietly(self) -> list[str]:
        try:
            built = await self.refresh_recent_indexes()
        except (asyncpg.PostgresError, StoreUnavailable, OSError) as exc:
            log.warning("could not rebuild the recent-rows search indexes: %s", exc)
            return []
        if built:
            log.info("built recent-rows search indexes: %s", ", ".join(built))
            self._bounds_read = -_BOUNDS_TTL_S
        return built

    async def _cover(self, table: str, top: int) -> int | None:
        """Return how many of ``table``'s newest rows its recent-rows index covers (None: it has none)."""
        # Read again after a minute, so another process's rebuild is seen; a stale bound only makes a query
        # slower (its window then falls outside the index), never its answer different.
        if time.monotonic() - self._bounds_read > _BOUNDS_TTL_S:
            rows = await self._read(lambda con: con.fetch(
                "SELECT c.relname FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid "
                "WHERE x.indisvalid AND c.relname LIKE '%\\_tsv\\_recent\\_%'"))
            bounds: dict[str, int] = {}
            for r in rows:
                name, digits = str(r[0]).rsplit("_tsv_recent_", 1)
                if digits.isdigit():
                    bounds[name] = max(bounds.get(name, 0), int(digits))
            self._bounds, self._bounds_read = bounds, time.monotonic()
        bound = self._bounds.get(table)
        return top - bound if bound is not None and bound < top else None

    # ---- plumbing -------------------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _acquire(self, *, write: bool = False) -> AsyncIterator[asyncpg.Connection]:
        try:
            async with (self._wpool if write else self._pool).acquire() as con:
                yield con
        except _LOST as exc:
            raise StoreUnavailable(f"{LOST_MESSAGE} ({exc.__class__.__name__})") from exc

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        """Run a block in one transaction on one connection of the write pool, rolled back on any error."""
        async with self._acquire(write=True) as con, con.transaction():
            yield con

    async def _read(self, fn: Any) -> Any:
        # Reads are idempotent: one retry on a fresh connection hides a connection the server dropped.
        self._reads_in_flight += 1
        try:
            for attempt in (0, 1):
                try:
                    async with self._acquire() as con:
                        return await fn(con)
                except StoreUnavailable:
                    if attempt:
                        raise
        finally:
            self._reads_in_flight -= 1
        raise AssertionError("unreachable")

    async def _all(self, sql: str, *params: Any) -> list[asyncpg.Record]:
        return await self._read(lambda con: con.fetch(_sql(sql), *params))  # type: ignore[no-any-return]

    async def _one(self, sql: str, *params: Any) -> asyncpg.Record | None:
        return await self._read(lambda con: con.fetchrow(_sql(sql), *params))  # type: ignore[no-any-return]

    _rows = _all
    _row = _one

    async def _exec(self, sql: str, *params: Any) -> str:
        async with self.transaction() as con:
            return await con.execute(_sql(sql), *params)  # type: ignore[no-any-return]

    async def _opt_exec(self, sql: str, *args: Any) -> int:
        """Run one write statement for the options mixin; return how many rows it changed."""
        status = await self._exec(sql, *args)
        # asyncpg answers with the command tag: "INSERT 0 1", "UPDATE 2", "DELETE 0".
        tail = status.rsplit(" ", 1)[-1]
        return int(tail) if tail.isdigit() else 0

    async def _opt_all(self, sql: str, *args: Any) -> list[Any]:
        """Run one query for the options mixin."""
        return await self._all(sql, *args)

    async def _opt_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one write statement for each row of arguments, in one transaction."""
        async with self.transaction() as con:
            await con.executemany(_sql(sql), rows)

    async def schema_version(self) -> int:
        """Return the number of the last migration applied."""
        row = await self._one("SELECT COALESCE(MAX(version), 0) FROM schema_version")
        return int(row[0]) if row else 0

    async def _migrate(self) -> None:
        folder = resources.files("digests.store") / "migrations_pg"
        scripts = sorted((p.name, p) for p in folder.iterdir() if p.name.endswith(".sql"))
        known = max((int(name.split("_", 1)[0]) for name, _ in scripts), default=0)
        async with self._acquire(write=True) as con, con.transaction():
            await con.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_MIGRATE)
            await con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                              "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            current = int(await con.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version"))
            if current > known:
                raise SchemaTooNew(f"the database {self.path} has schema version {current}, newer than this "
                                   f"newsbot knows ({known}); upgrade newsbot instead of opening it with an older one")
            for name, script in scripts:
                number = int(name.split("_", 1)[0])
                if number <= current:
                    continue
                await con.execute(script.read_text(encoding="utf-8"))
                await con.execute("INSERT INTO schema_version(version) VALUES ($1)", number)

    async def integrity_check(self) -> str:
        """Return "ok" when every article's search vector and every foreign key is in place."""
        row = await self._one("SELECT (SELECT COUNT(*) FROM articles WHERE tsv IS NULL) + (SELECT COUNT(*) FROM "
                              "quotes q LEFT JOIN articles a ON a.id = q.article_id WHERE a.id IS NULL)")
        return "ok" if row and int(row[0]) == 0 else "damaged"

    async def table_counts(self) -> dict[str, int]:
        """Return the number of rows in every table, by name."""
        return {t: int((await self._one(f"SELECT COUNT(*) FROM {t}"))[0]) for t in TABLES}  # type: ignore[index]

    async def copy_columns(self, table: str) -> list[str]:
        """Return the columns of ``table`` a copy carries (not the generated tsvector columns)."""
        rows = await self._all("SELECT column_name FROM information_schema.columns WHERE table_schema = "
                               "current_schema() AND table_name = ? AND is_generated = 'NEVER' "
                               "ORDER BY ordinal_position", table)
        return [r[0] for r in rows]

    async def iter_rows(self, table: str, columns: Sequence[str], batch: int,
                        ) -> AsyncIterator[list[tuple[Any, ...]]]:
        """Yield every row of ``table`` (those columns) in batches, read through one server-side cursor."""
        cols = ", ".join(f'"{c}"' for c in columns)
        async with self._acquire() as con, con.transaction():
            cur = await con.cursor(f"SELECT {cols} FROM {table}")
            while rows := await cur.fetch(batch):
                yield [tuple(r) for r in rows]

    async def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Insert copied rows with COPY, converting SQLite's text timestamps and dates."""
        types = {r[0]: r[1] for r in await self._all(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = ?", table)}

        def conv(col: str, v: Any) -> Any:
            kind = types.get(col, "")
            if isinstance(v, str) and kind.startswith("timestamp"):
                return to_dt(v)
            if isinstance(v, str) and kind == "date":
                return to_date(v)
            return v

        records = [tuple(conv(c, v) for c, v in zip(columns, r, strict=True)) for r in rows]
        async with self.transaction() as con:
            await con.copy_records_to_table(table, records=records, columns=list(columns))

    async def after_copy(self) -> None:
        """Move every identity counter past the copied ids."""
        async with self.transaction() as con:
            for table in TABLES:
                if "id" in await self.copy_columns(table):
                    await con.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                      f"GREATEST((SELECT MAX(id) FROM {table}), 1))")
            await con.execute("ANALYZE")

    async def _count_quotes(self) -> int:
        row = await self._one("SELECT COUNT(*) FROM quotes")
        return int(row[0]) if row else 0

    async def _quote_at(self, offset: int) -> tuple[str, str] | None:
        row = await self._one("SELECT w.workspace, q.quote FROM quotes q JOIN workspace_articles w ON "
                              "w.article_id = q.article_id ORDER BY q.id, w.workspace LIMIT 1 OFFSET ?", offset)
        return (row[0], row[1]) if row else None

    # ---- articles -------------------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _story_session(self) -> AsyncIterator[_PgStorySession]:
        """Run a story transaction holding the story advisory lock (released at commit or rollback)."""
        async with self.transaction() as con:
            await con.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_STORIES)
            yield _PgStorySession(con)

    async def _group_archive_chunk(self, article_ids: Sequence[int], now: datetime) -> int:
        """Group some archived articles' ungrouped quotes in one transaction (``_pg_quote_groups``)."""
        from digests.store._pg_quote_groups import NewQuote, assign_groups
        from digests.store._quote_groups import day_of_date, scope_of

        ids = list(article_ids)
        async with self._write, self.transaction() as con:
            arts = {int(r[0]): r for r in await con.fetch(
                "SELECT a.id, a.text, a.url, a.source_id, a.published, (SELECT w.workspace FROM workspace_articles w "
                "WHERE w.article_id = a.id ORDER BY w.added_at, w.workspace LIMIT 1) FROM articles a "
                "WHERE a.id = ANY($1::bigint[])", ids)}
            rows = await con.fetch("SELECT id, article_id, quote FROM quotes WHERE article_id = ANY($1::bigint[]) "
                                   "AND group_id IS NULL ORDER BY article_id, id", ids)
            new = []
            for qid, aid, text in rows:
                a = arts.get(int(aid))
                if a is not None:
                    new.append(NewQuote(int(qid), int(aid), str(text), scope_of(a[2], a[3], str(a[5] or "")),
                                        day_of_date(a[4]), str(a[1] or "")))
            await assign_groups(con, new, now)
        return len({q.article_id for q in new})

    async def add_articles(self, items: Sequence[BatchItem]) -> list[AddResult]:
        """Store many articles, ``write_chunk`` per transaction (each rolled back whole on any error)."""
        for item in items:
            if item.article.published is not None and item.article.published.tzinfo is None:
                raise ValueError("naive datetime given to the store")
        out: list[AddResult] = []
        for i in range(0, len(items), self.write_chunk):
            chunk = items[i:i + self.write_chunk]
            async with self._write:
                t0 = time.perf_counter()
                done = await self._add_chunk(chunk)
                spent = time.perf_counter() - t0
            out += done
            t0 = time.perf_counter()
            await self.assign_stories(*added_with_features(chunk, done))
            spent += time.perf_counter() - t0
            await self._yield_to_commands(spent)
        self._written_since_refresh += len(items)
        if self._written_since_refresh >= _RECENT_CHECK_EVERY:
            self._written_since_refresh = 0
            self._start_refresh()
        return out

    async def _add_chunk(self, items: Sequence[BatchItem]) -> list[AddResult]:
        for attempt in range(_WRITE_RETRIES):
            try:
                async with self.transaction() as con:
                    return await add_chunk(con, items)
            except _CONTENDED:
                # Another process stored the same article or speaker first, or locked rows in the other
                # order: the chunk was rolled back whole; run it again (it now finds their rows).
                if attempt == _WRITE_RETRIES - 1:
                    raise
                await asyncio.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    async def find_duplicates(self, arts: Sequence[NewArticle], *, near: bool = True) -> list[AddResult | None]:
        """Return, for each article, the stored article it duplicates or None."""
        if not arts:
            return []
        preps = [prepare(a) if near else None for a in arts]
        keys = [list(p.keys) if p else article_keys(a) for a, p in zip(arts, preps, strict=True)]
        # No workspace: a private upload's exact duplicate can only be the public article of its text.
        hashes = [exact_hashes(p.content_hash if p else content_hash(a.title, a.text), a, None)
                  for a, p in zip(arts, preps, strict=True)]
        cands = [(i, None, p.bands) for i, p in enumerate(preps) if p]
        found = await self._read(lambda con: find_stored(con, (k for ks in keys for k in ks),
                                                         (h for hs in hashes for h in hs), cands))
        return [match_stored(found, ks, hs) or (nearest(p.sig, found.near.get(i, [])) if p else None)
                for i, (ks, hs, p) in enumerate(zip(keys, hashes, preps, strict=True))]

    async def find_duplicate(self, art: NewArticle, workspace: str | None = None, *,
                             prepared: Prepared | None = None) -> AddResult | None:
        """Return the stored article that ``art`` duplicates (same URL, GUID, body or near-same body)."""
        prep = prepared if prepared is not None else await asyncio.to_thread(prepare, art)  # MinHash off the loop
        tries = exact_hashes(prep.content_hash, art, workspace)
        found = await self._read(lambda con: find_stored(con, prep.keys, tries,
                                                         [(0, near_workspace(art, workspace), prep.bands)]))
        return match_stored(found, prep.keys, tries) or nearest(prep.sig, found.near.get(0, []))

    async def grant(self, article_id: int, workspace: str, via: str, now: datetime | None = None) -> bool:
        """Let ``workspace`` see an article; return False when it already could."""
        async with self._write, self.transaction() as con:
            return bool(await grant_many(con, [(workspace, article_id, via, now or now_utc())]))

    async def find_articles(self, workspace: str, title: str, limit: int = 10) -> list[ArticleRow]:
        """Return articles whose title matches ``title`` (id, exact, prefix or words), best first."""
        digits = title.strip().lstrip("#")
        if digits.isdigit() and len(digits) <= 18:
            art = await self.article(workspace, int(digits))
            if art:
                return [ArticleRow(art.id, art.title, art.url, art.published, art.summary)]
        terms = query_terms(title, prefix_last=True)
        if not terms:
            rows = await self._all(
                "SELECT a.id, a.title, a.url, a.published, a.summary FROM workspace_articles w "
                "JOIN articles a ON a.id = w.article_id WHERE w.workspace = ? ORDER BY w.added_at DESC LIMIT ?",
                workspace, limit)
        else:
            # Rank only the workspace's newest SEARCH_SCAN title matches, as /search does (a prefix matches
            # tens of thousands of titles at 100k articles).
            rows = await self._newest_in(
                "articles", "WITH x AS (SELECT websearch_to_tsquery('simple', ?) && to_tsquery('simple', ?) AS q), "
                "h AS (SELECT f.id FROM articles f CROSS JOIN x JOIN workspace_articles w ON w.article_id = f.id "
                "AND w.workspace = ? WHERE f.title_tsv @@ x.q AND (?::bool OR f.id > ?) ORDER BY f.id DESC LIMIT ?) "
                "SELECT a.id, a.title, a.url, a.published, a.summary, (SELECT COUNT(*) FROM h) AS hits FROM h "
                "JOIN articles a ON a.id = h.id CROSS JOIN x ORDER BY ts_rank(a.title_tsv, x.q) DESC, a.id DESC "
                "LIMIT ?",
                (_websearch(terms[:-1]), _prefix_lexeme(terms[-1]), workspace), (SEARCH_SCAN, limit),
                _ARTICLES_WINDOW, SEARCH_SCAN)
        return [article_row(r) for r in rows]

    async def search(self, workspace: str, text: str, *, limit: int = 10, offset: int = 0,
                     newest: bool = False, snippets: bool = True) -> list[ArticleRow]:
        """Return articles matching ``text`` by full text, best (or newest) first (``snippets=False``: none made)."""
        terms = query_terms(text)
        if not terms:
            return []
        order = "a.published DESC NULLS LAST" if newest else "ts_rank(a.tsv, x.q) DESC, a.id DESC"
        # Rank only the workspace's newest SEARCH_SCAN matches, as SQLite does; rank after that cut, and make
        # snippets only for the page shown (ranking every match cost 45 ms p50 at 10k articles).
        rows = await self._newest_in(
            "articles", "WITH x AS (SELECT websearch_to_tsquery('simple', ?) AS q), "
            "h AS (SELECT f.id FROM articles f CROSS JOIN x JOIN workspace_articles w ON w.article_id = f.id "
            "AND w.workspace = ? WHERE f.tsv @@ x.q AND (?::bool OR f.id > ?) ORDER BY f.id DESC LIMIT ?), "
            "page AS (SELECT a.id, a.title, a.url, a.published, a.summary, row_number() OVER (ORDER BY "
            f"{order}) AS n FROM h JOIN articles a ON a.id = h.id CROSS JOIN x ORDER BY n LIMIT ? OFFSET ?) "
            "SELECT p.*, left(a.text, ?) AS text, (SELECT COUNT(*) FROM h) AS hits "
            "FROM page p JOIN articles a ON a.id = p.id ORDER BY p.n",
            (_websearch(terms), workspace), (SEARCH_SCAN, limit, offset, SNIPPET_SCAN if snippets else 0),
            _ARTICLES_WINDOW, SEARCH_SCAN)
        return [article_row(r, snippet(r["text"], terms) if snippets else "") for r in rows]

    # ---- quotes and speakers --------------------------------------------------------------------------------

    async def quotes_for_articles(self, workspace: str, article_ids: Iterable[int]) -> list[QuoteRow]:
        """Return the quotes of some articles visible to ``workspace``, in text order."""
        ids = list(article_ids)
        if not ids:
            return []
        rows = await self._all(
            f"SELECT {_QUOTE_COLS} FROM quotes q JOIN articles a ON a.id = q.article_id "
            "JOIN workspace_articles w ON w.article_id = a.id AND w.workspace = ? "
            "LEFT JOIN speakers s ON s.id = q.speaker_id WHERE q.article_id = ANY(?::bigint[]) "
            "ORDER BY q.article_id, q.start", workspace, ids)
        return [quote_row(r) for r in rows]

    async def who_said(self, workspace: str, phrase: str, *, limit: int = 10, offset: int = 0) -> list[QuoteRow]:
        """Return quotes containing the words of ``phrase``, best match first."""
        terms = query_terms(phrase)
        if not terms:
            return []
        rows = await self._newest_in(
            "quotes", "WITH x AS (SELECT websearch_to_tsquery('simple', ?) AS q), "
            "h AS (SELECT f.id AS qid FROM quotes f CROSS JOIN x JOIN workspace_articles w "
            "ON w.article_id = f.article_id AND w.workspace = ? WHERE f.tsv @@ x.q "
            "AND (?::bool OR f.id > ?) ORDER BY f.id DESC LIMIT ?) "
            f"SELECT {_QUOTE_COLS}, (SELECT COUNT(*) FROM h) AS hits "
            "FROM h JOIN quotes q ON q.id = h.qid "
            "JOIN articles a ON a.id = q.article_id LEFT JOIN speakers s ON s.id = q.speaker_id "
            "ORDER BY strpos(lower(q.quote), ?) = 0, a.published DESC NULLS LAST, q.id DESC LIMIT ? OFFSET ?",
            (_websearch(terms), workspace), (WHO_SAID_SCAN, phrase_key(phrase), limit, offset), _QUOTES_WINDOW,
            WHO_SAID_SCAN)
        return [quote_row(r) for r in rows]

    async def _newest_in(self, table: str, sql: str, head: Sequence[Any], tail: Sequence[Any], window: int,
                         scan: int) -> list[asyncpg.Record]:
        """Run a query with one newest-N scan of ``table``; its parameters are ``head``, the window, ``tail``."""
        top = await self._top(table)
        return await self._newest_matches(sql, lambda w: (*head, w is None, top - (w or 0), *tail), top, window,
                                          scan, await self._cover(table, top))

    async def _top(self, table: str) -> int:
        """Return the highest id in ``table`` (0 when empty)."""
        row = await self._one(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        return int(row[0]) if row else 0

    async def _newest_matches(self, sql: str, params: Callable[[int | None], Sequence[Any]], top: int, window: int,
                              scan: int, cover: int | None = None) -> list[asyncpg.Record]:
        """Run a query that keeps the newest ``scan`` matches, first among the newest ``window`` rows only.

        A GIN index returns matches in no order, so keeping the newest N read every match from the table first
        (101,356 quotes for a phrase with "will" at 100k articles: 1.5 s). Among the newest rows the index
        bitmap is ANDed with an id range. When the window holds ``scan`` matches (the query's ``hits``), the
        newest ``scan`` of all are those: the answer is the same. Otherwise the query runs again, wider.
        """
        bounded = _window(window, top)
        while bounded is not None:
            rows = await self._all(sql, *params(bounded))
            hits = int(rows[0]["hits"]) if rows else 0
            if hits >= scan:
                return rows
            bounded = _widen(bounded, hits, scan, top, cover)
        return await self._all(sql, *params(None))

    async def match_stories(self, workspace: str, text: str, limit: int = 25) -> list[StoryRow]:
        """Return stories ``workspace`` can see whose headline matches ``text`` (last word a prefix), newest first."""
        seen = ("EXISTS (SELECT 1 FROM article_stories m JOIN workspace_articles w ON w.article_id = m.article_id "
                "AND w.workspace = ? WHERE m.story_id = s.id)")
        terms = query_terms(text.replace("\x00", ""), prefix_last=True)
        if not terms:
            rows = await self._all(f"SELECT {_STORY_COLS} FROM stories s WHERE s.merged_into IS NULL AND {seen} "
                                   "ORDER BY s.last_at DESC NULLS LAST, s.id DESC LIMIT ?", workspace, limit)
        else:
            rows = await self._all(
                f"SELECT {_STORY_COLS} FROM (SELECT f.id FROM stories f WHERE f.headline_tsv @@ "
                "(websearch_to_tsquery('simple', ?) && to_tsquery('simple', ?)) AND f.merged_into IS NULL "
                f"ORDER BY f.id DESC LIMIT ?) h JOIN stories s ON s.id = h.id WHERE {seen} "
                "ORDER BY s.last_at DESC NULLS LAST, s.id DESC LIMIT ?",
                _websearch(terms[:-1]), _prefix_lexeme(terms[-1].lower()), SEARCH_SCAN, workspace, limit)
        return await self._matched_stories(workspace, text, [story_row(r) for r in rows], limit)

    async def match_speakers(self, workspace: str, text: str, limit: int = 25) -> list[tuple[int, str, int]]:
        """Return (id, name, quote count) of the workspace's speakers matching ``text``, most quoted first."""
        text = text.strip().replace("\x00", "")
        if not text:
            rows = await self._all(
                "SELECT speaker_id, name, quote_count FROM workspace_speakers WHERE workspace = ? "
                "ORDER BY quote_count DESC, name LIMIT ?", workspace, limit)
        else:
            key = speaker_key(text)
            rows = await self._all(
                "SELECT w.speaker_id, w.name, w.quote_count FROM workspace_speakers w "
                "JOIN speakers s ON s.id = w.speaker_id WHERE w.workspace = ? AND "
                "(lower(w.name) LIKE ? OR s.last_key LIKE ? OR s.key = ?) "
                "ORDER BY (s.key = ?) DESC, w.quote_count DESC, w.name LIMIT ?",
                workspace, _like(text.lower()) + "%", _like(key) + "%", key, key, limit)
            if not rows:
                rows = await self._all(
                    "SELECT speaker_id, name, quote_count FROM workspace_speakers WHERE workspace = ? "
                    "AND lower(name) LIKE ? ORDER BY quote_count DESC LIMIT ?",
                    workspace, "%" + _like(text.lower()) + "%", limit)
        return [(int(r[0]), str(r[1]), int(r[2])) for r in rows]

    async def speaker_roles(self, speaker_id: int, workspace: str) -> list[str]:
        """Return the roles a speaker was given in articles ``workspace`` can see, newest first."""
        rows = await self._all(
            "SELECT r.role, MAX(r.seen) AS seen FROM speaker_roles r JOIN workspace_articles w "
            "ON w.article_id = r.article_id AND w.workspace = ? WHERE r.speaker_id = ? GROUP BY r.role "
            "ORDER BY seen DESC NULLS LAST", workspace, speaker_id)
        return [r["role"] for r in rows]

    async def quotes_by(self, workspace: str, speaker_id: int, *, topic: str | None = None,
                        since: datetime | None = None, limit: int = 10, offset: int = 0) -> list[QuoteRow]:
        """Return a speaker's quotes visible to ``workspace``, newest first, optionally about ``topic``."""
        params: list[Any] = [workspace, speaker_id]
        where = ""
        if since:
            where += " AND COALESCE(a.published, w.added_at) >= ?"
            params.append(since)
        topic = content_topic(topic)
        terms = query_terms(topic) if topic else []
        if terms:
            where += (" AND (q.tsv @@ websearch_to_tsquery('simple', ?) OR "
                      "a.tsv @@ websearch_to_tsquery('simple', ?))")
            params += [_websearch(terms), _websearch(terms)]
        params += [limit, offset]
        rows = await self._all(
            f"SELECT {_QUOTE_COLS} FROM quotes q JOIN workspace_articles w ON w.article_id = q.article_id "
            f"AND w.workspace = ? JOIN articles a ON a.id = q.article_id JOIN speakers s ON s.id = q.speaker_id "
            f"WHERE q.speaker_id = ? {where} ORDER BY COALESCE(a.published, w.added_at) DESC, q.start "
            f"LIMIT ? OFFSET ?", *params)
        return [quote_row(r) for r in rows]

    # ---- events ---------------------------------------------------------------------------------------------

    async def timeline(self, workspace: str, topic: str, *, since: date | None = None, until: date | None = None,
                       limit: int = 200) -> list[EventRow]:
        """Return dated events whose sentence or article matches ``topic``, in date order."""
        terms = query_terms(topic)
        if not terms:
            return []
        # The article side ranks only the newest SEARCH_SCAN matching articles (ranking every match of a common
        # word read every one of their search vectors).
        where, dates = "", []
        if since:
            where += " AND e.date_end >= ?"
            dates.append(since)
        if until:
            where += " AND e.date_start <= ?"
            dates.append(until)

        row = await self._one("SELECT (SELECT COALESCE(MAX(id), 0) FROM events), "
                              "(SELECT COALESCE(MAX(id), 0) FROM articles)")
        top_e, top_a = (int(row[0]), int(row[1])) if row else (0, 0)
        sql = ("WITH x AS (SELECT websearch_to_tsquery('simple', ?) AS q), "
               "m AS (SELECT v.id FROM events v CROSS JOIN x WHERE v.tsv @@ x.q "
               "AND (?::bool OR v.id > ?) ORDER BY v.id DESC LIMIT ?), "
               "n AS (SELECT f.id, f.tsv FROM articles f CROSS JOIN x WHERE f.tsv @@ x.q "
               "AND (?::bool OR f.id > ?) ORDER BY f.id DESC LIMIT ?) "
               "SELECT e.*, a.title, a.url, a.published, (SELECT COUNT(*) FROM m) AS m_hits, "
               "(SELECT COUNT(*) FROM n) AS n_hits FROM ("
               "SELECT id FROM m UNION SELECT v.id FROM events v WHERE v.article_id IN (SELECT n.id FROM n CROSS JOIN x "
               "ORDER BY ts_rank(n.tsv, x.q) DESC LIMIT 200)) h "
               "JOIN events e ON e.id = h.id "
               "JOIN workspace_articles w ON w.article_id = e.article_id AND w.workspace = ? "
               "JOIN articles a ON a.id = e.article_id WHERE 1=1"
               f"{where} ORDER BY e.date_start, e.date_end - e.date_start, e.article_id, e.id LIMIT ?")
        # Each side keeps its own newest-N window (None: the whole table), widened only while it has not filled:
        # a topic whose words never meet in one event sentence must not send the article side over every match
        # too (17k articles read for a two-word topic at 100k, against 300 in its window).
        we = _window(_EVENTS_WINDOW, top_e)
        wa = _window(_ARTICLES_WINDOW, top_a)
        cover_e, cover_a = await self._cover("events", top_e), await self._cover("articles", top_a)
        while True:
            rows = await self._all(sql, _websearch(terms), we is None, top_e - (we or 0), TIMELINE_SCAN, wa is None,
                                   top_a - (wa or 0), SEARCH_SCAN, workspace, *dates, limit)
            m_hits = int(rows[0]["m_hits"]) if rows else 0
            n_hits = int(rows[0]["n_hits"]) if rows else 0
            if (we is None or m_hits >= TIMELINE_SCAN) and (wa is None or n_hits >= SEARCH_SCAN):
                break
            if we is not None and m_hits < TIMELINE_SCAN:
                we = _widen(we, m_hits, TIMELINE_SCAN, top_e, cover_e)
            if wa is not None and n_hits < SEARCH_SCAN:
                wa = _widen(wa, n_hits, SEARCH_SCAN, top_a, cover_a)
        return [event_row(r) for r in rows]

    async def events_for_article(self, workspace: str, article_id: int) -> list[EventRow]:
        """Return the dated events of one article visible to ``workspace``, in date order."""
        rows = await self._all(
            "SELECT e.*, a.title, a.url, a.published FROM events e JOIN articles a ON a.id = e.article_id "
            "JOIN workspace_articles w ON w.article_id = a.id AND w.workspace = ? WHERE e.article_id = ? "
            "ORDER BY e.date_start, e.date_end, e.id", workspace, article_id)
        return [event_row(r) for r in rows]

    # ---- sources and subscriptions ------------------------------------------------------------------------------

    async def source(self, kind: str, url: str, title: str | None = None) -> SourceRow:
        """Return the source for ``url``, creating it if new."""
        await self._exec("INSERT INTO sources(kind, url, title, created_at) VALUES (?,?,?,?) "
                         "ON CONFLICT (url) DO NOTHING", kind, url, title, now_utc())
        row = await self._one("SELECT * FROM sources WHERE url = ?", url)
        assert row is not None
        return source_row(row)

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
        for v in fields.values():
            if isinstance(v, datetime) and v.tzinfo is None:
                raise ValueError("naive datetime given to the store")
        cols = ", ".join(f"{k} = ?" for k in fields)
        await self._exec(f"UPDATE sources SET {cols} WHERE id = ?", *fields.values(), source_id)

    async def subscribe(self, workspace: str, channel: str, source_id: int) -> tuple[SubscriptionRow, bool]:
        """Subscribe a channel to a source; return the subscription and whether it is new."""
        status = await self._exec(
            "INSERT INTO subscriptions(workspace, channel, source_id, created_at) VALUES (?,?,?,?) "
            "ON CONFLICT DO NOTHING", workspace, channel, source_id, now_utc())
        subs = [s for s in await self.subscriptions(workspace, channel) if s.source.id == source_id]
        return subs[0], status.endswith(" 1")

    async def unsubscribe(self, workspace: str, channel: str, url: str) -> bool:
        """Remove a channel's subscription to the source at ``url``; False when there was none."""
        status = await self._exec(
            "DELETE FROM subscriptions WHERE workspace = ? AND channel = ? AND source_id IN "
            "(SELECT id FROM sources WHERE url = ?)", workspace, channel, url)
        return not status.endswith(" 0")

    async def set_paused(self, workspace: str, channel: str, url: str, paused: bool) -> bool:
        """Pause or resume a channel's subscription; False when there was none."""
        status = await self._exec(
            "UPDATE subscriptions SET paused = ? WHERE workspace = ? AND channel = ? AND source_id IN "
            "(SELECT id FROM sources WHERE url = ?)", 1 if paused else 0, workspace, channel, url)
        return not status.endswith(" 0")

    async def active_sources(self) -> list[SourceRow]:
        """Return feeds that at least one unpaused subscription follows."""
        rows = await self._all(
            "SELECT s.* FROM sources s WHERE s.kind = 'feed' AND EXISTS (SELECT 1 FROM subscriptions b "
            "WHERE b.source_id = s.id AND b.paused = 0) ORDER BY s.id")
        return [source_row(r) for r in rows]

    async def claim_due_feeds(self, owner: str, now: datetime, lease_s: float, limit: int = 50) -> list[SourceRow]:
        """Lease active feeds that are due and not leased by a live process to ``owner``; return them."""
        # SKIP LOCKED: a process never waits on, nor takes, a row another process is leasing right now.
        async with self.transaction() as con:
            rows = await con.fetch(
                "UPDATE sources SET lease_owner = $1, lease_until = $2 WHERE id IN (SELECT s.id FROM sources s "
                "WHERE s.kind = 'feed' AND (s.next_fetch IS NULL OR s.next_fetch <= $3) "
                "AND (s.lease_until IS NULL OR s.lease_until <= $3) AND EXISTS (SELECT 1 FROM subscriptions b "
                "WHERE b.source_id = s.id AND b.paused = 0) ORDER BY s.next_fetch NULLS FIRST, s.id "
                "LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING *",
                owner, now + timedelta(seconds=lease_s), now, limit)
        return sorted((source_row(r) for r in rows), key=lambda s: s.id)

    async def release_feed(self, source_id: int, owner: str) -> None:
        """End ``owner``'s lease on a feed."""
        await self._exec("UPDATE sources SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND "
                         "lease_owner = ?", source_id, owner)

    # ---- schedules and the delivery ledger ----------------------------------------------------------------------

    async def add_schedule(self, workspace: str, channel: str, spec: str, cron: str, timezone: str,
                           notify_empty: bool = False) -> ScheduleRow:
        """Create (or return the identical existing) schedule for a channel."""
        await self._exec(
            "INSERT INTO schedules(workspace, channel, spec, cron, timezone, notify_empty, created_at) "
            "VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            workspace, channel, spec, cron, timezone, int(notify_empty), now_utc())
        row = await self._one(
            "SELECT * FROM schedules WHERE workspace = ? AND channel = ? AND cron = ? AND timezone = ?",
            workspace, channel, cron, timezone)
        assert row is not None
        return schedule_row(row)

    async def remove_schedule(self, workspace: str, schedule_id: int) -> bool:
        """Delete a workspace's schedule; False when it has no such schedule."""
        status = await self._exec("DELETE FROM schedules WHERE workspace = ? AND id = ?", workspace, schedule_id)
        return not status.endswith(" 0")

    async def claim_run(self, schedule_id: int, window_start: datetime, window_end: datetime, *,
                        late: bool = False) -> int | None:
        """Claim a schedule window before posting; None when it was already claimed (never post twice)."""
        async with self.transaction() as con:
            run_id = await con.fetchval(
                "INSERT INTO digest_runs(schedule_id, window_start, window_end, status, late, claimed_at) "
                "VALUES ($1,$2,$3,'claimed',$4,$5) ON CONFLICT (schedule_id, window_start) DO NOTHING RETURNING id",
                schedule_id, window_start, window_end, int(late), now_utc())
        return int(run_id) if run_id is not None else None

    async def finish_run(self, run_id: int, status: str, *, message_ids: str | None = None,
                         error: str | None = None) -> None:
        """Record how a claimed run ended (posted, empty or failed)."""
        await self._exec("UPDATE digest_runs SET status = ?, message_ids = ?, error = ?, finished_at = ? "
                         "WHERE id = ?", status, message_ids, error, now_utc(), run_id)

    async def save_page_state(self, command: str, args: str, *, workspace: str, channel: str, user: str,
                              is_admin: bool, created_at: datetime) -> int:
        """Remember the command behind a paged reply; return the id its page buttons carry."""
        async with self.transaction() as con:
            return int(await con.fetchval(
                "INSERT INTO page_states(command, args, workspace, channel, user_id, is_admin, created_at) "
                "VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id", command, args, workspace, channel, user,
                int(is_admin), created_at))


def _window(window: int, top: int) -> int | None:
    """Return ``window`` as a newest-N id bound, or None where the table is small enough to search whole."""
    # With an id bound on a small table the planner may walk the id index and test every row's vector (search at
    # 10k articles: 300 ms, against the GIN bitmap's few ms).
    return window if window * 4 < top else None


def _widen(window: int, hits: int, scan: int, top: int, cover: int | None = None) -> int | None:
    """Return the next window after one that held ``hits`` of the ``scan`` matches wanted (None: everything)."""
    # Widen by what the fill says is missing (twice over), at least 4x; no hit at all means a rare phrase, whose
    # every match is cheap to read: look at everything.
    if not hits:
        return None
    wider = _window(window * max(4, 2 * scan // hits), top)
    # Before the whole table, the rows the recent-rows index covers, where the fill says they hold enough:
    # a two-word phrase with 74 of 300 hits in the first window took 40 ms over every quote at 100k articles,
    # and the covered 385,000 rows are read from the small index.
    if wider is None and cover is not None and window < cover and hits * cover >= scan * window:
        return cover
    return wider


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
