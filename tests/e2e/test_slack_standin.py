"""The Slack stand-in refuses, per rule of its RULES table, what Slack refuses, with Slack's status and error."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.e2e.slack_standin import RULES, SlackStandIn, limit, pings

TOKEN = "xoxb-probe"
SHORT = 0.05  # a shortened deadline or lifetime, so the rule is proven without waiting 3 s or 30 minutes


@dataclass
class Probe:
    """A started stand-in and an HTTP session that plays a misbehaving app."""

    s: SlackStandIn
    http: aiohttp.ClientSession

    async def api(self, method: str, args: Any = None, *, raw: bytes | None = None, token: str = TOKEN
                  ) -> tuple[int, Any]:
        """Call a Web API method with a JSON body; return (status, JSON answer)."""
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json; charset=utf-8"}
        kwargs: dict[str, Any] = {"data": raw} if raw is not None else {"json": args or {}}
        async with self.http.post(f"{self.s.api_url}{method}", headers=headers, **kwargs) as resp:
            return resp.status, await resp.json()

    async def post(self, **args: Any) -> tuple[int, Any]:
        """chat.postMessage to the probe channel (text added unless given)."""
        return await self.api("chat.postMessage", {"channel": "C0PROBE", "text": "fallback", **args})

    async def respond(self, body: Any = None, *, name: str = "r1", raw: bytes | None = None,
                      content_type: str = "application/json") -> tuple[int, str]:
        """POST to a response_url; return (status, plain-text answer)."""
        url = self.s.response_url(name)
        data = raw if raw is not None else json.dumps(body).encode()
        async with self.http.post(url, data=data, headers={"Content-Type": content_type}) as resp:
            return resp.status, await resp.text()


@pytest.fixture
async def probe() -> AsyncIterator[Probe]:
    """Return a started stand-in with one channel, and a session."""
    slack = await SlackStandIn(token=TOKEN, channels={"C0PROBE"}).start()
    try:
        async with aiohttp.ClientSession() as http:
            yield Probe(slack, http)
    finally:
        await slack.stop()


def _section(text: str, kind: str = "mrkdwn") -> dict[str, Any]:
    return {"type": "section", "text": {"type": kind, "text": text}}


def _button(label: str = "Next", action_id: str = "a1", **kw: Any) -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": label}, "action_id": action_id, **kw}


def _actions(*elements: dict[str, Any]) -> dict[str, Any]:
    return {"type": "actions", "elements": list(elements)}


async def _six_posts(p: Probe) -> tuple[int, str]:
    for i in range(limit("respond.uses")):
        assert (await p.respond({"text": f"answer {i}"}))[0] == 200
    return await p.respond({"text": "one too many"})


async def _expired(p: Probe) -> tuple[int, str]:
    p.s.respond_expiry_s = SHORT
    p.s.response_url("late")
    await asyncio.sleep(SHORT * 3)
    return await p.respond({"text": "after 30 minutes"}, name="late")


async def _late_ack(p: Probe) -> tuple[int, Any]:
    async def slow(_: web.Request) -> web.Response:
        await asyncio.sleep(SHORT * 4)
        return web.Response(text="")

    app = web.Application()
    app.router.add_post("/slack/events", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        p.s.ack_deadline_s = SHORT
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
        await p.s.send_to_app(p.http, url, "command=%2Fsearch", "application/x-www-form-urlencoded", secret="s")
    finally:
        await runner.cleanup()
    return 0, {"ok": False, "error": "operation_timeout" if p.s.timeouts else None}


async def _rate_limited(p: Probe) -> tuple[int, Any]:
    p.s.rate_limit_next = 1
    return await p.post()


async def _no_scope(p: Probe) -> tuple[int, Any]:
    p.s.files_write = False
    return await p.api("files.getUploadURLExternal", {"filename": "a.png", "length": 3})


Case = Callable[[Probe], Awaitable[tuple[int, Any]]]
# One request per rule (some get more); the case id names the rule before any "/".
CASES: dict[str, Case] = {
    "api.unknown_method": lambda p: p.api("chat.postMessages", {"channel": "C0PROBE", "text": "typo"}),
    "api.auth": lambda p: p.api("chat.postMessage", {"channel": "C0PROBE", "text": "t"}, token="xoxb-wrong"),
    "api.json": lambda p: p.api("chat.postMessage", raw=b'{"channel": "C0PROBE", '),
    "api.ratelimit": _rate_limited,
    "post.channel": lambda p: p.api("chat.postMessage", {"channel": "C0GONE", "text": "t"}),
    "post.no_text": lambda p: p.api("chat.postMessage", {"channel": "C0PROBE"}),
    "post.text_length": lambda p: p.post(text="t" * (limit("post.text_length") + 1)),
    "post.thread_ts": lambda p: p.post(thread_ts="1700009999.000001"),
    "blocks.count": lambda p: p.post(blocks=[_section("s")] * (limit("blocks.count") + 1)),
    "blocks.type": lambda p: p.post(blocks=[{"type": "bogus", "text": "x"}]),
    "rich_text.elements": lambda p: p.post(blocks=[{"type": "rich_text", "elements": [
        {"type": "rich_text_quote", "elements": [{"type": "text", "text": ""}]}]}]),
    "block.block_id": lambda p: p.post(blocks=[dict(_section("a"), block_id="b"), dict(_section("b"), block_id="b")]),
    "text.type": lambda p: p.post(blocks=[_section("x", kind="markdown")]),
    "text.type/empty": lambda p: p.post(blocks=[_section("")]),
    "header.text": lambda p: p.post(blocks=[{"type": "header", "text": {"type": "mrkdwn", "text": "*bold*"}}]),
    "header.text/long": lambda p: p.post(blocks=[{"type": "header", "text": {
        "type": "plain_text", "text": "h" * (limit("header.text") + 1)}}]),
    "section.text": lambda p: p.post(blocks=[_section("s" * (limit("section.text") + 1))]),
    "section.fields": lambda p: p.post(blocks=[{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}]),
    "context.elements": lambda p: p.post(blocks=[{"type": "context", "elements": [
        {"type": "mrkdwn", "text": "c"}] * 11}]),
    "actions.elements": lambda p: p.post(blocks=[_actions(*[_button(action_id=f"a{i}") for i in range(26)])]),
    "button.text": lambda p: p.post(blocks=[_actions(_button(label="L" * (limit("button.text") + 1)))]),
    "button.action_id": lambda p: p.post(blocks=[_actions(_button(action_id="same"), _button(action_id="same"))]),
    "button.value": lambda p: p.post(blocks=[_actions(_button(value="v" * (limit("button.value") + 1)))]),
    "button.url": lambda p: p.post(blocks=[_actions(_button(url="https://e.invalid/" + "u" * 3000))]),
    "respond.json": lambda p: p.respond(raw=b"just some text", content_type="text/plain"),
    "respond.response_type": lambda p: p.respond({"text": "t", "response_type": "bogus"}),
    "respond.no_text": lambda p: p.respond({"response_type": "ephemeral"}),
    "respond.blocks": lambda p: p.respond({"text": "t", "blocks": [{"type": "bogus"}] * 200}),
    "respond.uses": _six_posts,
    "respond.expiry_s": _expired,
    "ack.deadline_s": _late_ack,
    "files.scope": _no_scope,
    "files.arguments": lambda p: p.api("files.getUploadURLExternal", {"length": 3}),
    "files.complete": lambda p: p.api("files.completeUploadExternal", {"files": [{"id": "F0NOPE"}]}),
}


def test_docs_list_every_rule() -> None:
    """docs/testing.md names every rule of the table, so the written rules cannot fall behind the enforced ones."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "testing.md").read_text(encoding="utf-8")
    assert [name for name in RULES if f"`{name}`" not in text] == []


