"""Batch writes: many articles stored in one transaction by plain sqlite3 calls on the connection's own thread.

``Store.add_article`` awaits every statement (tens per article), and each await is a hop between the event
loop and aiosqlite's thread. These functions do the same work (the same dedup, speaker and grant rules) as one
synchronous call, so a batch costs the loop a single hop and SQLite a single commit.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from digests.models import Analysis, Quote
from digests.nlp.speakers import given_name_gender, speaker_key
from digests.store._records import AddResult, NewArticle
from digests.store._text import band_keys, canonical_url, content_hash, min_shared_bands, minhash

NEAR_DUPLICATE = 0.8
# An article from the web (a URL or a feed): every workspace may see it. Any other is a workspace's private upload.
PUBLIC_ARTICLE = "(COALESCE(a.url, '') != '' OR a.source_id IS NOT NULL)"
# A stored article sharing fewer bands cannot be NEAR_DUPLICATE alike: it is not fetched, nor compared.
NEAR_BANDS = min_shared_bands(NEAR_DUPLICATE)


@dataclass(frozen=True, slots=True)
class Prepared:
    """An article's dedup keys, computed where the analysis runs so the writer only executes statements."""

    sig: bytes
    content_hash: str
    bands: tuple[int, ...]
    keys: tuple[str, ...]
    story: Any = None  # the article's story signature (digests.stories.StoryFeatures), when computed here
    # Quote grouping's CPU work, done with the analysis (``prepare_quotes``): each analysed quote's public keys
    # (``quote_keys``; the writer salts them for an upload's workspace) and words, and the names in the lead.
    quote_keys: tuple[tuple[int, ...], ...] | None = None
    quote_words: tuple[int, ...] = ()
    names: frozenset[str] | None = None

    def quote_prep(self, quotes: Sequence[Quote]) -> tuple[tuple[tuple[int, ...], ...], tuple[int, ...]] | None:
        """Return the keys and word counts computed for these quotes, or None when they were not computed."""
        if self.quote_keys is None or len(self.quote_keys) != len(quotes) or len(self.quote_words) != len(quotes):
            return None
        return self.quote_keys, self.quote_words


def prepare(art: NewArticle) -> Prepared:
    """Return the MinHash signature, content hash, band keys and URL/GUID keys of an article (CPU work)."""
    sig = minhash(art.text)
    return Prepared(sig.tobytes(), content_hash(art.title, art.text), tuple(band_keys(sig)),
                    tuple(article_keys(art)))


def prepare_for_store(art: NewArticle) -> Prepared:
    """Return ``prepare``'s keys and the article's story signature: all the CPU work storing it needs."""
    from digests.stories import story_features

    prep = prepare(art)
    return Prepared(prep.sig, prep.content_hash, prep.bands, prep.keys,
                    story_features(art.title, art.text, art.published))


def prepare_quotes(prep: Prepared, art: NewArticle, analysis: Analysis | None) -> Prepared:
    """Return ``prep`` with the keys, word counts and lead names quote grouping needs (CPU work, no store)."""
    from dataclasses import replace

    from digests.stories._quote_text import quote_keys, word_count
    from digests.stories._quotes import article_names

    if analysis is None or not analysis.quotes:
        return prep
    return replace(prep, quote_keys=tuple(quote_keys(q.quote) for q in analysis.quotes),
                   quote_words=tuple(word_count(q.quote) for q in analysis.quotes), names=article_names(art.text))


