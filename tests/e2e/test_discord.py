"""The real discord.py client, started by start_discord, against our loopback Discord stand-in."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import discord
import pytest
from aiohttp import web
from pydantic import SecretStr

import bot.discord.client as discord_client
from bot.commands import REGISTRY, Command, Invocation, Item, Reply
from bot.delivery import Delivery, DeliveryError
from bot.discord import start_discord
from bot.services import Services
from tests.conftest import seed_gold_speaker, shared_eval
from tests.e2e.discord_standin import (
    EPHEMERAL,
    MANAGE_GUILD,
    MEMBER_PERMISSIONS,
    DiscordStandIn,
    block_quotes,
    limit,
    made,
    shown,
)
from tests.helpers.http import LocalServer
from tests.helpers.newsfeed import HOSTILE, PUFFINS_REWORDED, STORIES, NewsFeed
from tests.helpers.stories import FIRE_B, event_articles

pytestmark = pytest.mark.timeout(60)

ADMIN_ROLE = "news-admins"

# Invented articles, written for these tests.
ARTICLES = {
    "ferry.md": """---
title: Orvane ferry line returns after engine refit
published: 2031-03-02
url: https://example.invalid/orvane-ferry
---
The Orvane ferry resumed crossings on Monday after a refit of both engines, the harbour board said.

Harbour master Talia Brennick said the board had tested the boat for a week. "Every crossing this spring will run on the new engines, and the timetable stays exactly as it was," Brennick said.

The refit began on 14 January 2031 and finished on 20 February 2031. Board chair Osric Pell said the cost came in under budget. "We spent less than we feared and we fixed more than we planned," Pell said.
""",
    "orchard.md": """---
title: Brennick backs orchard grants for the valley
published: 2031-03-04
url: https://example.invalid/orchard-grants
---
Harbour master Talia Brennick spoke at the valley growers' meeting on Wednesday about the ferry's freight deck.

"Growers can send apples across the water the same morning they are picked," Brennick said. The growers' association voted on 1 March 2031 to apply for the regional grant.

Association secretary Mira Quenby said the grant would pay for cold storage. "Cold storage is what keeps a small orchard alive through a bad winter," Quenby said.
""",
}

PRIVATE_ARTICLE = """---
title: Zephyrine lighthouse keeper retires
published: 2031-03-03
url: https://example.invalid/zephyrine-lighthouse
---
The keeper of the Zephyrine lighthouse retired on Friday after thirty years.

Keeper Anselm Vortigan said the lamp never failed on his watch. "The lamp outlived three storms that took the pier with them," Vortigan said.
"""


def text_of(msg: dict[str, Any]) -> str:
    """Return every visible text of a message as Discord shows it: content, embed titles, descriptions, fields, footers."""
    parts = [msg.get("content") or ""]
    for e in msg.get("embeds") or []:
        parts += [e.get("title") or "", e.get("description") or "", (e.get("footer") or {}).get("text") or ""]
        for f in e.get("fields") or []:
            parts += [f["name"], f["value"]]
    return shown("\n".join(parts))


def assert_clean(standin: DiscordStandIn, allowed_refusals: tuple[str, ...] = (),
                 expected_pings: dict[str, dict[str, Any]] | None = None) -> None:
    """Fail if Discord would have refused a request, a message pinged anyone (beyond exactly what a test
    expected of that message), or one did not say whom it meant."""
    refused = [(c.method, c.path, c.refused) for c in standin.refusals if c.refused not in allowed_refusals]
    assert not refused, f"the real Discord would have refused: {refused}"
    expected = expected_pings or {}
    unexpected = [m for m in standin.pinged() if expected.get(m["id"]) != m["_pings"]]
    assert not unexpected, [(m["content"][:80], m["_pings"]) for m in unexpected]
    assert not standin.undeclared(), [text_of(m)[:80] for m in standin.undeclared()]


def buttons(msg: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Return the message's buttons by label."""
    return {c["label"]: c for row in msg.get("components") or [] for c in row["components"]}


class Harness:
    """A started bot with its stand-in, guilds and services."""

    def __init__(self, standin: DiscordStandIn, svc: Services, delivery: Delivery) -> None:
        self.s = standin
        self.svc = svc
        self.delivery = delivery
        self.a, self.b = list(standin.guilds.values())[:2]
        self.allowed_refusals: tuple[str, ...] = ()  # rules a test breaks on purpose (e.g. a deleted channel)
        self.expected_pings: dict[str, dict[str, Any]] = {}  # message id -> exactly whom it may notify

    @staticmethod
    def ws(guild: dict[str, Any]) -> str:
        """Return the workspace name of a guild."""
        return f"discord:{guild['id']}"

    async def add_articles(self, tmp: Path, guild: dict[str, Any], articles: dict[str, str], *,
                           published: datetime | None = None) -> list[int]:
        """Ingest invented articles into a guild's workspace (``published`` overrides their own dates)."""
        ids = []
        for name, body in articles.items():
            path = tmp / name
            path.write_text(body, encoding="utf-8")
            out = await self.svc.ingestor.ingest_path(path, workspace=self.ws(guild), published=published)
            assert out.status == "added" and out.article_id is not None, out
            ids.append(out.article_id)
        return ids


@contextlib.asynccontextmanager
async def running_bot(services: Services, monkeypatch: pytest.MonkeyPatch, *,
                      standin_kw: dict[str, Any] | None = None, **settings: Any) -> AsyncIterator[Harness]:
    """Start the stand-in with two guilds and the bot (start_discord) against it; stop both afterwards."""
    standin = DiscordStandIn(**(standin_kw or {}))
    standin.add_guild("Alpha", channels=("general", "news"), roles=(ADMIN_ROLE, "harbour-watch"),
                      forums=("stories",))
    standin.add_guild("Beta", channels=("general",))
    await standin.start()
    # Route.BASE and DEFAULT_GATEWAY are process-wide: restore them so no other test inherits the stand-in.
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    services.settings = services.settings.model_copy(update={
        "discord_token": SecretStr(standin.token), "discord_api_base_url": standin.api_url,
        "discord_gateway_url": standin.gateway_url, "discord_admin_role": ADMIN_ROLE, **settings})
    delivery = Delivery()
    task = asyncio.create_task(start_discord(services, delivery))
    try:
        await standin.wait_until(lambda: standin.synced.is_set() and standin.identified.is_set()
                                 and "discord" in delivery._posters or task.done(), 10, "sync and identify")
        if task.done():
            task.result()
        harness = Harness(standin, services, delivery)
        yield harness
        assert_clean(standin, harness.allowed_refusals, harness.expected_pings)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await standin.close()


@pytest.fixture
async def harness(services: Services, monkeypatch: pytest.MonkeyPatch,
                  caplog: pytest.LogCaptureFixture) -> AsyncIterator[Harness]:
    """Return a running bot and stand-in; fail the test if any command hit the bot's own error handler."""
    caplog.set_level(logging.INFO, logger="newsbot")
    async with running_bot(services, monkeypatch) as h:
        yield h
    assert "did not work on our side" not in caplog.text


