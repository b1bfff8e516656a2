"""The real slack_bolt app over HTTP on loopback, against a stand-in Slack Web API; signed requests only."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape as xml_escape

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from bot.commands import REGISTRY, Command, Invocation, Item, Reply, load
from bot.config import Settings
from bot.delivery import Delivery, DeliveryError
from bot.services import Services
from bot.slack import SlackHttpServer, build_app, start_slack
from bot.slack.listeners.commands import slack_command_names
from bot.slack.render import escape
from bot.slack.upload import IMAGE_FOLLOWS, IMAGE_FOLLOWS_THREAD
from digests.ingest import document_from_text
from tests.conftest import seed_gold_speaker, shared_eval
from tests.e2e.slack_standin import TEAM_ID, Call, SlackStandIn, block_quotes, limit, mrkdwn_objects
from tests.e2e.slack_standin import made as slack_made
from tests.e2e.slack_standin import shown as slack_shown
from tests.helpers.http import LocalServer
from tests.helpers.newsfeed import HOSTILE, PUFFINS_REWORDED, STORIES, TEMPLATED, NewsFeed
from tests.helpers.stories import FIRE_B, event_articles

SECRET = "e2e-signing-secret"
TOKEN = "xoxb-e2e-token"
WORKSPACE = f"slack:{TEAM_ID}"
CHANNEL = "C0NEWS"
ROOT = Path(__file__).resolve().parents[2]

# Invented articles, written for these tests.
LANTERN = """---
title: Lantern festival returns to the Ostrava riverfront
published: {date}
url: https://news.example.test/lantern-festival
---
The lantern festival returned to the riverfront on Saturday after a two-year pause, organizers said.

Festival director Halina Brosk said the event drew more visitors than expected. "We ran out of paper lanterns before sunset, which is the best problem a festival can have," Brosk said.

The city council will decide on March 12, 2024 whether to fund a second evening next year.
"""

TUNNEL = """---
title: Kestrel harbour tunnel nears its opening
published: {date}
url: https://news.example.test/kestrel-tunnel
---
Work on the Kestrel harbour tunnel began on May 4, 2021, when the first boring machine was lowered into the shaft.

Crews broke through the last rock wall of the tunnel on September 18, 2023, two months behind schedule, the city's transport office said.

The tunnel will open to traffic on June 1, 2025, according to the transport office.
"""

PNG_MAGIC = b"\x89PNG"

# (town, what changed, who, their words): distinct enough that the store does not merge them as near-duplicates.
FERRY_FACTS = [
    ("Aldmoor", "adds a night crossing", "Port manager Tomas Keller",
     "Night-shift workers asked for this crossing for years"),
    ("Brennick", "raises fares by ten cents", "Treasurer Olga Madsen", "Fuel costs left us no other choice"),
    ("Carrow Bay", "gets an electric boat", "Engineer Femi Adeyemi", "The batteries charge while passengers board"),
    ("Dunlow", "cancels winter service", "Councillor Ines Varga", "Ice on the north pier made landings unsafe"),
    ("Eastwick", "opens a bike deck", "Cycling officer Ruth Ambler", "Commuters can now roll straight on"),
    ("Farrow Isle", "hires twelve new deckhands", "Union steward Marco Pellegrini",
     "Crews had been working double shifts since spring"),
    ("Glenhaven", "restores the old timetable", "Mayor Sunniva Dahl", "Residents told us the new schedule split families"),
]


def ferry_article(i: int) -> str:
    """Return invented article number ``i`` (1-based) about a ferry line."""
    town, change, who, words = FERRY_FACTS[i - 1]
    surname = who.rsplit(" ", 1)[-1]
    return (f"---\ntitle: {town} ferry {change}\npublished: {{date}}\n"
            f"url: https://news.example.test/ferry-{i}\n---\n"
            f"The {town} ferry {change}, the operator announced in a statement on its website.\n\n"
            f"{who} explained the decision at a public meeting in the {town} library. "
            f"\"{words}, and we listened,\" {surname} said.\n\n"
            f"Passenger numbers on the {town} route reached {1200 + 317 * i} last quarter, according to figures "
            f"seen by this newspaper.\n")


BRIDGE_HTML = """<!doctype html><html><head><title>Gull Point footbridge opens to walkers</title></head>
<body><article><h1>Gull Point footbridge opens to walkers</h1>
<p>The new footbridge at Gull Point opened to walkers and cyclists on Monday after eighteen months of building work.</p>
<p>Engineer Priya Santos said the deck was designed to flex in strong winds. "It moves a little so that it never has to break," Santos said.</p>
<p>The council expects around four thousand crossings a day once the summer season begins.</p>
</article></body></html>"""


def _all_text(node: Any) -> str:
    """Return every string under a Block Kit structure, joined (what a reader could see)."""
    if isinstance(node, str):
        return node.replace("\u200b", "")  # invisible: the escape of formatting marks and bare URLs
    if isinstance(node, dict):
        return "\n".join(_all_text(v) for k, v in node.items() if k not in ("value", "action_id", "block_id"))
    if isinstance(node, list):
        return "\n".join(_all_text(v) for v in node)
    return ""


@dataclass
class Harness:
    """The app served on loopback, its stand-in Slack, and a signed-request client."""

    slack: SlackStandIn
    svc: Services
    delivery: Delivery
    server: SlackHttpServer
    http: aiohttp.ClientSession
    names: itertools.count[int]
    allowed_refusals: tuple[str, ...] = ()  # rules a test breaks on purpose (a deleted channel, a missing scope)
    expected_pings: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # message text -> its pings

    async def signed_post(self, body: str, content_type: str, *, secret: str = SECRET,
                          ts: int | None = None) -> tuple[int, str]:
        """POST a body to /slack/events signed like Slack does (its ack timed); return (status, response text)."""
        return await self.slack.send_to_app(self.http, self.server.url, body, content_type, secret=secret, ts=ts)

    async def slash(self, command: str, text: str = "", *, user: str = "U0ADMIN", channel: str = CHANNEL,
                    secret: str = SECRET, ts: int | None = None) -> tuple[int, str, str]:
        """Send a slash command; return (status, ack text, the response_url name)."""
        name = f"r{next(self.names)}"
        form = {"token": "legacy", "team_id": TEAM_ID, "team_domain": "test", "channel_id": channel,
                "channel_name": "news", "user_id": user, "user_name": user.lower(), "command": command,
                "text": text, "api_app_id": "A0APP", "is_enterprise_install": "false",
                "response_url": self.slack.response_url(name), "trigger_id": "1.2.3"}
        status, ack = await self.signed_post(urlencode(form), "application/x-www-form-urlencoded",
                                             secret=secret, ts=ts)
        return status, ack, name

    async def answer(self, command: str, text: str = "", **kw: Any) -> Call:
        """Send a slash command and return what the app posted to its response_url."""
        status, _, name = await self.slash(command, text, **kw)
        assert status == 200
        return (await self.slack.wait_for("respond", name=name))[0]

    async def click(self, blocks: list[dict[str, Any]], action_id: str, *, user: str = "U0PLAIN") -> Call:
        """Press a button of a message the app posted; return the app's response_url post."""
        button = next(e for b in blocks if b["type"] == "actions" for e in b["elements"]
                      if e["action_id"] == action_id)
        name = f"a{next(self.names)}"
        payload = {"type": "block_actions", "api_app_id": "A0APP", "token": "legacy", "trigger_id": "1.2.3",
                   "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
                   "team": {"id": TEAM_ID, "domain": "test"}, "channel": {"id": CHANNEL, "name": "news"},
                   "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": CHANNEL,
                                 "is_ephemeral": False},
                   "response_url": self.slack.response_url(name),
                   "actions": [{"type": "button", "action_id": action_id, "block_id": "newsbot_pager",
                                "value": button["value"], "text": button["text"], "action_ts": "1700000001.0"}]}
        status, _ = await self.signed_post(urlencode({"payload": json.dumps(payload)}),
                                           "application/x-www-form-urlencoded")
        assert status == 200
        return (await self.slack.wait_for("respond", name=name))[0]


