"""Every kind of request the Slack app takes is checked for Slack's signature before anything runs.

The real slack_bolt app (``build_app``) is served on loopback and sent each request type Slack sends to it:
slash commands, interactivity (``block_actions`` page buttons), options (``block_suggestion``) and events
(``event_callback`` mentions, ``url_verification``). Each is sent forged in every way (a wrong secret, a stale or
future timestamp, a body changed after signing, no signature) and must get 401 with nothing run: no command
dispatched, no call to Slack, nothing stored. Then the same request, signed properly, must run, so the refusals
are not the app refusing everything. (Discord has no HTTP interactions endpoint here: the bot takes
interactions over the gateway, which discord.py authenticates with the bot token.)
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
import pytest
from pydantic import SecretStr

from bot.commands import Command, Invocation, Reply, dispatch, load
from bot.config import Settings
from bot.delivery import Delivery
from bot.services import Services
from bot.slack import SlackHttpServer, build_app
from bot.slack import core as slack_core
from bot.slack.core import SlackContext
from bot.slack.listeners.commands import slack_command_names
from bot.slack.render import ACTION_NEXT, ACTION_PREV, page_value
from tests.e2e.slack_standin import TEAM_ID, SlackStandIn, sign

SECRET = "request-check-secret"
TOKEN = "xoxb-request-check"
CHANNEL = "C0CHECK"
TAMPERS = ("wrong_secret", "stale_timestamp", "future_timestamp", "body_changed_after_signing", "no_signature")


@dataclass
class App:
    """The served app, its stand-in Slack, and every command line the app dispatched (and as whom, where)."""

    slack: SlackStandIn
    svc: Services
    server: SlackHttpServer
    http: aiohttp.ClientSession
    ran: list[str] = field(default_factory=list)
    invocations: list[Invocation] = field(default_factory=list)

    async def post(self, body: str, content_type: str, tamper: str | None = None) -> int:
        """POST ``body`` to the app signed as Slack does, or forged as ``tamper`` says; return the status."""
        now = int(time.time())
        stamp = str({"stale_timestamp": now - 6 * 60, "future_timestamp": now + 6 * 60}.get(tamper or "", now))
        signature = sign("not-" + SECRET if tamper == "wrong_secret" else SECRET, body, stamp)
        if tamper == "body_changed_after_signing":
            body = body.replace(CHANNEL, "C0ELSEWHERE").replace("newsbot", "newsbot ") + " "
        headers = {"Content-Type": content_type}
        if tamper != "no_signature":
            headers |= {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}
        async with self.http.post(self.server.url, data=body.encode(), headers=headers) as resp:
            await resp.read()
            return resp.status


@pytest.fixture
async def app(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[App]:
    """Serve the Slack app on 127.0.0.1 against a stand-in Slack; record every command it dispatches."""
    load()
    slack = SlackStandIn(token=TOKEN, channels={CHANNEL}, users={"U0ADMIN": {"is_admin": True}})
    await slack.start()
    slack.add_message(CHANNEL, "1700000100.000200")  # the mention the event's answer threads under
    cfg = settings.model_copy(update={
        "slack_bot_token": SecretStr(TOKEN), "slack_signing_secret": SecretStr(SECRET),
        "slack_api_base_url": slack.api_url, "slack_http_host": "127.0.0.1", "slack_http_port": 0})
    svc = await Services.create(cfg)
    server = SlackHttpServer(build_app(svc, Delivery()), "127.0.0.1", 0)
    await server.start()
    real_run = SlackContext.run
    async with aiohttp.ClientSession() as http:
        served = App(slack, svc, server, http)

        async def recording_run(ctx: SlackContext, line: str, **kw: str) -> Reply:
            served.ran.append(line)
            return await real_run(ctx, line, **kw)

        async def recording_dispatch(svc: Services, inv: Invocation, cmd: Command, raw: Any) -> Reply:
            served.invocations.append(inv)
            return await dispatch(svc, inv, cmd, raw)

        monkeypatch.setattr(SlackContext, "run", recording_run)
        monkeypatch.setattr(slack_core, "dispatch", recording_dispatch)
        try:
            yield served
        finally:
            await server.stop()
            await svc.close()
            await slack.stop()


def _form(fields: dict[str, Any]) -> str:
    return urlencode(fields)


def _command(slack: SlackStandIn, name: str) -> tuple[str, str]:
    return _form({"token": "legacy", "team_id": TEAM_ID, "team_domain": "test", "channel_id": CHANNEL,
                  "channel_name": "news", "user_id": "U0ADMIN", "user_name": "admin", "command": "/feeds",
                  "text": "add https://feeds.example.test/newsbot.xml", "api_app_id": "A0APP",
                  "response_url": slack.response_url(name), "trigger_id": "1.2.3"}), \
        "application/x-www-form-urlencoded"


def _block_actions(slack: SlackStandIn, name: str) -> tuple[str, str]:
    payload = {"type": "block_actions", "api_app_id": "A0APP", "token": "legacy", "trigger_id": "1.2.3",
               "user": {"id": "U0ADMIN", "username": "admin", "team_id": TEAM_ID},
               "team": {"id": TEAM_ID, "domain": "test"}, "channel": {"id": CHANNEL, "name": "news"},
               "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": CHANNEL},
               "response_url": slack.response_url(name),
               "actions": [{"type": "button", "action_id": ACTION_NEXT, "block_id": "newsbot_pager",
                            "value": page_value("/search newsbot lighthouse", 1), "action_ts": "1700000001.0"}]}
    return _form({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"


def _options(slack: SlackStandIn, name: str) -> tuple[str, str]:
    payload = {"type": "block_suggestion", "api_app_id": "A0APP", "token": "legacy", "action_id": "newsbot_speaker",
               "block_id": "newsbot_pick", "value": "Tob", "user": {"id": "U0ADMIN", "team_id": TEAM_ID},
               "team": {"id": TEAM_ID, "domain": "test"}, "channel": {"id": CHANNEL, "name": "news"}}
    return _form({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"


def _event(slack: SlackStandIn, name: str) -> tuple[str, str]:
    event = {"token": "legacy", "team_id": TEAM_ID, "api_app_id": "A0APP", "type": "event_callback",
             "event_id": f"Ev{name}", "event_time": int(time.time()),
             "event": {"type": "app_mention", "user": "U0ADMIN", "text": "<@U0BOT> /feeds add "
                       "https://feeds.example.test/newsbot.xml", "ts": "1700000100.000200", "channel": CHANNEL,
                       "event_ts": "1700000100.000200"}}
    return json.dumps(event), "application/json"


def _url_verification(slack: SlackStandIn, name: str) -> tuple[str, str]:
    return json.dumps({"token": "legacy", "challenge": f"challenge-{name}", "type": "url_verification"}), \
        "application/json"


REQUESTS = {"command": _command, "block_actions": _block_actions, "options": _options, "event": _event,
            "url_verification": _url_verification}


@pytest.mark.parametrize("kind", sorted(REQUESTS))
async def test_a_forged_or_stale_request_gets_401_and_runs_nothing(app: App, kind: str) -> None:
    make = REQUESTS[kind]
    for n, tamper in enumerate(TAMPERS):
        body, content_type = make(app.slack, f"forged{n}")
        assert await app.post(body, content_type, tamper) == 401, f"{kind} {tamper} was accepted"
    # Signed properly, the same request is taken (and runs where the app has a listener for it).
    body, content_type = make(app.slack, "signed")
    status = await app.post(body, content_type)
    if kind == "options":
        assert status == 404  # signed, but the app registers no options listener: taken, and nothing runs
    else:
        assert status == 200
    if kind in ("command", "block_actions"):
        await app.slack.wait_for("respond", name="signed")
    if kind == "event":
        await app.slack.wait_for("chat.postMessage", channel=CHANNEL)
    # Requests are served in order, so by now a forged one would have run too.
    expected = {"command": ["/feeds add https://feeds.example.test/newsbot.xml"],
                "block_actions": ["/search newsbot lighthouse"],
                "event": ["/feeds add https://feeds.example.test/newsbot.xml"]}.get(kind, [])
    assert app.ran == expected, f"forged {kind} requests ran: {app.ran}"
    # Run as the signed request's user, in its workspace and channel, as a Slack user (admin: U0ADMIN is one).
    assert [(i.workspace, i.channel, i.user, i.platform) for i in app.invocations] == [
        (f"slack:{TEAM_ID}", CHANNEL, "U0ADMIN", "slack")] * len(expected)
    assert [i.is_admin for i in app.invocations] == [kind != "block_actions"] * len(expected)  # /search needs none
    assert not any(c.args.get("name", "").startswith("forged") for c in app.slack.calls if c.method == "respond")
    subs = await app.svc.store.subscriptions(f"slack:{TEAM_ID}")
    assert len(subs) == (1 if kind in ("command", "event") else 0)


async def test_every_listener_the_app_registers_is_of_a_kind_sent_forged_above(app: App) -> None:
    # A listener of a new kind (a modal view, a shortcut) matches none of these requests and fails this test
    # until the forged-request test above sends that kind too.
    from slack_bolt.request.async_request import AsyncBoltRequest
    from slack_bolt.response import BoltResponse

    samples = [make(app.slack, "sample") for make in REQUESTS.values()]
    form = "application/x-www-form-urlencoded"
    samples += [(_command(app.slack, "sample")[0].replace("%2Ffeeds", "%2F" + name), form)
                for name in slack_command_names()]
    samples.append((_block_actions(app.slack, "sample")[0].replace(ACTION_NEXT, ACTION_PREV),
                    "application/x-www-form-urlencoded"))
    bolt = app.server.app
    assert bolt._async_listeners, "the app registers no listener"
    for listener in bolt._async_listeners:
        matched = False
        for body, content_type in samples:
            req = AsyncBoltRequest(body=body, headers={"content-type": [content_type]})
            if all([await m.async_matches(req, BoltResponse(status=200)) for m in listener.matchers]):
                matched = True
                break
        assert matched, f"a listener ({listener.ack_function}) takes a kind of request no test sends forged"


@pytest.mark.parametrize(("drop", "where"), [
    ({}, (TEAM_ID, CHANNEL, "U0ADMIN")),
    ({"team": None}, ("T0HOME", CHANNEL, "U0ADMIN")),  # no team: the clicker's own
    ({"channel": None}, (TEAM_ID, "C0CONTAINER", "U0ADMIN")),  # no channel: the message's container
    ({"user": {"id": "U0OTHER"}}, (TEAM_ID, CHANNEL, "U0OTHER")),
])
async def test_a_page_button_runs_where_it_was_clicked_as_who_clicked_it(
        app: App, drop: dict[str, Any], where: tuple[str, str, str]) -> None:
    body, _ = _block_actions(app.slack, "click")
    payload = json.loads(dict(parse_qsl(body))["payload"])
    payload["user"]["team_id"] = "T0HOME"
    payload["container"]["channel_id"] = "C0CONTAINER"
    for key, value in drop.items():
        if value is None:
            del payload[key]
        else:
            payload[key] = value
    assert await app.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded") == 200
    await app.slack.wait_for("respond", name="click")
    team, channel, user = where
    assert [(i.workspace, i.channel, i.user) for i in app.invocations] == [(f"slack:{team}", channel, user)]


async def test_http_mode_without_a_signing_secret_is_refused(settings: Settings) -> None:
    cfg = settings.model_copy(update={"slack_bot_token": SecretStr(TOKEN)})
    svc = await Services.create(cfg)
    try:
        with pytest.raises(ValueError, match=r"^HTTP mode needs SLACK_SIGNING_SECRET \(or set SLACK_APP_TOKEN"):
            build_app(svc, Delivery())
        # With an app token (Socket Mode) no signing secret is needed: Slack's socket is authenticated instead.
        socket = svc.settings.model_copy(update={"slack_app_token": SecretStr("xapp-1")})
        svc.settings = socket
        assert build_app(svc, Delivery()) is not None
    finally:
        await svc.close()


def _slash(slack: SlackStandIn, name: str, command: str, text: str) -> str:
    return _form({"token": "legacy", "team_id": TEAM_ID, "team_domain": "test", "channel_id": CHANNEL,
                  "channel_name": "news", "user_id": "U0READER", "user_name": "reader", "command": command,
                  "text": text, "api_app_id": "A0APP", "response_url": slack.response_url(name),
                  "trigger_id": "1.2.3"})


def _shown(blocks: Any) -> str:
    """Return every string a reader sees in Block Kit blocks (not the buttons' values)."""
    if isinstance(blocks, str):
        return blocks.replace("\u200b", "")
    if isinstance(blocks, dict):
        return "\n".join(_shown(v) for k, v in blocks.items() if k not in ("value", "action_id", "block_id"))
    if isinstance(blocks, list):
        return "\n".join(_shown(v) for v in blocks)
    return ""


async def test_story_answers_signed_slash_commands_and_refuses_a_forged_one(app: App, tmp_path: Any) -> None:
    """/story, /timeline story: and /quotes story: sent as Slack sends them (signed) answer through response_url;
    the same /story forged runs nothing."""
    from tests.e2e.slack_standin import block_problems
    from tests.helpers.tram_story import SAID, SPEAKER, add_tram_story

    sid, _, _ = await add_tram_story(app.svc, f"slack:{TEAM_ID}", tmp_path)
    form = "application/x-www-form-urlencoded"
    assert await app.post(_slash(app.slack, "forged-story", "/story", "brackmoor tram"), form, "wrong_secret") == 401
    lines = {"story": ("/story", "brackmoor tram"), "unknown": ("/story", "#987654"), "empty": ("/story", ""),
             "timeline": ("/timeline", f"story:#{sid}"), "quotes": ("/quotes", f"story:#{sid}"),
             "search": ("/search", "Quillan")}
    got = {}
    for name, (command, text) in lines.items():
        assert await app.post(_slash(app.slack, name, command, text), form) == 200
        [call] = await app.slack.wait_for("respond", name=name)
        assert block_problems(call.args["blocks"]) == [], name
        got[name] = (call.args.get("response_type"), _shown(call.args["blocks"]))
    kind, story = got["story"]
    assert kind == "in_channel" and "Brackmoor tram line opens to passengers" in story
    assert f"Story #{sid} · 3 articles from 3 outlets" in story
    assert "https://northpost.example/trams-brackmoor" in story and "reported by 3 outlets" in story
    assert SAID in story and SPEAKER in story
    assert "No story #987654 in your workspace" in got["unknown"][1]
    assert got["empty"][0] == "ephemeral" and "/story needs story" in got["empty"][1]
    assert "2030-05-04" in got["timeline"][1] and "reported by 3 outlets" in got["quotes"][1]
    assert f"3 articles from 3 outlets · /story #{sid}" in got["search"][1]
    assert not any(c.args.get("name") == "forged-story" for c in app.slack.calls if c.method == "respond")
    assert app.ran[0] == "/story brackmoor tram"
