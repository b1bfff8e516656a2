"""Quote groups on PostgreSQL: the SQLite writer's rules (``_quote_groups``) for a whole chunk in a few statements.

One read returns the newest postings of every key the chunk's new quotes look up; the chunk's own quotes are
candidates too, from memory. Links are checked in Python, linked quotes are united (the lowest existing group id wins, groups a quote bridges are merged), and the
touched groups are decided again from one read of their members. The chunk's transaction holds an advisory lock
taken before its first write (``add_chunk``), so two processes never group the same words apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from digests.store._quote_groups import (
    CANDIDATES,
    EVENT_MEMBERS,
    POSTINGS,
    REFILE_DAYS,
    SHARED_KEYS,
    WINDOW_DAYS,
    Candidate,
    Member,
    full_refresh,
    group_state,
    may_share_one,
)
from digests.stories._quote_text import quote_keys, rescope, same_quote, word_count
from digests.stories._quotes import NAMES_SCAN, article_names, shares_names

# The newest postings of every key the chunk's quotes look up (POSTINGS + 1 at most each), with how many a
# key had, before the chunk files its own.
_POSTED = """
SELECT p.i, p.n, k.quote_id, k.words, k.day FROM unnest($1::int[], $2::int[], $3::bigint[], $4::int[])
       AS p(i, n, key, day)
CROSS JOIN LATERAL ((SELECT x.quote_id, x.words, x.day FROM quote_keys x WHERE x.key = p.key
                     AND x.day BETWEEN CASE WHEN p.day = 0 THEN 0 ELSE p.day - $5 END
                                   AND CASE WHEN p.day = 0 THEN 2147483647 ELSE p.day + $5 END
                     ORDER BY x.day DESC LIMIT $6)
                    UNION ALL
                    (SELECT x.quote_id, x.words, x.day FROM quote_keys x WHERE x.key = p.key AND x.day = 0
                     AND p.day <> 0 LIMIT $6)
                    ORDER BY day DESC LIMIT $6) k
"""
# The window and the undated day are two ranges of the primary key: as one OR, a key with fewer than $6
# postings in the window had every posting of every day walked.

_MEMBERS = """
SELECT q.group_id, q.id, q.article_id, q.quote, q.start, q."end", q.role, q.cue, q.mention, q.confidence,
       q.own_speaker_id, s.name, q.speaker_id, a.url, a.title, a.published,
       substr(a.text, greatest(1, q.start - 219), least(q.start, 220)), substr(a.text, q."end" + 1, 80)
FROM quotes q JOIN articles a ON a.id = q.article_id LEFT JOIN speakers s ON s.id = q.own_speaker_id
WHERE q.group_id = ANY($1::bigint[]) ORDER BY q.group_id, q.id
"""

_UPDATE_GROUPS = """
UPDATE quote_groups g SET speaker_id = t.s, role = t.r, status = t.st, statement = t.sm, evidence = t.ev,
       lead_quote_id = t.l, instances = t.n, outlets = t.o, variants = t.v, updated_at = $11
FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::int[], $6::text[], $7::bigint[], $8::int[],
            $9::int[], $10::int[]) AS t(id, s, r, st, sm, ev, l, n, o, v)
WHERE g.id = t.id
"""

# Each moved quote takes one from its old speaker's count and gives one to the new one's, in every workspace
# that sees its article: summed per (workspace, speaker) first, so one statement touches each row once.
_MOVE = """
WITH m AS (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) AS m(q, a, old, new)),
u AS (UPDATE quotes SET speaker_id = m.new FROM m WHERE quotes.id = m.q),
x AS (SELECT w.workspace, m.old AS sid, -1 AS d FROM m JOIN workspace_articles w ON w.article_id = m.a
      WHERE m.old IS NOT NULL
      UNION ALL
      SELECT w.workspace, m.new, 1 FROM m JOIN workspace_articles w ON w.article_id = m.a WHERE m.new IS NOT NULL)