async def _add(svc: Services, text: str, *, days_ago: float = 1) -> int:
    when = datetime.now(UTC) - timedelta(days=days_ago)
    doc = document_from_text(text.replace("{date}", when.date().isoformat()))
    out = await svc.ingestor.store_document(doc, workspace=WORKSPACE, via="upload", source="test")
    assert out.article_id is not None
    return out.article_id


async def _bridge(request: web.Request) -> web.Response:
    return web.Response(text=BRIDGE_HTML, content_type="text/html")


@pytest.fixture
async def harness(settings: Settings) -> AsyncIterator[Harness]:
    """Serve the Slack app on 127.0.0.1:0 over a temp database, against a fresh stand-in."""
    load()
    slack = SlackStandIn(token=TOKEN, channels={CHANNEL, "C0OTHER"},
                         users={"U0ADMIN": {"is_admin": True}, "U0OWNER": {"is_owner": True},
                                "U0PLAIN": {"is_admin": False}, "U0GROUP": {"is_admin": False}},
                         usergroups=[{"id": "S0ADMINS", "handle": "newsbot-admins", "name": "Newsbot admins",
                                      "users": ["U0GROUP"]}],
                         extra_routes={"/articles/bridge.html": _bridge})
    await slack.start()
    cfg = settings.model_copy(update={
        "slack_bot_token": SecretStr(TOKEN), "slack_signing_secret": SecretStr(SECRET),
        "slack_api_base_url": slack.api_url, "slack_http_host": "127.0.0.1", "slack_http_port": 0,
        "slack_admin_group": "newsbot-admins"})
    svc = await Services.create(cfg)
    delivery = Delivery()
    server = SlackHttpServer(build_app(svc, delivery), cfg.slack_http_host, cfg.slack_http_port)
    await server.start()
    async with aiohttp.ClientSession() as http:
        harness = Harness(slack, svc, delivery, server, http, itertools.count(1))
        try:
            yield harness
        finally:
            await server.stop()
            await svc.close()
            await slack.stop()
    assert_clean(slack, harness.allowed_refusals, harness.expected_pings)


def assert_clean(slack: SlackStandIn, allowed_refusals: tuple[str, ...] = (),
                 expected_pings: dict[str, dict[str, list[str]]] | None = None) -> None:
    """Fail if Slack would have refused a call, an ack came late, or a message notified anyone (beyond exactly
    what a test expected of that message, by its text)."""
    assert slack.bad_auth == 0, "the app called the Web API without its bot token"
    refused = [(c.method, c.refused, c.args.get("error")) for c in slack.refusals if c.refused not in allowed_refusals]
    assert not refused, f"the real Slack would have refused: {refused}"
    assert not slack.timeouts, f"acks slower than {slack.ack_deadline_s} s: {slack.timeouts}"
    expected = expected_pings or {}
    unexpected = [c for c in slack.pinged() if expected.get(str(c.args.get("text"))) != c.pings]
    assert not unexpected, [(c.method, c.pings) for c in unexpected]


def _assert_header(call: Call, title_part: str) -> None:
    header = call.args["blocks"][0]
    assert header["type"] == "header" and title_part in header["text"]["text"]


