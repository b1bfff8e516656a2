"""Build the benchmark's PostgreSQL store in minutes: a pool ingested for real, then COPY of varied copies of it.

    .venv/bin/python -m bench.bulk --articles 1000000 --database-url postgresql://…/pg1m_1m
    .venv/bin/python -m bench --articles 1000000 --database-url postgresql://…/pg1m_1m --reuse

Ingesting a million articles through the bot's own path (analysis, dedup, speakers, stories, quote groups) runs at
about 126 articles/s on two cores: more than two hours. Here only a pool of ``--pool`` articles (the first ones
of the same corpus, so at the same density in time as the big store) is ingested that way, into the target
database itself; the rest of the build, up to the bench's tail, is made of copies of the pool's stored rows,
each copy ``k`` standing for corpus articles ``k*pool .. k*pool+pool-1``:

- times (published, fetched, grants, stories, roles, event dates, quote days) move by ``k`` pool spans, so the
  store covers the corpus's two years evenly, newest last, as the ingested one does;
- every feed keeps its articles (the pool is a multiple of the 40 feeds, and the corpus puts article ``i`` in
  feed ``i*7919 mod 40``), so outlets, workspaces and each story's outlets are the corpus's;
- the pool's speakers are exchanged for other corpus speakers of the same pronoun, in the text, the quotes,
  the mentions and the speaker rows (offsets moved by the length changes), so every copy quotes other people
  and all 4,000 speakers appear about equally often, as in the corpus;
- URLs, GUIDs, keys and content hashes are the copy's own; the MinHash band keys are scrambled per copy (a copy
  is not a near-duplicate of its pool article, as no two corpus articles are);
- stories, article-story rows and quote groups are the pool's structure again with new ids and times, so the
  story sizes are those the real assigner made at this density.

The rows go in by binary COPY with the secondary indexes, unique and foreign keys dropped, which are then
built once (a sorted build, not a million inserts), then ``VACUUM ANALYZE``. The database's comment records
the build (articles, last ids) so ``--reset-tail`` can put the store back to the build after a bench run has
ingested its tail, and the next ``python -m bench --reuse`` runs the streams and the tail again.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from bench.corpus import Corpus
from bench.scale import ingest_range, setup_feeds, tail_start
from digests.nlp.speakers import speaker_key
from digests.store import NewArticle
from digests.store._batch import article_keys
from digests.store._text import content_hash

# Tables the copies fill; their indexes and keys are dropped during the load and built once after it.
BIG = ("articles", "article_bands", "article_keys", "workspace_articles", "speakers", "speaker_aliases",
       "speaker_roles", "workspace_speakers", "quotes", "events", "stories", "article_stories", "quote_groups",
       "quote_keys")
CHUNK = 2_000  # articles per COPY round
_MASK = (1 << 64) - 1


@dataclass
class Pool:
    """The pool's stored rows, read once, keyed by the pool article's id."""

    articles: list[asyncpg.Record] = field(default_factory=list)
    index: dict[int, int] = field(default_factory=dict)  # article id -> corpus index in the pool
    bands: dict[int, list[int]] = field(default_factory=dict)
    grants: dict[int, list[asyncpg.Record]] = field(default_factory=dict)
    quotes: dict[int, list[asyncpg.Record]] = field(default_factory=dict)
    events: dict[int, list[asyncpg.Record]] = field(default_factory=dict)
    roles: dict[int, list[asyncpg.Record]] = field(default_factory=dict)
    member: dict[int, asyncpg.Record] = field(default_factory=dict)  # article_stories row
    stories: list[asyncpg.Record] = field(default_factory=list)
    groups: list[asyncpg.Record] = field(default_factory=list)
    qkeys: list[asyncpg.Record] = field(default_factory=list)
    speakers: dict[int, tuple[str, str]] = field(default_factory=dict)  # id -> (name, key)
    aliases: list[asyncpg.Record] = field(default_factory=list)
    df: str | None = None
    seq: int = 0


async def read_pool(con: asyncpg.Connection) -> Pool:
    """Read every row the pool's ingest wrote."""
    p = Pool()
    p.articles = await con.fetch("SELECT id, url, guid, source_id, content_hash, minhash, title, author, text, "
                                 "published, fetched, summary, analyzed FROM articles ORDER BY id")
    for r in await con.fetch("SELECT key, article_id FROM article_bands ORDER BY article_id, key"):
        p.bands.setdefault(r[1], []).append(r[0])
    for r in await con.fetch("SELECT workspace, article_id, via, added_at FROM workspace_articles"):
        p.grants.setdefault(r[1], []).append(r)
    for r in await con.fetch("SELECT id, article_id, speaker_id, own_speaker_id, quote, start, \"end\", role, cue, "
                             "mention, is_key, confidence, group_id FROM quotes ORDER BY id"):
        p.quotes.setdefault(r[1], []).append(r)
    for r in await con.fetch("SELECT article_id, date_start, date_end, granularity, expression, text, start, "
                             "\"end\", entities FROM events ORDER BY id"):
        p.events.setdefault(r[0], []).append(r)
    for r in await con.fetch("SELECT speaker_id, role, article_id, seen FROM speaker_roles"):
        p.roles.setdefault(r[2], []).append(r)
    for r in await con.fetch("SELECT article_id, story_id, at, arrived, published, host, seq, first_seq, sig "
                             "FROM article_stories"):
        p.member[r[0]] = r
    p.stories = await con.fetch("SELECT id, headline, first_at, last_at, articles, outlets, merged_into, merged_at, "
                                "seq, created_at FROM stories ORDER BY id")
    p.groups = await con.fetch("SELECT id, story_id, speaker_id, role, status, statement, evidence, lead_quote_id, "
                               "instances, outlets, variants, updated_at FROM quote_groups ORDER BY id")
    p.qkeys = await con.fetch("SELECT key, day, quote_id, words FROM quote_keys")
    p.speakers = {int(r[0]): (r[1], r[2]) for r in await con.fetch("SELECT id, name, key FROM speakers")}
    p.aliases = await con.fetch("SELECT speaker_id, alias FROM speaker_aliases")
    state = {r[0]: (r[1], r[2]) for r in await con.fetch("SELECT name, value, data FROM story_state")}
    p.seq = int(state.get("seq", (0, None))[0])
    p.df = state.get("df", (0, None))[1]
    return p


