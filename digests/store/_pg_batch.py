"""PostgreSQL bulk writes: a chunk of articles in a handful of statements instead of ~15 round trips each.

The rules are the SQLite writer's (``digests.store._batch``): a stored article is found by its URL/GUID keys,
then its body hash, then a near-same body; a bare surname joins the one full name the workspace knows unless
contradicted; a grant counts the article's speakers in the workspace. Each article's answer depends on what the
articles before it in the chunk wrote, so the chunk is planned in Python over what the database held before it
(two reads: duplicates, then speakers), tracking the chunk's own writes as the sequential writer would make
them, and then written with set-based statements (``unnest`` of arrays), in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from digests.models import Quote
from digests.nlp.speakers import speaker_key
from digests.store._batch import (
    NEAR_BANDS,
    PUBLIC_ARTICLE,
    BatchItem,
    Prepared,
    exact_hashes,
    is_public,
    near_workspace,
    nearest,
    stored_hash,
    surname_owner,
)
from digests.store._records import AddResult

LOCK_QUOTE_GROUPS = 0x71756F74  # advisory lock: one process at a time groups quotes

# One read for a chunk's duplicates. Keys: only those of public articles. Hashes: the ones each article may
# duplicate (``exact_hashes``: a private upload's are its workspace's own). Per article i (bands a 2-D array,
# row i): the same candidates as the sequential check, at most 200 stored articles sharing enough bands that
# are public or visible to its workspace (or, on a second look, made visible by an earlier article of the chunk);
# a public article's workspace is NULL (public candidates only).
_DUPLICATES = f"""
SELECT 0 AS kind, NULL::int AS i, k.key AS key, a.id, a.title, NULL::bytea AS minhash, TRUE AS public
  FROM article_keys k JOIN articles a ON a.id = k.article_id WHERE k.key = ANY($1::text[]) AND {PUBLIC_ARTICLE}
UNION ALL
SELECT 1, NULL, a.content_hash, a.id, a.title, NULL, {PUBLIC_ARTICLE}
  FROM articles a WHERE a.content_hash = ANY($2::text[])
UNION ALL
SELECT 2, u.i, NULL, c.id, c.title, c.minhash, c.public
  FROM unnest($3::int[], $4::text[]) WITH ORDINALITY AS u(i, ws, n)
  CROSS JOIN LATERAL (
    SELECT a.id, a.title, a.minhash, {PUBLIC_ARTICLE} AS public
    FROM (SELECT b.article_id FROM article_bands b WHERE b.key = ANY(($5::bigint[])[u.n::int:u.n::int])
          GROUP BY b.article_id HAVING COUNT(*) >= $7) m JOIN articles a ON a.id = m.article_id
    WHERE {PUBLIC_ARTICLE} OR (u.ws IS NOT NULL AND a.id = ANY($6::bigint[]))
      OR EXISTS (SELECT 1 FROM workspace_articles w WHERE w.article_id = a.id AND w.workspace = u.ws)
    LIMIT 200) c
"""  # noqa: S608 (only the constant PUBLIC_ARTICLE is composed in; every value is bound)

# One read for the surname rule: the full names each (workspace, surname) already knows (two tell "several"),
# and the stored full names with those surnames that the chunk's own articles or grants may bring into a
# workspace, each with its distinct roles.
_SPEAKERS = """
SELECT 0 AS kind, u.ws, NULL::bigint AS article_id, c.id, c.key, c.roles
  FROM unnest($1::text[], $2::text[]) AS u(ws, surname) CROSS JOIN LATERAL (
    SELECT s.id, s.key, ARRAY(SELECT DISTINCT r.role FROM speaker_roles r WHERE r.speaker_id = s.id) AS roles
    FROM speakers s JOIN workspace_speakers w ON w.speaker_id = s.id
    WHERE w.workspace = u.ws AND s.last_key = u.surname AND s.key != s.last_key LIMIT 2) c
UNION ALL
SELECT 1, NULL, NULL, s.id, s.key, ARRAY(SELECT DISTINCT r.role FROM speaker_roles r WHERE r.speaker_id = s.id)
  FROM speakers s WHERE s.key = ANY($3::text[])
