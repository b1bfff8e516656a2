"""The store contract: one interface, two backends (SQLite by default, PostgreSQL for several processes).

``Store.open(url)`` picks the backend from ``NEWSBOT_DATABASE_URL``-style text: a plain path or ``sqlite:///path``
opens the SQLite file, ``postgresql://…`` a PostgreSQL database. Row converters and the query-text rules live
here so both backends answer alike.
"""

from __future__ import annotations

import abc
import asyncio
import bisect
import itertools
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from digests.models import Analysis, Article
from digests.store._delivery import DeliveryMixin
from digests.store._options import OptionsMixin
from digests.store._records import (
    AddResult,
    ArticleRow,
    EventRow,
    NewArticle,
    PageStateRow,
    QuoteGroupRow,
    QuoteRow,
    RunRow,
    ScheduleRow,
    SourceRow,
    StoryRow,
    StoryView,
    SubscriptionRow,
)

# Title matches among a workspace's articles whose stories story autocomplete offers besides headline matches.
OWN_STORY_TITLES = 50
# Quote groups read per statement (a page of results names far fewer), and instances read of each group.
QUOTE_GROUPS_PER_READ = 100
QUOTE_GROUP_INSTANCES = 50
# How many of the newest full-text matches a who-said ranks, a search ranks, and a timeline takes events from.
WHO_SAID_SCAN = 300
SEARCH_SCAN = 300
TIMELINE_SCAN = 1000
# Words so common that requiring them only costs time (their doclists span most of the store) and
# barely narrows a match; they are dropped when the query has other words.
STOPWORDS = frozenset("""a an and are as at be but by for from had has have he her his i in is it its of on or
our she that the their them they this to was we were will with you""".split())
_FTS_TOKEN = re.compile(r"[\w][\w'’\-]*", re.UNICODE)
# Tables in dependency order (parents first): copies and counts walk them in this order.
TABLES = ("sources", "articles", "article_bands", "article_keys", "workspace_articles", "subscriptions",
          "speakers", "speaker_aliases", "speaker_roles", "workspace_speakers", "quote_groups", "quotes", "quote_keys",
          "events", "schedules", "digest_runs", "page_states", "subscription_options", "alerts", "schedule_options",
          "live_posts", "stories", "article_stories", "story_state", "delivery_log", "live_sends", "live_held",
          "shown_stories")


class Row(Protocol):
    """A driver's row (sqlite3.Row, asyncpg.Record): items by name or position, and their names."""

    def __getitem__(self, key: Any, /) -> Any:
        """Return a column's value."""

    def keys(self) -> Any:
        """Return the column names."""


class StoreError(Exception):
    """A store problem worth a short, clear message to the user (bad URL, unreachable, too new)."""


class StoreUnavailable(StoreError):
    """The database could not be reached or the connection was lost; the next call reconnects."""


class SchemaTooNew(StoreError):
    """The database was migrated by a newer newsbot than this one."""


def now_utc() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def iso(dt: datetime | None) -> str | None:
    """Return the store's text form of an aware datetime (UTC, microseconds); refuse naive ones."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        raise ValueError("naive datetime given to the store")
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


def to_dt(value: str | datetime | None) -> datetime | None:
    """Return an aware datetime from the store's text form or a driver's datetime."""
    if not value:
        return None
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def to_date(value: str | date) -> date:
    """Return a date from the store's text form or a driver's date."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def query_terms(text: str, *, prefix_last: bool = False) -> list[str]:
    """Return the searchable words of free user text (stopwords dropped when others remain), at most 32."""
    terms = [t.replace('"', "") for t in _FTS_TOKEN.findall(text)]
    terms = [t for t in terms if t]
    content = [t for t in terms if t.lower() not in STOPWORDS]
    if content and not prefix_last:
        terms = content
    return terms[:32]


SNIPPET_SCAN = 200_000  # characters of an article looked through for a snippet
_SNIPPET_CANDIDATES = 500  # hits tried as the start of the snippet
_SNIPPET_WORD = re.compile(r"\w[\w'’\-]*", re.UNICODE)


def snippet(text: str, terms: Sequence[str], words: int = 16) -> str:
    """Return the ``words``-word stretch of ``text`` that holds the most query terms, each one **marked**."""
    # Made here, not by the database (FTS5's snippet(), PostgreSQL's ts_headline), so both backends show the
    # same words for the same article.
    names = sorted({w.lower() for t in terms for w in re.findall(r"\w+", t)}, key=len, reverse=True)
    if not names:
        return ""
    body = text[:SNIPPET_SCAN]
    hits = [(m.start(), m.end(), m.group().lower())
            for m in re.finditer(r"(?<!\w)(?:" + "|".join(map(re.escape, names)) + r")(?!\w)", body, re.I)]
    if not hits:
        return ""
    # The 16 words starting 3 before a hit: the first such stretch holding the most distinct terms is shown.
    starts = [h[0] for h in hits]
    best: tuple[int, int, list[re.Match[str]]] | None = None
    for anchor in starts[:_SNIPPET_CANDIDATES]:
        before = list(_SNIPPET_WORD.finditer(body, max(0, anchor - 60), anchor))[-3:]
        first = before[0].start() if before else anchor
        chosen = list(itertools.islice(_SNIPPET_WORD.finditer(body, first), words))
        inside = hits[bisect.bisect_left(starts, first):bisect.bisect_left(starts, chosen[-1].end())]
        score = len({h[2] for h in inside})
        if best is None or score > best[0]:
            best = (score, first, chosen)
    assert best is not None
    _, first, chosen = best
    end = chosen[-1].end()
    marked = {h[0]: h[1] for h in hits if first <= h[0] < end}
    out, at = [], first
    for m in chosen:
        out.append(body[at:m.start()])
        cut = marked.get(m.start())  # the term may be the head of a longer word ("harbour's")
        out.append(f"**{body[m.start():cut]}**{body[cut:m.end()]}" if cut else m.group())
        at = m.end()
    lead = "…" if _SNIPPET_WORD.search(body, 0, first) else ""
    tail = "…" if _SNIPPET_WORD.search(text, end) else ""
    return lead + " ".join("".join(out).split()) + tail


def phrase_key(text: str) -> str:
    """Return the form of a /who-said phrase that quotes are searched for verbatim (lower case, single spaces)."""
    return " ".join(text.split()).strip(" \"'“”‘’").lower()