class Renamer:
    """Exchange the corpus's speakers for others of the same pronoun: names in text, keys for rows."""

    def __init__(self, corpus: Corpus) -> None:
        self.speakers = corpus.speakers
        self.n = len(corpus.speakers)
        self.full = {s.name: j for j, s in enumerate(corpus.speakers)}
        self.surname = {s.surname: j for j, s in enumerate(corpus.speakers)}
        self.key_full = {speaker_key(s.name): j for j, s in enumerate(corpus.speakers)}
        self.key_surname = {speaker_key(s.surname): j for j, s in enumerate(corpus.speakers)}
        # Every name is capitalised words: find those, then look them up (one alternation of 8,000 names is slow).
        self.pattern = re.compile(r"\b[A-Z][a-z]+\b")

    def shift(self, k: int) -> int:
        """Return copy ``k``'s speaker shift (even: a speaker's pronoun is its index's parity)."""
        return (2 * (k * 617)) % self.n if k else 0

    def other(self, j: int, shift: int) -> int:
        """Return the speaker that stands in for speaker ``j`` in a copy of this shift."""
        return (j + shift) % self.n

    def text(self, s: str, shift: int) -> tuple[str, list[int], list[int]]:
        """Return ``s`` with every speaker name exchanged, and the (start, cumulative length change) steps."""
        if not shift or not s:
            return s, [], []
        starts: list[int] = []
        deltas: list[int] = []
        out: list[str] = []
        last = 0
        total = 0
        prev: re.Match[str] | None = None
        for m in self.pattern.finditer(s):
            word = m.group(0)
            j = self.surname.get(word)
            if j is None:
                prev = m
                continue
            start, old = m.start(), word
            new = self.speakers[self.other(j, shift)].surname
            if prev is not None and prev.end() + 1 == start and f"{prev.group(0)} {word}" in self.full \
                    and prev.start() >= last:
                # The full name: its first name changes too.
                start, old = prev.start(), f"{prev.group(0)} {word}"
                new = self.speakers[self.other(self.full[old], shift)].name
            prev = m
            out.append(s[last:start])
            out.append(new)
            last = m.end()
            total += len(new) - len(old)
            starts.append(start)
            deltas.append(total)
        out.append(s[last:])
        return "".join(out), starts, deltas

    def key(self, key: str, shift: int) -> tuple[str, str] | None:
        """Return the (name, key) standing in for a stored speaker key, or None when it is no corpus speaker."""
        j = self.key_full.get(key)
        if j is not None:
            sp = self.speakers[self.other(j, shift)]
            return sp.name, speaker_key(sp.name)
        j = self.key_surname.get(key)
        if j is not None:
            sp = self.speakers[self.other(j, shift)]
            return sp.surname, speaker_key(sp.surname)
        return None