def test_every_rule_has_a_case() -> None:
    """No rule in the table goes unproven."""
    assert {case.split("/")[0] for case in CASES} == set(RULES)


@pytest.mark.parametrize("case", sorted(CASES))
async def test_a_request_breaking_a_rule_gets_slacks_refusal(probe: Probe, case: str) -> None:
    """Web API calls get ok:false with the rule's error (HTTP 200 but for rate limits); response_url posts get
    an HTTP error with the code as text; a late ack is recorded as the operation_timeout the user would see."""
    rule = RULES[case.split("/")[0]]
    status, answer = await CASES[case](probe)
    if rule.name == "ack.deadline_s":
        assert answer["error"] == rule.error and probe.s.timeouts[0].seconds > SHORT
        return
    assert status == rule.status
    if rule.name.startswith("respond."):
        assert answer == rule.error
    else:
        assert answer["ok"] is False and answer["error"] == rule.error, answer
    assert probe.s.refusals[-1].refused == rule.name


async def test_requests_within_the_rules_are_accepted(probe: Probe) -> None:
    """A message at every limit, a threaded reply to it, and five responses to one response_url all pass."""
    blocks = ([{"type": "header", "text": {"type": "plain_text", "text": "h" * limit("header.text")}},
               _section("s" * limit("section.text")),
               _actions(*[_button(action_id=f"a{i}", value="v" * 2000) for i in range(5)]),
               {"type": "rich_text", "elements": [{"type": "rich_text_quote", "elements": [
                   {"type": "text", "text": "“Words”"}, {"type": "text", "text": "\n— Someone"},
                   {"type": "link", "url": "https://news.example/a", "text": "source"}]}]}]
              + [{"type": "divider"}] * (limit("blocks.count") - 4))
    status, answer = await probe.post(blocks=blocks)
    assert status == 200 and answer["ok"] is True
    status, reply = await probe.post(thread_ts=answer["ts"])
    assert reply["ok"] is True
    for i in range(limit("respond.uses")):
        assert await probe.respond({"text": f"a{i}", "response_type": "in_channel", "blocks": blocks}) == (200, "ok")
    assert not probe.s.refusals