UNION ALL
SELECT 2, NULL, x.article_id, s.id, s.key, ARRAY(SELECT DISTINCT r.role FROM speaker_roles r
                                                 WHERE r.speaker_id = s.id)
  FROM (SELECT DISTINCT article_id, speaker_id FROM quotes WHERE article_id = ANY($4::bigint[])) x
  JOIN speakers s ON s.id = x.speaker_id WHERE s.last_key = ANY($5::text[]) AND s.key != s.last_key
"""

_INSERT_ARTICLES_AND_SPEAKERS = """
WITH a AS (
  INSERT INTO articles(url, guid, source_id, content_hash, minhash, title, author, text, published, fetched,
                       summary, analyzed)
  SELECT url, guid, source_id, content_hash, minhash, title, author, text, published, fetched, summary, analyzed
  FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::bytea[], $6::text[], $7::text[], $8::text[],
              $9::timestamptz[], $10::timestamptz[], $11::text[], $12::int[]) WITH ORDINALITY
       AS t(url, guid, source_id, content_hash, minhash, title, author, text, published, fetched, summary,
            analyzed, n)
  ORDER BY n RETURNING id, content_hash),
s AS (
  -- ON CONFLICT … DO UPDATE returns the row another process may have just inserted with the same key.
  INSERT INTO speakers(name, key, last_key) SELECT * FROM unnest($13::text[], $14::text[], $15::text[])
  ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key RETURNING id, key)
SELECT 0 AS kind, id, content_hash AS key FROM a UNION ALL SELECT 1, id, key FROM s
"""

_INSERT_ROWS = """
WITH k AS (INSERT INTO article_keys(key, article_id) SELECT * FROM unnest($1::text[], $2::bigint[])
           ON CONFLICT DO NOTHING),
b AS (INSERT INTO article_bands(key, article_id) SELECT * FROM unnest($3::bigint[], $4::bigint[])
      ON CONFLICT DO NOTHING),
al AS (INSERT INTO speaker_aliases(speaker_id, alias) SELECT * FROM unnest($5::bigint[], $6::text[])
       ON CONFLICT DO NOTHING),
q AS (INSERT INTO quotes(article_id, speaker_id, own_speaker_id, quote, start, "end", role, cue, mention, is_key,
                         confidence)
      SELECT a, s, s, qu, st, en, ro, cu, me, ik, cf FROM unnest($7::bigint[], $8::bigint[], $9::text[], $10::int[],
             $11::int[], $12::text[], $13::text[], $14::text[], $15::int[], $29::real[]) WITH ORDINALITY
             AS t(a, s, qu, st, en, ro, cu, me, ik, cf, n) ORDER BY n),
r AS (INSERT INTO speaker_roles(speaker_id, role, article_id, seen)
      SELECT * FROM unnest($16::bigint[], $17::text[], $18::bigint[], $19::timestamptz[]) ON CONFLICT DO NOTHING)
INSERT INTO events(article_id, date_start, date_end, granularity, expression, text, start, "end", entities)
SELECT a, ds, de, g, ex, tx, st, en, ent FROM unnest($20::bigint[], $21::date[], $22::date[], $23::text[],
       $24::text[], $25::text[], $26::int[], $27::int[], $28::text[]) WITH ORDINALITY
       AS t(a, ds, de, g, ex, tx, st, en, ent, n) ORDER BY n
"""

# Grants after the quotes are in (a later statement sees them): each new grant counts its article's speakers.
# LATERAL and a lookup by id: the planner cannot size the CTE, and a plain join hashed it against a scan of
# every quote (0.2 s per chunk at 50k articles) and of every speaker; per grant, quotes_article finds its quotes.
_GRANT = """
WITH g AS (INSERT INTO workspace_articles(workspace, article_id, via, added_at)
           SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::timestamptz[])
           ON CONFLICT DO NOTHING RETURNING workspace, article_id),