def moved(offset: int, starts: list[int], deltas: list[int]) -> int:
    """Return where ``offset`` of the original text lands after the exchanges (``Renamer.text``)."""
    i = bisect.bisect_right(starts, offset - 1)
    return offset + (deltas[i - 1] if i else 0)


def scramble(band: int, k: int) -> int:
    """Return a band key of copy ``k``: distinct per copy, stable per (band, copy)."""
    x = ((band & _MASK) * 0x9E3779B97F4A7C15 + k * 0xBF58476D1CE4E5B9 + 1) & _MASK
    x ^= x >> 31
    return x - (1 << 64) if x >= 1 << 63 else x


@dataclass
class Ids:
    """The next free id of each table, and the speakers known by key."""

    article: int = 0
    quote: int = 0
    story: int = 0
    group: int = 0
    speaker: int = 0
    speakers: dict[str, int] = field(default_factory=dict)
    new_speakers: list[tuple[int, str, str, str]] = field(default_factory=list)
    aliases: set[tuple[int, str]] = field(default_factory=set)
    counts: dict[tuple[str, int], int] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)

    def speaker_id(self, name: str, key: str) -> int:
        """Return the id of the speaker with this key, making a row for it when new."""
        sid = self.speakers.get(key)
        if sid is None:
            self.speaker += 1
            sid = self.speakers[key] = self.speaker
            self.new_speakers.append((sid, name, key, key.split()[-1]))
            self.names[sid] = name
        return sid


Rows = dict[str, list[tuple[Any, ...]]]


