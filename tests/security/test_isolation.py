"""Workspace isolation: for every registered command and every autocomplete kind, workspace A never sees B's
uploads, quotes, speakers, events, subscriptions, feed errors or schedules, and cannot change B's.

Both workspaces hold private invented articles on the same topic (a lighthouse), with quotes, a speaker quoted in
both (whose roles differ) and dated events, and both follow one shared feed, so that any query that forgot its
workspace would match B's data. Every test runs on SQLite and on PostgreSQL from one fixture (``services``
below): the two backends write their SQL separately, so a workspace filter dropped from one of them shows here.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest

from bot.commands import REGISTRY, Invocation, Reply, dispatch, load
from bot.config import Settings
from bot.handlers import autocomplete
from bot.services import Services
from digests.ingest import Document, Fetcher, FetchLimits

load()

A, B = "discord:111", "slack:T222"
CHANNEL = "general"  # the same channel name in both workspaces: channels alone must not scope anything
NOW = datetime.now(UTC)

A_ARTICLE = Document(
    title="Dunmore votes to restore the old lighthouse",
    text=("Dunmore council voted on Tuesday to restore the old lighthouse on Gull Point, which has stood dark "
          "since 1998.\n\n\"The lighthouse is the heart of this town, and we will see it lit again,\" said Mayor "
          "Marta Oyelaran after the vote.\n\nWork on the tower will begin on 14 April 2026 and is expected to last "
          "until the end of September 2026, the council said.\n\n\"We have waited twenty years for this decision,\" "
          "said Ilse Marrow, who chairs the Gull Point heritage society.\n\nThe restoration will cost about two "
          "million, most of it from a national heritage fund."),
    url="https://a-private.example.test/dunmore-lighthouse", published=datetime(2026, 3, 10, tzinfo=UTC))

B_ARTICLE = Document(
    title="Kelby harbour master warns of lighthouse storm damage",
    text=("Storms last week damaged the lighthouse at Kelby, the harbour master said on Monday, and the lamp may "
          "stay dark for months.\n\n\"The tide gauge readings were the worst I have seen in thirty years of "
          "service,\" said harbour master Tobias Wrenfield.\n\nEngineers will inspect the lighthouse tower on 3 June "
          "2026, and the harbour board expects a report by July 2026.\n\n\"The Kelby light must be repaired before "
          "the winter fishing season,\" said Ilse Marrow, a consultant advising the harbour board.\n\nFishing crews "
          "have been told to use the northern channel until the light is repaired."),
    url="https://b-private.example.test/kelby-storm", published=datetime(2026, 3, 10, tzinfo=UTC))

B_FEEDS = ("https://b-feeds.example.test/harbour.xml", "https://b-feeds.example.test/storms.xml")
# A feed both workspaces follow, in a channel of the same name; its article is public to both.
SHARED_FEED = "https://coast-news.example.test/coast.xml"
SHARED_ARTICLE = Document(
    title="Lighthouse keepers of the coast meet at the maritime museum",
    text=("Lighthouse keepers from the whole coast met at the maritime museum on Saturday.\n\n\"Every keeper "
          "remembers the first storm they sat through alone,\" said Ilse Marrow, who wrote the museum's history "
          "of the lights.\n\nThe museum will open a room about the keepers on 2 May 2026."),
    url="https://coast-news.example.test/keepers", published=datetime(2026, 3, 12, tzinfo=UTC))
B_FEED_ERROR = "HTTP 503 at b-feeds marker"
B_FILTER = {"field": "title", "action": "exclude", "kind": "word", "pattern": "Wrenfield"}
B_SCHEDULE = "weekly sun 06:45"
# Anything of B's that might leak: names, words only B's article uses, B's role text, URLs, dates, errors.
B_MARKERS = ("Wrenfield", "Tobias", "Kelby", "tide gauge", "consultant", "harbour board", "storm damage",
             "b-private", "b-feeds", "2026-06-03", "2026-07", "06:45", "marker")


@pytest.fixture
async def services(settings: Settings, store_url: str) -> AsyncIterator[Services]:
    """Return Services over a fresh store of each backend (SQLite, PostgreSQL)."""
    svc = await Services.create(settings.model_copy(update={"database_url": store_url}))
    try:
        yield svc
    finally:
        await svc.close()


@dataclass
class World:
    """The two workspaces' ids: B's articles, schedule and feeds."""

    a_article: int
    b_article: int
    b_schedule: int
    b_alert: int = 0
    shared_article: int = 0


@pytest.fixture
async def world(services: Services) -> World:
    """Store A's and B's private articles, B's subscriptions (one failing) and B's schedule."""
    # /ingest must never leave the machine: every lookup fails, so ingesting any URL fails cleanly.
    async def no_lookup(host: str, port: int) -> list[str]:
        raise OSError("lookups are stubbed in tests")

    services.ingestor.fetcher = Fetcher(allow_loopback=False, limits=FetchLimits(timeout_s=1), resolve=no_lookup)
    a = await services.ingestor.store_document(A_ARTICLE, workspace=A, via="upload", source="a.md")
    b = await services.ingestor.store_document(B_ARTICLE, workspace=B, via="upload", source="b.md")
    assert a.status == b.status == "added"
    # The fixture is only meaningful if B's article really has quotes, speakers and events.
    assert await services.store.quotes_for_articles(B, [b.article_id or 0])
    assert await services.store.events_for_article(B, b.article_id or 0)
    assert await services.store.match_speakers(B, "Wrenfield")
    for url in B_FEEDS:
        src = await services.store.source("feed", url, title="Kelby harbour feed")
        await services.store.subscribe(B, CHANNEL, src.id)
    shared_src = await services.store.source("feed", SHARED_FEED, title="Coast news")
    shared = await services.ingestor.store_document(SHARED_ARTICLE, workspace=A, via="feed",
                                                    source=SHARED_FEED, source_id=shared_src.id)
    assert shared.article_id and await services.store.grant(shared.article_id, B, "feed")
    for ws in (A, B):
        await services.store.subscribe(ws, CHANNEL, shared_src.id)
    failing = await services.store.source("feed", B_FEEDS[1])
    await services.store.update_source(failing.id, health="failing", last_error=B_FEED_ERROR, failures=3)
    # Filler schedules elsewhere give B's schedule an id that no "#1"-style number of A's can be confused with.
    for hour in range(20):
        await services.store.add_schedule("local", "filler", f"daily {hour:02d}:00", f"0 {hour} * * *", "UTC")
    sched = await services.store.add_schedule(B, CHANNEL, B_SCHEDULE, "45 6 * * sun", "Pacific/Auckland")
    # B's subscription settings: live mode, a filter, a format, and an alert, all carrying B's markers.
    b_sub = next(s for s in await services.store.subscriptions(B) if s.source.url == B_FEEDS[0])
    await services.store.set_subscription_options(b_sub.id, mode="live", template="{title} Kelby marker",
                                                  filters=[B_FILTER])
    for i in range(40):  # filler alerts, so no alert number can be confused with an article or schedule id
        await services.store.add_alert("local", "filler", f"filler {i}", "role:1")
    alert, _ = await services.store.add_alert(B, CHANNEL, "Kelby marker", "subteam:SKELBY")
    return World(a.article_id or 0, b.article_id or 0, sched.id, alert.id, shared.article_id)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple | set):
        for v in value:
            yield from _strings(v)
    elif value is not None:
        yield str(value)


def _ids(value: Any, key: str) -> Iterator[Any]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k == key:
                yield v
            yield from _ids(v, key)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _ids(v, key)


def assert_nothing_of_b(reply: Reply | list[tuple[str, str]], world: World, where: str,
                        echo: tuple[str, ...] = ()) -> None:
    """Fail if any of B's markers, article ids or schedule id shows up in a reply or a list of choices.

    ``echo`` is what A typed: a reply may repeat it ("Search: Kelby"), which is not a leak.
    """
    if isinstance(reply, Reply):
        parts = [reply.title, reply.text, json.dumps(reply.data, default=str)]
        for item in reply.items:
            parts += [item.title, item.body, item.url or "", item.footer, *(x for f in item.fields for x in f)]
        data: Any = reply.data
    else:
        parts = [x for pair in reply for x in pair]
        data = {}
    blob = "\n".join(parts)
    for typed in sorted(echo, key=len, reverse=True):
        if typed:
            blob = re.sub(re.escape(typed), "<typed>", blob, flags=re.I)
    for marker in B_MARKERS:
        assert marker.lower() not in blob.lower(), f"{where}: B's {marker!r} leaked: {blob[:400]}"
    assert not re.search(rf"(article #|#){world.b_article}\b", blob), f"{where}: B's article id leaked"
    assert world.b_article not in set(_ids(data, "article_id")), where
    assert not re.search(rf"#{world.b_schedule}\b", blob), f"{where}: B's schedule leaked"
    assert world.b_schedule not in set(_ids(data, "id")), where


def _arg_sets(world: World) -> dict[str, list[dict[str, str]]]:
    """Arguments for every command, aimed at B's data."""
    return {
        "who-said": [{"phrase": "tide gauge readings"}, {"phrase": "lighthouse"}, {"phrase": "repaired before"}],
        "quotes": [{"speaker": "Tobias Wrenfield"}, {"speaker": "Wrenfield"}, {"speaker": "Ilse Marrow"},
                   {"speaker": "Marrow", "topic": "Kelby"}, {"speaker": "Ilse", "since": "3650d"}],
        "timeline": [{"topic": "lighthouse"}, {"topic": "Kelby harbour"}, {"topic": "tower", "since": "2026-05-01"}],
        "digest": [{"since": "7d"}, {}],
        "summary": [{"article": f"#{world.b_article}"}, {"article": str(world.b_article)},
                    {"article": "Kelby harbour master"}, {"article": "lighthouse"}],
        "search": [{"query": "Kelby"}, {"query": "lighthouse"}, {"query": "storm damage", "sort": "newest"}],
        "ingest": [{"url": B_ARTICLE.url or ""}],
        "feeds remove": [{"url": B_FEEDS[0]}],
        "feeds pause": [{"url": B_FEEDS[0]}],
        "feeds resume": [{"url": B_FEEDS[1]}],
        "feeds add": [{"url": B_FEEDS[1]}],
        "feeds list": [{}],
        "schedule set": [{"when": "daily 08:00", "timezone": "Europe/Dublin"}],
        "schedule list": [{}],
        "schedule remove": [{"id": str(world.b_schedule)}],
        "digest-status": [{}],
        "help": [{}],
        "feeds mode": [{"url": B_FEEDS[0], "mode": "digest"}],
        "feeds format": [{"url": B_FEEDS[0], "template": "{summary}"}, {"url": B_FEEDS[0], "template": "default"}],
        "feeds filter add": [{"url": B_FEEDS[0], "exclude": "lighthouse"}],
        "feeds filter list": [{}, {"url": B_FEEDS[0]}],
        "feeds filter remove": [{"url": B_FEEDS[0], "number": "1"}],
        "feeds test": [{"url": B_FEEDS[0]}],
        "alerts add": [{"keyword": "lighthouse", "role": "role:5"}],
        "alerts list": [{}],
        "alerts remove": [{"id": str(world.b_alert)}],
    }