c AS (INSERT INTO workspace_speakers(workspace, speaker_id, name, quote_count)
      SELECT g.workspace, n.speaker_id, (SELECT s.name FROM speakers s WHERE s.id = n.speaker_id),
             SUM(n.quotes)::int
      FROM g CROSS JOIN LATERAL (SELECT q.speaker_id, COUNT(*) AS quotes FROM quotes q
                                 WHERE q.article_id = g.article_id AND q.speaker_id IS NOT NULL
                                 GROUP BY q.speaker_id) n
      GROUP BY g.workspace, n.speaker_id ORDER BY g.workspace, n.speaker_id
      ON CONFLICT (workspace, speaker_id) DO UPDATE
      SET quote_count = workspace_speakers.quote_count + EXCLUDED.quote_count)
SELECT workspace, article_id FROM g
"""


async def grant_many(con: asyncpg.Connection, grants: Sequence[tuple[str, int, str, datetime]],
                     ) -> set[tuple[str, int]]:
    """Let workspaces see articles (workspace, article id, via, when); return the (workspace, id) pairs that are new."""
    if not grants:
        return set()
    rows = await con.fetch(_GRANT, *_columns(grants, 4))
    return {(r[0], int(r[1])) for r in rows}


@dataclass(slots=True)
class Found:
    """What the database holds that a chunk's articles may duplicate."""

    keys: dict[str, tuple[int, str]] = field(default_factory=dict)
    hashes: dict[str, tuple[int, str]] = field(default_factory=dict)
    near: dict[int, list[tuple[int, str, bytes]]] = field(default_factory=dict)
    public: set[int] = field(default_factory=set)  # those from the web (URL or feed): every workspace may link


async def find_stored(con: asyncpg.Connection, keys: Iterable[str], hashes: Iterable[str],
                      near: Sequence[tuple[int, str | None, Sequence[int]]] = (),
                      also_visible: Sequence[int] = ()) -> Found:
    """Look up stored articles by key and body hash, and near-duplicate candidates per (index, workspace, bands)."""
    bands = [list(b) for _, _, b in near]
    width = max((len(b) for b in bands), default=0)
    if not width:
        near, bands = (), []
    # A 2-D array must be rectangular; repeating a band key changes nothing for ANY().
    bands = [b + [b[0]] * (width - len(b)) if b else [0] * width for b in bands]
    rows = await con.fetch(_DUPLICATES, sorted(set(keys)), sorted(set(hashes)), [i for i, _, _ in near],
                           [ws for _, ws, _ in near], bands or None, list(also_visible), NEAR_BANDS)
    found = Found()
    for kind, i, key, aid, title, sig, public in rows:
        if public:
            found.public.add(int(aid))
        if kind == 0:
            found.keys[key] = (int(aid), title)
        elif kind == 1:
            found.hashes[key] = (int(aid), title)
        else:
            found.near.setdefault(int(i), []).append((int(aid), title, bytes(sig)))
    return found


def match_stored(found: Found, keys: Iterable[str], hashes: Iterable[str]) -> AddResult | None:
    """Return the exact duplicate ``found`` holds for an article's keys or hashes (``exact_hashes``; keys first)."""
    for key in keys:
        if key in found.keys:
            return AddResult(found.keys[key][0], "duplicate", found.keys[key][1])
    for h in hashes:
        if h in found.hashes:
            return AddResult(found.hashes[h][0], "duplicate", found.hashes[h][1])
    return None


@dataclass(slots=True)
class _New:
    """An article of the chunk that will be inserted (``ref`` is negative until it has an id)."""

    ref: int
    item: BatchItem
    prep: Prepared
    public: bool
    hash: str  # the content hash it is stored under (``stored_hash``)
    visible: set[str] = field(default_factory=set)
    speakers: set[str] = field(default_factory=set)
    quotes: list[tuple[Quote, str | None]] = field(default_factory=list)


@dataclass(slots=True)
class _Chunk:
    """The chunk as the sequential writer would leave it, before anything is written."""

    items: Sequence[BatchItem]
    results: list[AddResult] = field(default_factory=list)
    new: dict[int, _New] = field(default_factory=dict)
    targets: list[int] = field(default_factory=list)  # per item, the article (id or ref) it is or duplicates
    keys: dict[str, tuple[int, str]] = field(default_factory=dict)  # article_keys rows: first writer wins
    bands: dict[int, set[int]] = field(default_factory=dict)  # band key -> new refs
    granted: dict[str, set[int]] = field(default_factory=dict)  # workspace -> stored ids granted by the chunk