INSERT INTO workspace_speakers(workspace, speaker_id, name, quote_count)
SELECT x.workspace, x.sid, s.name, SUM(x.d)::int FROM x JOIN speakers s ON s.id = x.sid
GROUP BY x.workspace, x.sid, s.name ORDER BY x.workspace, x.sid
ON CONFLICT (workspace, speaker_id) DO UPDATE SET quote_count = workspace_speakers.quote_count + EXCLUDED.quote_count
"""


@dataclass(frozen=True, slots=True)
class NewQuote:
    """A quote the chunk just stored, with what its grouping needs."""

    quote_id: int
    article_id: int
    quote: str
    scope: str
    day: int
    text: str  # its article's text (names for short quotes)
    keys: tuple[int, ...] | None = None  # its public keys (``quote_keys``), when the analysis workers computed them
    words: int | None = None
    names: frozenset[str] | None = None  # its article's ``article_names``, likewise


async def assign_groups(con: asyncpg.Connection, new: Sequence[NewQuote], now: datetime) -> None:
    """File the chunk's new quotes under their keys and unite each with the stored quotes of the same words."""
    if not new:
        return
    keys = [rescope(q.keys, q.scope) if q.keys is not None else quote_keys(q.quote, q.scope) for q in new]
    words = [q.words if q.words is not None else word_count(q.quote) for q in new]
    probes = [(i, n, k, q.day) for i, (q, ks) in enumerate(zip(new, keys, strict=True)) for n, k in enumerate(ks)]
    posted: dict[tuple[int, int], list[tuple[int, int]]] = {}
    recent: dict[tuple[int, int], set[int]] = {}  # postings recent enough to stand for a copy (REFILE_DAYS)
    for i, n, qid, w, d in await con.fetch(_POSTED, *[[p[c] for p in probes] for c in range(4)], WINDOW_DAYS,
                                           POSTINGS + 1):
        posted.setdefault((int(i), int(n)), []).append((int(qid), int(w)))
        if abs(int(d) - new[int(i)].day) <= REFILE_DAYS:
            recent.setdefault((int(i), int(n)), set()).add(int(qid))
    # The chunk's own quotes are candidates too (as the sequential writer would have filed them).
    mine: dict[int, list[int]] = {}
    for i, ks in enumerate(keys):
        for k in ks:
            mine.setdefault(k, []).append(i)
    by_id = {q.quote_id: q for q in new}
    cands: list[list[int]] = []
    for i, (q, ks) in enumerate(zip(new, keys, strict=True)):
        shared: dict[int, int] = {}
        short: set[int] = set()
        for n, k in enumerate(ks):
            hits = posted.get((i, n), []) + [(new[j].quote_id, words[j]) for j in mine[k]
                                              if new[j].article_id != q.article_id]
            if not n:
                shared.update((qid, SHARED_KEYS) for qid, _ in hits)
            elif len(hits) <= POSTINGS:
                for qid, w in hits:
                    shared[qid] = shared.get(qid, 0) + 1
                    if may_share_one(words[i], w):
                        short.add(qid)
        fit = [c for c, m in shared.items() if m >= SHARED_KEYS or c in short]
        cands.append(sorted(fit, key=lambda c: (-shared[c], -c))[:CANDIDATES])
    stored = sorted({c for cs in cands for c in cs} - set(by_id))
    rows: dict[int, Candidate] = {}
    if stored:
        for qid, aid, text, gid in await con.fetch(
                "SELECT id, article_id, quote, group_id FROM quotes WHERE id = ANY($1::bigint[])", stored):
            rows[int(qid)] = Candidate(int(qid), int(aid), str(text), gid)
    rows.update({q.quote_id: Candidate(q.quote_id, q.article_id, q.quote, None) for q in new})
    matched = [[rows[c] for c in cs if c in rows and rows[c].article_id != q.article_id
                and same_quote(q.quote, rows[c].quote)] for q, cs in zip(new, cands, strict=True)]
    # Outside one story, copies merge only between articles that name the same people and places.
    known: dict[int, frozenset[str]] = {}
    for q in new:
        if q.article_id not in known:
            known[q.article_id] = q.names if q.names is not None else article_names(q.text)
    need = sorted({c.article_id for found in matched for c in found} - set(known))
    if need:
        for aid, text in await con.fetch("SELECT id, left(text, $2) FROM articles WHERE id = ANY($1::bigint[])",
                                         need, NAMES_SCAN):
            known[int(aid)] = article_names(str(text))
    # A copy in a group may be its first, from an article naming others: ask the group's other articles too.
    doubtful = sorted({c.group_id for q, found in zip(new, matched, strict=True) for c in found
                       if c.group_id is not None and not shares_names(known[q.article_id],
                                                                       known.get(c.article_id, frozenset()))})
    group_articles: dict[int, list[int]] = {}
    if doubtful:
        for gid, aid in await con.fetch(
                "SELECT g, a FROM unnest($1::bigint[]) AS u(g) CROSS JOIN LATERAL (SELECT DISTINCT article_id AS a "
                "FROM quotes WHERE group_id = u.g LIMIT $2) x", doubtful, EVENT_MEMBERS):
            group_articles.setdefault(int(gid), []).append(int(aid))
        more = sorted({a for ids in group_articles.values() for a in ids} - set(known))
        if more:
            for aid, text in await con.fetch("SELECT id, left(text, $2) FROM articles WHERE id = ANY($1::bigint[])",
                                             more, NAMES_SCAN):
                known[int(aid)] = article_names(str(text))

    def same_event(q: NewQuote, c: Candidate) -> bool:
        mine = known[q.article_id]
        if shares_names(mine, known.get(c.article_id, frozenset())):
            return True
        return any(shares_names(mine, known.get(a, frozenset())) for a in group_articles.get(c.group_id or 0, ()))

    matched = [[c for c in found if same_event(q, c)] for q, found in zip(new, matched, strict=True)]
    # A key a copy of the quote is already filed under is not filed again (see ``_quote_groups``).
    filed: list[tuple[int, int, int, int]] = []
    for i, (q, ks, found) in enumerate(zip(new, keys, matched, strict=True)):
        copies = {c.quote_id for c in found}
        for n, k in enumerate(ks):
            near = recent.get((i, n), set()) | {new[j].quote_id for j in mine[k] if j < i}
            if copies.isdisjoint(near):
                filed.append((q.quote_id, k, q.day, words[i]))
    await con.execute("INSERT INTO quote_keys(key, day, quote_id, words) SELECT k, d, q, w FROM unnest($1::bigint[], "
                      "$2::bigint[], $3::int[], $4::int[]) AS t(q, k, d, w) ON CONFLICT DO NOTHING",
                      *[[f[c] for f in filed] for c in range(4)])
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    group_of: dict[int, int | None] = {q.quote_id: None for q in new}
    for q, found in zip(new, matched, strict=True):
        for c in found:
            group_of.setdefault(c.quote_id, c.group_id)
            parent[find(q.quote_id)] = find(c.quote_id)
    components: dict[int, list[int]] = {}
    for qid in parent:
        components.setdefault(find(qid), []).append(qid)
    assign: list[tuple[int, int]] = []
    merges: list[tuple[int, int]] = []
    fresh: list[list[int]] = []
    full: set[int] = set()  # groups made or merged now: decided in full
    for members in components.values():
        existing = sorted({g for m in members if (g := group_of.get(m)) is not None})
        if existing:
            assign += [(m, existing[0]) for m in members if group_of.get(m) is None]
            merges += [(g, existing[0]) for g in existing[1:]]
            if len(existing) > 1:
                full.add(existing[0])
        else:
            fresh.append(members)
    if fresh:
        ids = await con.fetch("INSERT INTO quote_groups(status, updated_at) SELECT 'unknown', $2 "
                              "FROM generate_series(1, $1) RETURNING id", len(fresh), now)
        for members, row in zip(fresh, ids, strict=True):
            assign += [(m, int(row[0])) for m in members]
            full.add(int(row[0]))
    if merges:
        # A new quote bridged groups: they were one quote all along.
        await con.execute("UPDATE quotes SET group_id = t.dst FROM unnest($1::bigint[], $2::bigint[]) AS t(src, dst) "
                          "WHERE quotes.group_id = t.src", [m[0] for m in merges], [m[1] for m in merges])
        await con.execute("DELETE FROM quote_groups WHERE id = ANY($1::bigint[])", [m[0] for m in merges])
    if assign:
        await con.execute("UPDATE quotes SET group_id = t.g FROM unnest($1::bigint[], $2::bigint[]) AS t(q, g) "
                          "WHERE quotes.id = t.q", [a[0] for a in assign], [a[1] for a in assign])
    joined: dict[int, list[int]] = {}
    for qid, gid in assign:
        if gid not in full:
            joined.setdefault(gid, []).append(qid)
    if joined:
        for gid, size, sid, status in await con.fetch(
                "SELECT id, instances, speaker_id, status FROM quote_groups WHERE id = ANY($1::bigint[])",
                sorted(joined)):
            if full_refresh(int(size), int(size) + len(joined[gid])):
                full.add(int(gid))
            else:
                await join_group(con, int(gid), joined[int(gid)], sid if status in ("agreed", "chosen") else None,
                                 now)
    if full:
        await refresh_groups(con, sorted(full), now)


