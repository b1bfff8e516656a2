"""Stories kept in the store: the online assigner's decisions written down, shared by every process.

One ``StoryKeeper`` per store object holds the assigner (``digests.stories``) and its in-memory index of active
stories. Assignment runs after a chunk of articles is committed, in a transaction of its own that first takes the
story lock (SQLite: the write lock of BEGIN IMMEDIATE; PostgreSQL: an advisory lock), so processes assign one
after the other; each first reads what other processes changed since it last looked (``seq``), so two articles
of one event arriving in two processes end in one story. An article stored but not yet assigned (its process was
killed in between) is picked up by the sweep, which every assignment run and every start-up does.

The SQL here uses ``?`` placeholders and runs unchanged on both backends through a ``StorySession``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from digests.store._batch import PUBLIC_ARTICLE
from digests.stories import Assigner, Changes, StoryFeatures, story_features

log = logging.getLogger(__name__)

TEXT_CHARS = 20_000  # of an article's text read for its signature (the features read no more)
LOAD_STORIES = 20_000  # active stories read at start-up at most
LOAD_MEMBERS = 50  # newest members read per active story
DF_SNAPSHOT_EVERY = 2_000  # new articles between two saves of the document frequencies
DF_MAX_TERMS = 300_000  # entries kept in a saved snapshot (terms seen once go first)
SWEEP_BATCH = 256
SWEEP_EVERY_S = 300.0
SETTLED = timedelta(minutes=10)  # an article older than this is past any writer still assigning it
_IN_CHUNK = 500  # ids per IN (...) list


class StorySession(Protocol):
    """One story transaction, story lock held: ``?`` SQL on the backend's connection."""

    async def fetch(self, sql: str, *params: Any) -> list[Any]:
        """Run a query; return every row."""

    async def execute(self, sql: str, *params: Any) -> None:
        """Run one statement."""

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for each row."""

    async def insert_id(self, sql: str, *params: Any) -> int:
        """Run an INSERT … RETURNING id; return the id."""

    async def headlines_changed(self, ids: Sequence[int] | None) -> None:
        """Bring the backend's headline search up to date for these stories (None: for every story)."""


@dataclass(frozen=True, slots=True)
class Pending:
    """An article to assign, as read from the store."""

    id: int
    title: str
    url: str | None
    source_url: str | None
    published: datetime | None
    arrived: datetime
    text: str | None