async def _dedup(con: asyncpg.Connection, items: Sequence[BatchItem]) -> _Chunk:
    preps = [it.ready() for it in items]
    tries = [exact_hashes(p.content_hash, it.article, it.workspaces[0]) for it, p in zip(items, preps, strict=True)]
    found = await find_stored(con, (k for p in preps for k in p.keys), (h for t in tries for h in t),
                              [(i, near_workspace(it.article, it.workspaces[0]), p.bands)
                               for i, (it, p) in enumerate(zip(items, preps, strict=True))])
    chunk = _Chunk(items)
    hashes: dict[str, tuple[int, str]] = {}
    for i, (item, prep) in enumerate(zip(items, preps, strict=True)):
        first = item.workspaces[0]
        dup = _exact(found, chunk, hashes, prep, tries[i])
        if dup is None:
            near = found.near.get(i, [])
            shown = chunk.granted.get(first, set()) - found.public if not is_public(item.article) else set()
            if shown:
                # An earlier article of the chunk showed stored private uploads to this workspace, which the
                # first look could not count as candidates: look again with them.
                again = await find_stored(con, (), (), [(i, first, prep.bands)], sorted(shown))
                near = again.near.get(i, [])
                found.public |= again.public
            dup = nearest(prep.sig, near + _near_in_chunk(chunk, prep, near_workspace(item.article, first)))
        if dup is not None:
            for key in prep.keys:
                chunk.keys.setdefault(key, (dup.article_id, dup.title))
            target = dup.article_id
            chunk.results.append(dup)
        else:
            target = -(len(chunk.new) + 1)
            art = item.article
            own = stored_hash(prep.content_hash, art, first)
            chunk.new[target] = _New(target, item, prep, is_public(art), own)
            for key in prep.keys:
                chunk.keys.setdefault(key, (target, art.title))
            for band in prep.bands:
                chunk.bands.setdefault(band, set()).add(target)
            hashes[own] = (target, art.title)
            chunk.results.append(AddResult(target, "added", art.title))
        chunk.targets.append(target)
        for ws in item.workspaces:
            if target < 0:
                chunk.new[target].visible.add(ws)
            else:
                chunk.granted.setdefault(ws, set()).add(target)
    return chunk


def _exact(found: Found, chunk: _Chunk, hashes: dict[str, tuple[int, str]], prep: Prepared,
           tries: Sequence[str]) -> AddResult | None:
    for key in prep.keys:
        # A stored key keeps its article: the chunk's rows for it are inserted with ON CONFLICT DO NOTHING.
        # The chunk's own keys are all public articles' (a private upload has no URL and no feed GUID).
        ref, title = found.keys.get(key) or chunk.keys.get(key) or (0, "")
        if ref:
            return AddResult(ref, "duplicate", title)
    for h in tries:
        if h in hashes:
            return AddResult(hashes[h][0], "duplicate", hashes[h][1])
        if (dup := match_stored(found, (), (h,))) is not None:
            return dup
    return None


def _near_in_chunk(chunk: _Chunk, prep: Prepared, workspace: str | None) -> list[tuple[int, str, bytes]]:
    refs = sorted({r for band in prep.bands for r in chunk.bands.get(band, ())}, reverse=True)
    return [(r, n.item.article.title, n.prep.sig) for r in refs
            if (n := chunk.new[r]).public or workspace in n.visible]


@dataclass(slots=True)
class _Speakers:
    """Full names the surname rule may join, as the database held them before the chunk."""

    known: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (workspace, surname) -> keys
    roles: dict[str, set[str]] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    of_article: dict[int, set[str]] = field(default_factory=dict)