def copy_rows(pool: Pool, ren: Renamer, ids: Ids, k: int, limit: int, span: timedelta, seq_span: int) -> Rows:
    """Return copy ``k``'s rows for every table (its first ``limit`` pool articles), ids taken from ``ids``."""
    shift = ren.shift(k)
    delta = span * k
    out: Rows = {t: [] for t in BIG}
    spk: dict[int, int] = {}  # pool speaker id -> this copy's

    def speaker(sid: int | None) -> int | None:
        if sid is None:
            return None
        got = spk.get(sid)
        if got is None:
            name, key = pool.speakers[sid]
            other = ren.key(key, shift)
            got = spk[sid] = ids.speaker_id(*other) if other else ids.speaker_id(name, key)
        return got

    story_ids = {int(s[0]): ids.story + n + 1 for n, s in enumerate(pool.stories)}
    ids.story += len(pool.stories)
    group_ids = {int(g[0]): ids.group + n + 1 for n, g in enumerate(pool.groups)}
    ids.group += len(pool.groups)
    quote_ids: dict[int, int] = {}
    quote_days: dict[int, int] = {}
    days_of: dict[int, int] = {}
    used_stories: set[int] = set()
    for n, a in enumerate(pool.articles[:limit]):
        pid = int(a[0])
        i = k * len(pool.articles) + n
        ids.article += 1
        aid = ids.article
        text, starts, deltas = ren.text(a["text"], shift)
        published = a["published"] + delta if a["published"] else None
        # Dates (events, quote days) move by the calendar days the article's publication moved.
        ddays = published.date() - a["published"].date() if published else timedelta(0)
        days_of[pid] = ddays.days
        fetched = a["fetched"] + delta
        host = a["url"].split("/")[2]
        slug = a["url"].rsplit("/", 1)[1].rsplit("-", 1)[0]
        url = f"https://{host}/{published:%Y/%m/%d}/{slug}-{i}"
        guid = f"{host}:{i}"
        chash = content_hash(a["title"], text) if shift else a["content_hash"]
        out["articles"].append((aid, url, guid, a["source_id"], chash, a["minhash"], a["title"], a["author"], text,
                                published, fetched, ren.text(a["summary"], shift)[0], a["analyzed"]))
        art = NewArticle(title=a["title"], text="", url=url, guid=guid, published=published, source_id=a["source_id"])
        out["article_keys"] += [(key, aid) for key in article_keys(art)]
        out["article_bands"] += [(scramble(b, k), aid) for b in pool.bands.get(pid, ())]
        workspaces = []
        for g in pool.grants.get(pid, ()):
            out["workspace_articles"].append((g[0], aid, g[2], g[3] + delta))
            workspaces.append(g[0])
        for q in pool.quotes.get(pid, ()):
            ids.quote += 1
            quote_ids[int(q[0])] = ids.quote
            quote_days[int(q[0])] = days_of[pid]
            sid, own = speaker(q[2]), speaker(q[3])
            mention = ren.text(q[9], shift)[0] if q[9] else q[9]
            out["quotes"].append((ids.quote, aid, sid, own, q[4], moved(q[5], starts, deltas),
                                  moved(q[6], starts, deltas), q[7], q[8], mention, q[10], q[11],
                                  group_ids.get(q[12]) if q[12] is not None else None))
            if sid is not None:
                for ws in workspaces:
                    ids.counts[(ws, sid)] = ids.counts.get((ws, sid), 0) + 1
        for e in pool.events.get(pid, ()):
            out["events"].append((aid, e[1] + ddays, e[2] + ddays, e[3], e[4], ren.text(e[5], shift)[0],
                                  moved(e[6], starts, deltas), moved(e[7], starts, deltas),
                                  ren.text(e[8], shift)[0]))
        for r in pool.roles.get(pid, ()):
            out["speaker_roles"].append((speaker(r[0]), r[1], aid, r[3] + delta if r[3] else None))
        m = pool.member.get(pid)
        if m is not None:
            sid = story_ids[int(m[1])]
            used_stories.add(int(m[1]))
            out["article_stories"].append((aid, sid, m[2] + delta, m[3] + delta, m[4] + delta if m[4] else None,
                                           m[5], m[6] + seq_span * k, m[7] + seq_span * k, m[8]))
    for s in pool.stories:
        if limit < len(pool.articles) and int(s[0]) not in used_stories and s[6] is None:
            continue
        into = story_ids.get(int(s[6])) if s[6] is not None else None
        out["stories"].append((story_ids[int(s[0])], s[1], _add(s[2], delta), _add(s[3], delta), s[4], s[5], into,
                               _add(s[7], delta), s[8] + seq_span * k, s[9] + delta))
    for g in pool.groups:
        lead = quote_ids.get(int(g[7])) if g[7] is not None else None
        out["quote_groups"].append((group_ids[int(g[0])], story_ids.get(g[1]) if g[1] is not None else None,
                                    speaker(g[2]), g[3], g[4], g[5], g[6], lead, g[8], g[9], g[10], g[11] + delta))
    for qk in pool.qkeys:
        qid = quote_ids.get(int(qk[2]))
        if qid is not None:
            out["quote_keys"].append((qk[0], qk[1] + quote_days[int(qk[2])] if qk[1] else 0, qid, qk[3]))
    for al in pool.aliases:
        sid = speaker(al[0])
        if sid is not None:
            ids.aliases.add((sid, ren.text(al[1], shift)[0]))
    return out


def _add(t: datetime | None, d: timedelta) -> datetime | None:
    return t + d if t is not None else None


COLUMNS = {
    "articles": ("id", "url", "guid", "source_id", "content_hash", "minhash", "title", "author", "text", "published",
                 "fetched", "summary", "analyzed"),
    "article_keys": ("key", "article_id"),
    "article_bands": ("key", "article_id"),
    "workspace_articles": ("workspace", "article_id", "via", "added_at"),
    "quotes": ("id", "article_id", "speaker_id", "own_speaker_id", "quote", "start", "end", "role", "cue", "mention",
               "is_key", "confidence", "group_id"),
    "events": ("article_id", "date_start", "date_end", "granularity", "expression", "text", "start", "end",
               "entities"),
    "speaker_roles": ("speaker_id", "role", "article_id", "seen"),
    "article_stories": ("article_id", "story_id", "at", "arrived", "published", "host", "seq", "first_seq", "sig"),
    "stories": ("id", "headline", "first_at", "last_at", "articles", "outlets", "merged_into", "merged_at", "seq",
                "created_at"),
    "quote_groups": ("id", "story_id", "speaker_id", "role", "status", "statement", "evidence", "lead_quote_id",
                     "instances", "outlets", "variants", "updated_at"),
    "quote_keys": ("key", "day", "quote_id", "words"),
}


