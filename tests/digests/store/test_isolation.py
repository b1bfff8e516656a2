"""Workspace isolation in the store contract: no query of one workspace returns another's rows, on every backend.

Two workspaces hold private articles that share a speaker (quoted in both, with different roles), a topic (the
lighthouse), a channel name, a schedule, an alert keyword and a feed; one public article from the shared feed
is seen by both. Both also hold articles of one story (a fire): B's private uploads tell it first, the shared feed
next, then a feed only B reads and A's own upload; a quote of the public articles is one group A sees part of,
and a quote of B's uploads a group A sees nothing of. Both channels of the same name have delivery-log lines.
Every store method that takes a workspace has a case below, run with and without its filters (topic, since,
until, story, url, words), and ``test_every_store_method_that_takes_a_workspace_has_a_case`` fails when a new one
is added without one.
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
from digests.store._delivery import DeliveryRecord
from digests.store._pg import PgStore
from digests.store._sqlite import SqliteStore
from tests.helpers.stories import FIRE_B, FLOOD, STRIKE, event_articles

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

# The fire story, told in this order (its first telling leads the story: a title only B's upload has).
B_ONLY_FEED = "https://valley.example.test/fires.xml"
FIRE_AT = AT + timedelta(days=5)  # when B's articles of it arrive; A's an hour later
PUBLIC_SAID = "Every crew in the county came to help us hold the line at the mill until morning"
PRIVATE_SAID = "The sprinklers in the east wing were switched off for the weekend repairs"
PRIVATE_SPEAKER = "Nell Ashgrove"  # quoted in B's uploads only
B_FIRST_WORD = "destroys"  # in the title of B's first upload, in no title A sees
A_FIRE_TITLE = f"What we know about the {FIRE_B.place} mill fire"
A_FIRE_TEXT = (f"The fire at the {FIRE_B.company} mill in {FIRE_B.place} left {FIRE_B.number} workers hurt, fire "
               f"chief {FIRE_B.official} said. The {FIRE_B.place} council will meet {FIRE_B.company} on Friday about "
               f"the mill, and the roads around the {FIRE_B.place} site stay closed until the walls are checked.")


def _fire(n: int, said: str | None, speaker: str, *, url: str | None = None,
          source_id: int | None = None) -> tuple[NewArticle, Analysis]:
    told = (event_articles(FIRE_B, n + 1)[n] if n < 4
            else NewArticle(A_FIRE_TITLE, A_FIRE_TEXT, published=event_articles(FIRE_B, 1)[0].published))
    text = told.text
    quotes: tuple[Quote, ...] = ()
    if said:
        text += f' "{said}," said {speaker}.'
        start = text.index(said)
        quotes = (Quote(said, start, start + len(said), speaker, None, "said"),)
    published = (told.published or AT) + timedelta(hours=n)
    return (NewArticle(told.title, text, url=url, published=published, source_id=source_id),
            Analysis(quotes=quotes))


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
    fire: int  # the story both see part of
    a_fire: int  # A's upload of it
    shared_fire: int  # from the shared feed
    b_fire: tuple[int, ...]  # B's first upload of it, the article of the feed only B reads, B's second upload
    public_group: int  # a quote of the shared feed's article and of B's feed's
    private_group: int  # a quote of B's two uploads
    b_fire_title: str  # the title of B's first upload
    b_flood: int  # B's upload of another event (a flood)
    b_story: int  # its story: B's alone
    b_strike: int  # an article of the feed only B reads, of a third event (a strike)
    b_public_story: int  # its story: B's alone, with a public headline

    @property
    def a_sees(self) -> set[int]:
        """Return every article A may see."""
        return {self.a, self.shared, self.a_fire, self.shared_fire}

    @property
    def b_private(self) -> set[int]:
        """Return every article only B may see."""
        return {self.b, *self.b_fire, self.b_flood, self.b_strike}


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
    await store.log_deliveries([
        DeliveryRecord(A, CHANNEL, "posted", AT, "its own post", None, SHARED_FEED, shared.article_id,
                       SHARED_ART[0].url, SHARED_ART[0].title),
        DeliveryRecord(A, CHANNEL, "posted", AT, "an upload", None, "", a.article_id, None, A_ART[0].title),
        DeliveryRecord(B, CHANNEL, "filtered", AT + timedelta(seconds=1), "B's rule: exclude keepers", None,
                       SHARED_FEED, shared.article_id, SHARED_ART[0].url, SHARED_ART[0].title),
        DeliveryRecord(B, CHANNEL, "posted", AT + timedelta(seconds=1), "B's upload", None, "", b.article_id,
                       "https://kelby.example.test/storm", B_ART[0].title)])
    fire = await _fire_story(store, src.id)
    # Both channels named "general" were shown the fire: each its own articles of it, with its own first post.
    await store.mark_shown(B, CHANNEL, fire["fire"], fire["b_fire"], FIRE_AT, message="b-1")
    await store.mark_shown(B, CHANNEL, fire["b_story"], [fire["b_flood"]], FIRE_AT, message="b-2")
    await store.mark_shown(A, CHANNEL, fire["fire"], [fire["a_fire"]], FIRE_AT, message="a-1")
    return World(a.article_id, b.article_id, shared.article_id, speaker, a_sched.id, b_sched.id, a_alert.id,
                 b_alert.id, src.id, **fire)


async def _fire_story(store: Store, shared_source: int) -> dict[str, Any]:
    b_src = await store.source("feed", B_ONLY_FEED, title="Valley feed")
    b_first = _fire(0, PRIVATE_SAID, PRIVATE_SPEAKER)
    shared_art = _fire(1, PUBLIC_SAID, FIRE_B.official, url="https://shared.example.test/fire", source_id=shared_source)
    b_feed_art = _fire(2, PUBLIC_SAID, FIRE_B.official, url="https://valley.example.test/fire", source_id=b_src.id)
    b_second = _fire(3, PRIVATE_SAID, PRIVATE_SPEAKER)
    a_own = _fire(4, None, "")
    b_ids = [(await store.add_article(*art, workspace=B, via=via, now=FIRE_AT)).article_id
             for art, via in ((b_first, "upload"), (b_feed_art, "feed"), (b_second, "upload"))]
    shared = await store.add_article(*shared_art, workspace=A, via="feed", now=FIRE_AT + timedelta(hours=1))
    assert await store.grant(shared.article_id, B, "feed", FIRE_AT)
    a_fire = await store.add_article(*a_own, workspace=A, via="upload", now=FIRE_AT + timedelta(hours=1))
    flood = event_articles(FLOOD, 1)[0]
    b_flood = await store.add_article(NewArticle(flood.title, flood.text, published=flood.published), None,
                                      workspace=B, via="upload", now=FIRE_AT)
    strike = event_articles(STRIKE, 1)[0]
    b_strike = await store.add_article(NewArticle(strike.title, strike.text, url=strike.url, published=strike.published,
                                                  source_id=b_src.id), None, workspace=B, via="feed", now=FIRE_AT)
    ids = [*b_ids, shared.article_id, a_fire.article_id]
    assert len(set(ids)) == 5, "an article of the fire was taken for another"
    stories = await store.stories_for_articles([*ids, b_flood.article_id, b_strike.article_id])
    assert len({stories[i] for i in ids}) == 1, "the fire's articles are not one story: the cases would say little"
    assert len({stories[ids[0]], stories[b_flood.article_id], stories[b_strike.article_id]}) == 3
    [pub] = await store.quotes_for_articles(B, [b_ids[1]])
    [priv] = await store.quotes_for_articles(B, [b_ids[0]])
    assert pub.group_id is not None and priv.group_id is not None, "the fire's quotes were not grouped"
    return {"fire": stories[ids[0]], "a_fire": a_fire.article_id, "shared_fire": shared.article_id,
            "b_fire": tuple(b_ids), "public_group": pub.group_id, "private_group": priv.group_id,
            "b_fire_title": b_first[0].title, "b_flood": b_flood.article_id, "b_story": stories[b_flood.article_id],
            "b_strike": b_strike.article_id, "b_public_story": stories[b_strike.article_id]}


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
    assert not got & w.b_private, f"B's private articles {sorted(got & w.b_private)} came back for A: {sorted(got)}"
    assert got <= w.a_sees, sorted(got)
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
    assert await s.count_articles(A) == 4 and await s.count_articles(B) == 8 and await s.count_articles() == 10


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
    before = await s.count_articles(B)
    assert not await s.grant(w.shared, A, "feed")  # A already sees it
    assert await s.count_articles(B) == before  # granting A never touches B's rows


# ---- exact duplicates of private uploads ----------------------------------------------------------------------

# A's upload word for word under another title and author: B's own copy, not a link to A's row.
A_COPY = NewArticle("Notes from the council meeting", A_ART[0].text, author="B's clerk", published=AT)
# A page on the web (a feed B does not read) with the very text of B's upload of the flood.
B_TEXT_ON_WEB = NewArticle("River bursts its banks", event_articles(FLOOD, 1)[0].text,
                           url="https://flood.example.test/river", published=AT + timedelta(days=1))


@case("find_duplicate", "the very text of another workspace's upload")
async def _exact_copy_found(s: Store, w: World) -> None:
    dup = await s.find_duplicate(A_COPY, B)
    assert dup is None or dup.article_id != w.a, "B was told its upload is A's private article"
    own = await s.find_duplicate(NewArticle("Again", A_ART[0].text), A)
    assert own is not None and own.article_id == w.a, "A's own upload again is a duplicate of it"
    public = await s.find_duplicate(NewArticle("Keepers", SHARED_ART[0].text), B)
    assert public is not None and public.article_id == w.shared, "a public article's text is a duplicate of it"


@case("find_duplicate", "find_duplicates (no workspace): a page with the very text of a private upload")
async def _exact_copy_found_any(s: Store, w: World) -> None:
    [dup] = await s.find_duplicates([B_TEXT_ON_WEB], near=False)
    assert dup is None or dup.article_id != w.b_flood, "a page was taken for B's private upload"


@case("add_article", "the very text of another workspace's upload", writes=True)
async def _add_exact_copy(s: Store, w: World) -> None:
    out = await s.add_article(A_COPY, None, workspace=B, via="upload", now=AT)
    assert out.status == "added" and out.article_id != w.a, "B's upload was linked to A's private article"
    assert await s.article(B, w.a) is None
    mine = await s.article(B, out.article_id)
    assert mine is not None and (mine.title, mine.author) == (A_COPY.title, A_COPY.author)
    again = await s.add_article(A_COPY, None, workspace=B, via="upload", now=AT)
    assert (again.status, again.article_id) == ("duplicate", out.article_id)


@case("add_article", "a page with the very text of a private upload", writes=True)
async def _add_page_like_upload(s: Store, w: World) -> None:
    out = await s.add_article(B_TEXT_ON_WEB, None, workspace=A, via="upload", now=AT + timedelta(days=1))
    assert out.article_id != w.b_flood, "A's page was linked to B's private upload"
    assert await s.article(A, w.b_flood) is None
    page = await s.article(A, out.article_id)
    assert page is not None and page.url == B_TEXT_ON_WEB.url and page.title == B_TEXT_ON_WEB.title
    # The page's URL now leads to the page, for B too; B's upload stays B's alone.
    again = await s.add_article(B_TEXT_ON_WEB, None, workspace=B, via="upload", now=AT + timedelta(days=1))
    assert again.article_id == out.article_id and await s.article(A, w.b_flood) is None


@case("add_article", "a page near the text of a private upload, reaching its workspace first", writes=True)
async def _add_page_near_upload(s: Store, w: World) -> None:
    text = B_ART[0].text.replace("Storms damaged", "Storms badly damaged")
    near = await s.find_duplicate(NewArticle("Kelby storm", text), B)
    assert near is not None and near.article_id == w.b, "not near B's upload: the check would say little"
    page = NewArticle("Kelby storm", text, url="https://kelby.example.test/storm-2",
                      published=AT + timedelta(days=1), source_id=w.shared_source)
    first = await s.add_article(page, None, workspace=B, via="feed", now=AT + timedelta(days=1))
    assert first.article_id != w.b, "a feed's page was linked to B's private upload"
    second = await s.add_article(page, None, workspace=A, via="feed", now=AT + timedelta(days=1))
    assert second.article_id == first.article_id and await s.article(A, w.b) is None



@case("add_article", "B's upload quoting the public quote's words, said by another", writes=True)
async def _add_upload_quoting_public(s: Store, w: World) -> None:
    before = await s.quote_groups(A, [w.public_group])
    shared = await s.article(A, w.shared_fire)
    assert shared is not None
    for n in range(3):  # enough votes to sway the speaker, were they counted
        text = (f"Notes from the relief centre by the {FIRE_B.company} mill in {FIRE_B.place}, day {n + 1}. "
                f"\"{PUBLIC_SAID},\" said {PRIVATE_SPEAKER}. The volunteers served {40 + n} meals.")
        start = text.index(PUBLIC_SAID)
        said = Quote(PUBLIC_SAID, start, start + len(PUBLIC_SAID), PRIVATE_SPEAKER, None, "said")
        out = await s.add_article(NewArticle(f"Relief centre day {n + 1}", text, published=shared.published), Analysis(
            quotes=(said,)), workspace=B, via="upload", now=FIRE_AT)
        assert out.status == "added"
        [mine] = await s.quotes_for_articles(B, [out.article_id])
        assert mine.group_id != w.public_group, "B's upload joined the quote group A sees"
    assert await s.quote_groups(A, [w.public_group]) == before

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


@case("match_speakers", "by a title and full name, or with a stray NUL")
async def _speakers_by_key(s: Store, w: World) -> None:
    # Neither the name nor the surname starts with the title: only the speaker key finds it.
    assert [n for _, n, _ in await s.match_speakers(A, "Professor Ilse Marrow")] == [SPEAKER]
    assert [n for _, n, _ in await s.match_speakers(A, "Ilse Marrow\x00")] == [SPEAKER]
    assert await s.match_speakers(A, "Professor Nell Ashgrove") == []  # B's private speaker, by key too


@case("match_speakers", "nothing typed yet")
async def _speakers_all(s: Store, w: World) -> None:
    assert [(n, c) for _, n, c in await s.match_speakers(A, "")] == [(SPEAKER, 2), (FIRE_B.official, 1)]
    assert await s.match_speakers(A, PRIVATE_SPEAKER) == []  # quoted in B's uploads only


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


@case("shown_stories")
async def _shown_stories(s: Store, w: World) -> None:
    # Both channels of the same name were shown the fire; A's row holds only A's articles.
    shown = await s.shown_stories(A, CHANNEL, [w.fire, w.b_story])
    assert set(shown) == {w.fire}, "B's story of its own came back for A"
    assert shown[w.fire].article_ids == (w.a_fire,) and shown[w.fire].message == "a-1"
    assert await s.shown_stories(A, "another", [w.fire]) == {}


@case("mark_shown", writes=True)
async def _mark_shown(s: Store, w: World) -> None:
    await s.mark_shown(A, CHANNEL, w.fire, [w.shared_fire], AT + timedelta(days=6), message="a-2")
    a = (await s.shown_stories(A, CHANNEL, [w.fire]))[w.fire]
    assert set(a.article_ids) == {w.a_fire, w.shared_fire} and a.message == "a-1"  # the first post keeps its thread
    b = (await s.shown_stories(B, CHANNEL, [w.fire]))[w.fire]
    assert set(b.article_ids) == set(w.b_fire) and b.message == "b-1"


@case("save_page_state", writes=True)
async def _page_state(s: Store, w: World) -> None:
    sid = await s.save_page_state("search", "{}", workspace=A, channel=CHANNEL, user="u", is_admin=False,
                                  created_at=AT)
    row = await s.page_state(sid)
    assert row is not None and row.workspace == A  # the front ends refuse a page of another workspace


# ---- stories, quote groups, the delivery log ------------------------------------------------------------------

def no_b_headline(stories: Any, w: World) -> None:
    """Assert that no story comes back with a headline drawn from B's private uploads, and that some came back."""
    heads = [st.headline for st in stories]
    assert heads, "no story came back: the check would pass vacuously"
    assert not [h for h in heads if h == w.b_fire_title or B_FIRST_WORD in h.lower()], (
        f"a headline from B's private upload came back for A: {heads}")