def added_with_features(items: Sequence[BatchItem], results: Sequence[AddResult]) -> tuple[list[int], dict[int, Any]]:
    """Return the ids of the articles a batch added, in order, and the story signatures computed for them."""
    ids: list[int] = []
    feats: dict[int, Any] = {}
    for item, res in zip(items, results, strict=True):
        if res.status == "added" and res.article_id not in ids:
            ids.append(res.article_id)
            if item.prepared is not None and item.prepared.story is not None:
                feats[res.article_id] = item.prepared.story
    return ids, feats


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One article of a batch: what to store, its analysis and every workspace that should see it."""

    article: NewArticle
    analysis: Analysis | None
    workspaces: tuple[str, ...]
    via: str
    now: datetime
    prepared: Prepared | None = None

    def ready(self) -> Prepared:
        """Return the prepared keys, computing them here when no worker did."""
        return self.prepared or prepare(self.article)


def _iso(dt: datetime | None) -> str | None:
    # Same form as the store's own timestamps (microseconds: a digest window's end is exact).
    if dt is None:
        return None
    if dt.tzinfo is None:
        raise ValueError("naive datetime given to the store")
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


def article_keys(art: NewArticle) -> list[str]:
    """Return the URL and GUID keys an article is known by."""
    keys = []
    if art.url:
        keys.append("url:" + canonical_url(art.url))
    if art.guid:
        keys.append(f"guid:{art.source_id or 0}:{art.guid}")
    return keys


def is_public(art: NewArticle) -> bool:
    """Return whether an article came from the web (a URL or a feed), as ``PUBLIC_ARTICLE`` tells a stored one."""
    return bool(art.url) or art.source_id is not None


def stored_hash(body_hash: str, art: NewArticle, workspace: str | None) -> str:
    """Return the content hash an article is stored under: a private upload's is its workspace's own.

    ``articles.content_hash`` is unique, so a private upload hashed like a public article would be the one row
    for that text: another workspace's identical upload, or the same text arriving from the web, would be
    linked to it (and learn of it, or lose its URL and feed).
    """
    return body_hash if is_public(art) or workspace is None else f"{body_hash}:{workspace}"


def exact_hashes(body_hash: str, art: NewArticle, workspace: str | None) -> tuple[str, ...]:
    """Return the content hashes an article may be an exact duplicate of, best first.

    A public article: only the public one (the hash of its body). A private upload: the public article of the
    same text, then the workspace's own earlier upload of it; never another workspace's.
    """
    own = stored_hash(body_hash, art, workspace)
    return (body_hash,) if own == body_hash else (body_hash, own)


def near_workspace(art: NewArticle, workspace: str | None) -> str | None:
    """Return the workspace whose private uploads ``art`` may be linked to as a near-duplicate (None: none)."""
    # A public article linked to a private upload would give that row its URL: whoever later gets the URL (a
    # feed's other subscribers) would get the upload.
    return None if is_public(art) else workspace


def find_duplicate(conn: sqlite3.Connection, art: NewArticle, sig: bytes | None,
                   workspace: str | None = None, prepared: Prepared | None = None) -> AddResult | None:
    """Return the stored article ``art`` duplicates (same URL, GUID, body, or near-same body unless ``sig`` is None).

    Only a stored article from the web (URL or feed) or, for a private upload, one that ``workspace`` can
    already see is a duplicate: linking to another workspace's private upload would tell that it exists and
    show its text, and linking a public article to a private one would store it without its URL and feed.
    """
    for key in prepared.keys if prepared else article_keys(art):
        row = conn.execute("SELECT a.id, a.title FROM article_keys k JOIN articles a ON a.id = k.article_id "  # noqa: S608
                           f"WHERE k.key = ? AND {PUBLIC_ARTICLE}", (key,)).fetchone()
        if row:
            return AddResult(row[0], "duplicate", row[1])
    body = prepared.content_hash if prepared else content_hash(art.title, art.text)
    for h in exact_hashes(body, art, workspace):
        row = conn.execute("SELECT id, title FROM articles WHERE content_hash = ?", (h,)).fetchone()
        if row:
            return AddResult(row[0], "duplicate", row[1])
    if sig is None:
        return None
    bands = list(prepared.bands) if prepared else band_keys(np.frombuffer(sig, dtype=np.uint64))
    marks = ",".join("?" * len(bands))
    # Only "?" placeholders are composed into the SQL; the band keys are bound.
    sql = (
        "SELECT a.id, a.title, a.minhash FROM (SELECT article_id FROM article_bands "  # noqa: S608
        f"WHERE key IN ({marks}) GROUP BY article_id HAVING COUNT(*) >= ?) m JOIN articles a ON a.id = m.article_id "
        f"WHERE ({PUBLIC_ARTICLE} OR EXISTS "
        "(SELECT 1 FROM workspace_articles w WHERE w.article_id = a.id AND w.workspace = ?)) LIMIT 200")
    return nearest(sig, conn.execute(sql, (*bands, NEAR_BANDS, near_workspace(art, workspace))).fetchall())


def nearest(sig: bytes, rows: Sequence[Sequence[Any]]) -> AddResult | None:
    """Return the candidate (id, title, minhash) most like ``sig`` when it is a near-duplicate, else None."""
    rows = [r for r in rows if len(r[2]) == len(sig)]
    if not rows:
        return None
    # One numpy comparison for every candidate: a per-candidate loop dominated ingest once buckets filled up.
    cands = np.frombuffer(b"".join(r[2] for r in rows), dtype=np.uint64).reshape(len(rows), -1)
    sims = (cands == np.frombuffer(sig, dtype=np.uint64)).mean(axis=1)
    best = int(np.argmax(sims))
    if sims[best] < NEAR_DUPLICATE:
        return None
    return AddResult(int(rows[best][0]), "near-duplicate", rows[best][1])


def find_duplicates(conn: sqlite3.Connection, arts: Sequence[NewArticle], *, near: bool = True,
                    ) -> list[AddResult | None]:
    """Return, for each article, the stored article it duplicates or None (exact keys only unless ``near``)."""
    return [find_duplicate(conn, art, minhash(art.text).tobytes() if near else None) for art in arts]


def _resolve_speaker(conn: sqlite3.Connection, name: str, workspace: str, text: str = "",
                     role: str | None = None) -> int:
    key = speaker_key(name)
    toks = key.split()
    if len(toks) == 1:
        rows = conn.execute(
            "SELECT s.id, s.key FROM speakers s JOIN workspace_speakers w ON w.speaker_id = s.id "
            "WHERE w.workspace = ? AND s.last_key = ? AND s.key != s.last_key LIMIT 2", (workspace, key)).fetchall()
        by_key = {r[1]: int(r[0]) for r in rows}
        owner = surname_owner(list(by_key), lambda k: [r for (r,) in conn.execute(
            "SELECT role FROM speaker_roles WHERE speaker_id = ?", (by_key[k],))], name, text, role)
        if owner is not None:
            conn.execute("INSERT OR IGNORE INTO speaker_aliases(speaker_id, alias) VALUES (?, ?)",
                         (by_key[owner], name))
            return by_key[owner]
    row = conn.execute("SELECT id FROM speakers WHERE key = ?", (key,)).fetchone()
    if row:
        sid = int(row[0])
    else:
        sid = int(conn.execute("INSERT INTO speakers(name, key, last_key) VALUES (?, ?, ?)",
                               (name, key, toks[-1] if toks else key)).lastrowid or 0)
    conn.execute("INSERT OR IGNORE INTO speaker_aliases(speaker_id, alias) VALUES (?, ?)", (sid, name))
    return sid


def _role_words(role: str) -> set[str]:
    return {w for w in re.findall(r"[^\W\d_]+", role.lower()) if len(w) > 2 and w not in ("the", "and", "for")}


def surname_owner(known: Sequence[str], roles_of: Callable[[str], Iterable[str]], surname: str, text: str,
                  role: str | None) -> str | None:
    """Return the key of the full name a bare surname joins, or None when none, several or a contradiction.

    ``known`` holds the keys (up to two are enough) of the full names with that surname the workspace already
    knows; ``roles_of`` gives a known speaker's roles. A bare surname joins the one known full name unless its
    own article or role says it is someone else: a wrong merge puts words in another person's mouth.
    """
    if len(known) != 1:
        return None
    return None if surname_contradicted(known[0], list(roles_of(known[0])), surname, text, role) else known[0]


def surname_contradicted(known_key: str, known_roles: Sequence[str], surname: str, text: str,
                         role: str | None) -> bool:
    """Return whether an article or a role says a bare surname is not the known speaker with that surname."""
    given = known_key.split()[0]
    for m in re.finditer(rf"\b([A-Z][\w’'\-]+)\s+{re.escape(surname.strip())}\b", text):
        first = speaker_key(m.group(1))
        if first != given and given_name_gender(first) is not None:
            return True  # "Jo Etienne" in this article: another person with that surname
    if role:
        words = _role_words(role)
        known = [_role_words(r) for r in known_roles]
        if known and not any(words & k for k in known):
            return True  # a mother quoted by surname is not the minister of the same name
    return False


def _store_analysis(conn: sqlite3.Connection, article_id: int, art: NewArticle, analysis: Analysis,
                    workspace: str) -> list[tuple[int, Quote]]:
    from digests.nlp import quotes as quote_nlp

    is_key_quote = getattr(quote_nlp, "is_key_quote", lambda q: bool(q.speaker))
    ids: dict[str, int] = {}
    names: dict[int, str] = {}
    roles = []
    stored: list[tuple[int, Quote]] = []
    for q in analysis.quotes:
        sid = None
        if q.speaker and speaker_key(q.speaker):
            if q.speaker not in ids:
                ids[q.speaker] = _resolve_speaker(conn, q.speaker, workspace, art.text, q.role)
            sid = ids[q.speaker]
            if sid not in names:
                row = conn.execute("SELECT name FROM speakers WHERE id = ?", (sid,)).fetchone()
                names[sid] = row[0] if row else q.speaker
            if q.role:
                roles.append((sid, q.role, article_id, _iso(art.published)))
        qid = int(conn.execute(
            'INSERT INTO quotes(article_id, speaker_id, own_speaker_id, quote, start, "end", role, cue, mention,'
            " is_key, confidence) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (article_id, sid, sid, q.quote, q.start, q.end, q.role, q.cue, q.mention, 1 if is_key_quote(q) else 0,
             q.confidence),
        ).lastrowid or 0)
        stored.append((qid, q))
        conn.execute("INSERT INTO quotes_fts(rowid, quote, speaker) VALUES (?, ?, ?)",
                     (qid, q.quote, names.get(sid or -1, "")))
    conn.executemany("INSERT OR IGNORE INTO speaker_roles(speaker_id, role, article_id, seen) VALUES (?,?,?,?)",
                     roles)
    for ev in analysis.events:
        eid = conn.execute(
            'INSERT INTO events(article_id, date_start, date_end, granularity, expression, text, start, "end",'
            " entities) VALUES (?,?,?,?,?,?,?,?,?)",
            (article_id, ev.date_start.isoformat(), ev.date_end.isoformat(), ev.granularity, ev.expression,
             ev.text, ev.start, ev.end, "; ".join(ev.entities))).lastrowid
        conn.execute("INSERT INTO events_fts(rowid, text, entities) VALUES (?, ?, ?)",
                     (eid, ev.text, " ".join(ev.entities)))
    return stored


def grant(conn: sqlite3.Connection, article_id: int, workspace: str, via: str, now: datetime) -> bool:
    """Let ``workspace`` see an article and count its speakers there; False when it already could."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO workspace_articles(workspace, article_id, via, added_at) VALUES (?,?,?,?)",
        (workspace, article_id, via, _iso(now)))
    if not cur.rowcount:
        return False
    conn.execute(
        "INSERT INTO workspace_speakers(workspace, speaker_id, name, quote_count) "
        "SELECT ?, s.id, s.name, COUNT(*) FROM quotes q JOIN speakers s ON s.id = q.speaker_id "
        "WHERE q.article_id = ? GROUP BY s.id "
        "ON CONFLICT(workspace, speaker_id) DO UPDATE SET quote_count = quote_count + excluded.quote_count",
        (workspace, article_id))
    return True


