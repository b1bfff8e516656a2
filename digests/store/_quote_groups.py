"""Quote groups in the store: a new article's quotes join the groups of the same words, as they are stored.

Each stored quote is indexed by hashed keys (``quote_keys``: its normal form and word shingles, by day). A new
quote looks up the stored quotes that share a key within the merge window, checks each with the engine's rule
(``digests.stories.same_quote``), and joins their group (merging groups it bridges) or starts one with them. A
group touched by a new instance is decided again from all its instances: the speaker from every outlet's
attribution, given back to every instance (``quotes.speaker_id``; the article's own stays in
``own_speaker_id``), the wording shown, the wordings that differ, and whether it is a statement at all.

The planning here is backend-neutral; the statements below are SQLite's, run on the writer's thread inside the
batch's transaction. PostgreSQL runs the same planning with set-based statements (``_pg_quote_groups``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from digests.store._records import NewArticle
from digests.stories._quote_text import quote_keys, rescope, same_quote, word_count
from digests.stories._quotes import (
    MERGE_WINDOW,
    NAMES_SCAN,
    MergedQuote,
    QuoteInstance,
    article_names,
    build_merged,
    shares_names,
)

WINDOW_DAYS = MERGE_WINDOW.days
# Stored quotes sharing the most keys with a new quote that are checked word by word.
CANDIDATES = 8
# A copy whose key a copy filed fewer than this many days before files it again (so it stays findable).
REFILE_DAYS = WINDOW_DAYS // 2
# Two quotes sharing a run of 12 words or more share two fingerprints; a shorter copy may share one.
SHORT_COPY = 12
SHARED_KEYS = 2
LENGTH_SLACK = 2
# A shingle posted by more quotes than this in the merge window is passed over (too common to tell copies
# apart); the whole quote's key is read up to this many newest copies. Copies of one quote post a key once.
POSTINGS = 8
# Groups up to this size are decided again from all their instances whenever one joins.
FULL_REFRESH = 16
_OPENING = "“\"«„‘'‚ \t"


def quote_scope(art: NewArticle, workspace: str) -> str:
    """Return the key space of an article's quotes: public for web articles, the workspace's for uploads."""
    return scope_of(art.url, art.source_id, workspace)


def scope_of(url: str | None, source_id: int | None, workspace: str) -> str:
    """Return the key space of the quotes of an article with this URL and feed, first granted to ``workspace``."""
    # A private upload's quotes never join (nor sway the speaker of) quotes other workspaces see.
    return "" if url or source_id else f"ws:{workspace}"


UNDATED = 0  # the day an article without a publication date files its quotes under


def day_of(art: NewArticle) -> int:
    """Return the day (proleptic ordinal, UTC) an article's quotes are filed under; UNDATED without a date.

    An undated article may be an old one stored today: its copies are looked for at any time, and dated
    articles look for its copies whatever their own date.
    """
    return day_of_date(art.published)


def day_of_date(published: datetime | None) -> int:
    """Return the day quotes of an article published then are filed under (``day_of``)."""
    return published.astimezone(UTC).date().toordinal() if published else UNDATED


def window(day: int) -> tuple[int, int]:
    """Return the days a quote of ``day`` finds its copies in (besides undated ones)."""
    return (0, 1 << 30) if day == UNDATED else (day - WINDOW_DAYS, day + WINDOW_DAYS)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A stored quote that shares keys with a new one."""

    quote_id: int
    article_id: int
    quote: str
    group_id: int | None


def links(text: str, article_id: int, cands: Iterable[Candidate],
          same_event: Callable[[Candidate], bool]) -> list[Candidate]:
    """Return the candidates that are the same quote as ``text``: other articles of the same event only."""
    return [c for c in cands if c.article_id != article_id and same_quote(text, c.quote) and same_event(c)]


# Of a candidate's group, how many other articles are asked whether they tell this event (copies of a quote file
# a key once, so the candidate found may be the group's first copy, from an article that names others).
EVENT_MEMBERS = 8