async def only_a_stories(s: Store, ids: Any, w: World) -> None:
    """Assert that A can see an article of every story id (none is B's alone) and that the fire is among them."""
    got = list(ids)
    assert w.fire in got and w.b_story not in got and w.b_public_story not in got, got
    assert [sid for sid in got if not await s.story_articles(A, sid)] == [], "a story only B sees came back for A"


async def counts_seen(s: Store, stories: Any, w: World) -> None:
    """Assert that each story's articles, outlets and first and last times are those of what A sees of it."""
    from digests.store._stories import host_of

    got = list(stories)
    assert w.fire in [st.id for st in got], "the fire (B's uploads in it) did not come back: the check says little"
    for st in got:
        seen = await s.story_articles(A, st.id)
        hosts = {h for a in seen if (h := host_of(a.url) or host_of(a.source))}
        times = [a.published for a in seen if a.published]
        assert (st.articles, st.outlets, st.first_at, st.last_at) == (
            len(seen), len(hosts), min(times), max(times)), f"story {st.id} counts what A does not see"


@case("article_story", "with the workspace")
async def _article_story(s: Store, w: World) -> None:
    for aid in (w.b, *w.b_fire):
        assert await s.article_story(aid, A) is None, f"the story of B's article {aid} came back for A"
    for aid in (w.shared_fire, w.a_fire):
        st = await s.article_story(aid, A)
        assert st is not None and st.id == w.fire
        no_b_headline([st], w)
        await counts_seen(s, [st], w)
    own = await s.article_story(w.b_fire[0], B)
    assert own is not None and own.id == w.fire  # B sees its own article's story
    # The lighthouse story's first article is A's upload: B is told the story by its own title, A by A's.
    theirs, mine = await s.article_story(w.b, B), await s.article_story(w.a, A)
    assert theirs is not None and mine is not None and theirs.id == mine.id
    assert (theirs.headline, mine.headline) == (B_ART[0].title, A_ART[0].title)