def host_of(url: str | None) -> str | None:
    """Return the outlet an article URL names: its host without ``www.``."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return None
    return host.removeprefix("www.") or None


def _dt(value: Any) -> datetime | None:
    from digests.store._base import to_dt

    return to_dt(value)


def features_of(rows: Sequence[tuple[str, str, datetime | None]]) -> list[StoryFeatures]:
    """Return the story signature of each (title, text, published) (CPU work: a worker may run it)."""
    return [story_features(title, text, published) for title, text, published in rows]


# PUBLIC_ARTICLE (from _batch, which de-duplicates by it too): an article every workspace may be told of. A
# private upload's title never leads a story's stored headline (nor its headline search), which every workspace reads.


def headline_sql(story: str, among: str) -> str:
    """Return SQL for a story's headline: the title of its first article (``among`` those) of 20 characters or
    more, else of its first; '' when it has none."""
    first = ("(SELECT a.title FROM article_stories m JOIN articles a ON a.id = m.article_id "
             f"WHERE m.story_id = {story} AND {among}{{}} ORDER BY m.at, m.article_id LIMIT 1)")
    return f"COALESCE({first.format(' AND length(a.title) >= 20')}, {first.format('')}, '')"


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[i:i + _IN_CHUNK] for i in range(0, len(ids), _IN_CHUNK)]


def _marks(n: int) -> str:
    return ",".join("?" * n)


class StoryKeeper:
    """The assigner of one store object, and the SQL that loads, refreshes and writes its decisions."""

    def __init__(self, session: Callable[[], AbstractAsyncContextManager[StorySession]]) -> None:
        self._session = session
        self.assigner: Assigner | None = None
        self.seq = 0
        self._new_since_snapshot = 0
        self._last_sweep = 0.0
        self._epoch = 0
        self._lock = asyncio.Lock()
        self.enabled = True

    # ---- assignment -------------------------------------------------------------------------------------------

    async def assign(self, ids: Sequence[int], features: dict[int, StoryFeatures] | None = None,
                     executor: Any = None) -> int:
        """Give each of these stored articles its story (those still without one); return how many were assigned."""
        if not ids or not self.enabled:
            return 0
        done = 0
        try:
            async with self._lock, self._session() as ses:
                await self._sync(ses)
                done = await self._assign_in(ses, list(ids), features or {}, executor)
        except BaseException:
            # The transaction was rolled back: what the assigner holds in memory is no longer the store's.
            self.assigner = None
            raise
        if time.monotonic() - self._last_sweep > SWEEP_EVERY_S:
            await self.sweep(limit=SWEEP_BATCH)
        return done

    async def sweep(self, *, limit: int | None = None, executor: Any = None,
                    progress: Callable[[int], None] | None = None) -> int:
        """Assign stored articles that have no story yet (a killed process's, an archive's); return how many."""
        self._last_sweep = time.monotonic()
        total = 0
        while limit is None or total < limit:
            try:
                async with self._lock, self._session() as ses:
                    await self._sync(ses)
                    upto = int((await ses.fetch("SELECT value FROM story_state WHERE name = 'swept'"))[0][0])
                    rows = await ses.fetch(
                        "SELECT a.id FROM articles a WHERE a.id > ? AND NOT EXISTS "
                        "(SELECT 1 FROM article_stories x WHERE x.article_id = a.id) ORDER BY a.id LIMIT ?",
                        upto, SWEEP_BATCH)
                    ids = [int(r[0]) for r in rows]
                    done = await self._assign_in(ses, ids, {}, executor) if ids else 0
                    if len(ids) < SWEEP_BATCH:
                        # Everything past ``upto`` now has a story; articles too recent to be sure of stay ahead.
                        settled = await ses.fetch("SELECT MAX(id) FROM articles WHERE id > ? AND fetched < ?",
                                                  upto, _now() - SETTLED)
                        if settled and settled[0][0] is not None:
                            await ses.execute("UPDATE story_state SET value = ? WHERE name = 'swept' AND value < ?",
                                              int(settled[0][0]), int(settled[0][0]))
            except BaseException:
                self.assigner = None
                raise
            total += done
            if progress is not None and done:
                progress(done)
            if len(ids) < SWEEP_BATCH:
                break
        return total

    async def unassigned(self) -> int:
        """Return how many stored articles have no story yet."""
        async with self._lock, self._session() as ses:
            rows = await ses.fetch("SELECT COUNT(*) FROM articles a WHERE NOT EXISTS "
                                   "(SELECT 1 FROM article_stories x WHERE x.article_id = a.id)")
        return int(rows[0][0]) if rows else 0

    async def rebuild(self, *, executor: Any = None, progress: Callable[[int], None] | None = None) -> int:
        """Forget every story and assign every stored article again, in arrival order; return how many."""
        async with self._lock, self._session() as ses:
            await ses.execute("DELETE FROM article_stories")
            await ses.execute("DELETE FROM stories")
            await ses.execute("UPDATE story_state SET value = 0 WHERE name IN ('seq', 'swept')")
            await ses.execute("DELETE FROM story_state WHERE name = 'df'")
            # Other processes see the new epoch and read the (empty) stories again.
            rows = await ses.fetch("SELECT value FROM story_state WHERE name = 'epoch'")
            if rows:
                await ses.execute("UPDATE story_state SET value = value + 1 WHERE name = 'epoch'")
            else:
                await ses.execute("INSERT INTO story_state(name, value) VALUES ('epoch', 1)")
            await ses.headlines_changed(None)
        self.assigner = None
        return await self.sweep(executor=executor, progress=progress)

    async def _assign_in(self, ses: StorySession, ids: list[int], features: dict[int, StoryFeatures],
                         executor: Any) -> int:
        pending = await self._pending(ses, ids, {i for i in ids if i not in features})
        if not pending:
            return 0
        todo = [p for p in pending if p.id not in features]
        if todo:
            jobs = [(p.title, p.text or "", p.published) for p in todo]
            loop = asyncio.get_running_loop()
            # Spread over the executor's workers (a process pool when an archive is assigned).
            parts = await asyncio.gather(*(loop.run_in_executor(executor, features_of, jobs[i:i + 32])
                                           for i in range(0, len(jobs), 32)))
            made = [f for part in parts for f in part]
            features = {**features, **{p.id: f for p, f in zip(todo, made, strict=True)}}
        assigner = self.assigner
        assert assigner is not None

        def run() -> Changes:
            for p in pending:
                assigner.assign(p.id, features[p.id], p.arrived, p.published)
            return assigner.take_changes()

        # The assigner's CPU work runs off the event loop; the story lock keeps it to one run at a time.
        changes = await asyncio.to_thread(run)
        await self._write(ses, changes, {p.id: p for p in pending})
        return len(pending)

    async def _pending(self, ses: StorySession, ids: list[int], need_text: set[int]) -> list[Pending]:
        out = []
        for part in _chunks(sorted(set(ids))):
            rows = await ses.fetch(
                "SELECT a.id, a.title, a.url, s.url AS source_url, a.published, a.fetched, "
                f"CASE WHEN a.id IN ({_marks(len(need_text & set(part))) or 'NULL'}) "
                f"THEN substr(a.text, 1, {TEXT_CHARS}) END AS text "
                "FROM articles a LEFT JOIN sources s ON s.id = a.source_id "
                f"WHERE a.id IN ({_marks(len(part))}) AND NOT EXISTS "
                "(SELECT 1 FROM article_stories x WHERE x.article_id = a.id)",
                *sorted(need_text & set(part)), *part)
            out += [Pending(int(r[0]), r[1] or "", r[2], r[3], _dt(r[4]), _dt(r[5]) or _now(), r[6]) for r in rows]
        order = {aid: i for i, aid in enumerate(ids)}
        return sorted(out, key=lambda p: order.get(p.id, 0))

    # ---- what other processes did -----------------------------------------------------------------------------

    async def _sync(self, ses: StorySession) -> None:
        state = dict(await ses.fetch("SELECT name, value FROM story_state WHERE name IN ('seq', 'epoch')"))
        seq, epoch = int(state.get("seq", 0)), int(state.get("epoch", 0))
        if self.assigner is not None and epoch != self._epoch:
            self.assigner = None  # the stories were rebuilt
        if self.assigner is None:
            self._epoch = epoch
            await self._load(ses)
            return
        if seq == self.seq:
            return  # nobody else assigned anything since this process last did
        rows = await ses.fetch("SELECT id, merged_into FROM stories WHERE seq > ? AND merged_into IS NOT NULL "
                               "ORDER BY seq, id", self.seq)
        for story_id, into in rows:
            self.assigner.merged_elsewhere(int(story_id), int(into))
        rows = await ses.fetch("SELECT article_id, story_id, first_seq, sig, arrived, published "
                               "FROM article_stories WHERE seq > ? ORDER BY seq, article_id", self.seq)
        for aid, sid, first_seq, sig, arrived, published in rows:
            known = int(aid) in self.assigner.members
            fresh = int(first_seq) > self.seq
            if known or fresh:
                self.assigner.load_member(int(sid), int(aid), StoryFeatures.from_json(sig), _dt(arrived) or _now(),
                                          _dt(published), counted=not fresh)
        self._new_since_snapshot += sum(1 for r in rows if int(r[2]) > self.seq)
        self.seq = seq

    async def _load(self, ses: StorySession) -> None:
        await ses.execute("INSERT INTO story_state(name, value) VALUES ('seq', 0), ('swept', 0) "
                          "ON CONFLICT (name) DO NOTHING")
        assigner = Assigner()
        top = await ses.fetch("SELECT value FROM story_state WHERE name = 'seq'")
        seq = int(top[0][0]) if top else 0
        snap = await ses.fetch("SELECT value, data FROM story_state WHERE name = 'df'")
        since = 0
        if snap and snap[0][1]:
            since = int(snap[0][0])
            data = json.loads(snap[0][1])
            assigner.n_docs = int(data.get("n", 0))
            for kind, counts in (data.get("df") or {}).items():
                if kind in assigner.df:
                    assigner.df[kind].update(counts)
        for (sig,) in await ses.fetch("SELECT sig FROM article_stories WHERE seq > ? AND first_seq > ?", since, since):
            assigner.count(StoryFeatures.from_json(sig))
        newest = await ses.fetch("SELECT MAX(last_at) FROM stories WHERE merged_into IS NULL")
        if newest and newest[0][0] is not None:
            cut = (_dt(newest[0][0]) or _now()) - assigner.params.horizon
            ids = [int(r[0]) for r in await ses.fetch(
                "SELECT id FROM stories WHERE merged_into IS NULL AND last_at >= ? ORDER BY last_at, id LIMIT ?",
                cut, LOAD_STORIES)]
            for part in _chunks(ids):
                rows = await ses.fetch(
                    "SELECT story_id, article_id, sig, arrived, published FROM (SELECT m.story_id, m.article_id, "
                    "m.sig, m.arrived, m.published, ROW_NUMBER() OVER (PARTITION BY m.story_id "
                    "ORDER BY m.arrived DESC, m.article_id DESC) AS r FROM article_stories m "
                    f"WHERE m.story_id IN ({_marks(len(part))})) t WHERE r <= ? ORDER BY arrived, article_id",
                    *part, LOAD_MEMBERS)
                for sid, aid, sig, arrived, published in rows:
                    assigner.load_member(int(sid), int(aid), StoryFeatures.from_json(sig), _dt(arrived) or _now(),
                                         _dt(published), counted=True)
        assigner.take_changes()
        self.assigner, self.seq = assigner, seq
        self._new_since_snapshot = 0

    # ---- writing decisions ------------------------------------------------------------------------------------

    async def _write(self, ses: StorySession, changes: Changes, pending: dict[int, Pending]) -> None:
        assigner = self.assigner
        assert assigner is not None
        rows = await ses.fetch("UPDATE story_state SET value = value + 1 WHERE name = 'seq' RETURNING value")
        seq = int(rows[0][0])
        now = _now()
        for st in changes.new:
            assigner.named(st, await ses.insert_id(
                "INSERT INTO stories(headline, created_at, seq) VALUES ('', ?, ?) RETURNING id", now, seq))
        inserts, moves = [], []
        for aid, st in changes.members.items():
            assert st.id is not None
            p = pending.get(aid)
            if p is not None:
                feats = changes.features[aid]
                inserts.append((aid, st.id, p.published or p.arrived, p.arrived, p.published,
                                host_of(p.url) or host_of(p.source_url), seq, seq, feats.to_json()))
            else:
                moves.append((st.id, seq, aid))
        if inserts:
            await ses.executemany(
                "INSERT INTO article_stories(article_id, story_id, at, arrived, published, host, seq, first_seq, sig) "
                "VALUES (?,?,?,?,?,?,?,?,?)", inserts)
        if moves:
            await ses.executemany("UPDATE article_stories SET story_id = ?, seq = ? WHERE article_id = ?", moves)
        for small, big in changes.merged:
            assert small.id is not None and big.id is not None
            await ses.execute("UPDATE article_stories SET story_id = ?, seq = ? WHERE story_id = ?",
                              big.id, seq, small.id)
            await ses.execute("UPDATE stories SET merged_into = ?, merged_at = ?, seq = ?, articles = 0, outlets = 0 "
                              "WHERE id = ? OR merged_into = ?", big.id, now, seq, small.id, small.id)
        live = sorted({st.id for st in changes.touched.values() if st.alive and st.id is not None})
        for part in _chunks(live):
            await ses.execute(
                "UPDATE stories SET "
                "articles = (SELECT COUNT(*) FROM article_stories m WHERE m.story_id = stories.id), "
                "outlets = (SELECT COUNT(DISTINCT m.host) FROM article_stories m WHERE m.story_id = stories.id), "
                "first_at = (SELECT MIN(m.at) FROM article_stories m WHERE m.story_id = stories.id), "
                "last_at = (SELECT MAX(m.at) FROM article_stories m WHERE m.story_id = stories.id), "
                f"headline = {headline_sql('stories.id', PUBLIC_ARTICLE)}, "
                f"seq = ? WHERE id IN ({_marks(len(part))})", seq, *part)
        dead = sorted({st.id for st in changes.touched.values() if not st.alive and st.id is not None})
        await ses.headlines_changed(live + dead)
        self.seq = seq
        self._new_since_snapshot += len(inserts)
        if self._new_since_snapshot >= DF_SNAPSHOT_EVERY:
            await self._snapshot(ses, seq)

    async def _snapshot(self, ses: StorySession, seq: int) -> None:
        assigner = self.assigner
        assert assigner is not None
        df = {kind: dict(c) for kind, c in assigner.df.items()}
        entries = sum(len(c) for c in df.values())
        if entries > DF_MAX_TERMS:
            df = {kind: {w: n for w, n in c.items() if n > 1} for kind, c in df.items()}
        data = json.dumps({"n": assigner.n_docs, "df": df}, separators=(",", ":"), ensure_ascii=False)
        await ses.execute("DELETE FROM story_state WHERE name = 'df'")
        await ses.execute("INSERT INTO story_state(name, value, data) VALUES ('df', ?, ?)", seq, data)
        self._new_since_snapshot = 0


def _now() -> datetime:
    from digests.store._base import now_utc

    return now_utc()