@pytest.mark.parametrize(("args", "expected"), [
    ({"text": "Heads up <!channel>"}, {"broadcast": ["channel"], "subteams": [], "users": []}),
    ({"text": "x", "blocks": [_section("<!here|here> and <!subteam^S0ADMINS|@admins> and <@U0PLAIN>")]},
     {"broadcast": ["here"], "subteams": ["S0ADMINS"], "users": ["U0PLAIN"]}),
    ({"text": "x", "blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": "<!everyone>"}]}]},
     {"broadcast": ["everyone"], "subteams": [], "users": []}),
    ({"text": "&lt;!channel&gt; @here"}, {"broadcast": [], "subteams": [], "users": []}),
    ({"text": "@here now", "link_names": True}, {"broadcast": ["here"], "subteams": [], "users": []}),
    ({"text": "x", "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "<!channel>"}}]},
     {"broadcast": [], "subteams": [], "users": []}),
    ({"text": "<!channel>", "mrkdwn": False}, {"broadcast": [], "subteams": [], "users": []}),
])
def test_mentions_are_read_where_slack_parses_them(args: dict[str, Any], expected: dict[str, list[str]]) -> None:
    """Special mentions notify from top-level text and mrkdwn objects; escaped text and plain_text never do."""
    assert pings(args) == expected


async def test_a_message_that_would_notify_is_recorded(probe: Probe) -> None:
    """The stand-in lists every accepted post that would notify someone."""
    await probe.post(text="Quiet text")
    await probe.post(text="<!here> loud text")
    assert [c.args["text"] for c in probe.s.pinged()] == ["<!here> loud text"]