@case("article_story", "without a workspace: the store's own look-up, every article")
async def _article_story_any(s: Store, w: World) -> None:
    st = await s.article_story(w.b_fire[0])
    assert st is not None and st.id == w.fire
    no_b_headline([st], w)  # the stored headline, which every workspace reads, is never a private upload's


@case("story_articles")
async def _story_articles(s: Store, w: World) -> None:
    assert [a.id for a in await s.story_articles(A, w.fire)] == [w.shared_fire, w.a_fire]
    assert {a.id for a in await s.story_articles(B, w.fire)} == {w.shared_fire, *w.b_fire}
    assert await s.story_articles(A, w.b_story) == [], "B's own story lists B's article for A"
    assert [a.id for a in await s.story_articles(B, w.b_story)] == [w.b_flood]
    # The lighthouse: A's article, B's and the shared one are one story; A gets its own two.
    lighthouse = await s.article_story(w.a, A)
    assert lighthouse is not None and lighthouse.id != w.fire
    assert [a.id for a in await s.story_articles(A, lighthouse.id)] == [w.a, w.shared]


@case("story_articles", "with a limit: B's earlier articles take no place")
async def _story_articles_limit(s: Store, w: World) -> None:
    assert [a.id for a in await s.story_articles(A, w.fire, limit=1)] == [w.shared_fire]