async def test_no_command_shows_or_changes_another_workspaces_data(services: Services, world: World) -> None:
    inv = Invocation(A, CHANNEL, "alice", platform="discord", is_admin=True, now=NOW + timedelta(minutes=1))
    plans = _arg_sets(world)
    ran = set()
    # /feeds add runs last: once A follows one of the same public feeds, that feed's own title and health are
    # A's to see as well.
    for name, cmd in sorted(REGISTRY.items(), key=lambda kv: kv[0] == "feeds add"):
        # A command added later without a plan is still run with B's words in its first parameter.
        args_list = plans.get(name) or [{cmd.params[0].name: "Kelby Wrenfield"} if cmd.params else {}]
        for args in args_list:
            reply = await dispatch(services, inv, cmd, args)
            assert "failed on our side" not in reply.text, (name, args, reply.text)
            typed = tuple(args.values()) + tuple(urlsplit(v).hostname or "" for v in args.values())
            assert_nothing_of_b(reply, world, f"/{name} {args}", echo=typed)
            if name == "feeds add":
                assert not reply.error and "already" not in reply.text  # B's subscription is not A's
            if name in ("feeds remove", "feeds pause", "feeds resume", "schedule remove", "feeds mode",
                        "feeds format", "feeds filter add", "feeds filter remove", "alerts remove"):
                assert reply.error, (name, reply.text)
        ran.add(name)
    assert ran == set(REGISTRY)

    # Following the same public feed shows A that feed, never B's other subscriptions or B's channel settings.
    listed = await dispatch(services, inv, REGISTRY["feeds list"], {})
    assert [f["url"] for f in listed.data["feeds"]] == [B_FEEDS[1], SHARED_FEED]
    # A changing its own subscription to the feed both follow leaves B's subscription as it was.
    for name, args in (("feeds pause", {"url": SHARED_FEED}), ("feeds mode", {"url": SHARED_FEED, "mode": "live"}),
                       ("feeds filter add", {"url": SHARED_FEED, "exclude": "keepers"})):
        reply = await dispatch(services, inv, REGISTRY[name], args)
        assert not reply.error, (name, reply.text)

    # A's own data is still there (the checks above are not passing because A sees nothing at all).
    own = await dispatch(services, inv, REGISTRY["quotes"], {"speaker": "Ilse Marrow"})
    assert any("waited twenty years" in q["quote"] for q in own.data["quotes"])
    assert {q["article_id"] for q in own.data["quotes"]} == {world.a_article, world.shared_article}
    assert "who chairs the Gull Point heritage society" in own.data["roles"]
    timeline = await dispatch(services, inv, REGISTRY["timeline"], {"topic": "lighthouse"})
    assert any(e["date_start"] == "2026-04-14" for e in timeline.data["events"])

    # Nothing of B's changed.
    subs = await services.store.subscriptions(B)
    assert sorted(s.source.url for s in subs) == sorted([*B_FEEDS, SHARED_FEED]) and not any(s.paused for s in subs)
    assert [s.id for s in await services.store.schedules(B)] == [world.b_schedule]
    assert await services.store.count_articles(B) == 2
    b_opts = await services.store.subscription_options([s.id for s in subs])
    changed = [o for o in b_opts.values() if o.filters]
    assert len(changed) == 1 and changed[0].filters == (B_FILTER,) and changed[0].mode == "live"
    assert [o.mode for o in b_opts.values()].count("live") == 1  # A's live shared feed is A's alone
    assert changed[0].template == "{title} Kelby marker"
    assert [(x.id, x.keyword) for x in await services.store.alerts(B)] == [(world.b_alert, "Kelby marker")]
    assert [x.keyword for x in await services.store.alerts(A)] == ["lighthouse"]  # A's own alert is A's