@dataclass(frozen=True, slots=True)
class Member:
    """One instance of a group as read back for its verdict."""

    quote_id: int
    article_id: int
    quote: str
    start: int
    end: int
    role: str | None
    cue: str | None
    mention: str | None
    confidence: float | None
    own_speaker_id: int | None
    own_name: str | None
    speaker_id: int | None
    url: str | None
    title: str
    published: datetime | None
    before: str
    after: str

    def instance(self) -> QuoteInstance:
        """Return the engine's view of this instance."""
        before = self.before[self.before.rfind("\n") + 1:].rstrip(_OPENING)
        after = self.after.split("\n", 1)[0]
        return QuoteInstance(self.quote_id, self.article_id, self.quote, self.start, self.end, self.own_name,
                             self.role, self.cue, self.mention, self.confidence, self.url, self.title,
                             self.published, before, after)


@dataclass(frozen=True, slots=True)
class GroupState:
    """What a group's row holds after a verdict, and each instance's speaker."""

    speaker_id: int | None
    role: str | None
    status: str
    statement: bool
    evidence: str
    lead_quote_id: int
    instances: int
    outlets: int
    variants: int
    speakers: dict[int, int | None]  # quote id -> the speaker every view shows


def group_state(members: Sequence[Member]) -> GroupState:
    """Decide a group from its instances: speaker (given back to each), wording shown, variants, statement."""
    merged = build_merged([m.instance() for m in members])
    verdict = merged.verdict
    sid = None
    if verdict.speaker is not None:
        sid = next((m.own_speaker_id for m in members if m.own_name == verdict.speaker), None)
    status = verdict.status if sid is not None or verdict.speaker is None else "unknown"
    speakers = {m.quote_id: (sid if sid is not None else m.own_speaker_id) for m in members}
    evidence = json.dumps({"votes": [v.to_dict() for v in verdict.votes], "split": list(verdict.split)},
                          ensure_ascii=False, separators=(",", ":"))
    return GroupState(sid, verdict.role if sid is not None else None, status, merged.statement, evidence,
                      merged.lead.quote_id, len(members), merged.outlets, len(merged.variants), speakers)


def merged_from(members: Sequence[Member], group_id: int | None = None) -> MergedQuote:
    """Return the engine's merged quote of a group's members."""
    return build_merged([m.instance() for m in members], group_id)


# ---- SQLite -------------------------------------------------------------------------------------------------

_MEMBERS = (
    'SELECT q.id, q.article_id, q.quote, q.start, q."end", q.role, q.cue, q.mention, q.confidence, '
    "q.own_speaker_id, s.name, q.speaker_id, a.url, a.title, a.published, "
    "substr(a.text, max(1, q.start - 219), min(q.start, 220)), substr(a.text, q.\"end\" + 1, 80) "
    "FROM quotes q JOIN articles a ON a.id = q.article_id LEFT JOIN speakers s ON s.id = q.own_speaker_id "
    "WHERE q.group_id = ? ORDER BY q.id")


def _member(r: Sequence[Any]) -> Member:
    pub = r[14]
    published = datetime.fromisoformat(pub) if isinstance(pub, str) else pub
    return Member(int(r[0]), int(r[1]), str(r[2]), int(r[3]), int(r[4]), r[5], r[6], r[7],
                  None if r[8] is None else float(r[8]), r[9], r[10], r[11], r[12], str(r[13] or ""), published,
                  str(r[15] or ""), str(r[16] or ""))


def _read_candidates(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, Candidate]:
    out: dict[int, Candidate] = {}
    for at in range(0, len(ids), 500):
        part = ids[at:at + 500]
        marks = ",".join("?" * len(part))
        for r in conn.execute(f"SELECT id, article_id, quote, group_id FROM quotes WHERE id IN ({marks})",  # noqa: S608
                              part):
            out[int(r[0])] = Candidate(int(r[0]), int(r[1]), str(r[2]), r[3])
    return out