def content_topic(topic: str | None) -> str | None:
    """Return ``topic`` if it has a word other than a stopword, else None (no topic filter)."""
    # "topic:the" keeps nearly every quote anyway, and testing it read every match of "the" in the store
    # (100-115 ms at 100k articles, against 2-3 ms for /quotes without a topic).
    if not topic:
        return None
    return topic if any(t.lower() not in STOPWORDS for t in query_terms(topic)) else None


def fts_query(text: str, *, prefix_last: bool = False) -> str | None:
    """Turn free user text into a safe FTS5 query (AND of quoted terms); None when nothing is searchable."""
    terms = query_terms(text, prefix_last=prefix_last)
    if not terms:
        return None
    parts = [f'"{t}"' for t in terms]
    if prefix_last:
        parts[-1] = parts[-1] + "*"
    return " ".join(parts)


def article_row(r: Row, snippet: str = "") -> ArticleRow:
    """Return an ArticleRow from a database row."""
    return ArticleRow(
        id=r["id"], title=r["title"], url=r["url"], published=to_dt(r["published"]), summary=r["summary"] or "",
        source=r["source"] if "source" in r.keys() else None, snippet=snippet,  # noqa: SIM118 - Row has no __contains__
    )


def source_row(r: Row, prefix: str = "") -> SourceRow:
    """Return a SourceRow from a database row (columns optionally prefixed)."""
    def g(k: str) -> Any:
        return r[prefix + k]

    return SourceRow(
        id=g("id"), kind=g("kind"), url=g("url"), title=g("title"), etag=g("etag"),
        last_modified=g("last_modified"), health=g("health"), last_error=g("last_error"), failures=g("failures"),
        last_fetch=to_dt(g("last_fetch")), last_success=to_dt(g("last_success")), next_fetch=to_dt(g("next_fetch")),
        interval_s=g("interval_s"), announced_health=g("announced_health"),
        last_failure=g("last_failure"), last_failure_at=to_dt(g("last_failure_at")),
    )


# The columns every quote query selects (aliases q: quotes, s: speakers, a: articles).
QUOTE_COLS = """q.id, q.quote, q.role, q.article_id, q.start, q."end", q.is_key, q.group_id, q.confidence,
    s.name AS speaker, a.title, a.url, a.published"""


def quote_row(r: Row) -> QuoteRow:
    """Return a QuoteRow from a database row."""
    return QuoteRow(
        id=r["id"], quote=r["quote"], speaker=r["speaker"], role=r["role"], article_id=r["article_id"],
        article_title=r["title"], url=r["url"], published=to_dt(r["published"]), start=r["start"], end=r["end"],
        is_key=bool(r["is_key"]), group_id=r["group_id"],
        confidence=None if r["confidence"] is None else float(r["confidence"]),
    )


def event_row(r: Row) -> EventRow:
    """Return an EventRow from a database row."""
    return EventRow(id=r["id"], date_start=to_date(r["date_start"]), date_end=to_date(r["date_end"]),
                    granularity=r["granularity"], expression=r["expression"], text=r["text"],
                    article_id=r["article_id"], article_title=r["title"], url=r["url"],
                    published=to_dt(r["published"]), start=r["start"], end=r["end"])


def run_row(r: Row) -> RunRow:
    """Return a RunRow from a database row."""
    return RunRow(
        id=r["id"], schedule_id=r["schedule_id"], window_start=to_dt(r["window_start"]) or now_utc(),
        window_end=to_dt(r["window_end"]) or now_utc(), status=r["status"], late=bool(r["late"]),
        claimed_at=to_dt(r["claimed_at"]) or now_utc(), finished_at=to_dt(r["finished_at"]),
        message_ids=r["message_ids"], error=r["error"],
    )


def schedule_row(r: Row) -> ScheduleRow:
    """Return a ScheduleRow from a database row."""
    return ScheduleRow(
        id=r["id"], workspace=r["workspace"], channel=r["channel"], spec=r["spec"], cron=r["cron"],
        timezone=r["timezone"], notify_empty=bool(r["notify_empty"]), created_at=to_dt(r["created_at"]) or now_utc(),
    )


def page_state_row(r: Row) -> PageStateRow:
    """Return a PageStateRow from a database row."""
    return PageStateRow(id=r["id"], command=r["command"], args=r["args"], workspace=r["workspace"],
                        channel=r["channel"], user=r["user_id"], is_admin=bool(r["is_admin"]),
                        created_at=to_dt(r["created_at"]) or now_utc())


def story_row(r: Row) -> StoryRow:
    """Return a StoryRow from a database row."""
    return StoryRow(id=int(r["id"]), headline=r["headline"] or "", first_at=to_dt(r["first_at"]),
                    last_at=to_dt(r["last_at"]), articles=int(r["articles"]), outlets=int(r["outlets"]),
                    merged_into=int(r["merged_into"]) if r["merged_into"] is not None else None)


_STORY_COLS = "s.id, s.headline, s.first_at, s.last_at, s.articles, s.outlets, s.merged_into"
# How many merge hops ``Store.story`` follows (merges repoint older records, so one is the rule).
_MERGE_HOPS = 8


def full_article(r: Row) -> Article:
    """Return an Article (with text) from a database row."""
    return Article(id=r["id"], title=r["title"], text=r["text"], url=r["url"], published=to_dt(r["published"]),
                   fetched=to_dt(r["fetched"]), author=r["author"],
                   source=r["source"] if "source" in r.keys() else None,  # noqa: SIM118
                   summary=r["summary"])


def sqlite_path(url: str | Path) -> str | None:
    """Return the file path a SQLite URL or plain path names; None for a PostgreSQL URL."""
    text = str(url).strip()
    if text.startswith(("postgresql://", "postgres://")):
        return None
    if text.startswith("sqlite:///"):
        return text[len("sqlite:///"):] or ":memory:"
    if text.startswith("sqlite://"):
        raise StoreError(f"bad database URL {_redact(text)!r}: write sqlite:///relative/path or sqlite:////abs/path")
    if "://" in text:
        raise StoreError(f"unsupported database URL {_redact(text)!r}: use sqlite:///path or postgresql://…")
    return text