@case("stories_in_window", "since and until around the fire's arrival")
async def _window(s: Store, w: World) -> None:
    views = await s.stories_in_window(A, FIRE_AT - timedelta(minutes=1), FIRE_AT + timedelta(hours=2))
    assert [(v.story.id, v.article_ids, v.new_ids) for v in views] == [
        (w.fire, (w.shared_fire, w.a_fire), (w.shared_fire, w.a_fire))]
    no_b_headline([v.story for v in views], w)
    await counts_seen(s, [v.story for v in views], w)


@case("stories_in_window", "until before A's articles arrived: only B's did")
async def _window_b_only(s: Store, w: World) -> None:
    assert await s.stories_in_window(A, FIRE_AT - timedelta(minutes=1), FIRE_AT + timedelta(minutes=30)) == []
    assert {v.story.id for v in await s.stories_in_window(
        B, FIRE_AT - timedelta(minutes=1), FIRE_AT + timedelta(minutes=30))} == {w.fire, w.b_story, w.b_public_story}


@case("stories_in_window", "since only (until now), every story A got")
async def _window_since(s: Store, w: World) -> None:
    views = await s.stories_in_window(A, AT - timedelta(days=1))
    only_a([aid for v in views for aid in v.article_ids], w)
    only_a([aid for v in views for aid in v.new_ids], w)
    await only_a_stories(s, [v.story.id for v in views], w)
    no_b_headline([v.story for v in views], w)
    await counts_seen(s, [v.story for v in views], w)