# Per database, the shingle keys last seen posted by more than POSTINGS quotes, with the day: reading them
# again only to pass them over cost as much as the rest of the lookup. Knowledge older than half the window
# is read again (a phrase common last month may be rare now).
_COMMON: dict[str, dict[int, int]] = {}
_COMMON_MAX = 200_000
# Per database, the names of articles whose quotes were candidates lately (an article's text never changes).
_NAMES: dict[str, dict[int, frozenset[str]]] = {}
_NAMES_MAX = 4096
_KEYS_PER_READ = 400  # keys bound per statement (twice each: 800 of SQLite's 32766)


def _remember(cache: dict[int, frozenset[str]], article_id: int, names: frozenset[str]) -> None:
    """Keep an article's names, forgetting the longest kept when full (candidates are mostly recent articles)."""
    if article_id not in cache and len(cache) >= _NAMES_MAX:
        del cache[next(iter(cache))]
    cache[article_id] = names


def _database(conn: sqlite3.Connection) -> str | None:
    """Return the file a connection writes (None for an in-memory database: nothing is remembered for it)."""
    row = conn.execute("PRAGMA database_list").fetchone()
    return str(row[2]) if row and row[2] else None


def _memory(cache: dict[str, dict[int, Any]], conn: sqlite3.Connection) -> dict[int, Any]:
    db = _database(conn)
    return cache.setdefault(db, {}) if db is not None else {}


def _postings(conn: sqlite3.Connection, keyed: Sequence[Sequence[int]], day: int,
              ) -> dict[int, list[tuple[int, int, int]]]:
    """Return the postings (quote, words, day) in the merge window of each key of an article's quotes, newest first.

    One statement reads every key, but those known to be common: a shingle key is then passed over, and a
    whole quote's key (each quote's first: "Yes.", said everywhere) read alone up to its newest POSTINGS + 1.
    Keys found common are remembered.
    """
    common = _memory(_COMMON, conn)
    lo, hi = window(day)
    out: dict[int, list[tuple[int, int, int]]] = {}
    wanted: set[int] = set()
    for keys in keyed:
        if abs(common.get(keys[0], -WINDOW_DAYS) - day) <= REFILE_DAYS:
            # Undated postings are older than any window's (the least day): read after the window's newest.
            out[keys[0]] = conn.execute(
                "SELECT * FROM (SELECT quote_id, words, day FROM quote_keys WHERE key = ? AND day BETWEEN ? AND ? "
                "ORDER BY day DESC LIMIT ?) UNION ALL SELECT * FROM (SELECT quote_id, words, day FROM quote_keys "
                "WHERE key = ? AND day = ? AND ? LIMIT ?)",
                (keys[0], lo, hi, POSTINGS + 1, keys[0], UNDATED, lo > UNDATED, POSTINGS + 1)).fetchall()[:POSTINGS + 1]
        else:
            wanted.add(keys[0])
        wanted.update(k for k in keys[1:] if abs(common.get(k, -WINDOW_DAYS) - day) > REFILE_DAYS)
    keys = sorted(wanted - set(out))
    for at in range(0, len(keys), _KEYS_PER_READ):
        part = keys[at:at + _KEYS_PER_READ]
        marks = ",".join("?" * len(part))
        # Only "?" placeholders are composed into the SQL; the keys are bound.
        # The window and the undated day as two ranges of the primary key: "day BETWEEN ? AND ? OR day = ?"
        # made SQLite walk every posting of the key, of every day (thousands for a common phrase).
        for key, qid, words, d in conn.execute(
                f"SELECT key, quote_id, words, day FROM quote_keys WHERE key IN ({marks}) "  # noqa: S608
                f"AND day BETWEEN ? AND ? UNION ALL SELECT key, quote_id, words, day FROM quote_keys "
                f"WHERE key IN ({marks}) AND day = ? AND ?", (*part, lo, hi, *part, UNDATED, lo > UNDATED)):
            out.setdefault(key, []).append((qid, words, d))
    for key in keys:
        found = out.get(key)
        if found and len(found) > POSTINGS:
            if len(common) >= _COMMON_MAX:
                common.clear()
            common[key] = day
            found.sort(key=lambda p: -p[2])
            del found[POSTINGS + 1:]
    return out