async def test_non_admin_commands_in_the_other_direction_see_nothing_of_a(services: Services, world: World) -> None:
    # B looking for A's private words sees only its own articles.
    inv = Invocation(B, CHANNEL, "bob", platform="slack", is_admin=False)
    for phrase in ("heart of this town", "Oyelaran", "Dunmore"):
        for name, key in (("who-said", "phrase"), ("search", "query"), ("quotes", "speaker"),
                          ("summary", "article"), ("timeline", "topic")):
            reply = await dispatch(services, inv, REGISTRY[name], {key: phrase})
            blob = reply.text + json.dumps(reply.data, default=str) + "".join(i.title + i.body for i in reply.items)
            assert "Oyelaran" not in blob and "Dunmore" not in blob and "heart of this town" not in blob
    summary = await dispatch(services, inv, REGISTRY["summary"], {"article": f"#{world.a_article}"})
    assert summary.data.get("article_id") != world.a_article


def _autocomplete_kinds() -> set[str]:
    return {p.autocomplete for c in REGISTRY.values() for p in c.params if p.autocomplete}


async def test_no_autocomplete_offers_another_workspaces_data(services: Services, world: World) -> None:
    inv = Invocation(A, CHANNEL, "alice", platform="discord", is_admin=True)
    kinds = _autocomplete_kinds()
    assert {"speaker", "article", "feed", "schedule", "timezone"} <= kinds
    typed = ["", "T", "Tob", "Wren", "Kel", "Ilse", "light", "#", f"#{world.b_article}", str(world.b_article),
             str(world.b_schedule), "https://b-", "b-feeds", "weekly", "Pacific/Auck"]
    for kind in sorted(kinds):
        for text in typed:
            choices = await autocomplete(services, inv, kind, text)
            if kind == "timezone":
                continue  # zone names are public, not workspace data
            assert_nothing_of_b(choices, world, f"autocomplete {kind} {text!r}")
            if kind == "article":
                assert all(value != f"#{world.b_article}" for _, value in choices)
            if kind == "schedule":
                assert all(value != str(world.b_schedule) for _, value in choices)
    # A's own choices exist: the speaker list is not empty for A, so the checks above are not vacuous.
    speakers = await autocomplete(services, inv, "speaker", "")
    assert {v for _, v in speakers} == {"Marta Oyelaran", "Ilse Marrow"}