@case("stories_in_window", "with a limit: the newest story A got (the lighthouse, B's article in it)")
async def _window_limit(s: Store, w: World) -> None:
    [view] = await s.stories_in_window(A, AT - timedelta(days=1), limit=1)
    assert view.article_ids == (w.a, w.shared) and view.new_ids == (w.a, w.shared)


@case("workspace_story")
async def _workspace_story(s: Store, w: World) -> None:
    for sid in (w.b_story, w.b_public_story):
        assert await s.workspace_story(A, sid) is None, f"B's own story {sid} came back for A"
    st = await s.workspace_story(A, w.fire)
    assert st is not None and st.id == w.fire
    no_b_headline([st], w)
    await counts_seen(s, [st], w)
    own = await s.workspace_story(B, w.b_story)
    assert own is not None and own.id == w.b_story
    assert await s.workspace_story(A, 10**17) is None  # no such story (eighteen digits: what /story takes)
    # The lighthouse story's first article is A's upload: B is told the story by its own title, A by A's.
    lighthouse = await s.article_story(w.a, A)
    assert lighthouse is not None
    theirs, mine = await s.workspace_story(B, lighthouse.id), await s.workspace_story(A, lighthouse.id)
    assert theirs is not None and mine is not None
    assert (theirs.headline, mine.headline) == (B_ART[0].title, A_ART[0].title)