def may_share_one(words: int, other: int) -> bool:
    """Return whether two quotes of these lengths may be one quote while sharing a single fingerprint.

    Copies sharing a run of ``SHORT_COPY`` words or more share two fingerprints; one is all a short copy of a
    longer quote may share, or a copy with a word changed, added or dropped (about the same length), whose
    runs on either side of the change may be short.
    """
    return min(words, other) < SHORT_COPY or abs(words - other) <= LENGTH_SLACK


def full_refresh(before: int, after: int) -> bool:
    """Return whether a group growing from ``before`` to ``after`` instances is decided again from all of them.

    Small groups always are; a large one when its size passes a power of two (amortised: a constant number of
    instances read per instance added). In between, a new instance takes the group's speaker as it stands.
    """
    return after <= FULL_REFRESH or after.bit_length() > before.bit_length()


class Quoted(Protocol):
    """A quote to group: its words (a freshly extracted quote, or a stored one)."""

    @property
    def quote(self) -> str:
        """Return the quoted words."""
        ...


@dataclass(frozen=True, slots=True)
class StoredQuote:
    """A quote read back from the store, to be grouped (its words are all grouping needs)."""

    quote: str


def assign_groups(conn: sqlite3.Connection, article_id: int, text: str, quotes: Sequence[tuple[int, Quoted]],
                  scope: str, day: int, now: datetime,
                  prepped: tuple[Sequence[Sequence[int]], Sequence[int]] | None = None,
                  own_names: frozenset[str] | None = None) -> None:
    """File a new article's quotes under their keys and join each to the groups of the same words.

    ``prepped`` (each quote's public keys and word count) and ``own_names`` (the article's ``article_names``)
    are computed by the analysis workers when they can be; without them they are computed here.
    """
    added: dict[int, list[int]] = {}  # group -> quotes that joined it now
    fresh: set[int] = set()  # groups made or merged now: decided in full
    names: dict[int, frozenset[str]] = {}

    told_before = _memory(_NAMES, conn)
    if own_names is not None:
        # Not remembered past this call: the transaction may yet roll back, and the id go to another article.
        names[article_id] = own_names

    def told(other: int) -> frozenset[str]:
        if other not in names:
            if other in told_before:
                names[other] = told_before[other]
            else:
                row = conn.execute("SELECT substr(text, 1, ?) FROM articles WHERE id = ?",
                                   (NAMES_SCAN, other)).fetchone()
                names[other] = article_names(row[0] if row else "")
                _remember(told_before, other, names[other])
        return names[other]

    def same_event(c: Candidate) -> bool:
        mine = told(article_id) if article_id in names else names.setdefault(article_id, article_names(text))
        if shares_names(mine, told(c.article_id)):
            return True
        if c.group_id is None:
            return False
        others = conn.execute("SELECT DISTINCT article_id FROM quotes WHERE group_id = ? AND article_id != ? "
                              "LIMIT ?", (c.group_id, c.article_id, EVENT_MEMBERS)).fetchall()
        return any(shares_names(mine, told(int(o[0]))) for o in others)

    if prepped is not None and len(prepped[0]) == len(quotes) == len(prepped[1]):
        keyed = [(qid, q, rescope(keys, scope), words)
                 for (qid, q), keys, words in zip(quotes, prepped[0], prepped[1], strict=True)]
    else:
        keyed = [(qid, q, quote_keys(q.quote, scope), word_count(q.quote)) for qid, q in quotes]
    postings = _postings(conn, [keys for _, _, keys, _ in keyed], day)
    probed: list[dict[int, list[int]]] = []  # per quote: key -> the stored quotes posted under it
    best: list[list[int]] = []
    for _, _, keys, words in keyed:
        shared: dict[int, int] = {}
        short: set[int] = set()
        by_key: dict[int, list[int]] = {}
        for n, key in enumerate(keys):
            posted = postings.get(key, [])
            # Postings recent enough to stand for this copy too (older ones age out of later windows).
            by_key[key] = [p[0] for p in posted if abs(p[2] - day) <= REFILE_DAYS]
            if not n:
                # The whole quote's key, first, is always read (its newest copies) and is enough alone.
                shared.update((p[0], SHARED_KEYS) for p in posted)
            elif len(posted) <= POSTINGS:
                # A shingle more quotes of the window hold says nothing about which one this is; rarer ones do.
                for other, other_words, _ in posted:
                    shared[other] = shared.get(other, 0) + 1
                    if may_share_one(words, other_words):
                        short.add(other)
        probed.append(by_key)
        fit = [k for k, c in shared.items() if c >= SHARED_KEYS or k in short]
        best.append(sorted(fit, key=lambda k: (-shared[k], -k))[:CANDIDATES])
    found_rows = _read_candidates(conn, sorted({k for b in best for k in b}))
    filed: list[tuple[int, int, int, int]] = []
    for (qid, q, keys, words), wanted, by_key in zip(keyed, best, probed, strict=True):
        rows = [found_rows[k] for k in wanted if k in found_rows]
        found = links(q.quote, article_id, rows, same_event)
        # A key a copy of this quote is already filed under is not filed again: a quote a hundred outlets
        # carried stays one posting per key, so its keys never look common.
        copies = {c.quote_id for c in found}
        filed += [(k, day, qid, words) for k in keys if copies.isdisjoint(by_key.get(k, ()))]
        if not found:
            continue
        groups = sorted({c.group_id for c in found if c.group_id is not None})
        if groups:
            gid = groups[0]
            for other in groups[1:]:
                # The new quote bridges two groups: they were one quote all along.
                conn.execute("UPDATE quotes SET group_id = ? WHERE group_id = ?", (gid, other))
                conn.execute("DELETE FROM quote_groups WHERE id = ?", (other,))
                added.pop(other, None)
                fresh.discard(other)
                fresh.add(gid)
        else:
            gid = int(conn.execute("INSERT INTO quote_groups(status, updated_at) VALUES ('unknown', ?)",
                                   (now.astimezone(UTC).isoformat(timespec="microseconds"),)).lastrowid or 0)
            fresh.add(gid)
        loose = [qid] + [c.quote_id for c in found if c.group_id is None]
        conn.executemany("UPDATE quotes SET group_id = ? WHERE id = ?", [(gid, i) for i in loose])
        added.setdefault(gid, []).extend(loose)
    # In key order: each insert lands next to the one before in the primary key (fewer pages walked).
    conn.executemany("INSERT OR IGNORE INTO quote_keys(key, day, quote_id, words) VALUES (?, ?, ?, ?)", sorted(filed))
    for gid in sorted(added):
        row = conn.execute("SELECT instances, speaker_id, status FROM quote_groups WHERE id = ?", (gid,)).fetchone()
        before = int(row[0]) if row else 0
        if gid in fresh or full_refresh(before, before + len(added[gid])):
            refresh_group(conn, gid, now)
        else:
            join_group(conn, gid, added[gid], row[1] if row[2] in ("agreed", "chosen") else None, now)