@pytest.mark.parametrize(("command", "text", "title", "expected"), [
    ("/who-said", "paper lanterns", "Who said", "Halina Brosk"),
    ("/quotes", "Brosk", "Quotes by Halina Brosk", "We ran out of paper lanterns before sunset"),
    ("/timeline", "festival", "Timeline: festival", "2024-03-12"),
    ("/summary", "lantern festival", "Lantern festival returns", "two-year pause"),
    ("/search", "lantern", "Search: lantern", "Lantern festival returns to the Ostrava riverfront"),
    ("/feeds", "list", "Feeds", "No feeds yet"),
    ("/schedule", "list", "Schedules", "No schedules in this channel"),
    ("/digest-status", "", "Digest status", "No schedules or feed problems"),
])
async def test_each_command_answers_with_its_content(harness: Harness, command: str, text: str, title: str,
                                                     expected: str) -> None:
    await _add(harness.svc, LANTERN)
    call = await harness.answer(command, text, user="U0PLAIN")
    assert call.args["response_type"] == "in_channel"
    _assert_header(call, title)
    assert escape(expected) in _all_text(call.args["blocks"])
    assert call.args["text"], "a fallback text must accompany the blocks"
    # The first request made Bolt identify itself, with the bot token (checked by the stand-in).
    assert harness.slack.of("auth.test")


async def test_mistakes_get_a_private_explanation(harness: Harness) -> None:
    call = await harness.answer("/feeds", "", user="U0PLAIN")
    assert call.args["response_type"] == "ephemeral"
    assert "needs a subcommand" in _all_text(call.args["blocks"])


async def test_digest_command_lists_the_new_story(harness: Harness) -> None:
    await _add(harness.svc, LANTERN)
    # The store keeps whole seconds and the window's end is exclusive, so let a second pass.
    await asyncio.sleep(1.05)
    status, ack, name = await harness.slash("/digest", "since:7d", user="U0PLAIN")
    assert status == 200 and "Working on /digest" in ack  # slow commands say so in the ack
    call = (await harness.slack.wait_for("respond", name=name))[0]
    _assert_header(call, "News digest")
    assert "Lantern festival returns to the Ostrava riverfront" in _all_text(call.args["blocks"])


async def test_ingest_command_adds_an_article_by_url(harness: Harness) -> None:
    call = await harness.answer("/ingest", f"<{harness.slack.url}/articles/bridge.html>", user="U0PLAIN")
    assert "added: Gull Point footbridge opens to walkers" in _all_text(call.args["blocks"])
    assert await harness.svc.store.count_articles(WORKSPACE) == 1


async def test_who_said_on_the_seed_names_the_gold_speaker(harness: Harness) -> None:
    """/who-said international pariah names the speaker the seed's gold file gives that quote, not the store's."""
    speaker = seed_gold_speaker("international pariah")
    seed = shared_eval("seed", "article.txt")
    out = await harness.svc.ingestor.ingest_path(seed, workspace=WORKSPACE)
    assert out.status == "added"
    call = await harness.answer("/who-said", "international pariah", user="U0PLAIN")
    sections = [b["text"]["text"] for b in call.args["blocks"] if b["type"] == "section"]
    assert sections[0].startswith(escape(speaker))  # the lead names the top match's speaker
    assert "international pariah" in sections[1] and f"— {escape(speaker)}" in sections[1]


@pytest.mark.parametrize("tamper", ["wrong_secret", "stale_timestamp"])
async def test_unsigned_or_stale_requests_are_refused(harness: Harness, tamper: str) -> None:
    kw: dict[str, Any] = ({"secret": "not-the-secret"} if tamper == "wrong_secret"
                          else {"ts": int(time.time()) - 10 * 60})
    status, _, name = await harness.slash("/feeds", "add https://feeds.example.test/rss.xml", **kw)
    assert status == 401
    await asyncio.sleep(0.3)
    assert not harness.slack.of("respond", name=name)
    assert await harness.svc.store.subscriptions(WORKSPACE, CHANNEL) == []
    assert not harness.slack.of("users.info")


async def test_page_buttons_show_other_pages(harness: Harness) -> None:
    for n in range(1, 8):
        await _add(harness.svc, ferry_article(n), days_ago=n)
    first = await harness.answer("/search", "ferry sort:newest", user="U0PLAIN")
    shown = _all_text(first.args["blocks"])
    assert "Page 1 of 2" in shown and "Aldmoor ferry" in shown and "Farrow Isle ferry" not in shown
    assert not any(e["action_id"] == "newsbot_page_prev" for b in first.args["blocks"] if b["type"] == "actions"
                   for e in b["elements"])
    second = await harness.click(first.args["blocks"], "newsbot_page_next")
    assert second.args["replace_original"] is True
    shown = _all_text(second.args["blocks"])
    assert "Page 2 of 2" in shown and "Farrow Isle ferry" in shown and "Glenhaven ferry" in shown
    assert "Aldmoor ferry" not in shown
    back = await harness.click(second.args["blocks"], "newsbot_page_prev")
    assert "Page 1 of 2" in _all_text(back.args["blocks"])


async def test_scheduled_post_reaches_chat_post_message(harness: Harness) -> None:
    stories = tuple(Item(title=f"{town} ferry {change}", body=f"{who} said: {words}.",
                         url=f"https://news.example.test/ferry-{i}", footer="1 source(s)")
                    for i, (town, change, who, words) in enumerate(FERRY_FACTS * 2, 1))
    reply = Reply(title="News digest", text=f"{len(stories)} stories", items=stories, page_size=5)
    assert reply.pages == 3
    harness.slack.rate_limit_next = 1  # the first attempt is rate-limited; the poster must wait and retry
    harness.allowed_refusals = ("api.ratelimit",)
    ids = await harness.delivery.post(WORKSPACE, CHANNEL, reply)
    posts = [c for c in harness.slack.calls if c.method == "chat.postMessage" and c.args.get("channel") == CHANNEL]
    assert len(ids) == reply.pages and len(posts) == reply.pages + 1
    assert all(p.authorization == f"Bearer {TOKEN}" for p in posts)
    delivered = posts[1:]  # the first attempt was the rate-limited one
    assert "News digest" in delivered[0].args["text"] and delivered[0].args["blocks"][0]["type"] == "header"
    assert all(p.args.get("thread_ts") == ids[0] for p in delivered[1:]), "later pages go in the digest's thread"
    assert all(len(p.args["blocks"]) <= 50 for p in delivered)
    assert not any(b["type"] == "actions" for p in delivered for b in p.args["blocks"])