@case("match_stories", "nothing typed yet")
async def _match_stories_all(s: Store, w: World) -> None:
    found = await s.match_stories(A, "")
    await only_a_stories(s, [st.id for st in found], w)
    no_b_headline(found, w)
    await counts_seen(s, found, w)


@case("match_stories", "by headline words")
async def _match_stories(s: Store, w: World) -> None:
    found = await s.match_stories(A, FIRE_B.place.lower()[:5])
    assert [st.id for st in found] == [w.fire]
    no_b_headline(found, w)
    await counts_seen(s, found, w)
    assert [st.id for st in await s.match_stories(B, B_FIRST_WORD)] == [w.fire]


@case("match_stories", "words only B's private titles hold")
async def _match_stories_b_words(s: Store, w: World) -> None:
    assert await s.match_stories(A, B_FIRST_WORD) == [], "a word of B's private title found a story for A"
    assert await s.match_stories(A, "Kelby") == []
    assert await s.match_stories(A, FLOOD.place) == []  # B's story alone (of B's upload: no stored headline)
    assert [st.id for st in await s.match_stories(B, FLOOD.place)] == [w.b_story]
    assert await s.match_stories(A, STRIKE.place) == []  # B's story alone, of a public article of B's feed
    assert [st.id for st in await s.match_stories(B, STRIKE.place)] == [w.b_public_story]


@case("quote_groups")
async def _quote_groups(s: Store, w: World) -> None:
    got = await s.quote_groups(A, [w.public_group, w.private_group])
    assert set(got) == {w.public_group}, f"B's private quote group came back for A: {sorted(got)}"
    group = got[w.public_group]
    assert [q.article_id for q in group.instances] == [w.shared_fire]
    assert group.speaker == FIRE_B.official
    assert await s.quote_groups(A, [w.private_group]) == {}
    theirs = await s.quote_groups(B, [w.public_group, w.private_group])
    assert {g: len(x.instances) for g, x in theirs.items()} == {w.public_group: 2, w.private_group: 2}
    assert theirs[w.private_group].speaker == PRIVATE_SPEAKER


@case("deliveries_of")
async def _deliveries_of(s: Store, w: World) -> None:
    got = await s.deliveries_of(A, CHANNEL, [w.a, w.b, w.shared])
    assert [(d.workspace, d.article_id, d.outcome) for d in got] == [(A, w.shared, "posted"), (A, w.a, "posted")]
    assert await s.deliveries_of(A, CHANNEL, [w.b]) == []
    assert [d.outcome for d in await s.deliveries_of(B, CHANNEL, [w.shared])] == ["filtered"]


@case("find_deliveries", "by link")
async def _find_deliveries_url(s: Store, w: World) -> None:
    got = await s.find_deliveries(A, CHANNEL, url=SHARED_ART[0].url)
    assert [(d.workspace, d.article_id, d.outcome) for d in got] == [(A, w.shared, "posted")]
    assert await s.find_deliveries(A, CHANNEL, url="https://kelby.example.test/storm") == []  # B's item only


@case("find_deliveries", "by title words")
async def _find_deliveries_words(s: Store, w: World) -> None:
    got = await s.find_deliveries(A, CHANNEL, words=["lighthouse"])
    assert {(d.workspace, d.article_id) for d in got} == {(A, w.a), (A, w.shared)}
    assert await s.find_deliveries(A, CHANNEL, words=["Kelby"]) == []


@case("find_deliveries", "by link and words, and nothing asked")
async def _find_deliveries_both(s: Store, w: World) -> None:
    got = await s.find_deliveries(A, CHANNEL, url=SHARED_ART[0].url, words=["keepers"], limit=5)
    assert [(d.workspace, d.outcome, d.detail) for d in got] == [(A, "posted", "its own post")]
    assert await s.find_deliveries(A, CHANNEL) == []
    assert [d.workspace for d in await s.find_deliveries(B, CHANNEL, url=SHARED_ART[0].url)] == [B]


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