def join_group(conn: sqlite3.Connection, gid: int, qids: Sequence[int], speaker_id: int | None,
               now: datetime) -> None:
    """Add instances to a large group without deciding it again: they take its speaker as it stands."""
    conn.execute("UPDATE quote_groups SET instances = instances + ?, updated_at = ? WHERE id = ?",
                 (len(qids), now.astimezone(UTC).isoformat(timespec="microseconds"), gid))
    if speaker_id is None:
        return
    for qid in qids:
        aid, sid = conn.execute("SELECT article_id, speaker_id FROM quotes WHERE id = ?", (qid,)).fetchone()
        if sid != speaker_id:
            move_speaker(conn, int(qid), int(aid), sid, speaker_id)


def refresh_group(conn: sqlite3.Connection, gid: int, now: datetime) -> None:
    """Decide one group again from all its instances and give its speaker back to each instance."""
    members = [_member(r) for r in conn.execute(_MEMBERS, (gid,)).fetchall()]
    if not members:
        conn.execute("DELETE FROM quote_groups WHERE id = ?", (gid,))
        return
    st = group_state(members)
    conn.execute(
        "UPDATE quote_groups SET speaker_id = ?, role = ?, status = ?, statement = ?, evidence = ?, "
        "lead_quote_id = ?, instances = ?, outlets = ?, variants = ?, updated_at = ? WHERE id = ?",
        (st.speaker_id, st.role, st.status, int(st.statement), st.evidence, st.lead_quote_id, st.instances,
         st.outlets, st.variants, now.astimezone(UTC).isoformat(timespec="microseconds"), gid))
    for m in members:
        new = st.speakers[m.quote_id]
        if new != m.speaker_id:
            move_speaker(conn, m.quote_id, m.article_id, m.speaker_id, new)