async def drop_keys(con: asyncpg.Connection) -> list[str]:
    """Drop the foreign keys, unique keys and secondary indexes of the big tables; return the SQL that rebuilds them."""
    tables = list(BIG)
    fks = await con.fetch(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND (conrelid::regclass::text = ANY($1) OR confrelid::regclass::text = ANY($1))", tables)
    keys = await con.fetch(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype IN ('p', 'u') AND conrelid::regclass::text = ANY($1)", tables)
    idx = await con.fetch(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid::regclass::text = ANY($1) AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)", tables)
    for t, name, _ in fks:
        await con.execute(f'ALTER TABLE {t} DROP CONSTRAINT "{name}"')
    for t, name, _ in keys:
        await con.execute(f'ALTER TABLE {t} DROP CONSTRAINT "{name}"')
    for name, _ in idx:
        await con.execute(f"DROP INDEX {name}")
    # Keys first (the foreign keys need them), then the other indexes, then the foreign keys.
    return ([f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d in keys] + [d for _, d in idx]
            + [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d in fks])


async def copy(con: asyncpg.Connection, rows: Rows) -> None:
    """COPY every table's rows of one round."""
    for table, cols in COLUMNS.items():
        if rows.get(table):
            await con.copy_records_to_table(table, records=rows[table], columns=list(cols))


async def build(n_articles: int, url: str, *, pool_size: int = 4000, workers: int = 2, seed: int = 9,
                log: Callable[[str], None] = print) -> dict[str, Any]:
    """Build the store of the bench's ``n_articles`` run up to its tail in the empty database at ``url``."""
    from bot.commands import load
    from bot.config import Settings
    from bot.services import Services

    corpus = Corpus(n_articles, seed=seed)
    tail = tail_start(corpus)
    n_feeds = len(corpus.feeds)
    pool_size = max(n_feeds, min(pool_size, tail) // n_feeds * n_feeds)
    fig: dict[str, Any] = {"n_articles": n_articles, "tail": tail, "pool": pool_size}
    t0 = time.perf_counter()
    settings = Settings(_env_file=None, db_path=Path("unused.db"), workers=workers,  # type: ignore[call-arg]
                        load_samples=False, database_url=url)
    load()
    svc = await Services.create(settings, warm=True)
    try:
        if await svc.store.count_articles():
            raise SystemExit("bench.bulk: the database is not empty; give an empty one")
        source_ids = await setup_feeds(svc, corpus)
        await ingest_range(svc, corpus, 0, pool_size, source_ids, batch=64, in_flight=workers + 1)
    finally:
        await svc.close()
    fig["pool_s"] = round(time.perf_counter() - t0, 1)
    log(f"bulk: pool of {pool_size} articles ingested in {fig['pool_s']:.0f} s")

    con = await asyncpg.connect(url)
    try:
        await con.execute("SET synchronous_commit = off")
        await con.execute("SET maintenance_work_mem = '512MB'")
        pool = await read_pool(con)
        if len(pool.articles) != pool_size:
            raise SystemExit(f"bench.bulk: the pool stored {len(pool.articles)} of {pool_size} articles")
        ren = Renamer(corpus)
        maxes = await con.fetchrow(
            "SELECT (SELECT max(id) FROM articles), (SELECT coalesce(max(id), 0) FROM quotes), "
            "(SELECT coalesce(max(id), 0) FROM stories), (SELECT coalesce(max(id), 0) FROM quote_groups), "
            "(SELECT coalesce(max(id), 0) FROM speakers)")
        ids = Ids(article=maxes[0], quote=maxes[1], story=maxes[2], group=maxes[3], speaker=maxes[4])
        ids.speakers = {key: sid for sid, (_, key) in pool.speakers.items()}
        ids.names = {sid: name for sid, (name, _) in pool.speakers.items()}
        ids.aliases = {(int(r[0]), r[1]) for r in pool.aliases}
        span = corpus.published(pool_size) - corpus.published(0)
        seq_span = pool.seq + 1
        # The pool's own counts: copy 0 is the pool itself.
        for pid, quotes in pool.quotes.items():
            for q in quotes:
                if q[2] is not None:
                    for g in pool.grants.get(pid, ()):
                        ids.counts[(g[0], int(q[2]))] = ids.counts.get((g[0], int(q[2])), 0) + 1
        t1 = time.perf_counter()
        rebuild = await drop_keys(con)
        copies = -(-tail // pool_size)
        done = pool_size
        rows_total = 0
        t_gen = 0.0
        for k in range(1, copies):
            limit = min(pool_size, tail - k * pool_size)
            tg = time.perf_counter()
            rows = copy_rows(pool, ren, ids, k, limit, span, seq_span)
            t_gen += time.perf_counter() - tg
            await copy(con, rows)
            rows_total += sum(len(v) for v in rows.values())
            done += limit
            if k % max(1, copies // 20) == 0 or k == copies - 1:
                el = time.perf_counter() - t1
                log(f"bulk: {done}/{tail} articles, {rows_total:,} rows in {el:.0f} s "
                    f"({done / max(el, 1e-9):.0f} articles/s; python {t_gen:.0f} s)")
        await con.copy_records_to_table("speakers", records=ids.new_speakers, columns=["id", "name", "key",
                                                                                       "last_key"])
        await con.execute("TRUNCATE speaker_aliases, workspace_speakers")
        await con.copy_records_to_table("speaker_aliases", records=sorted(ids.aliases),
                                        columns=["speaker_id", "alias"])
        await con.copy_records_to_table(
            "workspace_speakers", records=[(ws, sid, ids.names[sid], n) for (ws, sid), n in sorted(ids.counts.items())],
            columns=["workspace", "speaker_id", "name", "quote_count"])
        fig["copy_s"] = round(time.perf_counter() - t1, 1)
        fig["python_s"] = round(t_gen, 1)
        log(f"bulk: rows copied in {fig['copy_s']:.0f} s; rebuilding {len(rebuild)} indexes and keys")
        t2 = time.perf_counter()
        for sql in rebuild:
            ts = time.perf_counter()
            await con.execute(sql)
            log(f"  {time.perf_counter() - ts:6.1f} s  {sql[:110]}")
        for table, col in (("articles", "id"), ("quotes", "id"), ("events", "id"), ("stories", "id"),
                           ("quote_groups", "id"), ("speakers", "id")):
            sql = f"SELECT setval(pg_get_serial_sequence('{table}', '{col}'), (SELECT coalesce(max({col}), 1) FROM {table}))"  # noqa: S608,E501 - our names
            await con.execute(sql)
        seq = seq_span * (copies - 1) + pool.seq
        await con.execute("UPDATE story_state SET value = $1 WHERE name = 'seq'", seq)
        await con.execute("UPDATE story_state SET value = $1 WHERE name = 'swept'", ids.article)
        if pool.df:
            # The document frequencies as the assigner would have counted them over every copy.
            data = json.loads(pool.df)
            scale = tail / max(1, pool_size)
            data["n"] = int(data.get("n", 0) * scale)
            data["df"] = {kind: {w: max(1, round(c * scale)) for w, c in counts.items()}
                          for kind, counts in (data.get("df") or {}).items()}
            await con.execute("UPDATE story_state SET value = $1, data = $2 WHERE name = 'df'", seq,
                              json.dumps(data, separators=(",", ":"), ensure_ascii=False))
        fig["index_s"] = round(time.perf_counter() - t2, 1)
        t3 = time.perf_counter()
        await con.execute("VACUUM (ANALYZE)")
        fig["vacuum_s"] = round(time.perf_counter() - t3, 1)
        # The recent-rows search indexes a running bot builds when the tables outgrow them: built here, so the
        # bench's first minutes do not build them beside the commands it times.
        t4 = time.perf_counter()
        fig["recent_indexes"] = await recent_indexes(url)
        fig["recent_s"] = round(time.perf_counter() - t4, 1)
        marks = await con.fetchrow(
            "SELECT (SELECT count(*) FROM articles), (SELECT max(id) FROM articles), "
            "(SELECT coalesce(max(id), 0) FROM stories), (SELECT coalesce(max(id), 0) FROM quote_groups), "
            "(SELECT coalesce(max(id), 0) FROM speakers), pg_database_size(current_database())")
        fig.update(articles=marks[0], bytes=marks[5], build_s=round(time.perf_counter() - t0, 1))
        meta = {"bench.bulk": {"articles": marks[0], "article_id": marks[1], "story_id": marks[2],
                               "group_id": marks[3], "speaker_id": marks[4], "seq": seq, "tail": tail,
                               "n_articles": n_articles, "seed": seed}}
        name = await con.fetchval("SELECT current_database()")
        await con.execute(f"COMMENT ON DATABASE \"{name}\" IS '{json.dumps(meta)}'")
    finally:
        await con.close()
    log(f"bulk: {fig['articles']} articles in {fig['build_s']:.0f} s (pool {fig['pool_s']:.0f}, copy "
        f"{fig['copy_s']:.0f}, indexes {fig['index_s']:.0f}, vacuum {fig['vacuum_s']:.0f}); "
        f"{fig['bytes'] / 2**30:.1f} GiB")
    return fig


async def recent_indexes(url: str) -> list[str]:
    """Build the store's recent-rows search indexes now; return their names."""
    from digests.store._pg import PgStore

    store = await PgStore.connect(url)
    try:
        if store._refresh is not None:  # the one connect started: let it finish, then make sure
            await store._refresh
        return await store.refresh_recent_indexes()
    finally:
        await store.close()


async def reset_tail(url: str, log: Callable[[str], None] = print) -> int:
    """Delete what a bench run added after the bulk build (its tail); return how many articles went."""
    con = await asyncpg.connect(url)
    try:
        raw = await con.fetchval("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                                 "WHERE datname = current_database()")
        meta = json.loads(raw or "{}").get("bench.bulk")
        if not meta:
            raise SystemExit("bench.bulk: this database was not built by bench.bulk")
        async with con.transaction():
            gone = int((await con.fetchval("WITH d AS (DELETE FROM articles WHERE id > $1 RETURNING 1) "
                                           "SELECT count(*) FROM d", meta["article_id"])) or 0)
            await con.execute("UPDATE quotes SET group_id = NULL WHERE group_id > $1", meta["group_id"])
            await con.execute("DELETE FROM quote_groups WHERE id > $1", meta["group_id"])
            await con.execute("DELETE FROM article_stories WHERE story_id > $1", meta["story_id"])
            await con.execute("DELETE FROM stories WHERE id > $1", meta["story_id"])
            await con.execute("UPDATE story_state SET value = $1 WHERE name = 'seq'", meta["seq"])
            await con.execute("UPDATE story_state SET value = LEAST(value, $1) WHERE name = 'swept'",
                              meta["article_id"])
        log(f"bulk: removed {gone} articles added after the build")
        return gone
    finally:
        await con.close()


async def _exists(url: str) -> bool:
    try:
        con = await asyncpg.connect(url)
    except asyncpg.InvalidCatalogNameError:
        return False
    try:
        raw = await con.fetchval("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                                 "WHERE datname = current_database()")
        return bool(raw and "bench.bulk" in raw)
    finally:
        await con.close()


async def _create(url: str) -> None:
    base, _, name = url.rpartition("/")
    con = await asyncpg.connect(base + "/postgres")
    try:
        if not await con.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await con.execute(f'CREATE DATABASE "{name}"')
    finally:
        await con.close()


def main(argv: list[str] | None = None) -> int:
    """Build the bulk store (or reset it to the build) and print the figures."""
    ap = argparse.ArgumentParser(prog="python -m bench.bulk", description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=1_000_000)
    ap.add_argument("--database-url", required=True, help="postgresql://… of an empty (or missing) database")
    ap.add_argument("--pool", type=int, default=4000, help="articles ingested for real and then copied")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--if-missing", action="store_true", help="do nothing when the database holds a bulk build")
    ap.add_argument("--reset-tail", action="store_true", help="delete what a bench run added after the build")
    ap.add_argument("--recent-indexes", action="store_true", help="only build the recent-rows search indexes")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    if args.reset_tail:
        asyncio.run(reset_tail(args.database_url, log))
        return 0
    if args.recent_indexes:
        log(f"bulk: built {asyncio.run(recent_indexes(args.database_url))}")
        return 0
    if args.if_missing and asyncio.run(_exists(args.database_url)):
        log("bulk: the database already holds a bulk build; nothing to do")
        return 0
    asyncio.run(_create(args.database_url))
    fig = asyncio.run(build(args.articles, args.database_url, pool_size=args.pool, workers=args.workers,
                            seed=args.seed, log=log))
    fig["built_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    if args.json:
        args.json.write_text(json.dumps(fig, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(fig, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