def add_one(conn: sqlite3.Connection, item: BatchItem) -> AddResult:
    """Store one article inside the caller's transaction (or link it to its duplicate) and grant it."""
    art, analysis = item.article, item.analysis
    first = item.workspaces[0]
    prep = item.ready()
    sig = prep.sig
    dup = find_duplicate(conn, art, sig, first, prep)
    if dup:
        conn.executemany("INSERT OR IGNORE INTO article_keys(key, article_id) VALUES (?, ?)",
                         [(k, dup.article_id) for k in prep.keys])
        for ws in item.workspaces:
            grant(conn, dup.article_id, ws, item.via, item.now)
        return dup
    article_id = int(conn.execute(
        "INSERT INTO articles(url, guid, source_id, content_hash, minhash, title, author, text, published,"
        " fetched, summary, analyzed) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (art.url, art.guid, art.source_id, stored_hash(prep.content_hash, art, first), sig, art.title, art.author,
         art.text, _iso(art.published), _iso(item.now), analysis.summary if analysis else "",
         1 if analysis else 0)).lastrowid or 0)
    conn.executemany("INSERT OR IGNORE INTO article_keys(key, article_id) VALUES (?, ?)",
                     [(k, article_id) for k in prep.keys])
    conn.executemany("INSERT OR IGNORE INTO article_bands(key, article_id) VALUES (?, ?)",
                     [(k, article_id) for k in prep.bands])
    conn.execute("INSERT INTO articles_fts(rowid, title, text) VALUES (?, ?, ?)", (article_id, art.title, art.text))
    conn.execute("INSERT INTO titles_fts(rowid, title) VALUES (?, ?)", (article_id, art.title))
    if analysis:
        stored = _store_analysis(conn, article_id, art, analysis, first)
        if stored:
            # Imported here: the quote-group rules live in digests.stories, which may import the store.
            from digests.store._quote_groups import assign_groups, day_of, quote_scope

            # Before the grants: the other instances' workspaces get their counts moved, this article's none yet.
            assign_groups(conn, article_id, art.text, stored, quote_scope(art, first), day_of(art),
                          item.now, prep.quote_prep(analysis.quotes), prep.names)
    for ws in item.workspaces:
        grant(conn, article_id, ws, item.via, item.now)
    return AddResult(article_id, "added", art.title)


def add_batch(conn: sqlite3.Connection, items: Sequence[BatchItem]) -> list[AddResult]:
    """Store a batch in one IMMEDIATE transaction, rolled back whole on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        results = [add_one(conn, item) for item in items]
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return results
