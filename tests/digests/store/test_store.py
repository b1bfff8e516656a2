"""The store contract, run against every backend (SQLite and PostgreSQL) from this one suite.

Stored once, de-duplicated, isolated per workspace, safe against hostile search text, feed leases and the
digest ledger shared by several processes.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from digests.models import Analysis, Event, Quote
from digests.store import NewArticle, SchemaTooNew, Store, StoreError, canonical_url, fts_query
from digests.store._base import snippet

BODY = (
    "The river authority in Marlow Vale closed the old ferry landing on Tuesday after inspectors found cracks in "
    "the pilings. Engineers will survey the remaining piers over the coming weeks, and a temporary pontoon is "
    "planned for the spring. Commuters were told to use the northern bridge in the meantime, which adds about "
    "twenty minutes to a typical crossing. Local shop owners said the closure would hurt trade at the market. "
    "The authority has not said how much the repairs will cost or who will pay for them."
)


def _quote(text: str, body: str, speaker: str | None, role: str | None = None) -> Quote:
    start = body.index(text)
    return Quote(text, start, start + len(text), speaker, role, "said")


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    s = await Store.open(store_url)
    yield s
    await s.close()


async def test_migrations_are_applied_once_and_reopen_cleanly(store_url: str) -> None:
    s = await Store.open(store_url)
    version = await s.schema_version()
    await s.add_article(NewArticle("t", BODY), None, workspace="local", via="upload")
    await s.close()
    s = await Store.open(store_url)
    assert await s.schema_version() == version > 0
    assert await s.count_articles() == 1
    assert await s.integrity_check() == "ok"
    await s.close()


async def test_same_url_variant_and_same_body_are_duplicates(store: Store) -> None:
    first = await store.add_article(NewArticle("Ferry landing closed", BODY, url="https://www.example.org/a/?utm_source=x"),
                                    None, workspace="local", via="upload")
    again = await store.add_article(NewArticle("Other title", BODY + " Extra.", url="http://example.org/a"),
                                    None, workspace="local", via="upload")
    same_body = await store.add_article(NewArticle("Third title", BODY, url="https://example.net/b"),
                                        None, workspace="local", via="upload")
    assert first.status == "added"
    assert (again.status, again.article_id) == ("duplicate", first.article_id)
    assert (same_body.status, same_body.article_id) == ("duplicate", first.article_id)
    assert await store.count_articles() == 1


async def test_republished_story_with_small_edits_is_linked_not_stored_twice(store: Store) -> None:
    first = await store.add_article(NewArticle("Ferry landing closed", BODY, url="https://a.example/1"),
                                    None, workspace="local", via="upload")
    edited = BODY.replace("on Tuesday", "on Tuesday morning") + " Updated with the authority's statement."
    second = await store.add_article(NewArticle("Ferry landing shut", edited, url="https://b.example/2"),
                                     None, workspace="local", via="upload")
    assert second.status == "near-duplicate"
    assert second.article_id == first.article_id
    assert await store.count_articles() == 1


async def test_a_workspace_sees_only_its_own_articles_quotes_speakers_and_events(store: Store) -> None:
    q = "We will not reopen the landing until every pile has been replaced"
    body = BODY + f' "{q}," said harbour engineer Tamsin Ode.'
    analysis = Analysis(quotes=(_quote(q, body, "Tamsin Ode", "harbour engineer"),),
                        events=(Event(date(2026, 3, 3), date(2026, 3, 3), "day", "on Tuesday", "closed the landing"),))
    await store.add_article(NewArticle("Private", body), analysis, workspace="discord:1", via="upload")
    assert [r.title for r in await store.search("discord:1", "ferry")] == ["Private"]
    assert await store.search("discord:2", "ferry") == []
    assert await store.who_said("discord:2", "reopen the landing") == []
    assert await store.match_speakers("discord:2", "Ode") == []
    assert await store.timeline("discord:2", "landing") == []
    hits = await store.who_said("discord:1", "reopen the landing")
    assert hits[0].speaker == "Tamsin Ode" and hits[0].role == "harbour engineer"


async def test_bare_surname_in_a_later_article_joins_the_known_full_name(store: Store) -> None:
    q1 = "The budget protects every school in the district this year"
    b1 = f'Education Secretary Lena Marsh said: "{q1}." ' + BODY
    await store.add_article(NewArticle("Budget", b1), Analysis(quotes=(_quote(q1, b1, "Lena Marsh", "Education Secretary"),)),
                            workspace="local", via="upload")
    q2 = "Nobody should expect class sizes to grow next autumn"
    b2 = f'"{q2}," Marsh said. ' + BODY.replace("ferry", "tram")
    await store.add_article(NewArticle("Schools", b2), Analysis(quotes=(_quote(q2, b2, "Marsh"),)),
                            workspace="local", via="upload")
    speakers = await store.match_speakers("local", "Marsh")
    assert [(name, n) for _, name, n in speakers] == [("Lena Marsh", 2)]
    quotes = await store.quotes_by("local", speakers[0][0])
    assert {x.quote for x in quotes} == {q1, q2}


@pytest.mark.parametrize("text", ['"unbalanced', "NEAR(", "a OR", "*", "title:x", "'; DROP TABLE articles; --",
                                  "\x00\x01", "ü" * 300, "()", "^start", "-x"])
async def test_hostile_search_text_never_raises(store: Store, text: str) -> None:
    q = "We will not reopen the landing until every pile has been replaced"
    body = BODY + f' "{q}," said harbour engineer Tamsin Ode.'
    analysis = Analysis(quotes=(_quote(q, body, "Tamsin Ode", "harbour engineer"),),
                        events=(Event(date(2026, 3, 3), date(2026, 3, 3), "day", "on Tuesday", "closed the landing"),))
    out = await store.add_article(NewArticle("Ferry", body), analysis, workspace="local", via="upload")
    # A hostile string is only ever words to look for: a hit can only be the stored article, quote or event.
    assert {r.id for r in await store.search("local", text)} <= {out.article_id}
    assert {h.speaker for h in await store.who_said("local", text)} <= {"Tamsin Ode"}
    assert {e.expression for e in await store.timeline("local", text)} <= {"on Tuesday"}
    # Speaker and article lookups autocomplete, so a near-empty text may list what there is, and only that.
    assert {name for _, name, _ in await store.match_speakers("local", text)} <= {"Tamsin Ode"}
    assert {a.id for a in await store.find_articles("local", text)} <= {out.article_id}
    # The same queries still work on ordinary words afterwards: nothing was broken or consumed.
    assert [r.title for r in await store.search("local", "ferry landing")] == ["Ferry"]
    assert [h.speaker for h in await store.who_said("local", "reopen the landing")] == ["Tamsin Ode"]
    assert [name for _, name, _ in await store.match_speakers("local", "Ode")] == ["Tamsin Ode"]
    assert await store.timeline("local", "landing")
    assert await store.count_articles() == 1 and await store.integrity_check() == "ok"


def test_fts_query_quotes_every_term() -> None:
    assert fts_query('bridge "unbalanced NEAR(') == '"bridge" "unbalanced" "NEAR"'
    assert fts_query("  ()  ") is None


def test_canonical_url_drops_tracking_and_fragments() -> None:
    assert canonical_url("HTTP://WWW.Example.com:80/News/?b=2&utm_medium=x&a=1#top") == "https://example.com/News?a=1&b=2"


async def test_digest_ledger_claims_a_window_once(store: Store) -> None:
    sched = await store.add_schedule("local", "console", "daily 08:00", "0 8 * * *", "Europe/Berlin")
    start = datetime(2026, 3, 1, 7, tzinfo=UTC)
    first = await store.claim_run(sched.id, start, start + timedelta(days=1))
    second = await store.claim_run(sched.id, start, start + timedelta(days=1))
    assert first is not None and second is None


async def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="naive"):
        await store.add_article(NewArticle("t", BODY, published=datetime(2026, 1, 1)), None,  # noqa: DTZ001
                                workspace="local", via="upload")
    assert await store.count_articles() == 0


async def test_a_near_copy_of_another_workspaces_private_upload_is_stored_separately(store: Store) -> None:
    private = await store.add_article(NewArticle("Ferry landing closed", BODY), None, workspace="slack:A",
                                      via="upload")
    edited = BODY.replace("on Tuesday", "on Tuesday morning") + " Updated with the authority's statement."
    other = await store.add_article(NewArticle("Ferry landing shut", edited), None, workspace="slack:B",
                                    via="upload")
    assert other.status == "added" and other.article_id != private.article_id
    assert await store.article("slack:B", private.article_id) is None
    public = await store.add_article(NewArticle("Ferry", BODY + " More.", url="https://c.example/3"), None,
                                     workspace="slack:C", via="upload")
    near_public = await store.add_article(NewArticle("Ferry shut", edited + " More.", url="https://d.example/4"),
                                          None, workspace="slack:D", via="upload")
    assert public.status == "added"
    assert (near_public.status, near_public.article_id) == ("near-duplicate", public.article_id)


async def test_a_due_feed_is_leased_to_one_process_and_taken_over_when_the_lease_runs_out(store_url: str) -> None:
    a, b = await Store.open(store_url), await Store.open(store_url)
    try:
        feeds = [await a.source("feed", f"http://127.0.0.1:9/f{i}.xml") for i in range(6)]
        for f in feeds:
            await a.subscribe("discord:1", "c1", f.id)
        now = datetime(2026, 3, 1, 8, tzinfo=UTC)
        got_a, got_b = await asyncio.gather(a.claim_due_feeds("proc-a", now, 60, limit=3),
                                            b.claim_due_feeds("proc-b", now, 60, limit=10))
        ids_a, ids_b = {s.id for s in got_a}, {s.id for s in got_b}
        assert not ids_a & ids_b and ids_a | ids_b == {f.id for f in feeds}
        assert await b.claim_due_feeds("proc-b", now + timedelta(seconds=30), 60) == []
        for fid in ids_b:  # proc-b polled its feeds: next due in an hour, lease released
            await b.update_source(fid, next_fetch=now + timedelta(hours=1))
            await b.release_feed(fid, "proc-b")
        # proc-a died holding its leases: they run out and proc-b takes its feeds over.
        taken = await b.claim_due_feeds("proc-b", now + timedelta(seconds=61), 60)
        assert {s.id for s in taken} == ids_a
        assert await a.claim_due_feeds("proc-a", now + timedelta(seconds=90), 60) == []
    finally:
        await a.close()
        await b.close()


async def test_a_stopping_process_hands_its_leases_back_at_once(store_url: str) -> None:
    a, b = await Store.open(store_url), await Store.open(store_url)
    try:
        feeds = [await a.source("feed", f"http://127.0.0.1:9/h{i}.xml") for i in range(3)]
        for f in feeds:
            await a.subscribe("discord:1", "c1", f.id)
        now = datetime(2026, 3, 1, 8, tzinfo=UTC)
        held_a = {s.id for s in await a.claim_due_feeds("proc-a", now, 300, limit=2)}
        held_b = {s.id for s in await b.claim_due_feeds("proc-b", now, 300)}
        assert len(held_a) == 2 and len(held_b) == 1
        # proc-a stops: every lease it holds ends now, not in 300 s, and nobody else's.
        assert await a.release_feeds("proc-a") == 2
        assert await a.release_feeds("proc-a") == 0
        # A feed it polled part way is fetched again in full (no validators) and is due at once.
        cut = min(held_a)
        await a.update_source(cut, etag='"v1"', last_modified="Sun, 01 Mar 2026 07:00:00 GMT")
        await a.refetch_soon([cut, cut], now)
        row = await b.get_source(cut)
        assert row is not None and (row.etag, row.last_modified, row.next_fetch) == (None, None, now)
        taken = await b.claim_due_feeds("proc-c", now + timedelta(seconds=1), 300)
        assert {s.id for s in taken} == held_a
    finally:
        await a.close()
        await b.close()


async def test_ping_answers_while_the_store_is_open(store: Store) -> None:
    await store.ping()


async def test_a_sqlite_file_is_created_only_where_asked(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "x.db"
    with pytest.raises(StoreError, match="no SQLite database"):
        await Store.open(tmp_path / "typo.db", create=False)
    assert not (tmp_path / "typo.db").exists()
    with pytest.raises(StoreError, match="does not exist"):
        await Store.open(missing, make_dirs=False)
    assert not missing.parent.exists()
    with pytest.raises(StoreError, match="is a folder"):
        await Store.open(tmp_path)
    s = await Store.open(f"sqlite:///{missing}")  # folders are made by default
    await s.close()
    s = await Store.open(missing, create=False, make_dirs=False)
    await s.close()


async def test_two_processes_claiming_one_digest_window_post_it_once(store_url: str) -> None:
    a, b = await Store.open(store_url), await Store.open(store_url)
    try:
        sched = await a.add_schedule("discord:1", "c1", "hourly", "0 * * * *", "UTC")
        start = datetime(2026, 3, 1, 7, tzinfo=UTC)
        claims = await asyncio.gather(*(s.claim_run(sched.id, start, start + timedelta(hours=1))
                                        for s in (a, b, a, b)))
        assert sum(c is not None for c in claims) == 1
    finally:
        await a.close()
        await b.close()


async def test_a_database_with_a_newer_schema_is_refused(store_url: str) -> None:
    s = await Store.open(store_url)
    version = await s.schema_version()
    await s.close()
    if store_url.startswith("sqlite:///"):
        with sqlite3.connect(store_url.removeprefix("sqlite:///")) as db:
            db.execute(f"PRAGMA user_version = {version + 1}")
    else:
        import asyncpg

        con = await asyncpg.connect(store_url)
        await con.execute("INSERT INTO schema_version(version) VALUES ($1)", version + 1)
        await con.close()
    with pytest.raises(SchemaTooNew, match="newer than this newsbot"):
        await Store.open(store_url)


async def test_search_who_said_and_timeline_answer_alike_on_every_backend(store: Store) -> None:
    q = "The bridge will reopen to cyclists before the summer festival"
    body = BODY + f' "{q}," said transport chief Ilse Varga on Monday.'
    ev = Event(date(2026, 3, 2), date(2026, 3, 2), "day", "on Monday", "Varga said the bridge will reopen")
    await store.add_article(NewArticle("Bridge to reopen", body, url="https://e.example/b"),
                            Analysis(quotes=(_quote(q, body, "Ilse Varga", "transport chief"),), events=(ev,)),
                            workspace="local", via="upload")
    await store.add_article(NewArticle("Tram depot plans", BODY.replace("ferry", "tram").replace("bridge", "road")),
                            None, workspace="local", via="upload")
    hits = await store.search("local", "bridge cyclists")
    assert [h.title for h in hits] == ["Bridge to reopen"]
    # The snippet is made from the article's text by the same code on every backend: the same words everywhere.
    assert hits[0].snippet == snippet(body, ["bridge", "cyclists"])
    assert "**cyclists**" in hits[0].snippet
    assert [h.title for h in await store.find_articles("local", "Bridge to re")] == ["Bridge to reopen"]
    said = await store.who_said("local", "reopen to cyclists")
    assert [(x.speaker, x.quote) for x in said] == [("Ilse Varga", q)]
    assert [e.text for e in await store.timeline("local", "bridge")] == [ev.text]
    assert [n for _, n, _ in await store.match_speakers("local", "varg")] == ["Ilse Varga"]
    assert [n for _, n, _ in await store.match_speakers("local", "ilse v")] == ["Ilse Varga"]


async def test_a_paged_command_is_remembered_for_any_process(store_url: str) -> None:
    a, b = await Store.open(store_url), await Store.open(store_url)
    try:
        at = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
        sid = await a.save_page_state("search", '{"query": "gulls"}', workspace="discord:1", channel="5",
                                      user="42", is_admin=False, created_at=at)
        row = await b.page_state(sid)
        assert row is not None
        assert (row.command, row.args, row.workspace, row.channel, row.user, row.is_admin, row.created_at) == (
            "search", '{"query": "gulls"}', "discord:1", "5", "42", False, at)
        assert await b.page_state(sid + 1000) is None
    finally:
        await a.close()
        await b.close()


async def test_same_surname_in_two_articles_stays_two_people(store: Store) -> None:
    q1 = "The new clinic will open its doors to patients before the winter"
    b1 = f'Health Minister Carla Denholm said: "{q1}." ' + BODY
    await store.add_article(NewArticle("Clinic", b1),
                            Analysis(quotes=(_quote(q1, b1, "Carla Denholm", "Health Minister"),)),
                            workspace="local", via="upload")
    # Another article quotes someone by surname alone and also names a Peter Denholm: not the minister.
    q2 = "My son waited eleven hours in the hallway before anyone saw him"
    b2 = f'Peter Denholm was hurt at work. "{q2}," Denholm said. ' + BODY.replace("ferry", "tram")
    await store.add_article(NewArticle("Hallway", b2), Analysis(quotes=(_quote(q2, b2, "Denholm"),)),
                            workspace="local", via="upload")
    # A third article has a bare surname with a different role and nobody else of that name.
    q3 = "We will keep the bakery open on Sundays through the whole season"
    b3 = f'"{q3}," said Denholm, the baker. ' + BODY.replace("ferry", "bus")
    await store.add_article(NewArticle("Bakery", b3), Analysis(quotes=(_quote(q3, b3, "Denholm", "baker"),)),
                            workspace="local", via="upload")
    speakers = {name: n for _, name, n in await store.match_speakers("local", "Denholm")}
    assert speakers.get("Carla Denholm") == 1
    assert speakers.get("Denholm") == 2


async def test_title_lookup_reads_titles_only(store: Store) -> None:
    bodies = (BODY, "Divers inspected the eastern piers at dawn and reported the timber sound. The council will "
              "vote on a repair budget next month, and inspectors expect the pontoon to arrive by barge.",
              "A survey vessel mapped the silt along the quay. Its crew of inspectors found two sunken hulls "
              "and a lost anchor, and the harbour master asked boat owners to keep clear of the buoys.")
    for title, body in zip(("Ferry landing closed", "Ferry landing reopens", "Pier survey begins"), bodies, strict=True):
        await store.add_article(NewArticle(title, body), None, workspace="local", via="upload")
    # "inspectors" is in every body but in no title; "Fer" is a title prefix typed so far.
    assert await store.find_articles("local", "inspectors") == []
    assert {h.title for h in await store.find_articles("local", "Fer")} == {"Ferry landing closed",
                                                                           "Ferry landing reopens"}
    assert [h.title for h in await store.find_articles("local", "landing reo")] == ["Ferry landing reopens"]
    # Every whole word typed before the last one counts, not only the first.
    assert [h.title for h in await store.find_articles("local", "Ferry closed lan")] == ["Ferry landing closed"]
    assert await store.find_articles("elsewhere", "Fer") == []


async def test_a_store_from_before_the_title_index_finds_its_old_titles(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    s = await Store.open(f"sqlite:///{path}")
    await s.add_article(NewArticle("Harbour wall repaired", BODY), None, workspace="local", via="upload")
    await s.close()
    with sqlite3.connect(path) as db:  # back to schema 4, as a store written before migration 5 was
        db.execute("DROP TABLE titles_fts")
        # What later migrations added goes too, so each runs again as on a store that never had it.
        db.execute("DROP TABLE delivery_log")
        db.execute("ALTER TABLE sources DROP COLUMN last_failure")
        db.execute("ALTER TABLE sources DROP COLUMN last_failure_at")
        for table in ("stories_fts", "story_state", "article_stories", "stories"):  # migration 6
            db.execute(f"DROP TABLE {table}")
        # ... and before migration 7 (quote groups)
        db.executescript("DROP TABLE quote_keys; DROP INDEX quotes_group; ALTER TABLE quotes DROP COLUMN group_id; "
                         "ALTER TABLE quotes DROP COLUMN own_speaker_id; ALTER TABLE quotes DROP COLUMN confidence; "
                         "DROP TABLE quote_groups;")
        db.execute("PRAGMA user_version = 4")
    s = await Store.open(f"sqlite:///{path}")
    try:
        assert [h.title for h in await s.find_articles("local", "harb")] == ["Harbour wall repaired"]
    finally:
        await s.close()


async def test_who_said_puts_the_verbatim_phrase_first_then_the_newest(store: Store) -> None:
    said = (("The pontoon will float before the ferry returns", "2026-03-01"),
            ("Before anything else the ferry crews need pay; the pontoon can wait", "2026-03-03"),
            ("We know the ferry matters, and the pontoon is ordered", "2026-03-05"))
    for n, (quote, day) in enumerate(said):
        body = f'Story {n} about the harbour works and the landing stage. "{quote}," said a harbour engineer.'
        await store.add_article(NewArticle(f"Harbour story {n}", body + " " + BODY[n * 90:],
                                           published=datetime.fromisoformat(day).replace(tzinfo=UTC)),
                                Analysis(quotes=(_quote(quote, body, "Mara Quist"),)), workspace="local",
                                via="upload")
    hits = await store.who_said("local", "  The Pontoon   will ")
    assert [h.quote for h in hits] == [said[0][0], said[2][0], said[1][0]]


async def test_a_quotes_topic_of_stopwords_only_filters_nothing(store: Store) -> None:
    said = ["The pontoon will be ready before the spring market opens", "Our crews are checking every piling"]
    scenes = ["Work on the temporary landing in Marlow Vale moved ahead this week as barges brought in steel.",
              "Divers spent Thursday under an old ferry landing, logging each crack before winter storms."]
    for i, (q, scene) in enumerate(zip(said, scenes, strict=True)):
        body = f'{scene} "{q}," said harbour master Odile Fenwick.'
        await store.add_article(NewArticle(f"Landing update {i}", body, url=f"https://e.example/landing-{i}"),
                                Analysis(quotes=(_quote(q, body, "Odile Fenwick", "harbour master"),)),
                                workspace="local", via="upload")
    [(speaker_id, _, _)] = await store.match_speakers("local", "Fenwick")
    everything = await store.quotes_by("local", speaker_id)
    assert {q.quote for q in everything} == set(said)
    # The second article has no "the" anywhere: a filter on it would drop that quote.
    assert await store.quotes_by("local", speaker_id, topic="the") == everything
    assert await store.quotes_by("local", speaker_id, topic="of the") == everything
    assert [q.quote for q in await store.quotes_by("local", speaker_id, topic="the pontoon")] == [said[0]]


# ---- issue 28: windows by publication time, the delivery log, the next due feed -----------------------------------

TOPICS = ["ferry berth on the north quay", "orchestra concerts in market towns", "puffin colony on the cliffs",
          "coding classes for pensioners", "mountain pass resurfacing", "bread by cargo bicycle",
          "rooftop weather station", "old weir removed for salmon", "lantern festival on the river"]


def _distinct_body(i: int) -> str:
    # Each body is about something else, so no two are near-duplicates of each other.
    topic = TOPICS[i]
    return (f"Reporters covered the {topic} this week. " * 2 + f"Story {i} has its own facts: "
            + " ".join(f"{topic.split()[k % len(topic.split())]}{i}{k}" for k in range(30)))


async def test_digest_windows_go_by_publication_time(store: Store) -> None:
    now = datetime(2031, 3, 2, 12, 0, tzinfo=UTC)
    hour, day = timedelta(hours=1), timedelta(days=1)
    plan = {  # title: (published, stored, via)
        "archive 2019": (datetime(2019, 5, 14, tzinfo=UTC), now - hour, "upload"),
        "fresh": (now - 2 * hour, now - hour, "feed"),
        "late arrival": (now - 30 * hour, now - hour, "feed"),
        "too late": (now - 60 * hour, now - hour, "feed"),
        "undated today": (None, now - 3 * hour, "upload"),
        "undated yesterday": (None, now - 30 * hour, "upload"),
        "stored after the window": (now - 2 * hour, now + hour, "feed"),
        "baseline": (now - 2 * hour, now - hour, "initial"),
    }
    for i, (title, (published, stored, via)) in enumerate(plan.items()):
        await store.add_article(NewArticle(title, _distinct_body(i), url=f"https://e.example/{i}",
                                           published=published), None, workspace="local", via=via, now=stored)
    window = await store.articles_since("local", now - day, now, late_from=now - 2 * day)
    assert [a.title for a in window] == ["fresh", "undated today", "late arrival"]
    # Without late arrivals only what was published (or, undated, stored) in the window.
    assert [a.title for a in await store.articles_since("local", now - day, now)] == ["fresh", "undated today"]
    # The window before: the late arrival was not stored yet when it ended, so it is not counted twice.
    earlier = await store.articles_since("local", now - 2 * day, now - day, late_from=now - 3 * day)
    assert [a.title for a in earlier] == ["undated yesterday"]
    assert [a.title for a in await store.articles_since("local", now, now + day)] == []
    later = await store.articles_since("local", now, now + day, late_from=now - day)
    assert [a.title for a in later] == ["stored after the window"]


async def test_the_delivery_log_answers_by_link_or_words_per_channel_and_forgets_after_its_retention(
        store: Store) -> None:
    from digests.store import DeliveryRecord

    t = datetime(2031, 3, 2, 12, 0, tzinfo=UTC)
    title = "Floods close the northern rail line"
    await store.log_deliveries([
        DeliveryRecord("w", "c", "filtered", t, detail="filter #1 (exclude any word “rail”) matched",
                       item_url="https://News.example/floods?utm_source=feed", item_title=title, article_id=7,
                       subscription_id=3, feed_url="https://news.example/rss", published=t - timedelta(hours=2)),
        DeliveryRecord("w", "c", "posted", t + timedelta(minutes=1), item_url="https://news.example/floods",
                       item_title=title, article_id=7),
        DeliveryRecord("w", "other", "posted", t, item_url="https://news.example/floods", item_title=title),
        DeliveryRecord("w2", "c", "posted", t, item_url="https://news.example/floods", item_title=title),
    ])
    by_link = await store.find_deliveries("w", "c", url="http://www.news.example/floods#top")
    assert [d.outcome for d in by_link] == ["posted", "filtered"]
    old = by_link[1]
    assert (old.detail, old.subscription_id, old.feed_url, old.article_id) == (
        "filter #1 (exclude any word “rail”) matched", 3, "https://news.example/rss", 7)
    assert old.published == t - timedelta(hours=2) and old.at == t
    assert [d.outcome for d in await store.find_deliveries("w", "c", words=["RAIL", "floods"])] == [
        "posted", "filtered"]
    assert await store.find_deliveries("w", "c", words=["100%_rail"]) == []  # LIKE marks are plain text
    assert await store.find_deliveries("w", "c") == []
    assert [d.outcome for d in await store.deliveries_of("w", "c", [7, 8])] == ["filtered", "posted"]
    with pytest.raises(ValueError, match="unknown delivery outcome"):
        await store.log_deliveries([DeliveryRecord("w", "c", "lost", t)])
    assert await store.prune_deliveries(t + timedelta(seconds=30)) == 3
    assert [d.outcome for d in await store.find_deliveries("w", "c", words=["floods"])] == ["posted"]


async def test_the_next_due_feed_and_a_failure_kept_as_history(store: Store) -> None:
    now = datetime(2031, 3, 2, 12, 0, tzinfo=UTC)
    a, b, c = [await store.source("feed", f"https://e.example/{n}.xml") for n in "abc"]
    for src, minutes in ((a, 5), (b, -1), (c, 2)):
        await store.update_source(src.id, next_fetch=now + timedelta(minutes=minutes))
    await store.subscribe("local", "news", a.id)
    await store.subscribe("local", "news", b.id)
    assert await store.next_fetch_after(now) == now + timedelta(minutes=5)  # c has no subscriber; b is due
    await store.update_source(a.id, last_failure="HTTP 404 Not Found", last_failure_at=now)
    [sub_a, _] = await store.subscriptions("local", "news")
    assert (sub_a.source.last_failure, sub_a.source.last_failure_at) == ("HTTP 404 Not Found", now)
    assert sub_a.created_at is not None


async def test_articles_and_their_events_are_read_by_id_for_one_workspace_only(store: Store) -> None:
    """The timeline reads its articles' texts and every event of them in two calls, never another workspace's."""
    closed = Event(date(2026, 3, 3), date(2026, 3, 3), "day", "on Tuesday", "closed the old ferry landing on Tuesday",
                   start=0, end=111)
    survey = Event(date(2026, 3, 4), date(2026, 3, 4), "day", "Wednesday", "the survey starts Wednesday",
                   start=112, end=200)
    a = await store.add_article(NewArticle("Ferry", BODY), Analysis(events=(survey, closed)), workspace="local",
                                via="upload")
    b = await store.add_article(NewArticle("Tram", BODY.replace("ferry", "tram")), None, workspace="discord:1",
                                via="upload")
    assert a.article_id is not None and b.article_id is not None
    got = await store.articles_by_id("local", [b.article_id, a.article_id, a.article_id])
    assert [(x.id, x.title, x.text) for x in got] == [(a.article_id, "Ferry", BODY)]
    events = await store.events_for_articles("local", [a.article_id, b.article_id])
    assert [(e.expression, e.start, e.end) for e in events] == [("on Tuesday", 0, 111), ("Wednesday", 112, 200)]
    assert await store.events_for_articles("discord:1", [a.article_id]) == []
    assert await store.articles_by_id("local", []) == [] and await store.events_for_articles("local", []) == []


async def test_search_without_snippets_finds_the_same_articles(store: Store) -> None:
    await store.add_article(NewArticle("Ferry", BODY), None, workspace="local", via="upload")
    await store.add_article(NewArticle("Tram", "The tram depot closed for a week of repairs."), None,
                            workspace="local", via="upload")
    full = await store.search("local", "ferry landing")
    bare = await store.search("local", "ferry landing", snippets=False)
    assert [r.id for r in bare] == [r.id for r in full] and full[0].snippet
    assert all(r.snippet == "" for r in bare)


async def test_a_speaker_typed_in_full_comes_first_before_longer_names_quoted_more(store: Store) -> None:
    said = {"Ann Lee": 1, "Ann Leeson": 3}
    n = 0
    for name, count in said.items():
        for _ in range(count):
            n += 1
            q = f"The harbour plan number {n} deserves a vote this spring"
            body = f'"{q}," said {name}. ' + " ".join(f"w{n}x{k}" for k in range(40))  # no near-duplicates
            await store.add_article(NewArticle(f"Plan {n}", body), Analysis(quotes=(_quote(q, body, name),)),
                                    workspace="local", via="upload")
    # Typed in full, the exact name leads; typed in part, the most quoted leads; a surname's start finds both.
    assert [(nm, c) for _, nm, c in await store.match_speakers("local", "Ann Lee")] == [("Ann Lee", 1),
                                                                                      ("Ann Leeson", 3)]
    assert [nm for _, nm, _ in await store.match_speakers("local", "ann le")] == ["Ann Leeson", "Ann Lee"]
    assert [nm for _, nm, _ in await store.match_speakers("local", "leeso")] == ["Ann Leeson"]
    assert [nm for _, nm, _ in await store.match_speakers("local", "n Lees")] == ["Ann Leeson"]  # inside a name
    assert [nm for _, nm, _ in await store.match_speakers("local", "")] == ["Ann Leeson", "Ann Lee"]
    assert await store.match_speakers("local", "Ann Lee", limit=1) == (await store.match_speakers("local", "Ann Lee"))[:1]


async def test_search_ranks_best_first_unless_asked_for_the_newest(store: Store) -> None:
    older = await store.add_article(
        NewArticle("Gull colony survey", "Gulls nest on the pier; gull numbers and gull chicks doubled, the gull survey "
                   "found.", published=datetime(2026, 3, 1, tzinfo=UTC)), None, workspace="local", via="upload")
    newer = await store.add_article(
        NewArticle("Harbour lights repaired", "Crews repaired the harbour lights; one gull watched.",
                   published=datetime(2026, 3, 9, tzinfo=UTC)), None, workspace="local", via="upload")
    assert [r.id for r in await store.search("local", "gull")] == [older.article_id, newer.article_id]
    assert [r.id for r in await store.search("local", "gull", newest=True)] == [newer.article_id, older.article_id]


async def _as_before_migration_26(url: str, upload: int) -> None:
    """Put a store back as the old writer left it: the upload under its bare hash, holding a web page's URL key."""
    bare = "UPDATE articles SET content_hash = split_part(content_hash, ':', 1) WHERE id = $1"
    key = "INSERT INTO article_keys(key, article_id) VALUES ('url:https://web.example/mill', $1)"
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            db.execute("UPDATE articles SET content_hash = substr(content_hash, 1, 64) WHERE id = ?", (upload,))
            db.execute(key.replace("$1", "?"), (upload,))
            db.execute("PRAGMA user_version = 25")
        return
    import asyncpg

    con = await asyncpg.connect(url)
    try:
        await con.execute(bare, upload)
        await con.execute(key, upload)
        await con.execute("DELETE FROM schema_version WHERE version >= 26")
    finally:
        await con.close()


async def test_uploads_stored_before_migration_26_become_their_workspaces_own(store_url: str) -> None:
    s = await Store.open(store_url)
    upload = await s.add_article(NewArticle("Mill notes", BODY), None, workspace="w1", via="upload")
    await s.close()
    await _as_before_migration_26(store_url, upload.article_id)
    s = await Store.open(store_url)
    try:
        theirs = await s.add_article(NewArticle("Our notes", BODY), None, workspace="w2", via="upload")
        again = await s.add_article(NewArticle("Mill notes", BODY), None, workspace="w1", via="upload")
        page = await s.add_article(NewArticle("Mill page", BODY, url="https://web.example/mill"), None,
                                   workspace="w2", via="upload")
        assert theirs.status == "added" and theirs.article_id != upload.article_id
        assert page.status == "added" and page.article_id not in (upload.article_id, theirs.article_id)
        assert (again.status, again.article_id) == ("duplicate", upload.article_id)
        assert await s.article("w2", upload.article_id) is None
    finally:
        await s.close()
