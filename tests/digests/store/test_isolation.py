"""Workspace isolation in the store contract: no query of one workspace returns another's rows, on every backend.

Two workspaces hold private articles that share a speaker (quoted in both, with different roles), a topic (the
lighthouse), a channel name, a schedule, an alert keyword and a feed; one public article from the shared feed
is seen by both. Every store method that takes a workspace has a case below, run with and without its filters
(topic, since, until), and ``test_every_store_method_that_takes_a_workspace_has_a_case`` fails when a new one
(issue 25's story queries, say) is added without one.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from digests.models import Analysis, Event, Quote
from digests.store import NewArticle, Store
from digests.store._pg import PgStore
from digests.store._sqlite import SqliteStore

A, B = "discord:1001", "slack:T2002"
CHANNEL = "general"  # the same channel name in both workspaces
SHARED_FEED = "https://shared.example.test/coast.xml"
SPEAKER = "Ilse Marrow"
AT = datetime(2026, 3, 10, 9, tzinfo=UTC)


def _article(scene: str, said: str, role: str, when: str, day: date, title: str, url: str | None,
             published: datetime) -> tuple[NewArticle, Analysis]:
    body = f'{scene} "{said}," said {SPEAKER}, {role}. Work on the lighthouse starts {when}.'
    start = body.index(said)
    sentence = f"Work on the lighthouse starts {when}."
    return (NewArticle(title, body, url=url, published=published),
            Analysis(quotes=(Quote(said, start, start + len(said), SPEAKER, role, "said"),),
                     events=(Event(day, day, "day", when, sentence),), summary=scene))


A_ART = _article("Dunmore council voted to restore the old lighthouse on Gull Point.",
                 "The lighthouse is the heart of this town", "who chairs the alpha society", "on 14 April 2026",
                 date(2026, 4, 14), "Dunmore lighthouse to be restored", None, AT)
B_ART = _article("Storms damaged the lighthouse at Kelby, the harbour board said.",
                 "The lighthouse lamp must be repaired before winter", "a beta consultant", "on 3 June 2026",
                 date(2026, 6, 3), "Kelby lighthouse storm damage", None, AT)
SHARED_ART = _article("Lighthouse keepers from the whole coast met at the maritime museum.",
                      "Every lighthouse keeper remembers the first storm", "a shared historian", "on 1 May 2026",
                      date(2026, 5, 1), "Coast lighthouse keepers meet", "https://shared.example.test/keepers",
                      AT + timedelta(days=2))
# B's article, almost word for word, as A's own upload: it must not be taken for B's private one.
B_NEAR = NewArticle("Kelby lighthouse storm damage", B_ART[0].text.replace("winter", "the winter"))


@dataclass
class World:
    """Ids of the rows each workspace owns."""

    a: int
    b: int
    shared: int
    speaker: int
    a_schedule: int
    b_schedule: int
    a_alert: int
    b_alert: int
    shared_source: int


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    """Return an empty store of each backend."""
    s = await Store.open(store_url)
    yield s
    await s.close()


async def _world(store: Store) -> World:
    a = await store.add_article(A_ART[0], A_ART[1], workspace=A, via="upload", now=AT)
    b = await store.add_article(B_ART[0], B_ART[1], workspace=B, via="upload", now=AT)
    src = await store.source("feed", SHARED_FEED, title="Coast feed")
    shared = await store.add_article(
        NewArticle(SHARED_ART[0].title, SHARED_ART[0].text, url=SHARED_ART[0].url, published=SHARED_ART[0].published,
                   source_id=src.id), SHARED_ART[1], workspace=A, via="feed", now=AT + timedelta(days=2))
    assert await store.grant(shared.article_id, B, "feed", AT + timedelta(days=2))
    for ws in (A, B):
        await store.subscribe(ws, CHANNEL, src.id)
    [(speaker, _, _)] = await store.match_speakers(A, SPEAKER)
    a_sched = await store.add_schedule(A, CHANNEL, "daily 08:00", "0 8 * * *", "Europe/Berlin")
    b_sched = await store.add_schedule(B, CHANNEL, "daily 08:00", "0 8 * * *", "Europe/Berlin")
    a_alert, _ = await store.add_alert(A, CHANNEL, "lighthouse", "role:1", now=AT)
    b_alert, _ = await store.add_alert(B, CHANNEL, "lighthouse", "subteam:S2", now=AT)
    # B's live ledger holds B's article and the shared one; A's holds only its own.
    await store.live_claim(B, CHANNEL, [b.article_id, shared.article_id], "posted", AT)
    await store.live_claim(A, CHANNEL, [a.article_id], "posted", AT)
    for n in range(3):  # B's channel got three live posts this minute, A's one
        await store.record_live_send(B, CHANNEL, AT + timedelta(seconds=n))
    await store.record_live_send(A, CHANNEL, AT)
    await store.hold_live(B, CHANNEL, [(b.article_id, 1, "Coast feed", None, AT)])
    return World(a.article_id, b.article_id, shared.article_id, speaker, a_sched.id, b_sched.id, a_alert.id,
                 b_alert.id, src.id)


Check = Callable[[Store, World], Awaitable[None]]
CASES: dict[str, list[tuple[str, Check, bool]]] = {}


def case(method: str, variant: str = "", *, writes: bool = False) -> Callable[[Check], Check]:
    """Register a check of ``method`` (one of several variants: with a topic, a since, ...).

    Checks that change A's rows (``writes``) run after every read, in the order registered.
    """
    def register(fn: Check) -> Check:
        CASES.setdefault(method, []).append((variant or fn.__name__, fn, writes))
        return fn
    return register


def only_a(ids: Any, w: World, *, shared: bool = True) -> None:
    """Assert that article ids are A's own (and the shared one when ``shared``) and include A's article."""
    got = set(ids)
    assert w.b not in got, f"B's private article {w.b} came back for A: {sorted(got)}"
    assert got <= {w.a, w.shared}, sorted(got)
    assert w.a in got or w.shared in got, "A sees nothing: the check would pass vacuously"
    if shared:
        assert w.shared in got, "the shared article is A's too"


# ---- articles -------------------------------------------------------------------------------------------------

@case("article")
async def _article_by_id(s: Store, w: World) -> None:
    assert await s.article(A, w.b) is None
    assert (await s.article(A, w.a)) is not None and (await s.article(A, w.shared)) is not None


@case("find_articles", "by title words")
async def _find_titles(s: Store, w: World) -> None:
    only_a([r.id for r in await s.find_articles(A, "lighthouse")], w)


@case("find_articles", "by B's id")
async def _find_by_id(s: Store, w: World) -> None:
    assert [r.id for r in await s.find_articles(A, f"#{w.b}")] == []
    assert [r.id for r in await s.find_articles(A, str(w.b))] == []
    [own] = await s.find_articles(A, f" #{w.a} ")
    assert (own.id, own.title, own.url, own.published, own.summary) == (
        w.a, A_ART[0].title, None, AT, A_ART[1].summary)
    [shared] = await s.find_articles(A, str(w.shared))
    assert (shared.id, shared.url) == (w.shared, SHARED_ART[0].url)
    assert w.a not in [r.id for r in await s.find_articles(A, f"X{w.a}")]  # a word, not an id
    # Eighteen digits are an id (none so high exists); nineteen are words, never an integer out of range.
    assert await s.find_articles(A, "#" + "9" * 18) == [] and await s.find_articles(A, "9" * 19) == []


@case("find_articles", "nothing typed yet")
async def _find_empty(s: Store, w: World) -> None:
    only_a([r.id for r in await s.find_articles(A, "")], w)


@case("search", "best first")
async def _search(s: Store, w: World) -> None:
    only_a([r.id for r in await s.search(A, "lighthouse")], w)


@case("search", "without snippets")
async def _search_bare(s: Store, w: World) -> None:
    only_a([r.id for r in await s.search(A, "lighthouse", snippets=False)], w)


@case("search", "newest first, a word only B's article has")
async def _search_newest(s: Store, w: World) -> None:
    assert await s.search(A, "Kelby", newest=True) == []
    only_a([r.id for r in await s.search(A, "lighthouse", newest=True)], w)


@case("articles_since")
async def _since(s: Store, w: World) -> None:
    only_a([a.id for a in await s.articles_since(A, AT - timedelta(days=1), AT + timedelta(days=3))], w)


@case("articles_since", "until before the shared article arrived")
async def _since_until(s: Store, w: World) -> None:
    got = await s.articles_since(A, AT - timedelta(days=1), AT + timedelta(hours=1))
    assert [a.id for a in got] == [w.a] and got[0].text == A_ART[0].text


@case("articles_since", "a feed's silent baseline is no news", writes=True)
async def _since_baseline(s: Store, w: World) -> None:
    base = await s.add_article(NewArticle("Old coast story", "Keepers once rowed out to the rock each winter "
                                          "evening, the museum's records show."), None, workspace=A,
                               via="initial", now=AT)
    got = {a.id for a in await s.articles_since(A, AT - timedelta(days=1), AT + timedelta(days=3))}
    assert base.article_id not in got and w.a in got


@case("count_articles")
async def _count(s: Store, w: World) -> None:
    assert await s.count_articles(A) == 2 and await s.count_articles(B) == 2 and await s.count_articles() == 3


@case("find_duplicate", writes=True)
async def _near_copy(s: Store, w: World) -> None:
    dup = await s.find_duplicate(B_NEAR, A)
    assert dup is None or dup.article_id != w.b, "A's upload was matched to B's private article"


@case("add_article", writes=True)
async def _add_near_copy(s: Store, w: World) -> None:
    out = await s.add_article(B_NEAR, None, workspace=A, via="upload", now=AT)
    assert out.status == "added" and out.article_id != w.b
    assert await s.article(A, w.b) is None


@case("grant", writes=True)
async def _grant(s: Store, w: World) -> None:
    assert not await s.grant(w.shared, A, "feed")  # A already sees it
    assert await s.count_articles(B) == 2  # granting A never touches B's rows


# ---- quotes and speakers --------------------------------------------------------------------------------------

@case("quotes_for_articles")
async def _quotes_for(s: Store, w: World) -> None:
    only_a([q.article_id for q in await s.quotes_for_articles(A, [w.a, w.b, w.shared])], w)
    assert await s.quotes_for_articles(A, [w.b]) == []


@case("who_said")
async def _who_said(s: Store, w: World) -> None:
    only_a([q.article_id for q in await s.who_said(A, "lighthouse")], w)
    assert await s.who_said(A, "lamp must be repaired") == []


@case("match_speakers", "by name")
async def _speakers(s: Store, w: World) -> None:
    # The speaker is the same person in both workspaces; A counts only the quotes A can see.
    assert [(n, c) for _, n, c in await s.match_speakers(A, "Marrow")] == [(SPEAKER, 2)]
    assert [(n, c) for _, n, c in await s.match_speakers(A, "rrow")] == [(SPEAKER, 2)]


@case("match_speakers", "nothing typed yet")
async def _speakers_all(s: Store, w: World) -> None:
    assert [(n, c) for _, n, c in await s.match_speakers(A, "")] == [(SPEAKER, 2)]


@case("speaker_roles")
async def _roles(s: Store, w: World) -> None:
    assert set(await s.speaker_roles(w.speaker, A)) == {"who chairs the alpha society", "a shared historian"}


@case("quotes_by", "plain")
async def _quotes_by(s: Store, w: World) -> None:
    only_a([q.article_id for q in await s.quotes_by(A, w.speaker)], w)


@case("quotes_by", "with a topic")
async def _quotes_by_topic(s: Store, w: World) -> None:
    only_a([q.article_id for q in await s.quotes_by(A, w.speaker, topic="lighthouse")], w)
    assert await s.quotes_by(A, w.speaker, topic="Kelby") == []  # a word of B's article only


@case("quotes_by", "with since")
async def _quotes_by_since(s: Store, w: World) -> None:
    only_a([q.article_id for q in await s.quotes_by(A, w.speaker, since=AT - timedelta(days=30))], w)


@case("quotes_by", "with a topic and a since that leaves out A's own article")
async def _quotes_by_narrow(s: Store, w: World) -> None:
    later = await s.quotes_by(A, w.speaker, topic="lighthouse", since=AT + timedelta(days=1))
    assert [q.article_id for q in later] == [w.shared]


@case("quotes_by", "with a topic and since, second page")
async def _quotes_by_both(s: Store, w: World) -> None:
    first = await s.quotes_by(A, w.speaker, topic="lighthouse", since=AT - timedelta(days=30), limit=1)
    second = await s.quotes_by(A, w.speaker, topic="lighthouse", since=AT - timedelta(days=30), limit=1, offset=1)
    only_a([q.article_id for q in first + second], w)
    assert await s.quotes_by(A, w.speaker, topic="lighthouse", limit=5, offset=2) == []


# ---- events ---------------------------------------------------------------------------------------------------

@case("timeline", "plain")
async def _timeline(s: Store, w: World) -> None:
    only_a([e.article_id for e in await s.timeline(A, "lighthouse")], w)
    assert await s.timeline(A, "Kelby") == []


@case("timeline", "with since")
async def _timeline_since(s: Store, w: World) -> None:
    only_a([e.article_id for e in await s.timeline(A, "lighthouse", since=date(2026, 4, 1))], w)


@case("timeline", "with until")
async def _timeline_until(s: Store, w: World) -> None:
    only_a([e.article_id for e in await s.timeline(A, "lighthouse", until=date(2026, 12, 31))], w)


@case("timeline", "with since and until around B's event only")
async def _timeline_window(s: Store, w: World) -> None:
    assert await s.timeline(A, "lighthouse", since=date(2026, 6, 1), until=date(2026, 6, 30)) == []


@case("articles_by_id")
async def _articles_by_id(s: Store, w: World) -> None:
    got = await s.articles_by_id(A, [w.b, w.shared, w.a, w.b])
    assert sorted(a.id for a in got) == sorted([w.a, w.shared])
    assert await s.articles_by_id(A, [w.b]) == []


@case("events_for_articles")
async def _events_for_articles(s: Store, w: World) -> None:
    only_a([e.article_id for e in await s.events_for_articles(A, [w.a, w.b, w.shared])], w)
    assert await s.events_for_articles(A, [w.b]) == []


@case("events_for_article")
async def _events(s: Store, w: World) -> None:
    assert await s.events_for_article(A, w.b) == []
    assert [e.article_id for e in await s.events_for_article(A, w.a)] == [w.a]


# ---- subscriptions, schedules, alerts, the live ledger --------------------------------------------------------

@case("subscriptions")
async def _subs(s: Store, w: World) -> None:
    assert [(x.workspace, x.channel) for x in await s.subscriptions(A)] == [(A, CHANNEL)]
    assert [x.workspace for x in await s.subscriptions(A, CHANNEL)] == [A]


@case("subscribe", writes=True)
async def _subscribe(s: Store, w: World) -> None:
    sub, new = await s.subscribe(A, CHANNEL, w.shared_source)
    assert sub.workspace == A and not new  # A's own, already there; B's is not A's


@case("set_paused", writes=True)
async def _pause(s: Store, w: World) -> None:
    assert await s.set_paused(A, CHANNEL, SHARED_FEED, True)
    assert [x.paused for x in await s.subscriptions(A)] == [True]
    assert [x.paused for x in await s.subscriptions(B)] == [False]
    assert await s.set_paused(A, CHANNEL, SHARED_FEED, False)
    assert [x.paused for x in await s.subscriptions(A)] == [False]
    assert not await s.set_paused(A, "elsewhere", SHARED_FEED, True)


@case("unsubscribe", writes=True)
async def _unsubscribe(s: Store, w: World) -> None:
    assert await s.unsubscribe(A, CHANNEL, SHARED_FEED)
    assert await s.subscriptions(A) == [] and [x.workspace for x in await s.subscriptions(B)] == [B]


@case("schedules")
async def _schedules(s: Store, w: World) -> None:
    assert [x.id for x in await s.schedules(A)] == [w.a_schedule]
    assert [x.id for x in await s.schedules(A, CHANNEL)] == [w.a_schedule]


@case("add_schedule", writes=True)
async def _add_schedule(s: Store, w: World) -> None:
    again = await s.add_schedule(A, CHANNEL, "daily 08:00", "0 8 * * *", "Europe/Berlin")
    assert (again.id, again.workspace) == (w.a_schedule, A)


@case("remove_schedule", writes=True)
async def _remove_schedule(s: Store, w: World) -> None:
    assert not await s.remove_schedule(A, w.b_schedule)
    assert [x.id for x in await s.schedules(B)] == [w.b_schedule]
    assert await s.remove_schedule(A, w.a_schedule) and await s.schedules(A) == []


@case("alerts")
async def _alerts(s: Store, w: World) -> None:
    assert [(x.id, x.workspace, x.channel, x.keyword, x.mention) for x in await s.alerts(A)] == [
        (w.a_alert, A, CHANNEL, "lighthouse", "role:1")]
    assert [x.id for x in await s.alerts(A, CHANNEL)] == [w.a_alert]


@case("add_alert", writes=True)
async def _add_alert(s: Store, w: World) -> None:
    again, new = await s.add_alert(A, CHANNEL, "lighthouse", "subteam:S2")  # B's keyword and mention
    assert new and again.workspace == A and again.id != w.b_alert


@case("remove_alert", writes=True)
async def _remove_alert(s: Store, w: World) -> None:
    assert not await s.remove_alert(A, CHANNEL, w.b_alert)
    assert [x.id for x in await s.alerts(B)] == [w.b_alert]


@case("live_handled")
async def _live_handled(s: Store, w: World) -> None:
    assert await s.live_handled(A, CHANNEL, [w.a, w.b, w.shared]) == {w.a}


@case("live_recent")
async def _live_recent(s: Store, w: World) -> None:
    assert await s.live_recent(A, CHANNEL, AT - timedelta(hours=1)) == [(w.a, AT)]


@case("live_claim", writes=True)
async def _live_claim(s: Store, w: World) -> None:
    # B posted the shared story in its channel of the same name: A's channel still gets it, once.
    assert await s.live_claim(A, CHANNEL, [w.shared], "posted") == [w.shared]  # now: the store's clock
    assert await s.live_claim(A, CHANNEL, [w.shared], "posted", AT) == []
    with pytest.raises(ValueError, match="unknown live state 'sent'"):
        await s.live_claim(A, CHANNEL, [w.shared], "sent", AT)


@case("live_sends")
async def _live_sends(s: Store, w: World) -> None:
    assert await s.live_sends(A, CHANNEL, AT - timedelta(minutes=1)) == [AT]


@case("record_live_send", writes=True)
async def _record_send(s: Store, w: World) -> None:
    await s.record_live_send(A, CHANNEL, AT + timedelta(days=3))  # drops A's old rows, never B's
    assert len(await s.live_sends(B, CHANNEL, AT - timedelta(minutes=1))) == 3


@case("hold_live", writes=True)
async def _hold(s: Store, w: World) -> None:
    await s.hold_live(A, CHANNEL, [(w.a, 1, "Coast feed", None, AT)])
    assert {(ws, aid) for ws, _, aid, *_ in await s.live_held()} == {(A, w.a), (B, w.b)}


@case("release_live_held", writes=True)
async def _release(s: Store, w: World) -> None:
    await s.release_live_held(A, CHANNEL)  # A's channel of the same name: B's held story stays
    assert [(ws, aid) for ws, _, aid, *_ in await s.live_held()] == [(B, w.b)]


@case("save_page_state", writes=True)
async def _page_state(s: Store, w: World) -> None:
    sid = await s.save_page_state("search", "{}", workspace=A, channel=CHANNEL, user="u", is_admin=False,
                                  created_at=AT)
    row = await s.page_state(sid)
    assert row is not None and row.workspace == A  # the front ends refuse a page of another workspace


def _workspace_methods() -> set[str]:
    names = set()
    for cls in (Store, SqliteStore, PgStore):
        for name, fn in inspect.getmembers(cls, callable):
            if name.startswith("_") or "ǁ" in name:  # private, or a mutation tool's copy of a method
                continue
            params = inspect.signature(fn).parameters
            if "workspace" in params or "workspaces" in params:
                names.add(name)
    return names


def test_every_store_method_that_takes_a_workspace_has_a_case() -> None:
    assert _workspace_methods() == set(CASES), (
        "store methods taking a workspace without an isolation case: "
        f"{sorted(_workspace_methods() - set(CASES))}; cases for no such method: {sorted(set(CASES) - _workspace_methods())}")


async def test_no_query_returns_another_workspaces_rows(store: Store) -> None:
    # One world for every case (a world per case made this 60 tests of a fresh PostgreSQL schema each):
    # reads first, then the checks that write, each written so that the ones after it still hold.
    w = await _world(store)
    checks = [(m, v, fn, writes) for m, cases in CASES.items() for v, fn, writes in cases]
    failed = []
    for method, variant, check, _ in sorted(checks, key=lambda c: c[3]):
        try:
            await check(store, w)
        except AssertionError as exc:
            failed.append(f"{method} ({variant}): {exc}")
    assert not failed, "\n".join(failed)
    assert len(checks) > len(CASES)  # every method ran, several with their filters