def _redact(url: str) -> str:
    return re.sub(r"//([^:/@]*):[^@]*@", r"//\1:***@", url)


def redact_url(url: str | Path) -> str:
    """Return ``url`` with any password replaced by ***."""
    return _redact(str(url))


class Store(OptionsMixin, DeliveryMixin, abc.ABC):
    """The article store; open one with ``await Store.open(url_or_path)``."""

    #: "sqlite" or "postgresql".
    backend: str = ""
    #: Articles per write transaction in bulk ingest: the longest a command's write can wait behind ingest.
    write_chunk: int = 16
    #: While commands are in flight, bulk ingest holds the writer at most this many ms per second.
    write_budget_ms: int = 500
    # Reads running now, and command transactions waiting for the writer: ingest yields while either is > 0.
    _reads_in_flight: int = 0
    _writes_waiting: int = 0

    @classmethod
    async def open(cls, url: str | Path, *, readers: int | None = None, create: bool = True,
                   make_dirs: bool = True) -> Store:
        """Open the store a path or URL names (sqlite:///…, postgresql://…) and apply pending migrations.

        ``readers`` is the size of the read pool: SQLite read-only connections, each on its own thread (default 2),
        or the PostgreSQL pool's connections beside the writer's (default 4). A SQLite file that does not exist
        is created only with ``create``, and its missing folders only with ``make_dirs``.
        """
        path = sqlite_path(url)
        if path is None:
            from digests.store._pg import PgStore

            # The server does a PostgreSQL read's work, so a command waiting for a free connection waits on
            # nothing: at 100k articles, 20 command streams during ingest took p95 126-362 ms with 2 connections
            # and 71-180 ms with 4 (8 gave 62-164). SQLite's readers are this process's threads: 4 did not help.
            return await PgStore.connect(str(url), max_size=max(1, readers or 4))
        from digests.store._sqlite import SqliteStore

        return await SqliteStore.open_file(path, readers=readers or 2, create=create, make_dirs=make_dirs)

    def configure_writes(self, *, chunk: int, budget_ms: int) -> None:
        """Set how many articles one ingest transaction holds and the writer's budget while commands wait."""
        self.write_chunk = max(1, chunk)
        self.write_budget_ms = min(1000, max(1, budget_ms))

    def commands_waiting(self) -> bool:
        """Return whether a command is reading or waiting to write right now."""
        return self._reads_in_flight > 0 or self._writes_waiting > 0

    async def _yield_to_commands(self, spent_s: float) -> None:
        """After ``spent_s`` seconds of ingest writing, step aside so commands keep the budget's remainder."""
        if self.write_budget_ms < 1000 and self.commands_waiting():
            # Writing ``spent_s`` then resting this long holds the writer at write_budget_ms per second.
            await asyncio.sleep(spent_s * (1000 - self.write_budget_ms) / self.write_budget_ms)
        else:
            await asyncio.sleep(0)

    @abc.abstractmethod
    async def close(self) -> None:
        """Close the connections."""

    async def ping(self) -> None:
        """Run a trivial query; raise when the database cannot be reached."""
        await self._rows("SELECT 1")

    @abc.abstractmethod
    async def schema_version(self) -> int:
        """Return the number of the last migration applied."""

    @abc.abstractmethod
    async def integrity_check(self) -> str:
        """Return the backend's integrity verdict ("ok" when sound)."""

    @abc.abstractmethod
    async def table_counts(self) -> dict[str, int]:
        """Return the number of rows in every table, by name."""

    # ---- reads shared by both backends -----------------------------------------------------------------------

    @abc.abstractmethod
    async def _rows(self, sql: str, *params: Any) -> list[Any]:
        """Run a read-only query with ``?`` placeholders on a read connection; return every row."""

    @abc.abstractmethod
    async def _row(self, sql: str, *params: Any) -> Any | None:
        """Run a read-only query with ``?`` placeholders on a read connection; return its first row."""

    # ---- copying between stores (newsbot db copy) -----------------------------------------------------------

    @abc.abstractmethod
    async def copy_columns(self, table: str) -> list[str]:
        """Return the columns of ``table`` a copy carries (generated search columns are rebuilt, not copied)."""

    @abc.abstractmethod
    def iter_rows(self, table: str, columns: Sequence[str], batch: int) -> AsyncIterator[list[tuple[Any, ...]]]:
        """Yield every row of ``table`` (those columns) in batches."""

    @abc.abstractmethod
    async def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Insert copied rows as they are (ids included), converting values to this backend's types."""

    @abc.abstractmethod
    async def after_copy(self) -> None:
        """Rebuild what a copy does not carry: search indexes, id counters."""

    async def quote_sample(self, n: int) -> list[tuple[str, str]]:
        """Return up to ``n`` (workspace, phrase) pairs: the first words of quotes spread over the store."""
        total = await self._count_quotes()
        step = max(1, total // max(1, n))
        out = []
        for i in range(0, total, step):
            row = await self._quote_at(i)
            if row is None:
                break
            words = query_terms(row[1])[:4]
            if words:
                out.append((row[0], " ".join(words)))
            if len(out) >= n:
                break
        return out

    @abc.abstractmethod
    async def _count_quotes(self) -> int:
        """Return how many quotes some workspace can see."""

    @abc.abstractmethod
    async def _quote_at(self, offset: int) -> tuple[str, str] | None:
        """Return (workspace, quote text) of the quote at ``offset`` in id order."""

    # ---- articles -------------------------------------------------------------------------------------------

    @abc.abstractmethod
    async def add_articles(self, items: Sequence[Any]) -> list[AddResult]:
        """Store many articles (BatchItem), ``write_chunk`` per transaction, yielding to commands between."""

    @abc.abstractmethod
    async def find_duplicates(self, arts: Sequence[NewArticle], *, near: bool = True) -> list[AddResult | None]:
        """Return, for each article, the stored article it duplicates or None."""

    @abc.abstractmethod
    async def find_duplicate(self, art: NewArticle, workspace: str | None = None, *,
                             prepared: Any = None) -> AddResult | None:
        """Return the stored article that ``art`` duplicates (same URL, GUID, body or near-same body).

        ``prepared`` (a ``Prepared``) carries the keys computed off the event loop; without it they are computed here.
        """

    async def add_article(
        self, art: NewArticle, analysis: Analysis | None, *, workspace: str, via: str,
        now: datetime | None = None, prepared: Any = None,
    ) -> AddResult:
        """Store an article once (or link it to the one it duplicates) and let ``workspace`` see it."""
        from digests.store._batch import BatchItem

        iso(art.published)  # refuse a naive date before anything is written
        item = BatchItem(art, analysis, (workspace,), via, now or now_utc(), prepared)
        return (await self.add_articles([item]))[0]

    @abc.abstractmethod
    async def grant(self, article_id: int, workspace: str, via: str, now: datetime | None = None) -> bool:
        """Let ``workspace`` see an article; return False when it already could."""

    async def article(self, workspace: str, article_id: int) -> Article | None:
        """Return one article with its text, if ``workspace`` may see it."""
        row = await self._row(
            "SELECT a.*, s.url AS source FROM articles a JOIN workspace_articles w ON w.article_id = a.id "
            "LEFT JOIN sources s ON s.id = a.source_id WHERE w.workspace = ? AND a.id = ?", workspace, article_id)
        return full_article(row) if row else None

    async def articles_by_id(self, workspace: str, article_ids: Iterable[int]) -> list[Article]:
        """Return the articles (with text) among ``article_ids`` that ``workspace`` may see, in the order asked."""
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = await self._rows(
            "SELECT a.*, s.url AS source FROM articles a JOIN workspace_articles w ON w.article_id = a.id "
            f"AND w.workspace = ? LEFT JOIN sources s ON s.id = a.source_id WHERE a.id IN ({marks})",
            workspace, *ids)
        found = {int(r["id"]): full_article(r) for r in rows}
        return [found[i] for i in ids if i in found]

    async def events_for_articles(self, workspace: str, article_ids: Iterable[int]) -> list[EventRow]:
        """Return every dated event of some articles visible to ``workspace``, by article then text order."""
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = await self._rows(
            "SELECT e.*, a.title, a.url, a.published FROM events e JOIN articles a ON a.id = e.article_id "
            "JOIN workspace_articles w ON w.article_id = a.id AND w.workspace = ? "
            f"WHERE e.article_id IN ({marks}) ORDER BY e.article_id, e.start, e.id", workspace, *ids)
        return [event_row(r) for r in rows]

    @abc.abstractmethod
    async def find_articles(self, workspace: str, title: str, limit: int = 10) -> list[ArticleRow]:
        """Return articles whose title matches ``title`` (id, exact, prefix or words), newest first."""

    @abc.abstractmethod
    async def search(self, workspace: str, text: str, *, limit: int = 10, offset: int = 0,
                     newest: bool = False, snippets: bool = True) -> list[ArticleRow]:
        """Return articles matching ``text`` by full text, best (or newest) first (``snippets=False``: none made)."""

    async def articles_since(self, workspace: str, since: datetime, until: datetime | None = None,
                             limit: int = 2000, *, late_from: datetime | None = None) -> list[Article]:
        """Return the articles of a window by publication time, newest first (for digests).

        An article belongs to the window its publication time falls in, if it was stored before the window
        ended; one with no publication time belongs to the window it was stored in. One stored during the
        window but published shortly before it (from ``late_from`` on) arrived too late for the window before,
        so it belongs here. An old article stored today (an archive load, a backfill) is in no present window.
        """
        until = until or now_utc()
        late_from = min(late_from or since, since)
        # CROSS JOIN keeps SQLite reading the window's articles by publication time (articles_published) and
        # probing each one's workspace row, instead of walking every article of the workspace (its planner has no
        # statistics to tell); PostgreSQL reads it as the inner join it is.
        rows = await self._rows(
            "SELECT * FROM ("
            "SELECT a.*, w.added_at FROM articles a CROSS JOIN workspace_articles w "
            "WHERE w.article_id = a.id AND w.workspace = ? AND a.published >= ? AND a.published < ? "
            "AND w.added_at < ? AND w.via != 'initial' "
            "UNION ALL "
            "SELECT a.*, w.added_at FROM workspace_articles w JOIN articles a ON a.id = w.article_id "
            "WHERE w.workspace = ? AND w.added_at >= ? AND w.added_at < ? AND w.via != 'initial' "
            "AND (a.published IS NULL OR (a.published >= ? AND a.published < ?))"
            ") x ORDER BY COALESCE(x.published, x.added_at) DESC LIMIT ?",
            workspace, since, until, until, workspace, since, until, late_from, since, limit)
        return [full_article(r) for r in rows]

    async def count_articles(self, workspace: str | None = None) -> int:
        """Return how many articles are stored (or visible to ``workspace``)."""
        if workspace is None:
            row = await self._row("SELECT COUNT(*) FROM articles")
        else:
            row = await self._row("SELECT COUNT(*) FROM workspace_articles WHERE workspace = ?", workspace)
        return int(row[0]) if row else 0

    # ---- stories --------------------------------------------------------------------------------------------

    _keeper: Any = None

    @property
    def stories_keeper(self) -> Any:
        """Return this store's story keeper (the online assigner and its SQL), made on first use."""
        if self._keeper is None:
            from digests.store._stories import StoryKeeper

            self._keeper = StoryKeeper(self._story_session)
        return self._keeper

    @abc.abstractmethod
    def _story_session(self) -> Any:
        """Return a context manager: one transaction holding the story lock, as a ``StorySession``."""

    async def assign_stories(self, article_ids: Sequence[int], features: dict[int, Any] | None = None) -> int:
        """Give stored articles without a story their story, in the order given; return how many were assigned."""
        done = int(await self.stories_keeper.assign(list(article_ids), features))
        if done:
            await self.place_quote_groups(article_ids)
        return done

    async def place_quote_groups(self, article_ids: Sequence[int]) -> None:
        """Give the quote groups of these articles the story of the article whose wording each group shows."""
        ids = sorted({int(a) for a in article_ids})
        for at in range(0, len(ids), 500):
            part = ids[at:at + 500]
            marks = ",".join("?" * len(part))
            # Only "?" placeholders are composed into the SQL; the ids are bound.
            await self._opt_exec(
                "UPDATE quote_groups SET story_id = (SELECT s.story_id FROM quotes q JOIN article_stories s "  # noqa: S608
                "ON s.article_id = q.article_id WHERE q.id = quote_groups.lead_quote_id) WHERE id IN "
                f"(SELECT group_id FROM quotes WHERE article_id IN ({marks}) AND group_id IS NOT NULL)", *part)

    async def ungrouped_quote_articles(self) -> list[int]:
        """Return the articles, oldest first, whose quotes were stored before quote groups existed (0007)."""
        from digests.store._quote_groups import UNGROUPED_ARTICLES

        return [int(r[0]) for r in await self._rows(UNGROUPED_ARTICLES)]

    async def group_archive_quotes(self, article_ids: Sequence[int], *, chunk: int = 64,
                                   progress: Any = None) -> int:
        """Group the quotes of archived articles across outlets as if they arrived now, in the order given.

        ``progress`` (if given) is called with the number of articles each chunk handled; returns how many
        articles had quotes to group. The groups then take the story of the article whose wording they show.
        """
        done = 0
        for at in range(0, len(article_ids), chunk):
            part = list(article_ids[at:at + chunk])
            done += await self._group_archive_chunk(part, datetime.now(UTC))
            if progress is not None:
                progress(len(part))
        if done:
            await self.place_quote_groups(article_ids)
        return done

    @abc.abstractmethod
    async def _group_archive_chunk(self, article_ids: Sequence[int], now: datetime) -> int:
        """Group some archived articles' ungrouped quotes in one transaction; return how many had any."""

    async def sweep_stories(self, *, limit: int | None = None, executor: Any = None,
                            progress: Any = None) -> int:
        """Assign every stored article that has no story yet, oldest first; return how many."""
        return int(await self.stories_keeper.sweep(limit=limit, executor=executor, progress=progress))

    async def rebuild_stories(self, *, executor: Any = None, progress: Any = None) -> int:
        """Forget every story and assign every stored article again in arrival order; return how many."""
        return int(await self.stories_keeper.rebuild(executor=executor, progress=progress))

    async def count_stories(self) -> int:
        """Return how many stories there are (merged ones not counted)."""
        row = await self._row("SELECT COUNT(*) FROM stories WHERE merged_into IS NULL")
        return int(row[0]) if row else 0

    async def unassigned_articles(self) -> int:
        """Return how many stored articles have no story yet."""
        return int(await self.stories_keeper.unassigned())

    async def story(self, story_id: int) -> StoryRow | None:
        """Return a story by id, following merges to the story it went into; None when there is none."""
        for _ in range(_MERGE_HOPS):
            row = await self._row(f"SELECT {_STORY_COLS} FROM stories s WHERE s.id = ?", story_id)
            if row is None:
                return None
            st = story_row(row)
            if st.merged_into is None:
                return st
            story_id = st.merged_into
        return None

    async def article_story(self, article_id: int, workspace: str | None = None) -> StoryRow | None:
        """Return the story of an article (None when it has none yet, or ``workspace`` cannot see the article)."""
        if workspace is None:
            row = await self._row("SELECT story_id FROM article_stories WHERE article_id = ?", article_id)
            return await self.story(int(row[0])) if row else None
        row = await self._row("SELECT m.story_id FROM article_stories m JOIN workspace_articles w ON "
                              "w.article_id = m.article_id AND w.workspace = ? WHERE m.article_id = ?",
                              workspace, article_id)
        st = await self.story(int(row[0])) if row else None
        return (await self._headlines_seen(workspace, [st]))[0] if st else None

    async def workspace_story(self, workspace: str, story_id: int) -> StoryRow | None:
        """Return a story as ``workspace`` sees it (merges followed, its headline from public articles and its
        own); None when there is no such story or the workspace sees none of its articles."""
        st = await self.story(story_id)
        if st is None:
            return None
        # Nested, so SQLite walks the story's articles and looks each up in the workspace by primary key.
        row = await self._row("SELECT 1 FROM article_stories m WHERE m.story_id = ? AND EXISTS (SELECT 1 FROM "
                              "workspace_articles w WHERE w.workspace = ? AND w.article_id = m.article_id) LIMIT 1",
                              st.id, workspace)
        return (await self._headlines_seen(workspace, [st]))[0] if row else None

    async def _matched_stories(self, workspace: str, text: str, found: Sequence[StoryRow],
                               limit: int) -> list[StoryRow]:
        """Return the stories a headline search found and those of ``workspace``'s articles whose titles match
        ``text``, newest first, each with the headline it may see.

        The stored headline, searched first, is never a private upload's title; the workspace's own uploads are
        found by their titles, in the stories they are in.
        """
        out = {st.id: st for st in found}
        words = text.strip()
        if words and not words.lstrip("#").isdigit():  # digits would name an article by id
            ids = [a.id for a in await self.find_articles(workspace, words, limit=OWN_STORY_TITLES)]
            for i in range(0, len(ids), 500):
                part = ids[i:i + 500]
                # Only "?" placeholders are composed into the SQL; the ids are bound.
                for r in await self._rows(
                        f"SELECT DISTINCT {_STORY_COLS} FROM article_stories m JOIN stories s ON s.id = m.story_id "  # noqa: S608
                        f"WHERE m.article_id IN ({','.join('?' * len(part))}) AND s.merged_into IS NULL", *part):
                    out.setdefault(int(r["id"]), story_row(r))
        floor = datetime.min.replace(tzinfo=UTC)
        # Newest by what the workspace sees: another workspace's upload moves no story ahead of another.
        seen = await self._seen_counts(workspace, list(out))
        last = {sid: c[3] for sid, c in seen.items()}
        newest = sorted(out.values(), key=lambda st: (last.get(st.id) or floor, st.id), reverse=True)[:limit]
        return await self._headlines_seen(workspace, newest, seen)

    async def _seen_counts(self, workspace: str, story_ids: Sequence[int],
                           ) -> dict[int, tuple[int, int, datetime | None, datetime | None]]:
        """Return (articles, outlets, first, last) of each story over the articles ``workspace`` can see."""
        ids = sorted(set(story_ids))
        out: dict[int, tuple[int, int, datetime | None, datetime | None]] = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            # Only "?" placeholders are composed into the SQL; the workspace and the ids are bound.
            for r in await self._rows(
                    "SELECT m.story_id, COUNT(*), COUNT(DISTINCT m.host), MIN(m.at), MAX(m.at) "  # noqa: S608
                    "FROM article_stories m JOIN workspace_articles w ON w.article_id = m.article_id "
                    f"AND w.workspace = ? WHERE m.story_id IN ({','.join('?' * len(part))}) GROUP BY m.story_id",
                    workspace, *part):
                out[int(r[0])] = (int(r[1]), int(r[2]), to_dt(r[3]), to_dt(r[4]))
        return out

    async def _headlines_seen(self, workspace: str, stories: Sequence[StoryRow],
                              counts: dict[int, tuple[int, int, datetime | None, datetime | None]] | None = None,
                              ) -> list[StoryRow]:
        """Return stories as ``workspace`` may see them: the headline drawn from public articles and its own, the
        articles, outlets and first and last times counted over the articles it can see (``counts``, when the
        caller has them).

        The stored headline already skips private uploads; this also covers one stored before it did. The stored
        counts and times are over every workspace's articles: another workspace's uploads would show in them.
        """
        from digests.store._stories import PUBLIC_ARTICLE, headline_sql

        ids = sorted({st.id for st in stories})
        seen = counts if counts is not None else await self._seen_counts(workspace, ids)
        among = (f"({PUBLIC_ARTICLE} OR EXISTS (SELECT 1 FROM workspace_articles v WHERE v.workspace = ? "
                 "AND v.article_id = a.id))")
        heads: dict[int, str] = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            # Only fixed SQL and "?" placeholders are composed; the workspace and the ids are bound.
            rows = await self._rows(f"SELECT s.id, {headline_sql('s.id', among)} FROM stories s "  # noqa: S608
                                    f"WHERE s.id IN ({','.join('?' * len(part))})", workspace, workspace, *part)
            heads.update({int(r[0]): str(r[1] or "") for r in rows})
        return [replace(st, headline=heads.get(st.id, ""), articles=c[0], outlets=c[1], first_at=c[2], last_at=c[3])
                for st in stories for c in [seen.get(st.id, (0, 0, None, None))]]

    async def stories_for_articles(self, article_ids: Iterable[int]) -> dict[int, int]:
        """Return the story id of each of these articles that has one (article id -> story id)."""
        ids = sorted(set(article_ids))
        out: dict[int, int] = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            rows = await self._rows("SELECT article_id, story_id FROM article_stories WHERE article_id IN "
                                    f"({','.join('?' * len(part))})", *part)
            out.update({int(r[0]): int(r[1]) for r in rows})
        return out

    async def story_articles(self, workspace: str, story_id: int, limit: int = 200) -> list[ArticleRow]:
        """Return the articles of a story that ``workspace`` can see, oldest first."""
        rows = await self._rows(
            "SELECT a.id, a.title, a.url, a.published, a.summary, src.url AS source FROM article_stories m "
            "JOIN workspace_articles w ON w.article_id = m.article_id AND w.workspace = ? "
            "JOIN articles a ON a.id = m.article_id LEFT JOIN sources src ON src.id = a.source_id "
            "WHERE m.story_id = ? ORDER BY m.at, m.article_id LIMIT ?", workspace, story_id, limit)
        return [article_row(r) for r in rows]

    async def stories_in_window(self, workspace: str, since: datetime, until: datetime | None = None, *,
                                limit: int = 100) -> list[StoryView]:
        """Return the stories with an article that reached ``workspace`` in the window, newest story first.

        Each comes with every article of it the workspace can see (oldest first) and those that reached it in
        the window (``new_ids``); nothing of another workspace's articles.
        """
        rows = await self._rows(
            "SELECT m.story_id, w.article_id FROM workspace_articles w JOIN article_stories m "
            "ON m.article_id = w.article_id WHERE w.workspace = ? AND w.added_at >= ? AND w.added_at < ? "
            "AND w.via != 'initial'", workspace, since, until or now_utc())
        fresh: dict[int, set[int]] = {}
        for sid, aid in rows:
            fresh.setdefault(int(sid), set()).add(int(aid))
        if not fresh:
            return []
        ids = sorted(fresh)
        stories: dict[int, StoryRow] = {}
        seen: dict[int, list[int]] = {}
        last: dict[int, datetime | None] = {}  # the newest article of each story the workspace sees
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            marks = ",".join("?" * len(part))
            for r in await self._rows(f"SELECT {_STORY_COLS} FROM stories s WHERE s.id IN ({marks})", *part):
                stories[int(r["id"])] = story_row(r)
            for sid, aid, at in await self._rows(
                    "SELECT m.story_id, m.article_id, m.at FROM article_stories m JOIN workspace_articles w "
                    f"ON w.article_id = m.article_id AND w.workspace = ? WHERE m.story_id IN ({marks}) "
                    "ORDER BY m.story_id, m.at, m.article_id", workspace, *part):
                seen.setdefault(int(sid), []).append(int(aid))
                last[int(sid)] = to_dt(at)
        floor = datetime.min.replace(tzinfo=UTC)
        views = [StoryView(st, tuple(seen.get(sid, ())), tuple(a for a in seen.get(sid, ()) if a in fresh[sid]))
                 for sid, st in stories.items()]
        # Newest by what the workspace sees: another workspace's upload moves no story ahead of another.
        views.sort(key=lambda v: (last.get(v.story.id) or floor, v.story.id), reverse=True)
        views = views[:limit]
        heads = await self._headlines_seen(workspace, [v.story for v in views])
        return [replace(v, story=st) for v, st in zip(views, heads, strict=True)]

    @abc.abstractmethod
    async def match_stories(self, workspace: str, text: str, limit: int = 25) -> list[StoryRow]:
        """Return stories ``workspace`` can see whose headline matches ``text`` (last word a prefix), newest first."""

    # ---- quotes and speakers --------------------------------------------------------------------------------

    @abc.abstractmethod
    async def quotes_for_articles(self, workspace: str, article_ids: Iterable[int]) -> list[QuoteRow]:
        """Return the quotes of some articles visible to ``workspace``, in text order."""

    @abc.abstractmethod
    async def who_said(self, workspace: str, phrase: str, *, limit: int = 10, offset: int = 0) -> list[QuoteRow]:
        """Return quotes containing the words of ``phrase``: the exact phrase first, then newest first."""

    async def quote_narration(self, quote_ids: Iterable[int]) -> dict[int, tuple[str | None, str | None, str, str]]:
        """Return, by quote id, its cue, mention and the narration around it (up to 220 characters before the
        opening mark, 80 after the closing one), read from its article."""
        ids = sorted({int(q) for q in quote_ids})
        out: dict[int, tuple[str | None, str | None, str, str]] = {}
        for at in range(0, len(ids), QUOTE_GROUPS_PER_READ):
            part = ids[at:at + QUOTE_GROUPS_PER_READ]
            marks = ",".join("?" * len(part))
            # Only "?" placeholders are composed into the SQL; the ids are bound. CASE, not max()/min(): both
            # backends read it alike.
            for r in await self._rows(
                    "SELECT q.id, q.cue, q.mention, substr(a.text, CASE WHEN q.start >= 220 THEN q.start - 219 "  # noqa: S608
                    "ELSE 1 END, CASE WHEN q.start >= 220 THEN 220 ELSE q.start END), "
                    f'substr(a.text, q."end" + 1, 80) FROM quotes q JOIN articles a ON a.id = q.article_id '
                    f"WHERE q.id IN ({marks})", *part):
                out[int(r[0])] = (r[1], r[2], str(r[3] or ""), str(r[4] or ""))
        return out

    async def quote_groups(self, workspace: str, group_ids: Iterable[int]) -> dict[int, QuoteGroupRow]:
        """Return quote groups by id, each with the instances ``workspace`` can see (oldest first, at most
        QUOTE_GROUP_INSTANCES: the newest); a group it sees no instance of is left out."""
        ids = sorted({int(g) for g in group_ids})
        out: dict[int, QuoteGroupRow] = {}
        for at in range(0, len(ids), QUOTE_GROUPS_PER_READ):
            out.update(await self._quote_groups(workspace, ids[at:at + QUOTE_GROUPS_PER_READ]))
        return out

    async def _quote_groups(self, workspace: str, ids: Sequence[int]) -> dict[int, QuoteGroupRow]:
        marks = ",".join("?" * len(ids))
        # Only "?" placeholders and fixed text are composed into the SQL; the ids are bound.
        groups = await self._rows(
            "SELECT g.id, g.role, g.status, g.statement, g.evidence, g.lead_quote_id, g.outlets, "  # noqa: S608
            f"g.story_id, s.name AS speaker FROM quote_groups g LEFT JOIN speakers s ON s.id = g.speaker_id "
            f"WHERE g.id IN ({marks})", *ids)
        # Each group's newest visible instances: a quote a thousand outlets carried costs a page no more than one
        # that fifty did.
        one = (f"SELECT * FROM (SELECT {QUOTE_COLS} FROM quotes q JOIN workspace_articles w ON "
               "w.article_id = q.article_id AND w.workspace = ? JOIN articles a ON a.id = q.article_id "
               "LEFT JOIN speakers s ON s.id = q.speaker_id WHERE q.group_id = ? ORDER BY q.id DESC LIMIT ?) AS g")
        params: list[Any] = []
        for gid in ids:
            params += [workspace, gid, QUOTE_GROUP_INSTANCES]
        rows = await self._rows(" UNION ALL ".join([one] * len(ids)), *params)
        rows.sort(key=lambda r: (r["group_id"], to_dt(r["published"]) or datetime.min.replace(tzinfo=UTC), r["id"]))
        members: dict[int, list[QuoteRow]] = {}
        for r in rows:
            members.setdefault(int(r["group_id"]), []).append(quote_row(r))
        # A group none of whose instances the workspace sees is not its own (another's private uploads, say):
        # its speaker and evidence stay out too.
        return {int(g["id"]): QuoteGroupRow(
            id=int(g["id"]), speaker=g["speaker"], role=g["role"], status=g["status"], statement=bool(g["statement"]),
            evidence=g["evidence"], lead_quote_id=g["lead_quote_id"], outlets=int(g["outlets"]),
            story_id=g["story_id"], instances=tuple(members[int(g["id"])])) for g in groups if int(g["id"]) in members}

    @abc.abstractmethod
    async def match_speakers(self, workspace: str, text: str, limit: int = 25) -> list[tuple[int, str, int]]:
        """Return (id, name, quote count) of the workspace's speakers matching ``text``, most quoted first."""

    @abc.abstractmethod
    async def speaker_roles(self, speaker_id: int, workspace: str) -> list[str]:
        """Return the roles a speaker was given in articles ``workspace`` can see, newest first."""

    @abc.abstractmethod
    async def quotes_by(self, workspace: str, speaker_id: int, *, topic: str | None = None,
                        since: datetime | None = None, limit: int = 10, offset: int = 0) -> list[QuoteRow]:
        """Return a speaker's quotes visible to ``workspace``, newest first, optionally about ``topic``."""

    # ---- events ---------------------------------------------------------------------------------------------

    @abc.abstractmethod
    async def timeline(self, workspace: str, topic: str, *, since: date | None = None, until: date | None = None,
                       limit: int = 200) -> list[EventRow]:
        """Return dated events whose sentence or article matches ``topic``, in date order."""

    @abc.abstractmethod
    async def events_for_article(self, workspace: str, article_id: int) -> list[EventRow]:
        """Return the dated events of one article visible to ``workspace``, in date order."""

    # ---- sources and subscriptions ------------------------------------------------------------------------------

    @abc.abstractmethod
    async def source(self, kind: str, url: str, title: str | None = None) -> SourceRow:
        """Return the source for ``url``, creating it if new."""

    async def get_source(self, source_id: int) -> SourceRow | None:
        """Return one source by id."""
        row = await self._row("SELECT * FROM sources WHERE id = ?", source_id)
        return source_row(row) if row else None

    @abc.abstractmethod
    async def update_source(self, source_id: int, **fields: Any) -> None:
        """Update a source's fetch state (etag, last_modified, health, last_error, failures, times, title)."""

    @abc.abstractmethod
    async def subscribe(self, workspace: str, channel: str, source_id: int) -> tuple[SubscriptionRow, bool]:
        """Subscribe a channel to a source; return the subscription and whether it is new."""

    @abc.abstractmethod
    async def unsubscribe(self, workspace: str, channel: str, url: str) -> bool:
        """Remove a channel's subscription to the source at ``url``; False when there was none."""

    @abc.abstractmethod
    async def set_paused(self, workspace: str, channel: str, url: str, paused: bool) -> bool:
        """Pause or resume a channel's subscription; False when there was none."""

    async def subscriptions(self, workspace: str | None = None, channel: str | None = None, *,
                            source_id: int | None = None) -> list[SubscriptionRow]:
        """Return subscriptions filtered by workspace, channel or source."""
        where, params = ["1=1"], []
        for col, val in (("b.workspace", workspace), ("b.channel", channel), ("b.source_id", source_id)):
            if val is not None:
                where.append(f"{col} = ?")
                params.append(val)
        rows = await self._rows(
            "SELECT b.id AS sub_id, b.workspace, b.channel, b.paused, b.created_at AS sub_created_at, s.id AS s_id, s.kind AS s_kind, "
            "s.url AS s_url, s.title AS s_title, s.etag AS s_etag, s.last_modified AS s_last_modified, "
            "s.health AS s_health, s.last_error AS s_last_error, s.failures AS s_failures, "
            "s.last_fetch AS s_last_fetch, s.last_success AS s_last_success, s.next_fetch AS s_next_fetch, "
            "s.interval_s AS s_interval_s, s.announced_health AS s_announced_health, "
            "s.last_failure AS s_last_failure, s.last_failure_at AS s_last_failure_at "
            f"FROM subscriptions b JOIN sources s ON s.id = b.source_id WHERE {' AND '.join(where)} "
            "ORDER BY b.workspace, b.channel, s.url", *params)
        return [SubscriptionRow(id=r["sub_id"], workspace=r["workspace"], channel=r["channel"],
                                paused=bool(r["paused"]), source=source_row(r, "s_"),
                                created_at=to_dt(r["sub_created_at"])) for r in rows]

    @abc.abstractmethod
    async def active_sources(self) -> list[SourceRow]:
        """Return feeds that at least one unpaused subscription follows."""

    async def next_fetch_after(self, now: datetime) -> datetime | None:
        """Return the earliest next fetch time after ``now`` among feeds an unpaused subscription follows."""
        row = await self._row(
            "SELECT MIN(s.next_fetch) FROM sources s WHERE s.kind = 'feed' AND s.next_fetch > ? AND EXISTS "
            "(SELECT 1 FROM subscriptions b WHERE b.source_id = s.id AND b.paused = 0)", now)
        return to_dt(row[0]) if row and row[0] else None

    @abc.abstractmethod
    async def claim_due_feeds(self, owner: str, now: datetime, lease_s: float, limit: int = 50) -> list[SourceRow]:
        """Lease active feeds that are due and not leased by a live process to ``owner``; return them.

        A lease ends when ``release_feed`` is called or after ``lease_s`` seconds (its process died), so each
        due feed is fetched by one process and a killed process's feeds are taken over.
        """

    @abc.abstractmethod
    async def release_feed(self, source_id: int, owner: str) -> None:
        """End ``owner``'s lease on a feed."""

    async def release_feeds(self, owner: str) -> int:
        """End every lease ``owner`` holds (a process stopping hands its feeds back); return how many."""
        return await self._opt_exec(
            "UPDATE sources SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?", owner)

    async def refetch_soon(self, source_ids: Iterable[int], now: datetime) -> None:
        """Make feeds due at ``now`` and fetched in full, so items still owed to channels are seen again."""
        for source_id in sorted(set(source_ids)):
            await self.update_source(source_id, etag=None, last_modified=None, next_fetch=now)

    # ---- schedules and the delivery ledger ----------------------------------------------------------------------

    @abc.abstractmethod
    async def add_schedule(self, workspace: str, channel: str, spec: str, cron: str, timezone: str,
                           notify_empty: bool = False) -> ScheduleRow:
        """Create (or return the identical existing) schedule for a channel."""

    async def schedules(self, workspace: str | None = None, channel: str | None = None) -> list[ScheduleRow]:
        """Return schedules, optionally of one workspace or channel."""
        where, params = ["1=1"], []
        for col, val in (("workspace", workspace), ("channel", channel)):
            if val is not None:
                where.append(f"{col} = ?")
                params.append(val)
        rows = await self._rows(f"SELECT * FROM schedules WHERE {' AND '.join(where)} ORDER BY id", *params)
        return [schedule_row(r) for r in rows]

    async def get_schedule(self, schedule_id: int) -> ScheduleRow | None:
        """Return one schedule by id."""
        row = await self._row("SELECT * FROM schedules WHERE id = ?", schedule_id)
        return schedule_row(row) if row else None

    @abc.abstractmethod
    async def remove_schedule(self, workspace: str, schedule_id: int) -> bool:
        """Delete a workspace's schedule; False when it has no such schedule."""

    @abc.abstractmethod
    async def claim_run(self, schedule_id: int, window_start: datetime, window_end: datetime, *,
                        late: bool = False) -> int | None:
        """Claim a schedule window before posting; None when it was already claimed (never post twice)."""

    @abc.abstractmethod
    async def finish_run(self, run_id: int, status: str, *, message_ids: str | None = None,
                         error: str | None = None) -> None:
        """Record how a claimed run ended (posted, empty or failed)."""

    async def runs(self, schedule_id: int, limit: int = 5) -> list[RunRow]:
        """Return a schedule's latest runs, newest first."""
        rows = await self._rows("SELECT * FROM digest_runs WHERE schedule_id = ? ORDER BY window_end DESC LIMIT ?",
                                schedule_id, limit)
        return [run_row(r) for r in rows]

    # ---- chat page state ------------------------------------------------------------------------------------

    @abc.abstractmethod
    async def save_page_state(self, command: str, args: str, *, workspace: str, channel: str, user: str,
                              is_admin: bool, created_at: datetime) -> int:
        """Remember the command behind a paged reply; return the id its page buttons carry."""

    async def page_state(self, state_id: int) -> PageStateRow | None:
        """Return a remembered paged command by id."""
        row = await self._row("SELECT * FROM page_states WHERE id = ?", state_id)
        return page_state_row(row) if row else None

    async def last_window_end(self, schedule_id: int) -> datetime | None:
        """Return the end of the latest window claimed for a schedule."""
        row = await self._row("SELECT MAX(window_end) FROM digest_runs WHERE schedule_id = ?", schedule_id)
        return to_dt(row[0]) if row and row[0] else None