async def _read_speakers(con: asyncpg.Connection, chunk: _Chunk) -> _Speakers:
    names = [(n, q.speaker) for n in chunk.new.values() if n.item.analysis
             for q in n.item.analysis.quotes if q.speaker]
    keys = {speaker_key(s) for _, s in names} - {""}
    surnames = {k for k in keys if len(k.split()) == 1}
    out = _Speakers()
    if not surnames:
        return out
    pairs = sorted({(n.item.workspaces[0], k) for n, s in names if (k := speaker_key(s)) in surnames})
    full = sorted(k for k in keys if len(k.split()) > 1 and k.split()[-1] in surnames)
    stored = sorted({t for t in chunk.targets if t > 0})
    rows = await con.fetch(_SPEAKERS, [p[0] for p in pairs], [p[1] for p in pairs], full, stored, sorted(surnames))
    for kind, ws, article_id, sid, key, roles in rows:
        out.ids[key] = int(sid)
        out.roles[key] = set(roles)
        if kind == 0:
            out.known.setdefault((ws, key.split()[-1]), []).append(key)
        elif kind == 2:
            out.of_article.setdefault(int(article_id), set()).add(key)
    return out


def _resolve_speakers(chunk: _Chunk, db: _Speakers) -> list[tuple[str, str]]:
    """Give every quote of the chunk's new articles its speaker's key; return the aliases (key, name) to store."""
    seen: dict[str, set[str]] = {}  # workspace -> full-name keys the chunk's grants brought in
    roles: dict[str, set[str]] = {}  # roles the chunk's earlier articles recorded
    aliases: list[tuple[str, str]] = []
    for item, target in zip(chunk.items, chunk.targets, strict=True):
        new = chunk.new.get(target)
        if new is not None and new.item is item and item.analysis:
            first, text = item.workspaces[0], item.article.text
            ids: dict[str, str] = {}
            for q in item.analysis.quotes:
                name = q.speaker or ""
                key = speaker_key(name) if name else ""
                if not key:
                    new.quotes.append((q, None))
                    continue
                if name not in ids:
                    ids[name] = _resolve_one(name, key, first, text, q.role, db, seen, roles)
                    aliases.append((ids[name], name))
                new.quotes.append((q, ids[name]))
                new.speakers.add(ids[name])
            for q, said in new.quotes:
                if said and q.role:
                    roles.setdefault(said, set()).add(q.role)
        brought = chunk.new[target].speakers if target < 0 else db.of_article.get(target, set())
        for ws in item.workspaces:
            seen.setdefault(ws, set()).update(brought)
    return aliases


def _resolve_one(name: str, key: str, workspace: str, text: str, role: str | None, db: _Speakers,
                 seen: dict[str, set[str]], roles: dict[str, set[str]]) -> str:
    if len(key.split()) != 1:
        return key
    known = list(db.known.get((workspace, key), []))
    known += sorted(k for k in seen.get(workspace, ()) if k not in known and len(k.split()) > 1
                    and k.split()[-1] == key)
    owner = surname_owner(known, lambda k: db.roles.get(k, set()) | roles.get(k, set()), name, text, role)
    return owner if owner is not None else key


async def _group_quotes(con: asyncpg.Connection, news: Sequence[_New], ids: dict[int, int]) -> None:
    """Group the chunk's new quotes with the stored quotes of the same words (``_pg_quote_groups``)."""
    # Imported here: the quote-group rules live in digests.stories, which may import the store.
    from digests.store._pg_quote_groups import NewQuote, assign_groups
    from digests.store._quote_groups import day_of, quote_scope

    by_article = {ids[n.ref]: n for n in news if n.item.analysis and n.item.analysis.quotes}
    rows = await con.fetch("SELECT id, article_id, start, quote FROM quotes WHERE article_id = ANY($1::bigint[]) "
                           "ORDER BY id", sorted(by_article))
    # The keys, word counts and names the analysis workers computed, by each quote's place in its article.
    prepped: dict[int, dict[tuple[int, str], tuple[tuple[int, ...], int]]] = {}
    for aid, n in by_article.items():
        quotes = n.item.analysis.quotes if n.item.analysis else ()
        done = n.prep.quote_prep(quotes)
        if done is not None:
            prepped[aid] = {(q.start, q.quote): (k, w) for q, k, w in zip(quotes, done[0], done[1], strict=True)}
    new = []
    for qid, aid, start, text in rows:
        n = by_article[int(aid)]
        art = n.item.article
        got = prepped.get(int(aid), {}).get((int(start), str(text)))
        new.append(NewQuote(int(qid), int(aid), str(text), quote_scope(art, n.item.workspaces[0]),
                            day_of(art), art.text, got[0] if got else None, got[1] if got else None,
                            n.prep.names))
    await assign_groups(con, new, max(n.item.now for n in by_article.values()))