async def test_failed_post_raises_delivery_error_with_reason(harness: Harness) -> None:
    reply = Reply(title="News digest", text="Nothing new")
    harness.allowed_refusals = ("post.channel",)  # on purpose, below
    with pytest.raises(DeliveryError, match="C0GONE was not found"):
        await harness.delivery.post(WORKSPACE, "C0GONE", reply)
    with pytest.raises(DeliveryError, match="another workspace"):
        await harness.delivery.post("slack:T0ELSEWHERE", CHANNEL, reply)


async def test_non_admin_is_refused_feeds_add(harness: Harness) -> None:
    call = await harness.answer("/feeds", "add https://feeds.example.test/rss.xml", user="U0PLAIN")
    assert call.args["response_type"] == "ephemeral"
    assert "admins only" in _all_text(call.args["blocks"])
    assert await harness.svc.store.subscriptions(WORKSPACE, CHANNEL) == []
    assert harness.slack.of("users.info", user="U0PLAIN")


@pytest.mark.parametrize("user", ["U0ADMIN", "U0OWNER", "U0GROUP"])
async def test_admins_and_admin_group_may_add_feeds(harness: Harness, user: str) -> None:
    call = await harness.answer("/feeds", "add https://feeds.example.test/rss.xml", user=user)
    assert "Subscribed to https://feeds.example.test/rss.xml" in _all_text(call.args["blocks"])
    subs = await harness.svc.store.subscriptions(WORKSPACE, CHANNEL)
    assert [s.source.url for s in subs] == ["https://feeds.example.test/rss.xml"]


async def test_mention_runs_a_command_in_a_thread(harness: Harness) -> None:
    await _add(harness.svc, LANTERN)
    event = {"token": "legacy", "team_id": TEAM_ID, "api_app_id": "A0APP", "type": "event_callback",
             "event_id": "Ev0001", "event_time": int(time.time()),
             "event": {"type": "app_mention", "user": "U0PLAIN", "text": "<@U0BOT> /search lantern",
                       "ts": "1700000100.000200", "channel": CHANNEL, "event_ts": "1700000100.000200"}}
    harness.slack.add_message(CHANNEL, "1700000100.000200")  # the user's mention, which the reply threads under
    status, _ = await harness.signed_post(json.dumps(event), "application/json")
    assert status == 200
    post = (await harness.slack.wait_for("chat.postMessage", channel=CHANNEL))[0]
    assert post.args["thread_ts"] == "1700000100.000200"
    assert "Lantern festival returns" in _all_text(post.args["blocks"])


async def test_start_slack_serves_until_cancelled(harness: Harness) -> None:
    # The same configuration as the harness, but run the way `newsbot run` does: start_slack as a task.
    delivery = Delivery()
    ready: asyncio.Queue[SlackHttpServer] = asyncio.Queue()
    task = asyncio.create_task(start_slack(harness.svc, delivery, on_ready=ready.put_nowait))
    try:
        server = await asyncio.wait_for(ready.get(), 5)
        assert server.port not in (0, harness.server.port)
        own = Harness(harness.slack, harness.svc, delivery, server, harness.http, harness.names)
        call = await own.answer("/feeds", "list", user="U0PLAIN")
        assert "No feeds yet" in _all_text(call.args["blocks"])
        await delivery.post(WORKSPACE, CHANNEL, Reply(title="News digest", text="Nothing new"))
        assert harness.slack.of("chat.postMessage", channel=CHANNEL)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    with pytest.raises(aiohttp.ClientConnectionError):
        await own.slash("/feeds", "list")


async def test_timeline_image_is_uploaded_to_the_channel_after_the_answer(harness: Harness) -> None:
    await _add(harness.svc, TUNNEL)
    status, ack, name = await harness.slash("/timeline", "tunnel image:true", user="U0PLAIN")
    assert status == 200 and "Working on /timeline" in ack
    answer = (await harness.slack.wait_for("respond", name=name))[0]
    assert answer.args["response_type"] == "in_channel"
    shown = _all_text(answer.args["blocks"])
    assert "2023-09-18" in shown and IMAGE_FOLLOWS in shown
    upload = await harness.slack.wait_for_upload(channel=CHANNEL)
    assert upload.data is not None and upload.data.startswith(PNG_MAGIC)
    assert upload.length == len(upload.data) and upload.filename == "timeline.png"
    assert upload.title == "Timeline: tunnel" and upload.thread_ts is None
    steps = [c for c in harness.slack.calls if c.method in ("respond", "files.getUploadURLExternal", "upload",
                                                            "files.completeUploadExternal")]
    assert [c.method for c in steps] == ["respond", "files.getUploadURLExternal", "upload",
                                         "files.completeUploadExternal"], "the picture follows the text answer"
    assert steps[-1].args["channel_id"] == CHANNEL
    assert steps[-1].args["files"] == [{"id": upload.file_id, "title": "Timeline: tunnel"}]
    assert all(c.authorization == f"Bearer {TOKEN}" for c in steps[1::2])
    # The upload URL is the stand-in's own; like files.slack.com it needs no token.
    assert steps[2].args == {"file_id": upload.file_id, "size": len(upload.data)}
    assert len(harness.slack.of("respond", name=name)) == 1, "a delivered picture needs no extra note"