async def join_group(con: asyncpg.Connection, gid: int, qids: Sequence[int], speaker_id: int | None,
                     now: datetime) -> None:
    """Add instances to a large group without deciding it again: they take its speaker as it stands."""
    await con.execute("UPDATE quote_groups SET instances = instances + $2, updated_at = $3 WHERE id = $1",
                      gid, len(qids), now)
    if speaker_id is None:
        return
    rows = await con.fetch("SELECT id, article_id, speaker_id FROM quotes WHERE id = ANY($1::bigint[]) "
                           "AND speaker_id IS DISTINCT FROM $2", list(qids), speaker_id)
    if rows:
        await move_speakers(con, [(int(r[0]), int(r[1]), r[2], speaker_id) for r in rows])


async def refresh_groups(con: asyncpg.Connection, group_ids: Sequence[int], now: datetime) -> None:
    """Decide groups again from all their instances and give each group's speaker back to its instances."""
    by_group: dict[int, list[Member]] = {}
    for r in await con.fetch(_MEMBERS, list(group_ids)):
        by_group.setdefault(int(r[0]), []).append(Member(
            int(r[1]), int(r[2]), str(r[3]), int(r[4]), int(r[5]), r[6], r[7], r[8],
            None if r[9] is None else float(r[9]), r[10], r[11], r[12], r[13], str(r[14] or ""), r[15],
            str(r[16] or ""), str(r[17] or "")))
    rows, moves = [], []
    for gid, members in sorted(by_group.items()):
        st = group_state(members)
        rows.append((gid, st.speaker_id, st.role, st.status, int(st.statement), st.evidence, st.lead_quote_id,
                     st.instances, st.outlets, st.variants))
        moves += [(m.quote_id, m.article_id, m.speaker_id, st.speakers[m.quote_id]) for m in members
                  if st.speakers[m.quote_id] != m.speaker_id]
    if rows:
        await con.execute(_UPDATE_GROUPS, *[[r[c] for r in rows] for c in range(10)], now)
    if moves:
        await move_speakers(con, moves)


async def move_speakers(con: asyncpg.Connection, moves: Sequence[tuple[int, int, int | None, int | None]]) -> None:
    """Give stored quotes (id, article, old speaker, new speaker) their new speaker; keep the counts right."""
    await con.execute(_MOVE, *[[m[c] for m in moves] for c in range(4)])
    olds = sorted({m[2] for m in moves if m[2] is not None})
    await con.execute("DELETE FROM workspace_speakers WHERE speaker_id = ANY($1::bigint[]) AND quote_count <= 0",
                      olds)