async def test_commands_sync_to_the_configured_guild_once(services: Services,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """With DISCORD_GUILD_ID the commands sync to that guild, once, and a reconnect does not sync again."""
    standin = DiscordStandIn()
    guild = standin.add_guild("Gamma")
    await standin.start()
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    services.settings = services.settings.model_copy(update={
        "discord_token": SecretStr(standin.token), "discord_api_base_url": standin.api_url,
        "discord_gateway_url": standin.gateway_url, "discord_guild_id": int(guild["id"])})
    task = asyncio.create_task(start_discord(services, Delivery()))
    try:
        await standin.wait_until(lambda: standin.synced.is_set() and standin.identified.is_set(), 10, "sync")
        puts = [c for c in standin.calls if c.method == "PUT"]
        assert [c.path for c in puts] == [f"/api/v10/applications/{standin.app_id}/guilds/{guild['id']}/commands"]
        assert "global" not in standin.commands and "who-said" in standin.commands[guild["id"]]
        msg = await standin.invoke("help", guild=guild)
        assert "/who-said" in text_of(msg)
        # Discord moves the session: the client resumes, is refused, identifies again (on_ready fires again).
        await standin.reconnect()
        await standin.wait_until(lambda: standin.identify_count >= 2, 15, "a second IDENTIFY")
        assert standin.resume_count >= 1
        msg = await standin.invoke("help", guild=guild)
        assert "/who-said" in text_of(msg)
        assert len([c for c in standin.calls if c.method == "PUT"]) == 1  # setup_hook ran once
        assert_clean(standin)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await standin.close()


async def test_commands_sync_from_the_registry(harness: Harness) -> None:
    """Every registry command is synced once, subcommands in groups, options typed and described."""
    synced = harness.s.commands["global"]
    names = set()
    for top in synced.values():
        subs = [o for o in top.get("options", []) if o["type"] == 1]
        names |= {f"{top['name']} {o['name']}" for o in subs}
        for grp in (o for o in top.get("options", []) if o["type"] == 2):  # subcommand groups: /feeds filter add
            names |= {f"{top['name']} {grp['name']} {o['name']}" for o in grp["options"] if o["type"] == 1}
        if not any(o["type"] in (1, 2) for o in top.get("options", [])):
            names.add(top["name"])
    assert names == set(REGISTRY)
    alerts_add = next(o for o in synced["alerts"]["options"] if o["name"] == "add")
    assert next(o for o in alerts_add["options"] if o["name"] == "role")["type"] == 8  # a ROLE option
    opts = {o["name"]: o for o in synced["timeline"]["options"]}
    # A topic or a story (story:<id>): neither alone is required; the story autocompletes from headlines.
    assert opts["topic"]["type"] == 3 and not opts["topic"].get("required")
    assert opts["story"]["type"] == 3 and opts["story"]["autocomplete"] is True
    [story] = synced["story"]["options"]
    assert (story["name"], story["type"], story["required"], story["autocomplete"]) == ("story", 3, True, True)
    assert opts["image"]["type"] == 5
    search = {o["name"]: o for o in synced["search"]["options"]}
    assert [c["value"] for c in search["sort"]["choices"]] == ["best", "newest"]
    feeds_add = next(o for o in synced["feeds"]["options"] if o["name"] == "add")
    backfill = next(o for o in feeds_add["options"] if o["name"] == "backfill")
    assert backfill["type"] == 4 and backfill["min_value"] == 0
    assert synced["quotes"]["options"][0]["autocomplete"] is True
    q = harness.s.gateway_queries[0]
    assert q["v"] == "10" and q["encoding"] == "json"


async def test_who_said_seed_names_the_gold_speaker(harness: Harness) -> None:
    """/who-said international pariah names the speaker the seed's gold file gives that quote, not the store's."""
    speaker = seed_gold_speaker("international pariah")
    path = shared_eval("seed", "article.txt")
    ws = harness.ws(harness.a)
    out = await harness.svc.ingestor.ingest_path(path, workspace=ws, published=datetime(2021, 8, 15, tzinfo=UTC))
    assert out.status == "added"
    msg = await harness.s.invoke("who-said", {"phrase": "international pariah"}, guild=harness.a)
    assert not msg["flags"] & EPHEMERAL
    header, first = msg["embeds"][0], msg["embeds"][1]
    assert (header.get("description") or "").startswith(speaker)  # the lead names the top match's speaker
    assert "international pariah" in text_of({"embeds": [first]})
    assert (first.get("description") or "").startswith(f"— {speaker}")


async def test_every_command_answers(harness: Harness, tmp_path: Path) -> None:
    """Each command answers in the channel with the right content (admin commands as an admin)."""
    s, a = harness.s, harness.a
    ids = await harness.add_articles(tmp_path, a, ARTICLES)
    admin = {"permissions": MEMBER_PERMISSIONS | MANAGE_GUILD}

    t = text_of(await s.invoke("who-said", {"phrase": "new engines"}, guild=a))
    assert "Talia Brennick" in t and "Every crossing this spring will run on the new engines" in t
    t = text_of(await s.invoke("quotes", {"speaker": "Brennick"}, guild=a))
    assert "Quotes by Talia Brennick" in t and "same morning they are picked" in t
    t = text_of(await s.invoke("search", {"query": "cold storage"}, guild=a))
    assert "Brennick backs orchard grants" in t
    t = text_of(await s.invoke("summary", {"article": f"#{ids[0]}"}, guild=a))
    assert "Orvane ferry line returns" in t
    t = text_of(await s.invoke("digest", {"since": "7d"}, guild=a))
    assert "News digest" in t
    t = text_of(await s.invoke("help", guild=a))
    assert "/who-said" in t and "/feeds add" in t

    msg = await s.invoke("timeline", {"topic": "refit", "image": True}, guild=a)
    t = text_of(msg)
    assert "Timeline: refit" in t
    assert "2031-01-14" in t  # "The refit began on 14 January 2031"
    assert msg["attachments"] and msg["attachments"][0]["filename"] == "timeline.png"
    assert msg["_blobs"][0].startswith(b"\x89PNG")
    assert msg["embeds"][0]["image"]["url"] == "attachment://timeline.png"

    feed = "https://example.invalid/feed.xml"
    t = text_of(await s.invoke("feeds add", {"url": feed}, guild=a, **admin))
    assert f"Subscribed to {feed}" in t
    t = text_of(await s.invoke("feeds list", guild=a))
    assert feed in t
    assert "Paused" in text_of(await s.invoke("feeds pause", {"url": feed}, guild=a, **admin))
    assert "Resumed" in text_of(await s.invoke("feeds resume", {"url": feed}, guild=a, **admin))
    assert "Unsubscribed" in text_of(await s.invoke("feeds remove", {"url": feed}, guild=a, **admin))

    t = text_of(await s.invoke("schedule set", {"when": "daily 08:00", "timezone": "Europe/Berlin"},
                               guild=a, **admin))
    assert "Schedule #" in t and "Europe/Berlin" in t
    sched = (await harness.svc.store.schedules(harness.ws(a)))[0]
    assert "daily 08:00" in text_of(await s.invoke("schedule list", guild=a))
    assert "daily 08:00" in text_of(await s.invoke("digest-status", guild=a))
    assert f"Removed schedule #{sched.id}" in text_of(
        await s.invoke("schedule remove", {"id": sched.id}, guild=a, **admin))


async def test_digest_lists_each_new_story_with_its_quote_and_link(harness: Harness, tmp_path: Path) -> None:
    """/digest answers with one embed per new story: its headline, link, a key quote, and nothing from elsewhere."""
    s, a = harness.s, harness.a
    # Digests go by publication time: these stories came out an hour ago (their files say 2031).
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    await harness.add_articles(tmp_path, a, ARTICLES, published=hour_ago)
    await harness.add_articles(tmp_path, harness.b, {"lighthouse.md": PRIVATE_ARTICLE}, published=hour_ago)
    rec = await s.send_interaction(s.command_payload("digest", {"since": "7d"}, guild=a))
    msg = await s.answer(rec)
    assert rec.callbacks[0]["type"] == 5  # /digest is slow: deferred first
    header, *stories = msg["embeds"]
    # One embed per stored story (both articles quote the same harbour master on the ferry: the store may well
    # take them for one story), each article linked under its story, the newest leading.
    ids = [a.id for a in await harness.svc.store.find_articles(harness.ws(a), "", limit=10)]
    n = len(set((await harness.svc.store.stories_for_articles(ids)).values()))
    assert header["title"] == "News digest" and header["description"].startswith(f"{n} stor")
    assert len(stories) == n
    assert "https://example.invalid/orvane-ferry" in text_of(msg) and "https://example.invalid/orchard-grants" in text_of(msg)
    by_title = {e.get("title"): e for e in stories}
    assert set(by_title) <= {"Orvane ferry line returns after engine refit",
                             "Brennick backs orchard grants for the valley"}
    assert any("— Talia Brennick" in e["description"] or "— Osric Pell" in e["description"] for e in stories)
    assert all(e["footer"]["text"].startswith("1 outlet") for e in stories)
    assert "Zephyrine" not in text_of(msg)  # the other guild's story stays out


async def test_ingest_by_url(harness: Harness) -> None:
    """/ingest defers, fetches a loopback page and follows up; an unreachable URL gets a private error."""
    page = web.Application()

    async def article(_: web.Request) -> web.Response:
        return web.Response(text="<html><head><title>Kestrel pass reopens</title></head><body><article><p>"
                                 "The Kestrel pass reopened on Tuesday after the snow was cleared. "
                                 "Road chief Ivo Marchetti said the plows worked all night. \"We kept every "
                                 "plow on the road until the last drift was gone,\" Marchetti said.</p>"
                                 "</article></body></html>", content_type="text/html")

    page.router.add_get("/kestrel", article)
    runner = web.AppRunner(page)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    try:
        s, a = harness.s, harness.a
        rec = await s.send_interaction(s.command_payload("ingest", {"url": f"http://127.0.0.1:{port}/kestrel"},
                                                          guild=a))
        msg = await s.answer(rec)
        assert rec.callbacks[0]["type"] == 5  # deferred first: fetching may be slow
        assert "Kestrel pass reopens" in text_of(msg)
        rec = await s.send_interaction(s.command_payload("ingest", {"url": "http://127.0.0.1:1/nothing"}, guild=a))
        msg = await s.answer(rec)
        assert msg["flags"] & EPHEMERAL and "could not add" in msg["content"]
        assert rec.original_id not in s.messages  # the public "thinking" message was removed
    finally:
        await runner.cleanup()


async def test_autocomplete_returns_choices(harness: Harness, tmp_path: Path) -> None:
    """Speaker, article, time zone, feed and schedule options autocomplete from the store."""
    s, a = harness.s, harness.a
    await harness.add_articles(tmp_path, a, ARTICLES)
    choices = await s.autocomplete("quotes", {"speaker": "Bren"}, "speaker", guild=a)
    assert any(c["value"] == "Talia Brennick" for c in choices)
    choices = await s.autocomplete("summary", {"article": "orchard"}, "article", guild=a)
    assert choices and "orchard" in choices[0]["name"].lower() and choices[0]["value"].startswith("#")
    choices = await s.autocomplete("schedule set", {"when": "daily 08:00", "timezone": "Europe/Ber"}, "timezone",
                                   guild=a)
    assert {"name": "Europe/Berlin", "value": "Europe/Berlin"} in choices
    ws, channel = harness.ws(a), a["channels"][0]["id"]
    src = await harness.svc.store.source("feed", "https://example.invalid/rss")
    await harness.svc.store.subscribe(ws, channel, src.id)
    choices = await s.autocomplete("feeds remove", {"url": "rss"}, "url", guild=a)
    assert [c["value"] for c in choices] == ["https://example.invalid/rss"]
    row = await harness.svc.store.add_schedule(ws, channel, "daily 09:00", "0 9 * * *", "UTC", False)
    choices = await s.autocomplete("schedule remove", {"id": 0}, "id", guild=a)
    assert choices and choices[0]["value"] == row.id  # an integer option gets integer values
    # Another guild sees none of it.
    assert await s.autocomplete("quotes", {"speaker": "Bren"}, "speaker", guild=harness.b) == []


_PLACES = ("Harrow Point", "Salt Ledge", "Cormorant Bay", "Whitlow Head", "Fennick Rocks", "Brant Cove",
           "Idris Stack", "Marl Sound", "Quarry Nose", "Tern Reach", "Oyster Spit", "Kellan Skerry")
_BIRDS = ("kittiwakes", "herring gulls", "fulmars", "razorbills", "guillemots", "puffins", "shags",
          "black-backed gulls", "terns", "gannets", "cormorants", "skuas")


async def _many_articles(harness: Harness, tmp: Path, n: int) -> None:
    # Each article differs in most words, so the store's near-duplicate check keeps them apart, and they are a
    # month apart, so each is a story of its own (/search shows a story's hits as one entry).
    arts = {}
    for i in range(n):
        place, bird, other = _PLACES[i], _BIRDS[i], _BIRDS[(i + 5) % len(_BIRDS)]
        arts[f"gull{i}.md"] = f"""---
title: Gull census at {place}
published: 2031-{i + 1:02d}-01
url: https://example.invalid/gulls/{i}
---
Volunteers at {place} counted {100 + 7 * i} pairs of {bird} and {3 + i} pairs of {other} during census round {i}.

"{place} had {bird} on every ledge we could reach, and the {other} came back after {i + 2} quiet seasons," warden {place.split()[0]} Osterholt said of the gulls.
"""
    await harness.add_articles(tmp, harness.a, arts)


async def test_page_buttons_turn_for_the_invoker_only(harness: Harness, tmp_path: Path) -> None:
    """A long list pages with buttons; the invoker turns the page, anyone else is refused privately."""
    s, a = harness.s, harness.a
    await _many_articles(harness, tmp_path, 12)
    user = s.snowflake()
    msg = await s.invoke("search", {"query": "gulls"}, guild=a, user_id=user)
    # Hits of one story are one entry: as many pages as the census reports made stories, five a page.
    hits = [r.id for r in await harness.svc.store.search(harness.ws(a), "gulls", limit=25)]
    n = -(-len(set((await harness.svc.store.stories_for_articles(hits)).values())) // 5)
    assert n >= 2 and f"Page 1/{n}" in text_of(msg)
    labels = buttons(msg)
    assert set(labels) == {"« First", "‹ Prev", "Next ›", "Last »"}
    assert labels["‹ Prev"]["disabled"] is True and labels["Next ›"]["disabled"] is False
    first_page = text_of(msg)

    stranger = await s.send_interaction(s.component_payload(msg, labels["Next ›"]["custom_id"], guild=a,
                                                            user_id=s.snowflake()))
    await s.wait_until(lambda: stranger.callbacks, what="the stranger's answer")
    assert stranger.callbacks[0]["type"] == 4 and stranger.callbacks[0]["data"]["flags"] & EPHEMERAL
    assert "Only the person who ran the command" in stranger.callbacks[0]["data"]["content"]
    assert text_of(s.messages[msg["id"]]) == first_page

    press = await s.send_interaction(s.component_payload(s.public(s.messages[msg["id"]]),
                                                         labels["Next ›"]["custom_id"], guild=a, user_id=user))
    await s.wait_until(lambda: press.callbacks, what="the page turn")
    assert press.callbacks[0]["type"] == 7
    turned = s.messages[msg["id"]]
    assert f"Page 2/{n}" in text_of(turned) and text_of(turned) != first_page
    assert buttons(turned)["‹ Prev"]["disabled"] is False

    last = await s.send_interaction(s.component_payload(s.public(turned), labels["Last »"]["custom_id"],
                                                        guild=a, user_id=user))
    await s.wait_until(lambda: last.callbacks, what="the jump to the last page")
    assert f"Page {n}/{n}" in text_of(s.messages[msg["id"]])
    assert buttons(s.messages[msg["id"]])["Next ›"]["disabled"] is True


async def test_a_page_button_pressed_in_another_guild_or_naming_no_page_runs_nothing(harness: Harness,
                                                                                      tmp_path: Path) -> None:
    """A custom_id is client data: one carried into another guild (same user), or one naming a page state that does
    not exist, gets the private "no longer available" answer and never runs the stored command."""
    s, a, b = harness.s, harness.a, harness.b
    await _many_articles(harness, tmp_path, 12)
    user = s.snowflake()
    msg = await s.invoke("search", {"query": "gulls"}, guild=a, user_id=user)
    next_id = buttons(msg)["Next ›"]["custom_id"]
    state = int(next_id.split(":")[2])
    b_channel = b["channels"][0]
    # A message whose buttons name a page state that was never stored (as after the states were cleaned up).
    unknown = json.loads(json.dumps(s.public(msg)).replace(f"nb:page:{state}:", f"nb:page:{state + 1000}:"))
    for message, custom_id, guild, channel in ((s.public(msg), next_id, b, b_channel),
                                               (unknown, f"nb:page:{state + 1000}:n:1", a, None)):
        press = await s.send_interaction(s.component_payload(message, custom_id, guild=guild, channel=channel,
                                                             user_id=user))
        await s.wait_until(lambda press=press: press.callbacks, what=f"the refusal of {custom_id} in {guild['id']}")
        answer = press.callbacks[0]
        assert answer["type"] == 4 and answer["data"]["flags"] & EPHEMERAL, answer
        assert answer["data"]["content"] == discord_client.GONE
    assert "Page 1/3" in text_of(s.messages[msg["id"]])  # the message was not turned


async def test_page_buttons_are_removed_when_they_expire(harness: Harness, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """When the page view times out, the buttons disappear from the message."""
    s, a = harness.s, harness.a
    await _many_articles(harness, tmp_path, 7)
    monkeypatch.setattr(discord_client, "PAGE_TIMEOUT_S", 0.3)
    msg = await s.invoke("search", {"query": "gulls"}, guild=a)
    assert buttons(msg)
    await s.wait_until(lambda: not s.messages[msg["id"]]["components"], 5, "the buttons to be removed")
    call = await s.wait_call("PATCH", r"/messages/@original$")
    assert call.body["components"] == []


async def test_non_admin_is_refused_feeds_add(harness: Harness) -> None:
    """/feeds add needs Manage Server or the admin role; a plain member gets a private refusal."""
    s, a = harness.s, harness.a
    ws = harness.ws(a)
    rec = await s.send_interaction(s.command_payload("feeds add", {"url": "https://example.invalid/a.xml"},
                                                      guild=a))
    msg = await s.answer(rec)
    assert rec.callbacks[0]["type"] == 4  # refused before deferring, so the refusal can be private
    assert msg["flags"] & EPHEMERAL and "admins only" in msg["content"]
    assert await harness.svc.store.subscriptions(ws) == []
    msg = await s.invoke("feeds add", {"url": "https://example.invalid/a.xml"}, guild=a, roles=(ADMIN_ROLE,))
    assert "Subscribed" in text_of(msg)
    msg = await s.invoke("feeds add", {"url": "https://example.invalid/b.xml"}, guild=a,
                         permissions=MEMBER_PERMISSIONS | MANAGE_GUILD)
    assert "Subscribed" in text_of(msg)
    assert len(await harness.svc.store.subscriptions(ws)) == 2


async def test_other_guilds_upload_never_appears(harness: Harness, tmp_path: Path) -> None:
    """An article uploaded in guild B is invisible to guild A and to DMs, visible in B."""
    s = harness.s
    await harness.add_articles(tmp_path, harness.b, {"lighthouse.md": PRIVATE_ARTICLE})
    await harness.add_articles(tmp_path, harness.a, ARTICLES)
    for guild in (harness.a, None):
        for cmd, opts in (("search", {"query": "lighthouse"}), ("who-said", {"phrase": "lamp outlived"}),
                          ("quotes", {"speaker": "Vortigan"}), ("summary", {"article": "Zephyrine"}),
                          ("digest", {"since": "2w"}), ("timeline", {"topic": "lighthouse"})):
            t = text_of(await s.invoke(cmd, opts, guild=guild))
            # The query words are echoed in titles; the article's own words must never appear.
            for secret in ("Anselm", "lighthouse keeper retires", "took the pier", "thirty years"):
                assert secret not in t, (cmd, guild and guild["name"], secret)
    t = text_of(await s.invoke("who-said", {"phrase": "lamp outlived"}, guild=harness.b))
    assert "Anselm Vortigan" in t


async def test_errors_are_short_and_private(harness: Harness) -> None:
    """Bad arguments get a one-line ephemeral answer, never a traceback."""
    s, a = harness.s, harness.a
    for cmd, opts in (("quotes", {"speaker": "x", "since": "soon"}), ("timeline", {"topic": "x", "since": "May"}),
                      ("schedule set", {"when": "whenever"})):
        rec = await s.send_interaction(s.command_payload(cmd, opts, guild=a,
                                                          permissions=MEMBER_PERMISSIONS | MANAGE_GUILD))
        msg = await s.answer(rec)
        assert msg["flags"] & EPHEMERAL, cmd
        assert "Traceback" not in msg["content"] and 0 < len(msg["content"]) < 300, msg["content"]
        assert rec.callbacks[0]["type"] == 4, cmd  # no public "thinking" message for a mistake


async def test_delivery_poster_posts_embeds_to_the_channel(harness: Harness) -> None:
    """A post through Delivery reaches POST /channels/{id}/messages; failures raise DeliveryError."""
    s, a = harness.s, harness.a
    channel = s.channel(a, "news")["id"]
    stories = tuple(Item(title=f"Story {i}", body="A sentence about the harbour. " * 60,
                         url=f"https://example.invalid/{i}", footer="1 source") for i in range(12))
    reply = Reply(title="News digest", text="12 stories", items=stories)
    ids = await harness.delivery.post(harness.ws(a), channel, reply)
    assert len(ids) == reply.pages == 3
    posts = [c for c in s.calls if c.method == "POST" and c.path == f"/api/v10/channels/{channel}/messages"]
    assert len(posts) == 3 and all(c.status == 200 for c in posts)
    assert posts[0].body["embeds"][0]["title"] == "News digest"
    assert "Story 0" in text_of(s.messages[ids[0]])

    harness.allowed_refusals = ("channel.permission", "channel.unknown")  # the two failures below, on purpose
    s.forbidden_channels.add(s.channel(a, "general")["id"])
    with pytest.raises(DeliveryError, match="permission"):
        await harness.delivery.post(harness.ws(a), s.channel(a, "general")["id"], reply)
    with pytest.raises(DeliveryError, match="not found"):
        await harness.delivery.post(harness.ws(a), s.snowflake(), reply)
    with pytest.raises(DeliveryError, match="does not belong"):
        await harness.delivery.post(harness.ws(a), harness.b["channels"][0]["id"], reply)


async def test_a_scheduled_digest_is_posted_to_its_channel(harness: Harness, tmp_path: Path) -> None:
    """The real scheduler runs a guild's schedule and the digest reaches that channel through the stand-in."""
    from datetime import UTC, datetime, timedelta

    from bot.scheduler import BotScheduler

    s, a = harness.s, harness.a
    channel = s.channel(a, "news")["id"]
    await harness.add_articles(tmp_path, a, {"lock.txt": (
        "Canal lock reopens after repairs\n\nThe Esk canal lock reopened on Monday after a month of repairs. "
        '"Boats can pass again from tomorrow morning, and the towpath is open too," said lock keeper Mina Sallow.\n')})
    sched = await harness.svc.store.add_schedule(harness.ws(a), channel, "daily 08:00", "0 8 * * *", "Europe/Berlin")
    scheduler = BotScheduler(harness.svc, harness.delivery, poll_feeds=False)
    fire = datetime.now(UTC) + timedelta(minutes=1)
    first = await scheduler.run_schedule(sched.id, fire_time=fire)
    again = await scheduler.run_schedule(sched.id, fire_time=fire)
    assert first.status == "posted" and again.status != "posted"
    posts = [c for c in s.calls if c.method == "POST" and c.path == f"/api/v10/channels/{channel}/messages"]
    assert len(posts) == len(first.message_ids) >= 1
    assert "Canal lock reopens after repairs" in text_of(s.messages[first.message_ids[0]])


def test_the_bots_own_deadlines_sit_inside_discords() -> None:
    """The bot defers before Discord's 3 s run out, and its page buttons expire before the 15 min token does."""
    assert discord_client.DEFER_AFTER_S < limit("interaction.deadline_s")
    assert discord_client.PAGE_TIMEOUT_S < limit("interaction.token_ttl_s")


def _slowed(name: str, seconds: float) -> Command:
    """Return the registry command ``name`` with a handler that first waits ``seconds`` (a slow query)."""
    from dataclasses import replace

    cmd = REGISTRY[name]
    handler = cmd.handler

    async def slow(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
        await asyncio.sleep(seconds)
        return await handler(svc, inv, args)

    return replace(cmd, handler=slow)


# The real timeline scaled down four times: Discord's 3 s becomes 0.75 s and the bot's 2 s budget 0.5 s, so the
# deadline is proven in about a second instead of with a real 3.5 s sleep, with room left for a busy machine.
SCALE = 0.25


async def test_a_quick_command_that_runs_slow_is_deferred_before_the_deadline(
        services: Services, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A command not marked slow whose query outlasts the deadline is deferred in time, then answered."""
    monkeypatch.setattr(discord_client, "DEFER_AFTER_S", discord_client.DEFER_AFTER_S * SCALE)
    monkeypatch.setitem(REGISTRY, "search", _slowed("search", 3.5 * SCALE))
    deadline = limit("interaction.deadline_s") * SCALE
    async with running_bot(services, monkeypatch, standin_kw={"response_deadline_s": deadline}) as h:
        await h.add_articles(tmp_path, h.a, ARTICLES)
        rec = await h.s.send_interaction(h.s.command_payload("search", {"query": "cold storage"}, guild=h.a))
        msg = await h.s.answer(rec)
        assert rec.callbacks[0]["type"] == 5 and rec.callback_at is not None
        assert rec.callback_at - rec.sent_at < deadline
        assert "Brennick backs orchard grants" in text_of(msg)


async def test_a_reply_after_the_deadline_is_refused_as_unknown_interaction(
        services: Services, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without the deferral, the same slow command answers too late and Discord refuses it with 10062."""
    monkeypatch.setattr(discord_client, "DEFER_AFTER_S", 60.0)  # as if the bot never deferred
    monkeypatch.setitem(REGISTRY, "search", _slowed("search", 3.5 * SCALE))
    deadline = limit("interaction.deadline_s") * SCALE
    async with running_bot(services, monkeypatch, standin_kw={"response_deadline_s": deadline}) as h:
        h.allowed_refusals = ("interaction.deadline_s",)
        rec = await h.s.send_interaction(h.s.command_payload("search", {"query": "cold storage"}, guild=h.a))
        await h.s.wait_until(lambda: h.s.refusals, 5, "the late reply")
        assert h.s.refusals[0].refused == "interaction.deadline_s" and h.s.refusals[0].status == 404
        assert not rec.callbacks and h.s._answer(rec) is None


async def test_echoed_mentions_never_ping(harness: Harness) -> None:
    """An "@everyone" a user typed comes back in the private error text, and notifies nobody."""
    s, a = harness.s, harness.a
    msg = await s.invoke("quotes", {"speaker": "Brennick", "since": "@everyone"}, guild=a)
    assert "@everyone" in shown(msg["content"]) and msg["flags"] & EPHEMERAL
    assert msg["mention_everyone"] is False and not s.pinged() and not s.undeclared()


async def test_a_failed_scheduled_digest_is_reported_without_pinging(harness: Harness,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A scheduled digest that fails posts a notice to its channel; an "@everyone" in the error pings nobody."""
    import bot.scheduler as scheduler_module
    from bot.scheduler import BotScheduler

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the feed said @everyone <@&1> and stopped")

    monkeypatch.setattr(scheduler_module, "build_digest", broken)
    s, a = harness.s, harness.a
    channel = s.channel(a, "news")["id"]
    sched = await harness.svc.store.add_schedule(harness.ws(a), channel, "daily 08:00", "0 8 * * *", "UTC")
    result = await BotScheduler(harness.svc, harness.delivery, poll_feeds=False).run_schedule(sched.id)
    assert result.status == "failed"
    notices = [m for m in s.messages.values() if m["channel_id"] == channel]
    assert len(notices) == 1 and "@everyone" in text_of(notices[0])
    assert "Scheduled digest failed" in text_of(notices[0])
    assert not s.pinged() and not s.undeclared()


async def test_a_slow_autocomplete_offers_nothing_rather_than_missing_the_deadline(
        services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """Autocomplete cannot be deferred: when the lookup outlasts the budget, an empty list goes out in time."""
    import bot.handlers

    real = bot.handlers.autocomplete

    async def slow(*args: Any) -> list[tuple[str, str]]:
        await asyncio.sleep(3.5 * SCALE)
        return await real(*args)

    monkeypatch.setattr(bot.handlers, "autocomplete", slow)
    monkeypatch.setattr(discord_client, "DEFER_AFTER_S", discord_client.DEFER_AFTER_S * SCALE)
    deadline = limit("interaction.deadline_s") * SCALE
    async with running_bot(services, monkeypatch, standin_kw={"response_deadline_s": deadline}) as h:
        choices = await h.s.autocomplete("schedule set", {"when": "daily 08:00", "timezone": "Europe/Ber"},
                                         "timezone", guild=h.a)
        assert choices == []


ADMIN = {"permissions": MEMBER_PERMISSIONS | MANAGE_GUILD}


def channel_posts(s: DiscordStandIn, channel_id: str) -> list[dict[str, Any]]:
    """Return the bot's plain channel posts (not interaction answers) in a channel, oldest first."""
    return [m for m in s.messages.values() if m["channel_id"] == channel_id and "interaction_metadata" not in m]


async def test_feed_text_is_shown_as_text_with_no_mention_link_or_formatting(
        harness: Harness, http_server: LocalServer) -> None:
    """A feed item whose title and summary hold Discord syntax is posted showing those characters, making nothing."""
    from bot.scheduler import BotScheduler

    s, a = harness.s, harness.a
    harness.svc.scheduler = BotScheduler(harness.svc, harness.delivery, poll_feeds=False)
    feed = NewsFeed(http_server, "/hostile.xml")
    item = feed.add(f"Council vote {HOSTILE}",
                    f"The council voted on the harbour plan {HOSTILE} late on Tuesday evening. "
                    f"Members said the plan {HOSTILE} would be published in full next week.", slug="vote")
    # A script removed by the feed's own sanitizer can leave an empty CDATA section behind as escaped text.
    feed.raw_description[item.guid] = (
        "&lt;p&gt;" + escape(escape(item.text)) + "&lt;/p&gt;&amp;lt;![CDATA[]]&amp;gt;")
    general = s.channel(a, "general")
    t = text_of(await s.invoke("feeds add", {"url": feed.url, "backfill": 1}, guild=a, channel=general, **ADMIN))
    assert "Posted the 1 newest" in t, t
    posts = channel_posts(s, general["id"])
    assert len(posts) == 1
    story = posts[0]["embeds"][1]
    assert shown(story["title"]) == f"Council vote {HOSTILE}"
    assert HOSTILE in shown(story["description"]) and "CDATA" not in text_of(posts[0])
    for raw in (posts[0]["content"], story["title"], story["description"]):
        assert made(raw) == [], (made(raw), raw)
    assert posts[0]["_pings"] == {"everyone": False, "users": [], "roles": []}



# ---- subscriptions: live posts, filters, alerts, threads, forums, previews ----------------------------------------


async def _live_bot(harness: Harness) -> Any:
    from bot.scheduler import BotScheduler

    sched = BotScheduler(harness.svc, harness.delivery, poll_feeds=False)
    harness.svc.scheduler = sched
    return sched


async def _subscribe(harness: Harness, feed: NewsFeed, channel: dict[str, Any], mode: str = "live") -> int:
    msg = await harness.s.invoke("feeds add", {"url": feed.url, "mode": mode}, guild=harness.a, channel=channel,
                                 **ADMIN)
    assert "Subscribed" in text_of(msg), text_of(msg)
    return (await harness.svc.store.source("feed", feed.url)).id


async def _round(sched: Any, *source_ids: int) -> None:
    """One live round as the sweep job runs it: poll the feeds, then deliver."""
    for sid in source_ids:
        await sched.poll_source(sid)
    await sched.flush_live()


async def test_later_news_of_a_live_story_is_an_update_in_a_thread_of_its_post(
        harness: Harness, http_server: LocalServer) -> None:
    """A story posted live, then another article of it with news: the update goes into a thread of the first post."""
    s, a = harness.s, harness.a
    sched = await _live_bot(harness)
    news_channel = s.channel(a, "news")
    feed = NewsFeed(http_server, "/fires.xml", "Valley News")
    feed.add(*STORIES[0], slug="old")
    sid = await _subscribe(harness, feed, news_channel)
    await _round(sched, sid)
    first, _, _, news = event_articles(FIRE_B, 4)
    feed.add(first.title, first.text, slug="fire")
    await _round(sched, sid)
    feed.add(news.title, news.text, slug="fire-news")
    await _round(sched, sid)
    [post] = channel_posts(s, news_channel["id"])  # the update is not a new post in the channel
    assert first.title in text_of(post)
    [thread] = [t for t in s.threads.values() if t["parent_id"] == news_channel["id"]]
    [update] = channel_posts(s, thread["id"])
    assert f"Update: {news.title}" in text_of(update)
    assert s.messages[post["id"]]["thread"]["id"] == thread["id"]
    assert_clean(s)


async def test_live_posts_each_new_story_once_and_a_shared_story_once_with_both_sources(
        harness: Harness, http_server: LocalServer) -> None:
    """Baseline items stay silent; each new story is posted once; one story in two feeds is one post, two sources."""
    s, a = harness.s, harness.a
    sched = await _live_bot(harness)
    news = s.channel(a, "news")
    gazette, post = NewsFeed(http_server, "/gazette.xml", "Harbour Gazette"), NewsFeed(http_server, "/post.xml",
                                                                                        "Valley Post")
    gazette.add(*STORIES[0], slug="old")
    post.add(*STORIES[1], slug="old")
    ids = [await _subscribe(harness, gazette, news), await _subscribe(harness, post, news)]
    await _round(sched, *ids)
    assert channel_posts(s, news["id"]) == []  # what the feeds held when subscribed is not news

    gazette.add(*STORIES[2], slug="puffins")
    post.add(*STORIES[2], slug="puffin-count")  # the same story, another outlet's link
    gazette.add(*STORIES[3], slug="library")
    await _round(sched, *ids)
    posts = channel_posts(s, news["id"])
    assert len(posts) == 2, [text_of(p) for p in posts]
    shared = next(p for p in posts if STORIES[2][0] in text_of(p))
    fields = {f["name"]: f["value"] for f in shared["embeds"][1]["fields"]}
    assert fields == {"Harbour Gazette": "https://news.example/gazette.xml/puffins",
                      "Valley Post": "https://news.example/post.xml/puffin-count"}
    assert "ranger Oskar Lind" in text_of(shared) and "2 source(s)" in text_of(shared)  # summary and key quote
    assert any(STORIES[3][0] in text_of(p) for p in posts)

    await _round(sched, *ids)  # the same items again: nothing new
    assert len(channel_posts(s, news["id"])) == 2


async def test_live_bursts_are_rate_limited_with_the_overflow_in_one_post(
        harness: Harness, http_server: LocalServer) -> None:
    """Seven new stories at once: four posts, then one "3 more stories" post: five posts in the minute."""
    s, a = harness.s, harness.a
    sched = await _live_bot(harness)
    news = s.channel(a, "news")
    feed = NewsFeed(http_server, "/burst.xml", "Burst News")
    sid = await _subscribe(harness, feed, news)
    for i, (title, text) in enumerate(STORIES[:7]):
        feed.add(title, text, slug=f"s{i}", minutes_ago=(i - 7) / 60)  # published over the next seconds
    await _round(sched, sid)
    posts = channel_posts(s, news["id"])
    assert len(posts) == 5
    assert [p["embeds"][0]["title"] for p in posts[:4]] == ["New from Burst News"] * 4
    assert posts[4]["embeds"][0]["title"] == "3 more stories"
    shown_titles = [shown(p["embeds"][1]["title"]) for p in posts[:4]]
    folded = text_of(posts[4])
    assert sorted(shown_titles + [t for t, _ in STORIES[:7] if t in folded]) == sorted(t for t, _ in STORIES[:7])
    await _round(sched, sid)
    assert len(channel_posts(s, news["id"])) == 5  # each story went out once, single or folded


async def test_filters_include_and_exclude_as_set(harness: Harness, http_server: LocalServer) -> None:
    """An exclude word drops a story; an include regex lets only matching stories through; bad regexes are refused."""
    s, a = harness.s, harness.a
    sched = await _live_bot(harness)
    news = s.channel(a, "news")
    one, two = NewsFeed(http_server, "/one.xml", "One"), NewsFeed(http_server, "/two.xml", "Two")
    ids = [await _subscribe(harness, one, news), await _subscribe(harness, two, news)]
    t = text_of(await s.invoke("feeds filter add", {"url": one.url, "field": "title", "exclude": "sponsored"},
                               guild=a, channel=news, **ADMIN))
    assert "Filter #1" in t and "exclude title word" in t
    t = text_of(await s.invoke("feeds filter add", {"url": two.url, "field": "text", "include": r"ferr(y|ies)|weir",
                                                    "regex": True}, guild=a, channel=news, **ADMIN))
    assert "Filter #1" in t and "include text regex" in t
    bad = await s.invoke("feeds filter add", {"url": two.url, "include": r"(a)\1", "regex": True}, guild=a,
                         channel=news, **ADMIN)
    assert bad["flags"] & EPHEMERAL and "does not compile" in shown(bad["content"])
    listing = text_of(await s.invoke("feeds filter list", {}, guild=a, channel=news))
    assert "#1: exclude title word “sponsored”" in listing and "#1: include text regex" in listing

    one.add("Sponsored: the best kayaks of the season", STORIES[4][1], slug="ad")
    one.add(*STORIES[5], slug="bakery")
    two.add(*STORIES[0], slug="ferry")
    two.add(*STORIES[6], slug="weather")
    await _round(sched, *ids)
    titles = sorted(shown(p["embeds"][1]["title"]) for p in channel_posts(s, news["id"]))
    assert titles == sorted([STORIES[5][0], STORIES[0][0]])


async def test_an_alert_mentions_only_its_role_even_when_the_story_says_everyone(
        harness: Harness, http_server: LocalServer) -> None:
    """A digest feed's new story matching an alert is posted with exactly its role mentioned, nothing else."""
    s, a = harness.s, harness.a
    sched = await _live_bot(harness)
    news = s.channel(a, "news")
    role = s.role(a, "harbour-watch")
    feed = NewsFeed(http_server, "/alerts.xml", "Harbour Gazette")
    sid = await _subscribe(harness, feed, news, mode="digest")
    t = text_of(await s.invoke("alerts add", {"keyword": "ferry berth", "role": role["id"]}, guild=a,
                               channel=news, **ADMIN))
    assert "Alert #1" in t
    refused = await s.invoke("alerts add", {"keyword": "ferry", "role": a["id"]}, guild=a, channel=news, **ADMIN)
    assert "never mention @everyone" in shown(refused["content"])  # the @everyone role is the guild's id
    assert "ferry berth" in text_of(await s.invoke("alerts list", {}, guild=a, channel=news))

    feed.add(f"{STORIES[0][0]} @everyone <@&{a['id']}> @here", STORIES[0][1] + " Tell @everyone.", slug="berth")
    feed.add(*STORIES[1], slug="orchestra")  # no keyword: waits for the digest
    await _round(sched, sid)
    posts = channel_posts(s, news["id"])
    assert len(posts) == 1
    msg = posts[0]
    want = {"everyone": False, "users": [], "roles": [role["id"]]}
    assert msg["content"] == f"<@&{role['id']}>" and msg["_pings"] == want
    assert msg["_declared"] and "@everyone" in shown(msg["embeds"][1]["title"])
    sent = next(c.body for c in s.calls if c.method == "POST" and c.path.endswith(f"/channels/{news['id']}/messages")
                and (c.body or {}).get("content"))
    # The payload itself permits exactly that role: no parse of everyone, users or roles, no other id.
    assert sent["allowed_mentions"]["parse"] == [] and [str(r) for r in sent["allowed_mentions"]["roles"]] == [
        role["id"]]
    harness.expected_pings[msg["id"]] = want


async def test_a_scheduled_digest_goes_into_a_thread(harness: Harness, tmp_path: Path) -> None:
    """layout:thread puts one headline message in the channel and the stories in a thread started from it."""
    from datetime import UTC, datetime, timedelta

    s, a = harness.s, harness.a
    sched = await _live_bot(harness)
    news = s.channel(a, "news")
    t = text_of(await s.invoke("schedule set", {"when": "daily 08:00", "layout": "thread"}, guild=a, channel=news,
                               **ADMIN))
    assert "Schedule #" in t
    await harness.add_articles(tmp_path, a, {f"s{i}.txt": f"{title}\n\n{text}\n" for i, (title, text)
                                             in enumerate(STORIES[:3])})
    row = (await harness.svc.store.schedules(harness.ws(a), news["id"]))[0]
    result = await sched.run_schedule(row.id, fire_time=datetime.now(UTC) + timedelta(minutes=1))
    assert result.status == "posted"
    in_channel = channel_posts(s, news["id"])
    assert len(in_channel) == 1 and in_channel[0]["embeds"][0]["title"] == "News digest"
    assert len(in_channel[0]["embeds"]) == 1  # the headline only
    thread = in_channel[0]["thread"]
    in_thread = text_of_all(channel_posts(s, thread["id"]))
    assert all(title in in_thread for title, _ in STORIES[:3])


async def test_later_news_of_a_live_story_goes_into_its_forum_post(harness: Harness,
                                                                   http_server: LocalServer) -> None:
    """In a forum channel a live story is a forum post; its later news is a message in that post, not a new post."""
    s, a = harness.s, harness.a
    sched = await _live_bot(harness)
    forum = s.channel(a, "stories")
    desk = s.add_forum_post(forum, "News desk")
    feed = NewsFeed(http_server, "/forum-fires.xml", "Valley News")
    feed.add(*STORIES[0], slug="old")
    sid = await _subscribe(harness, feed, desk)
    await _round(sched, sid)
    first, _, _, news = event_articles(FIRE_B, 4)
    feed.add(first.title, first.text, slug="fire")
    await _round(sched, sid)
    feed.add(news.title, news.text, slug="fire-news")
    await _round(sched, sid)
    [post] = [t for t in s.threads.values() if t["parent_id"] == forum["id"] and t["id"] != desk["id"]]
    assert post["name"] == first.title
    story, update = channel_posts(s, post["id"])
    assert first.title in text_of(story) and f"Update: {news.title}" in text_of(update)
    assert_clean(s)


async def test_a_forum_channel_gets_one_post_per_story(harness: Harness, http_server: LocalServer,
                                                        tmp_path: Path) -> None:
    """Set up from inside a forum post, a live feed and a digest both start one forum post per story."""
    from datetime import UTC, datetime, timedelta

    s, a = harness.s, harness.a
    sched = await _live_bot(harness)
    forum = s.channel(a, "stories")
    desk = s.add_forum_post(forum, "News desk")  # commands are typed in a post, never in the forum itself
    feed = NewsFeed(http_server, "/forum.xml", "Forum Feed")
    sid = await _subscribe(harness, feed, desk)
    subs = await harness.svc.store.subscriptions(harness.ws(a))
    assert [x.channel for x in subs] == [forum["id"]]  # the forum follows the feed, not the desk post
    feed.add(*STORIES[5], slug="bread")
    feed.add(*STORIES[7], slug="salmon")
    await _round(sched, sid)
    posts = [t for t in s.threads.values() if t["parent_id"] == forum["id"] and t["id"] != desk["id"]]
    assert sorted(t["name"] for t in posts) == sorted([STORIES[5][0], STORIES[7][0]])
    for t in posts:
        first = channel_posts(s, t["id"])
        assert len(first) == 1 and t["name"] in text_of(first[0])

    assert "Schedule #" in text_of(await s.invoke("schedule set", {"when": "daily 08:00"}, guild=a, channel=desk,
                                                  **ADMIN))
    await harness.add_articles(tmp_path, a, {"road.txt": f"{STORIES[4][0]}\n\n{STORIES[4][1]}\n",
                                             "bikes.txt": f"{STORIES[6][0]}\n\n{STORIES[6][1]}\n"})
    row = (await harness.svc.store.schedules(harness.ws(a), forum["id"]))[0]
    result = await sched.run_schedule(row.id, fire_time=datetime.now(UTC) + timedelta(minutes=1))
    names = {t["name"] for t in s.threads.values() if t["parent_id"] == forum["id"]}
    assert result.status == "posted" and {STORIES[4][0], STORIES[6][0]} <= names


async def test_feeds_test_previews_the_newest_item_reports_problems_and_stores_nothing(
        harness: Harness, http_server: LocalServer) -> None:
    """The preview shows the newest entry as it would post, names the feed's problems, and writes no row."""
    import sqlite3

    s, a = harness.s, harness.a
    body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Loose Wire</title>'
            f"<item><title>{STORIES[7][0]}</title><link>https://news.example/w/1</link><guid>g1</guid>"
            f"<description>{escape(STORIES[7][1])}</description></item>"
            f"<item><title>{STORIES[6][0]}</title><link>https://news.example/w/2</link><guid>g1</guid>"
            f"<description>{escape(STORIES[6][1])}</description></item></channel></rss>")
    http_server.text("/wire.xml", body, content_type="application/rss+xml")

    def counts() -> dict[str, int]:
        with sqlite3.connect(harness.svc.store.path) as db:
            names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                              "AND name NOT LIKE 'sqlite_%'")]
            return {n: db.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}

    before = counts()
    msg = await s.invoke("feeds test", {"url": http_server.url("/wire.xml")}, guild=a)
    t = text_of(msg)
    assert STORIES[7][0] in t and "ecologist Nora Penn" in t  # the newest item, with its key quote's speaker
    assert "no entry has a date" in t and "GUID(s) used by more than one entry" in t and "Nothing was stored" in t
    assert counts() == before
    gone = await s.invoke("feeds test", {"url": http_server.url("/missing.xml")}, guild=a)
    assert "cannot be used" in text_of(gone) and counts() == before


def text_of_all(msgs: list[dict[str, Any]]) -> str:
    """Return the visible text of several messages."""
    return "\n".join(text_of(m) for m in msgs)


async def test_a_bot_in_no_server_logs_its_invite_link(services: Services, monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    """At start, with no guild yet, the bot logs the invite link: both scopes and the documented permissions."""
    caplog.set_level(logging.INFO, logger="newsbot")
    standin = DiscordStandIn()
    await standin.start()
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    services.settings = services.settings.model_copy(update={
        "discord_token": SecretStr(standin.token), "discord_api_base_url": standin.api_url,
        "discord_gateway_url": standin.gateway_url})
    task = asyncio.create_task(start_discord(services, Delivery()))
    try:
        want = (f"https://discord.com/oauth2/authorize?client_id={standin.app_id}"
                "&scope=bot+applications.commands&permissions=309237763072")
        for _ in range(200):  # the log is not a stand-in event to wait on: look every 50 ms, 10 s at most
            if want in caplog.text or task.done():
                break
            await asyncio.sleep(0.05)
        assert want in caplog.text
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await standin.close()


def test_docs_discord_md_gives_the_permissions_scopes_and_intents_the_bot_uses() -> None:
    """docs/discord.md states the permissions integer and scopes of invite_url, and no privileged intent is used."""
    docs = (Path(__file__).resolve().parents[2] / "docs" / "discord.md").read_text(encoding="utf-8")
    assert str(discord_client.PERMISSIONS.value) in docs and "bot applications.commands" in docs
    assert "scope=bot+applications.commands&permissions=309237763072" in discord_client.invite_url(1)
    intents = discord.Intents.default()
    assert not (intents.message_content or intents.members or intents.presences)
    assert not discord_client.PERMISSIONS.mention_everyone


async def test_members_cannot_change_feeds_filters_formats_or_alerts(harness: Harness,
                                                                     http_server: LocalServer) -> None:
    """A member without Manage Server is refused every new admin command, privately, and nothing changes."""
    s, a = harness.s, harness.a
    await _live_bot(harness)
    news = s.channel(a, "news")
    feed = NewsFeed(http_server, "/members.xml", "Members")
    await _subscribe(harness, feed, news, mode="digest")
    role = s.role(a, "harbour-watch")
    for name, options in (("feeds mode", {"url": feed.url, "mode": "live"}),
                          ("feeds format", {"url": feed.url, "template": "{title}"}),
                          ("feeds filter add", {"url": feed.url, "exclude": "ferry"}),
                          ("feeds filter remove", {"url": feed.url, "number": 1}),
                          ("alerts add", {"keyword": "ferry", "role": role["id"]}),
                          ("alerts remove", {"id": 1})):
        msg = await s.invoke(name, options, guild=a, channel=news)
        assert msg["flags"] & EPHEMERAL and "admins only" in shown(msg["content"]), name
    sub = (await harness.svc.store.subscriptions(harness.ws(a)))[0]
    opts = (await harness.svc.store.subscription_options([sub.id]))[sub.id]
    assert (opts.mode, opts.filters, opts.template) == ("digest", (), None)
    assert await harness.svc.store.alerts(harness.ws(a)) == []
    listing = await s.invoke("feeds list", {}, guild=a, channel=news)  # reading stays open to everyone
    assert "Members" in text_of(listing) and "1 feed(s)" in text_of(listing)


async def test_page_buttons_turn_after_a_restart_in_a_fresh_process(services: Services, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The page state lives in the store: a bot restarted with fresh memory (like another process) turns the page."""
    standin = DiscordStandIn()
    guild = standin.add_guild("Alpha")
    standin.add_guild("Beta")
    await standin.start()
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    services.settings = services.settings.model_copy(update={
        "discord_token": SecretStr(standin.token), "discord_api_base_url": standin.api_url,
        "discord_gateway_url": standin.gateway_url})
    fresh: Services | None = None
    task = asyncio.create_task(start_discord(services, Delivery()))
    try:
        await standin.wait_until(lambda: standin.synced.is_set() and standin.identified.is_set(), 10, "identify")
        await _many_articles(Harness(standin, services, Delivery()), tmp_path, 12)
        user = standin.snowflake()
        msg = await standin.invoke("search", {"query": "gulls"}, guild=guild, user_id=user)
        next_id = buttons(msg)["Next ›"]["custom_id"]
        # Restart: the first bot stops; a second one with its own Services (nothing shared in memory) connects.
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        identified = standin.identify_count
        fresh = await Services.create(services.settings)
        task = asyncio.create_task(start_discord(fresh, Delivery()))
        await standin.wait_until(lambda: standin.identify_count > identified, 10, "the fresh bot to identify")
        press = await standin.send_interaction(standin.component_payload(msg, next_id, guild=guild, user_id=user))
        await standin.wait_until(lambda: press.callbacks, what="the page turn by the fresh bot")
        assert press.callbacks[0]["type"] == 7
        turned = standin.messages[msg["id"]]
        assert "Page 2/3" in text_of(turned) and buttons(turned)["‹ Prev"]["disabled"] is False
        stranger = await standin.send_interaction(standin.component_payload(
            standin.public(turned), buttons(turned)["Next ›"]["custom_id"], guild=guild, user_id=standin.snowflake()))
        await standin.wait_until(lambda: stranger.callbacks, what="the stranger's answer")
        assert "Only the person who ran the command" in stranger.callbacks[0]["data"]["content"]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if fresh is not None:
            await fresh.close()
        await standin.close()


async def test_a_shard_posts_to_a_forum_of_a_server_another_shard_serves(
        services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """With shards split over processes, the channel may be uncached here: it is fetched, and a forum gets posts."""
    standin = DiscordStandIn()
    home = standin.add_guild("Home", forums=("stories",))
    while (int(home["id"]) >> 22) % 2 != 0:  # a server of shard 0, the one this process runs
        home = standin.add_guild("Home", forums=("stories",))
    away = standin.add_guild("Away", forums=("stories",))
    while (int(away["id"]) >> 22) % 2 != 1:  # and one of shard 1, which another process would run
        away = standin.add_guild("Away", forums=("stories",))
    await standin.start()
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    services.settings = services.settings.model_copy(update={
        "discord_token": SecretStr(standin.token), "discord_api_base_url": standin.api_url,
        "discord_gateway_url": standin.gateway_url, "shard_ids": "0", "shard_count": 2})
    delivery = Delivery()
    task = asyncio.create_task(start_discord(services, delivery))
    try:
        await standin.wait_until(lambda: "discord" in delivery._posters and standin.identified.is_set()
                                 or task.done(), 10, "the shard to start")
        forum = standin.channel(away, "stories")
        reply = Reply(title="News digest", items=(Item(title=STORIES[3][0], body=STORIES[3][1]),))
        ids = await delivery.post(f"discord:{away['id']}", forum["id"], reply)
        posts = [t for t in standin.threads.values() if t["parent_id"] == forum["id"]]
        assert len(ids) == 1 and [t["name"] for t in posts] == [STORIES[3][0]]
        assert_clean(standin)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await standin.close()


# ---- delivery a community can trust (issue 28) ---------------------------------------------------------------------

ARCHIVE_2019 = """---
title: Quarry museum opens its doors
published: 2019-06-02
url: https://example.invalid/quarry-museum-2019
---
The quarry museum opened its doors on Sunday with a display of the old stone saws, its curator said.

Curator Wendel Amsel said the saws had waited in a shed for forty years. "Every saw here cut stone for a house in this valley," Amsel said.
"""


async def test_a_2019_article_ingested_today_is_in_no_24h_digest_and_no_live_post(
        harness: Harness, http_server: LocalServer, tmp_path: Path) -> None:
    """An old item in a live feed is not posted and an archive upload stays out of today's digest; /feeds why says why."""
    s, a = harness.s, harness.a
    sched = await _live_bot(harness)
    news = s.channel(a, "news")
    feed = NewsFeed(http_server, "/archive.xml", "Harbour Gazette")
    sid = await _subscribe(harness, feed, news)
    old = feed.add("Harbour tunnel plans unveiled", STORIES[4][1], slug="tunnel-2019",
                   published=datetime(2019, 5, 14, 9, 30, tzinfo=UTC))
    feed.add(*STORIES[0], slug="berth")
    await _round(sched, sid)
    posts = channel_posts(s, news["id"])
    assert [shown(p["embeds"][1]["title"]) for p in posts] == [STORIES[0][0]]

    await harness.add_articles(tmp_path, a, {"archive.md": ARCHIVE_2019})  # a bulk archive load, today
    digest = text_of(await s.invoke("digest", {"since": "24h"}, guild=a, channel=news))
    assert STORIES[0][0] in digest
    assert "Harbour tunnel plans unveiled" not in digest and "Quarry museum" not in digest

    why = await s.invoke("feeds why", {"item": old.link}, guild=a, channel=news, **ADMIN)
    t = text_of(why)
    assert "Too old for this subscription" in t and "published on 2019-05-14 09:30 UTC" in t, t
    assert "before this channel subscribed" in t


async def test_feeds_why_names_the_rule_the_story_and_the_post(harness: Harness, http_server: LocalServer) -> None:
    """/feeds why answers for a filtered, a merged, a folded and a pre-subscription item, and only for admins."""
    s, a = harness.s, harness.a
    sched = await _live_bot(harness)
    news = s.channel(a, "news")
    gazette, post = NewsFeed(http_server, "/why-gazette.xml", "Harbour Gazette"), NewsFeed(
        http_server, "/why-post.xml", "Valley Post")
    gazette.add(*STORIES[7], slug="weir")  # in the feed before the channel subscribed
    t = text_of(await s.invoke("feeds add", {"url": gazette.url, "mode": "live", "exclude": "sponsored"}, guild=a,
                               channel=news, **ADMIN))
    assert "Filter #1: exclude any word “sponsored”" in t and "posted here as they arrive" in t
    assert "digests" not in t  # a live feed's answer never says its items go to digests
    ids = [(await harness.svc.store.source("feed", gazette.url)).id, await _subscribe(harness, post, news)]
    ad = gazette.add("Sponsored: the best kayaks of the season", "A paid guide to this season's touring kayaks, "
                     "with prices from six shops along the coast.", slug="ad")
    for i in range(6):
        gazette.add(*STORIES[i], slug=f"g{i}")
    await _round(sched, *ids)
    posts = channel_posts(s, news["id"])
    assert len(posts) == 5 and posts[4]["embeds"][0]["title"] == "2 more stories"
    folded = [e["url"] for e in posts[4]["embeds"][1:]]  # the fold lists each story with its link
    puffin_count = post.add(*PUFFINS_REWORDED, slug="puffin-count")  # a story the channel already got
    await _round(sched, *ids)
    assert len(channel_posts(s, news["id"])) == 5

    async def why(item: str) -> str:
        return text_of(await s.invoke("feeds why", {"item": item}, guild=a, channel=news, **ADMIN))

    t = await why(ad.link)
    assert "Held back by a filter" in t and "filter #1 (exclude any word “sponsored”) matched" in t, t
    t = await why(puffin_count.link)
    assert "Merged into another story" in t and f"the same story as “{STORIES[2][0]}”" in t, t
    t = await why(folded[0])
    assert "Folded into one post with others" in t and "“2 more stories” post" in t, t
    t = await why("weir salmon")  # words of the title find it too
    assert "Not posted: already in the feed" in t and "when this channel subscribed" in t, t
    t = await why("https://news.example/why-gazette.xml/g0")
    assert "Posted" in t and "posted here on" in t, t
    refused = await s.invoke("feeds why", {"item": ad.link}, guild=a, channel=news)
    assert refused["flags"] & EPHEMERAL and "admins only" in shown(refused["content"])


async def test_feed_health_clears_after_recovery_and_keeps_the_failure_as_history(
        harness: Harness, http_server: LocalServer) -> None:
    """A 404 then 304s: /feeds list says ok with the 404 as dated history, and the feed keeps its title."""
    s, a = harness.s, harness.a
    sched = await _live_bot(harness)
    news = s.channel(a, "news")
    answers = ["ok"]
    body = NewsFeed(http_server, "/unused.xml", "Harbour Gazette")
    body.add(*STORIES[0], slug="berth")

    async def serve(request: web.Request) -> web.Response:
        if answers[0] == "404":
            return web.Response(status=404, text="File not found")
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304)
        return web.Response(body=body.xml(), headers={"Content-Type": "application/rss+xml", "ETag": '"v1"'})

    http_server.route("/health.xml", serve)
    url = http_server.url("/health.xml")
    assert "Subscribed" in text_of(await s.invoke("feeds add", {"url": url}, guild=a, channel=news, **ADMIN))
    sid = (await harness.svc.store.source("feed", url)).id
    answers[0] = "404"
    await _round(sched, sid)
    failing = text_of(await s.invoke("feeds list", {}, guild=a, channel=news))
    assert "error: HTTP 404" in failing
    answers[0] = "ok"
    for _ in range(3):
        await _round(sched, sid)
    listing = await s.invoke("feeds list", {}, guild=a, channel=news)
    entry = listing["embeds"][1]
    assert shown(entry["title"]) == "Harbour Gazette"  # the title survives the 304s
    state = shown(entry["description"])
    assert state.startswith("ok · last fetch")
    assert "error" not in state.split("recovered")[0], state  # the 404 is no longer the feed's state
    assert "recovered; last failure" in state and "HTTP 404" in state.split("recovered")[1], state


async def test_a_backslash_regex_filter_is_kept_as_typed(harness: Harness, http_server: LocalServer) -> None:
    r"""exclude:/\bsponsored\b/ is stored and shown with its backslashes and drops only the whole word."""
    s, a = harness.s, harness.a
    sched = await _live_bot(harness)
    news = s.channel(a, "news")
    feed = NewsFeed(http_server, "/regex.xml", "Beach News")
    sid = await _subscribe(harness, feed, news)
    t = text_of(await s.invoke("feeds filter add", {"url": feed.url, "field": "title",
                                                    "exclude": r"/\bsponsored\b/"}, guild=a, channel=news, **ADMIN))
    assert r"exclude title regex /\bsponsored\b/" in t, t
    assert r"/\bsponsored\b/" in text_of(await s.invoke("feeds filter list", {}, guild=a, channel=news))
    feed.add("Sponsored kayaks for the whole family", STORIES[4][1], slug="ad")
    feed.add("Unsponsored volunteers clean the north beach", STORIES[5][1], slug="beach")
    await _round(sched, sid)
    assert [shown(p["embeds"][1]["title"]) for p in channel_posts(s, news["id"])] == [
        "Unsponsored volunteers clean the north beach"]


async def test_a_digest_quote_is_a_discord_block_quote_and_urls_carry_no_invisible_character(
        harness: Harness, tmp_path: Path) -> None:
    """/digest draws the key quote as Discord's own block quote; every URL shown is the URL as typed."""
    s, a = harness.s, harness.a
    news = s.channel(a, "news")
    report = ("---\ntitle: Ferry timetable published for the spring\npublished: {when}\n"
              "url: https://example.invalid/ferry_timetable?year=2026\n---\n"
              "The harbour board published the spring ferry timetable on Monday at "
              "https://harbour.example/timetable_spring.pdf for every crossing.\n\n"
              "Harbour master Talia Brennick said the early boat returns in March. \"Commuters asked for the early "
              "boat back and the crews agreed to start at six,\" Brennick said.\n")
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    await harness.add_articles(tmp_path, a, {"timetable.md": report.format(when=hour_ago.date().isoformat())},
                               published=hour_ago)
    feed_url = "https://feeds.example/harbour_news/rss.xml"
    msg = await s.invoke("digest", {"since": "24h"}, guild=a, channel=news)
    story = msg["embeds"][1]
    quoted = block_quotes(story["description"])
    assert quoted and quoted[0].startswith("“Commuters asked for the early boat back") and \
        quoted[-1] == "— Talia Brennick", story["description"]
    assert "\\>" not in story["description"]  # the bot's own quote is not escaped as feed text would be
    raw = [story["description"], story.get("url") or ""] + [f["value"] for f in story.get("fields") or []]
    assert all("\u200b" not in r for r in raw), raw
    assert "https://harbour.example/timetable_spring.pdf" in text_of(msg)  # copyable as shown
    assert made(story["description"]) == [], made(story["description"])  # feed text still makes no link
    # An answer that echoes a URL the user gave shows it exactly as typed, with nothing invisible in it.
    answer = await s.invoke("feeds why", {"item": feed_url}, guild=a, channel=news, **ADMIN)
    assert feed_url in text_of(answer) and "\u200b" not in str(answer["embeds"])


async def test_story_shows_links_quotes_and_events_pages_and_completes(harness: Harness, tmp_path: Path) -> None:
    """/story through the real client: deferred, then embeds with the story's links, its quote carried by three
    outlets and its dated events, paged; its id autocompletes from headlines; another guild sees none of it."""
    from tests.helpers.tram_story import SAID, SPEAKER, add_tram_story

    s, a = harness.s, harness.a
    sid, _, _ = await add_tram_story(harness.svc, harness.ws(a), tmp_path)
    choices = await s.autocomplete("story", {"story": "brackm"}, "story", guild=a)
    assert choices[0] == {"name": f"#{sid} Brackmoor tram line opens to passengers", "value": f"#{sid}"}
    assert await s.autocomplete("story", {"story": "brackm"}, "story", guild=harness.b) == []
    user = s.snowflake()
    rec = await s.send_interaction(s.command_payload("story", {"story": choices[0]["value"]}, guild=a, user_id=user))
    msg = await s.answer(rec)
    assert rec.callbacks[0]["type"] == 5  # deferred first: a story reads several articles
    t = text_of(msg)
    assert msg["embeds"][0]["title"] == "Brackmoor tram line opens to passengers"
    assert f"Story #{sid} · 3 articles from 3 outlets" in t
    for url in ("https://harbourline.example/brackmoor-tram", "https://northpost.example/trams-brackmoor",
                "https://valleyherald.example/brackmoor-tram-crowds"):
        assert url in t
    assert f"— {SPEAKER}" in t and "reported by 3 outlets" in t
    assert SAID in t
    assert "Page 1/2" in t
    press = await s.send_interaction(s.component_payload(s.public(msg), buttons(msg)["Next ›"]["custom_id"],
                                                         guild=a, user_id=user))
    await s.wait_until(lambda: press.callbacks, what="the page turn")
    assert "2036" in text_of(s.messages[msg["id"]])  # the last dated event, on page 2

    unknown = text_of(await s.invoke("story", {"story": "#987654"}, guild=a))
    assert "No story #987654 in your workspace" in unknown
    assert "No story #" in text_of(await s.invoke("story", {"story": f"#{sid}"}, guild=harness.b))
    t = text_of(await s.invoke("timeline", {"story": f"#{sid}"}, guild=a))
    assert f"Timeline: story #{sid}" in t and "2030-05-04" in t
    t = text_of(await s.invoke("quotes", {"story": f"#{sid}"}, guild=a))
    assert f"Quotes of story #{sid}" in t and "reported by 3 outlets" in t
    t = text_of(await s.invoke("search", {"query": "Quillan"}, guild=a))
    assert f"3 articles from 3 outlets · /story #{sid}" in t
    rec = await s.send_interaction(s.command_payload("story", {"story": "tram " * 120}, guild=a))
    bad = await s.answer(rec)
    assert bad["flags"] & EPHEMERAL and "story is too long" in bad["content"]