def _columns(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    return [[r[c] for r in rows] for c in range(width)] if rows else [[] for _ in range(width)]


async def add_chunk(con: asyncpg.Connection, items: Sequence[BatchItem]) -> list[AddResult]:
    """Store a chunk inside the caller's transaction, as the sequential writer would, in a few statements."""
    from digests.nlp import quotes as quote_nlp

    is_key_quote = getattr(quote_nlp, "is_key_quote", lambda q: bool(q.speaker))
    if any(it.analysis and it.analysis.quotes for it in items):
        # Quote groups are assigned from what the database holds: one process at a time, from before this
        # chunk's first write (taken later, it would wait while holding the speaker rows another process needs).
        await con.execute("SELECT pg_advisory_xact_lock($1)", LOCK_QUOTE_GROUPS)
    chunk = await _dedup(con, items)
    db = await _read_speakers(con, chunk)
    aliases = _resolve_speakers(chunk, db)
    names: dict[str, str] = {}
    for key, name in aliases:
        if key not in db.ids:
            names.setdefault(key, name)
    news = list(chunk.new.values())
    arts = [(n.item.article.url, n.item.article.guid, n.item.article.source_id, n.hash, n.prep.sig,
             n.item.article.title, n.item.article.author, n.item.article.text, n.item.article.published,
             n.item.now, n.item.analysis.summary if n.item.analysis else "", 1 if n.item.analysis else 0)
            for n in news]
    spk = [(names[k], k, k.split()[-1]) for k in sorted(names)]  # sorted: processes lock speakers in one order
    ids: dict[int, int] = {}
    if arts or spk:
        rows = await con.fetch(_INSERT_ARTICLES_AND_SPEAKERS, *_columns(arts, 12), *_columns(spk, 3))
        by_hash = {r[2]: int(r[1]) for r in rows if r[0] == 0}
        db.ids.update({r[2]: int(r[1]) for r in rows if r[0] == 1})
        ids = {n.ref: by_hash[n.hash] for n in news}

    def aid(ref: int) -> int:
        return ids[ref] if ref < 0 else ref

    keys = [(k, aid(ref)) for k, (ref, _) in chunk.keys.items()]
    bands = sorted({(b, aid(ref)) for b, refs in chunk.bands.items() for ref in refs})
    alias_rows = sorted({(db.ids[k], name) for k, name in aliases})
    quotes, roles, events = [], set(), []
    for n in news:
        art = n.item.article
        for q, said in n.quotes:
            sid = db.ids[said] if said else None
            quotes.append((ids[n.ref], sid, q.quote, q.start, q.end, q.role, q.cue, q.mention,
                           1 if is_key_quote(q) else 0, q.confidence))
            if sid is not None and q.role:
                roles.add((sid, q.role, ids[n.ref], art.published))
        for ev in n.item.analysis.events if n.item.analysis else ():
            events.append((ids[n.ref], ev.date_start, ev.date_end, ev.granularity, ev.expression, ev.text,
                           ev.start, ev.end, "; ".join(ev.entities)))
    role_rows = sorted(roles, key=lambda r: (r[0], r[1], r[2]))
    if keys or bands or quotes or events or alias_rows:
        cols = _columns(quotes, 10)
        await con.execute(_INSERT_ROWS, *_columns(keys, 2), *_columns(bands, 2), *_columns(alias_rows, 2),
                          *cols[:9], *_columns(role_rows, 4), *_columns(events, 9), cols[9])
    if quotes:
        await _group_quotes(con, news, ids)
    grants: dict[tuple[str, int], tuple[str, int, str, datetime]] = {}
    for item, target in zip(items, chunk.targets, strict=True):
        for ws in item.workspaces:
            grants.setdefault((ws, aid(target)), (ws, aid(target), item.via, item.now))
    await grant_many(con, list(grants.values()))
    return [AddResult(aid(r.article_id), r.status, r.title) for r in chunk.results]