def move_speaker(conn: sqlite3.Connection, qid: int, article_id: int, old: int | None, new: int | None) -> None:
    """Give a stored quote another speaker, keeping each workspace's speaker counts right."""
    conn.execute("UPDATE quotes SET speaker_id = ? WHERE id = ?", (new, qid))
    if old is not None:
        conn.execute("UPDATE workspace_speakers SET quote_count = quote_count - 1 WHERE speaker_id = ? AND "
                     "workspace IN (SELECT workspace FROM workspace_articles WHERE article_id = ?)", (old, article_id))
        conn.execute("DELETE FROM workspace_speakers WHERE speaker_id = ? AND quote_count <= 0", (old,))
    if new is not None:
        conn.execute(
            "INSERT INTO workspace_speakers(workspace, speaker_id, name, quote_count) "
            "SELECT w.workspace, s.id, s.name, 1 FROM workspace_articles w JOIN speakers s ON s.id = ? "
            "WHERE w.article_id = ? ON CONFLICT(workspace, speaker_id) DO UPDATE SET quote_count = quote_count + 1",
            (new, article_id))


# Articles some of whose quotes are in no group and filed under no key: stored before quote groups existed
# (migration 0007). Every quote stored since is filed under its keys or joined to a group of its copies.
UNGROUPED_ARTICLES = (
    "SELECT DISTINCT q.article_id FROM quotes q LEFT JOIN (SELECT DISTINCT quote_id FROM quote_keys) k "
    "ON k.quote_id = q.id WHERE q.group_id IS NULL AND k.quote_id IS NULL ORDER BY q.article_id")
# The workspace an article was first granted to (the key space of an upload's quotes).
FIRST_WORKSPACE = "SELECT workspace FROM workspace_articles WHERE article_id = ? ORDER BY added_at, workspace LIMIT 1"


def group_archive(conn: sqlite3.Connection, article_ids: Sequence[int], now: datetime) -> int:
    """Group the quotes of articles stored before quote groups existed, as if they arrived now, in id order.

    One IMMEDIATE transaction; returns how many of the articles had quotes to group.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        done = 0
        for aid in article_ids:
            art = conn.execute("SELECT text, url, source_id, published FROM articles WHERE id = ?", (aid,)).fetchone()
            quotes = conn.execute("SELECT id, quote FROM quotes WHERE article_id = ? AND group_id IS NULL "
                                  "ORDER BY id", (aid,)).fetchall()
            if art is None or not quotes:
                continue
            first = conn.execute(FIRST_WORKSPACE, (aid,)).fetchone()
            published = datetime.fromisoformat(art[3]) if art[3] else None
            assign_groups(conn, aid, art[0] or "", [(int(q[0]), StoredQuote(str(q[1]))) for q in quotes],
                          scope_of(art[1], art[2], str(first[0]) if first else ""), day_of_date(published), now)
            done += 1
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return done


def group_members(conn: sqlite3.Connection, gid: int) -> list[Member]:
    """Return the instances of one group (every workspace's)."""
    return [_member(r) for r in conn.execute(_MEMBERS, (gid,)).fetchall()]


__all__ = ["CANDIDATES", "FIRST_WORKSPACE", "UNGROUPED_ARTICLES", "Candidate", "GroupState", "Member", "Quoted",
           "StoredQuote", "assign_groups", "day_of", "day_of_date", "full_refresh", "group_archive",
           "group_members", "group_state", "join_group", "links", "merged_from", "move_speaker", "quote_scope",
           "refresh_group", "scope_of"]