async def test_timeline_image_without_files_write_leaves_the_text_and_a_note(
        harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    harness.slack.files_write = False
    harness.allowed_refusals = ("files.scope",)
    await _add(harness.svc, TUNNEL)
    _, _, name = await harness.slash("/timeline", "tunnel image:true", user="U0PLAIN")
    answer, note = await harness.slack.wait_for("respond", count=2, name=name)
    assert answer.args["response_type"] == "in_channel" and "2023-09-18" in _all_text(answer.args["blocks"])
    assert note.args["response_type"] == "ephemeral" and note.args["replace_original"] is False
    assert "files:write" in note.args["text"] and "could not be posted" in note.args["text"]
    assert not harness.slack.completed_uploads() and not harness.slack.of("upload")
    assert any("upload of timeline.png" in r.getMessage() and "files:write" in r.getMessage()
               for r in caplog.records if r.name == "newsbot.slack")


async def test_mention_uploads_the_timeline_image_in_its_thread(harness: Harness) -> None:
    await _add(harness.svc, TUNNEL)
    event = {"token": "legacy", "team_id": TEAM_ID, "api_app_id": "A0APP", "type": "event_callback",
             "event_id": "Ev0002", "event_time": int(time.time()),
             "event": {"type": "app_mention", "user": "U0PLAIN", "text": "<@U0BOT> /timeline tunnel image:true",
                       "ts": "1700000200.000300", "channel": CHANNEL, "event_ts": "1700000200.000300"}}
    harness.slack.add_message(CHANNEL, "1700000200.000300")
    status, _ = await harness.signed_post(json.dumps(event), "application/json")
    assert status == 200
    upload = await harness.slack.wait_for_upload(channel=CHANNEL)
    assert upload.thread_ts == "1700000200.000300"
    assert upload.data is not None and upload.data.startswith(PNG_MAGIC)
    post = harness.slack.of("chat.postMessage", channel=CHANNEL)[0]
    assert IMAGE_FOLLOWS_THREAD in _all_text(post.args["blocks"])


async def test_timeline_without_image_uploads_nothing(harness: Harness) -> None:
    await _add(harness.svc, TUNNEL)
    call = await harness.answer("/timeline", "tunnel", user="U0PLAIN")
    assert "2023-09-18" in _all_text(call.args["blocks"]) and "picture" not in _all_text(call.args["blocks"])
    await asyncio.sleep(0.2)
    assert not harness.slack.of("files.getUploadURLExternal")


def test_manifest_declares_every_slack_command() -> None:
    load()
    manifest = json.loads((ROOT / "manifest.json").read_text())
    declared = sorted(c["command"].lstrip("/") for c in manifest["features"]["slash_commands"])
    assert declared == slack_command_names()
    assert {"commands", "chat:write", "users:read", "usergroups:read", "files:write"} <= set(
        manifest["oauth_config"]["scopes"]["bot"])


async def test_a_scheduled_digest_reaches_chat_post_message_in_its_channel(harness: Harness, tmp_path: Path) -> None:
    """The real scheduler runs a team's schedule and the digest is posted with chat.postMessage, once."""
    from datetime import UTC, datetime, timedelta

    from bot.scheduler import BotScheduler

    path = tmp_path / "lock.txt"
    path.write_text("Canal lock reopens after repairs\n\nThe Esk canal lock reopened on Monday after a month of "
                    'repairs. "Boats can pass again from tomorrow morning, and the towpath is open too," said lock '
                    "keeper Mina Sallow.\n", encoding="utf-8")
    out = await harness.svc.ingestor.ingest_path(path, workspace=WORKSPACE)
    assert out.status == "added"
    sched = await harness.svc.store.add_schedule(WORKSPACE, CHANNEL, "daily 08:00", "0 8 * * *", "UTC")
    scheduler = BotScheduler(harness.svc, harness.delivery, poll_feeds=False)
    fire = datetime.now(UTC) + timedelta(minutes=1)
    first = await scheduler.run_schedule(sched.id, fire_time=fire)
    again = await scheduler.run_schedule(sched.id, fire_time=fire)
    assert first.status == "posted" and again.status != "posted"
    posts = harness.slack.of("chat.postMessage", channel=CHANNEL)
    assert len(posts) == len(first.message_ids) >= 1
    assert "Canal lock reopens after repairs" in json.dumps(posts[0].args["blocks"])


async def test_markup_in_stored_text_is_escaped_and_pings_nobody(harness: Harness) -> None:
    """Titles and quotes carrying Slack markup (a feed's "<!channel>", a "<@U…>") are shown as text, never parsed."""
    await _add(harness.svc, LANTERN.replace("Lantern festival returns to the Ostrava riverfront",
                                            "Lantern <!channel> festival & <@U0ADMIN> returns"))
    call = await harness.answer("/search", "lantern", user="U0PLAIN")
    shown = _all_text(call.args["blocks"])
    assert "&lt;!channel&gt;" in shown and "&amp;" in shown and "<!channel>" not in shown
    assert not harness.slack.pinged()
    stories = tuple(Item(title=f"Story {i}", body="A sentence.") for i in range(12))
    reply = Reply(title="Latest from <!here> & <!subteam^S0ADMINS> news", text="12 stories", items=stories,
                  page_size=5)
    ids = await harness.delivery.post(WORKSPACE, CHANNEL, reply)
    assert len(ids) == 3
    later = harness.slack.of("chat.postMessage", channel=CHANNEL)[1]
    assert later.args["text"].startswith("Latest from &lt;!here&gt; &amp; &lt;!subteam^S0ADMINS&gt;")
    assert not harness.slack.pinged()


def test_the_ack_deadline_is_slacks() -> None:
    """Every signed request in these tests is timed against Slack's 3 s ack deadline (see assert_clean)."""
    assert SlackStandIn(token=TOKEN).ack_deadline_s == limit("ack.deadline_s") == 3.0


async def test_a_slow_command_is_acknowledged_before_the_deadline(harness: Harness,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A query slower than the deadline still gets its ack in time; the answer follows through response_url.

    The timeline is scaled down by half (deadline 1.5 s, query 1.75 s) instead of sleeping 3.5 s."""
    from dataclasses import replace

    cmd = REGISTRY["search"]

    async def slow(svc: Services, inv: Invocation, args: dict[str, Any]) -> Reply:
        await asyncio.sleep(3.5 * 0.5)
        return await cmd.handler(svc, inv, args)

    slowed: Command = replace(cmd, handler=slow)
    monkeypatch.setitem(REGISTRY, "search", slowed)
    harness.slack.ack_deadline_s = limit("ack.deadline_s") * 0.5
    await _add(harness.svc, LANTERN)
    call = await harness.answer("/search", "lantern", user="U0PLAIN")
    assert "Lantern festival returns" in _all_text(call.args["blocks"])
    assert not harness.slack.timeouts


def _mrkdwn(blocks: list[dict[str, Any]]) -> list[str]:
    """Return the mrkdwn texts of a message's blocks (the only texts Slack parses)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
                out.append(node["text"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(blocks)
    return out


_MARKUP = re.compile(r"<([^>|]*)(?:\|[^>]*)?>")


async def test_feed_text_is_shown_as_text_with_no_mention_link_or_formatting(
        harness: Harness, http_server: LocalServer) -> None:
    """A feed item whose title and summary hold chat syntax is posted showing those characters, making nothing."""
    from bot.scheduler import BotScheduler

    harness.svc.scheduler = BotScheduler(harness.svc, harness.delivery, poll_feeds=False)
    feed = NewsFeed(http_server, "/hostile.xml")
    item = feed.add(f"Council vote {HOSTILE}",
                    f"The council voted on the harbour plan {HOSTILE} late on Tuesday evening. "
                    f"Members said the plan {HOSTILE} would be published in full next week.", slug="vote")
    feed.raw_description[item.guid] = (
        "&lt;p&gt;" + xml_escape(xml_escape(item.text)) + "&lt;/p&gt;&amp;lt;![CDATA[]]&amp;gt;")
    call = await harness.answer("/feeds", f"add {feed.url} backfill:1")
    assert "Posted the 1 newest" in _all_text(call.args["blocks"])
    posts = harness.slack.of("chat.postMessage", channel=CHANNEL)
    assert len(posts) == 1
    # Each mrkdwn object with its verbatim flag (Slack links no bare URL in a verbatim one), and the notification.
    texts = mrkdwn_objects(posts[0].args["blocks"]) + [(posts[0].args["text"], False)]
    shown_all = "\n".join(slack_shown(t) for t, _ in texts)
    assert f"Council vote {HOSTILE}" in shown_all and f"harbour plan {HOSTILE}" in shown_all
    assert "CDATA" not in shown_all
    for t, verbatim in texts:
        # The only markup is the bot's own link from the headline to the item; nothing the feed wrote.
        assert {m.group(1) for m in _MARKUP.finditer(t)} <= {item.link}, t
        # Bold stays possible: the bot wraps the headline in *…* itself; the feed's ** pair must not be one.
        kinds = set(slack_made(_MARKUP.sub("", t), verbatim=verbatim))
        assert not kinds & {"link", "code", "strike", "italic"}, (kinds, t)
        assert "**bold**" not in t and "*bold*" not in t


# ---- subscriptions: live posts, filters, alerts, threads, previews ------------------------------------------------


def _live_bot(harness: Harness) -> Any:
    from bot.scheduler import BotScheduler

    sched = BotScheduler(harness.svc, harness.delivery, poll_feeds=False)
    harness.svc.scheduler = sched
    return sched


async def _subscribe(harness: Harness, feed: NewsFeed, mode: str = "live") -> int:
    call = await harness.answer("/feeds", f"add {feed.url} mode:{mode}")
    assert "Subscribed" in _all_text(call.args["blocks"]), _all_text(call.args["blocks"])
    return (await harness.svc.store.source("feed", feed.url)).id


async def _round(sched: Any, *source_ids: int) -> None:
    for sid in source_ids:
        await sched.poll_source(sid)
    await sched.flush_live()


def _posts(harness: Harness) -> list[Call]:
    return harness.slack.of("chat.postMessage", channel=CHANNEL)


async def test_live_posts_each_new_story_once_and_a_shared_story_once_with_both_sources(
        harness: Harness, http_server: LocalServer) -> None:
    """Baseline items stay silent; each new story is posted once; one story told by two feeds (two articles) is
    one post with both sources."""
    sched = _live_bot(harness)
    gazette, post = NewsFeed(http_server, "/gazette.xml", "Harbour Gazette"), NewsFeed(http_server, "/post.xml",
                                                                                        "Valley Post")
    gazette.add(*STORIES[0], slug="old")
    ids = [await _subscribe(harness, gazette), await _subscribe(harness, post)]
    await _round(sched, *ids)
    assert _posts(harness) == []
    gazette.add(*STORIES[2], slug="puffins")
    post.add(*PUFFINS_REWORDED, slug="puffin-count")  # another outlet's words: its own article, the same story
    post.add(*STORIES[3], slug="library")
    await _round(sched, *ids)
    await _round(sched, *ids)
    posts = _posts(harness)
    assert len(posts) == 2, [_all_text(c.args["blocks"])[:200] for c in posts]
    shared = next(c for c in posts if "puffin" in _all_text(c.args["blocks"]).lower())
    text = _all_text(shared.args["blocks"])
    assert "<https://news.example/gazette.xml/puffins|Harbour Gazette>" in text
    assert "<https://news.example/post.xml/puffin-count|Valley Post>" in text


async def test_later_news_of_a_live_story_is_an_update_in_its_thread(harness: Harness,
                                                                    http_server: LocalServer) -> None:
    """A story posted live, then another article of it with news: the update is a reply in the first post's thread."""
    sched = _live_bot(harness)
    feed = NewsFeed(http_server, "/fires.xml", "Valley News")
    feed.add(*STORIES[0], slug="old")
    sid = await _subscribe(harness, feed)
    await _round(sched, sid)
    first, _, _, news = event_articles(FIRE_B, 4)
    feed.add(first.title, first.text, slug="fire")
    await _round(sched, sid)
    feed.add(news.title, news.text, slug="fire-news")
    await _round(sched, sid)
    posts = _posts(harness)
    assert len(posts) == 2, [_all_text(c.args["blocks"])[:200] for c in posts]
    assert posts[0].args.get("thread_ts") is None and posts[0].error is None
    assert posts[1].error is None and posts[1].args["thread_ts"] in harness.slack._posted[CHANNEL]
    assert f"Update: {news.title}" in _all_text(posts[1].args["blocks"])


async def test_filters_include_and_exclude_as_set(harness: Harness, http_server: LocalServer) -> None:
    """An exclude phrase drops a story; an include word lets only matching stories through."""
    sched = _live_bot(harness)
    feed = NewsFeed(http_server, "/filtered.xml", "Filtered")
    sid = await _subscribe(harness, feed)
    call = await harness.answer("/feeds", f'filter add {feed.url} field:title exclude:"best kayaks"')
    assert "Filter #1" in _all_text(call.args["blocks"])
    # Both quoted people match the include; the kayak story is still dropped by the exclude. (Two stories, two
    # people: one person quoted in both would make them one story to the assigner of so small a store.)
    call = await harness.answer("/feeds", f"filter add {feed.url} field:speaker include:/Holt|Vance/")
    assert "Filter #2" in _all_text(call.args["blocks"])
    call = await harness.answer("/feeds", f"filter add {feed.url} include:(?<=x)y regex:true")
    assert call.args["response_type"] == "ephemeral" and "does not compile" in _all_text(call.args["blocks"])
    feed.add("The best kayaks of the season", "A paddling shop lent out sea kayaks for a weekend of tests. "
             '"The lighter boats turned faster in the swell," said tester Edda Vance.', slug="ad")
    feed.add(*STORIES[5], slug="bread")
    feed.add(*STORIES[4], slug="road")
    await _round(sched, sid)
    posts = _posts(harness)
    assert len(posts) == 1 and STORIES[5][0] in _all_text(posts[0].args["blocks"])


async def test_an_alert_mentions_only_its_user_group_even_when_the_story_says_here(
        harness: Harness, http_server: LocalServer) -> None:
    """A new story matching an alert is posted mentioning exactly the alert's user group, whatever it says."""
    sched = _live_bot(harness)
    feed = NewsFeed(http_server, "/alert.xml", "Harbour Gazette")
    sid = await _subscribe(harness, feed, mode="digest")
    # Slack sends a typed @group in an escaping command as <!subteam^ID|@handle>.
    call = await harness.answer("/alerts", "add keyword:ferry role:<!subteam^S0ADMINS|@newsbot-admins>")
    assert "Alert #1" in _all_text(call.args["blocks"])
    call = await harness.answer("/alerts", "add keyword:ferry role:<!here>")
    assert call.args["response_type"] == "ephemeral"
    feed.add(f"{STORIES[0][0]} <!here> <!channel> @everyone", STORIES[0][1] + " <!everyone>", slug="berth")
    feed.add(*STORIES[1], slug="orchestra")
    await _round(sched, sid)
    posts = _posts(harness)
    assert len(posts) == 1
    want = {"broadcast": [], "subteams": ["S0ADMINS"], "users": []}
    assert posts[0].pings == want, posts[0].pings
    assert posts[0].args["text"].startswith("<!subteam^S0ADMINS> ")
    harness.expected_pings[posts[0].args["text"]] = want


async def test_a_scheduled_digest_posts_its_stories_as_thread_replies(harness: Harness) -> None:
    """layout:thread posts the headline in the channel and each story as a reply in its thread."""
    from datetime import UTC, datetime, timedelta

    sched = _live_bot(harness)
    call = await harness.answer("/schedule", "set daily 08:00 layout:thread")
    assert "Schedule #" in _all_text(call.args["blocks"])
    for title, text in STORIES[:3]:
        await _add(harness.svc, f"{title}\n\n{text}\n")
    row = (await harness.svc.store.schedules(WORKSPACE, CHANNEL))[0]
    result = await sched.run_schedule(row.id, fire_time=datetime.now(UTC) + timedelta(minutes=1))
    assert result.status == "posted"
    posts = _posts(harness)
    head, replies = posts[0], posts[1:]
    assert "thread_ts" not in head.args or head.args["thread_ts"] is None
    assert len(replies) == 3 and all(r.args["thread_ts"] == result.message_ids[0] for r in replies)
    assert all(any(t in _all_text(r.args["blocks"]) for r in replies) for t, _ in STORIES[:3])
    assert not any(t in _all_text(head.args["blocks"]) for t, _ in STORIES[:3])


async def test_feeds_test_previews_and_stores_nothing(harness: Harness, http_server: LocalServer) -> None:
    """The preview shows the newest entry and the feed's problems and leaves the database as it was."""
    feed = NewsFeed(http_server, "/preview.xml", "Preview Feed")
    feed.add(*STORIES[6], slug="weather", minutes_ago=1)
    feed.add(*STORIES[7], slug="salmon", minutes_ago=90)
    articles = await harness.svc.store.count_articles()
    call = await harness.answer("/feeds", f"test {feed.url}", user="U0PLAIN")
    text = _all_text(call.args["blocks"])
    assert STORIES[6][0] in text and "No problems found" in text and "Nothing was stored" in text
    assert await harness.svc.store.count_articles() == articles
    assert await harness.svc.store.subscriptions(WORKSPACE) == []
    http_server.text("/page.html", "<html><body><p>Just a web page, no feed here.</p></body></html>")
    call = await harness.answer("/feeds", f"test {http_server.url('/page.html')}", user="U0PLAIN")
    assert "not a valid RSS or Atom feed" in _all_text(call.args["blocks"])
    assert await harness.svc.store.count_articles() == articles


# ---- delivery a community can trust (issue 28) ---------------------------------------------------------------------


async def test_twelve_templated_items_with_different_facts_are_twelve_stories(
        harness: Harness, http_server: LocalServer) -> None:
    """Twelve notices from one template (most words shared, facts not) are twelve stories, never one with 12 sources."""
    sched = _live_bot(harness)
    feed = NewsFeed(http_server, "/grit.xml", "City Notices")
    sid = await _subscribe(harness, feed)
    for i, (title, text) in enumerate(TEMPLATED):
        feed.add(title, text, slug=f"grit-{i}", minutes_ago=(i - 12) / 60)  # published over the next seconds
    await _round(sched, sid)
    posts = _posts(harness)
    texts = [_all_text(c.args["blocks"]) for c in posts]
    # Five posts a minute: four stories on their own, the other eight listed in one post.
    assert len(posts) == 5 and "8 more stories" in texts[4], [t[:80] for t in texts]
    for title, _ in TEMPLATED:
        assert sum(title in t for t in texts) == 1, title
    assert not any("12 source(s)" in t or "2 source(s)" in t for t in texts)
    assert all("1 source(s)" in t for t in texts[:4])
    # The earliest four went out on their own, the later eight in the fold; /feeds why tells each apart.
    first = _all_text((await harness.answer("/feeds", f"why {TEMPLATED[11][0]}")).args["blocks"])
    last = _all_text((await harness.answer("/feeds", f"why {TEMPLATED[0][0]}")).args["blocks"])
    assert "1 item(s) match" in first and "Posted: posted here on" in first, first
    assert "1 item(s) match" in last and "Folded into one post with others" in last, last


async def test_a_digest_quote_is_a_slack_block_quote_and_urls_carry_no_invisible_character(
        harness: Harness) -> None:
    """/digest draws the key quote as Slack's own block quote (rich text); URLs in text are exactly as typed."""
    report = ("---\ntitle: Ferry timetable published for the spring\npublished: {date}\n"
              "url: https://news.example.test/ferry_timetable?year=2026\n---\n"
              "The harbour board published the spring ferry timetable on Monday at "
              "https://harbour.example/timetable_spring.pdf for every crossing.\n\n"
              "Harbour master Talia Brennick said the early boat returns in March. \"Commuters asked for the early "
              "boat back and the crews agreed to start at six,\" Brennick said.\n")
    await _add(harness.svc, report, days_ago=0.1)
    call = await harness.answer("/digest", "since:24h", user="U0PLAIN")
    blocks = call.args["blocks"]
    quotes = block_quotes(blocks)
    assert quotes and quotes[0].startswith("“Commuters asked for the early boat back"), blocks
    assert "— Talia Brennick" in quotes[0]
    rich = [b for b in blocks if b["type"] == "rich_text"]
    assert rich and rich[0]["elements"][0]["type"] == "rich_text_quote"
    for text, verbatim in mrkdwn_objects(blocks):
        assert verbatim, text  # Slack links nothing in these by itself
        assert "&gt; “" not in text  # no escaped quote mark left where the quote was
    shown_all = "\n".join(slack_shown(t) for t, _ in mrkdwn_objects(blocks))
    assert "https://harbour.example/timetable_spring.pdf" in shown_all
    urls = re.findall(r"https?://\S+", "\n".join(t for t, _ in mrkdwn_objects(blocks)))
    assert urls and all("\u200b" not in u for u in urls), urls


async def test_a_backslash_regex_filter_is_kept_as_typed_on_slack(harness: Harness, http_server: LocalServer) -> None:
    r"""exclude:\bsponsored\b regex:true keeps its backslashes through Slack's text, the store and the answer."""
    sched = _live_bot(harness)
    feed = NewsFeed(http_server, "/slack-regex.xml", "Beach News")
    sid = await _subscribe(harness, feed)
    call = await harness.answer("/feeds", f"filter add {feed.url} field:title exclude:\\bsponsored\\b regex:true")
    assert r"exclude title regex /\bsponsored\b/" in _all_text(call.args["blocks"])
    call = await harness.answer("/feeds", f"filter add {feed.url} exclude:/\\badvert\\b/")
    assert r"exclude any regex /\badvert\b/" in _all_text(call.args["blocks"])
    subs = await harness.svc.store.subscriptions(WORKSPACE, CHANNEL)
    opts = (await harness.svc.store.subscription_options([subs[0].id]))[subs[0].id]
    assert [f["pattern"] for f in opts.filters] == [r"\bsponsored\b", r"\badvert\b"]
    feed.add("Sponsored kayaks for the whole family", STORIES[4][1], slug="ad")
    feed.add("Unsponsored volunteers clean the north beach", STORIES[5][1], slug="beach")
    await _round(sched, sid)
    posted = "\n".join(_all_text(c.args["blocks"]) for c in _posts(harness))
    assert "Unsponsored volunteers" in posted and "Sponsored kayaks" not in posted
