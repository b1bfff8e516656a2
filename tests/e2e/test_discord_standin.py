"""The Discord stand-in refuses, per rule of its RULES table, what Discord refuses, with Discord's status and code."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.e2e.discord_standin import RULES, DiscordStandIn, InteractionRecord, limit, pings

SHORT = 0.05  # a shortened deadline or token lifetime, so the rule is proven without waiting 3 s or 15 minutes


@dataclass
class Probe:
    """A started stand-in with one guild, and an HTTP session that plays a misbehaving bot."""

    s: DiscordStandIn
    http: aiohttp.ClientSession
    guild: dict[str, Any]

    @property
    def channel(self) -> str:
        """Return the guild's first channel id."""
        return str(self.guild["channels"][0]["id"])

    async def call(self, method: str, path: str, body: Any = None, *, raw: bytes | None = None,
                   bot: bool = True) -> tuple[int, Any]:
        """Send a request to the stand-in's REST API; return (status, JSON body or None)."""
        headers = {"Content-Type": "application/json"}
        if bot:
            headers["Authorization"] = f"Bot {self.s.token}"
        kwargs: dict[str, Any] = {"data": raw} if raw is not None else {"json": body}
        async with self.http.request(method, f"{self.s.api_url}/{path.lstrip('/')}", headers=headers,
                                     **kwargs) as resp:
            return resp.status, (await resp.json() if resp.status != 204 else None)

    async def post(self, body: Any) -> tuple[int, Any]:
        """POST a channel message."""
        return await self.call("POST", f"channels/{self.channel}/messages", body)

    async def callback(self, rec: InteractionRecord, body: Any) -> tuple[int, Any]:
        """POST an interaction callback (the initial response)."""
        p = rec.payload
        return await self.call("POST", f"interactions/{p['id']}/{p['token']}/callback?with_response=1", body,
                               bot=False)

    async def followup(self, rec: InteractionRecord, body: Any) -> tuple[int, Any]:
        """POST a follow-up with the interaction's token."""
        return await self.call("POST", f"webhooks/{self.s.app_id}/{rec.payload['token']}?wait=1", body, bot=False)

    async def sync(self, commands: Any) -> tuple[int, Any]:
        """Bulk-overwrite the global commands."""
        return await self.call("PUT", f"applications/{self.s.app_id}/commands", commands)


@pytest.fixture
async def probe() -> AsyncIterator[Probe]:
    """Return a stand-in with one guild and a session; nothing of the bot runs."""
    standin = DiscordStandIn()
    guild = standin.add_guild("Probe", channels=("general", "locked"), forums=("stories",))
    await standin.start()
    try:
        async with aiohttp.ClientSession() as http:
            yield Probe(standin, http, guild)
    finally:
        await standin.close()


def _embed(**kw: Any) -> dict[str, Any]:
    return {"embeds": [dict({"title": "t"}, **kw)]}


def _button(label: str = "Go", custom_id: str | None = "b1") -> dict[str, Any]:
    b: dict[str, Any] = {"type": 2, "style": 1, "label": label}
    if custom_id is not None:
        b["custom_id"] = custom_id
    return b


def _row(*buttons: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(buttons)}


async def _late_reply(p: Probe) -> tuple[int, Any]:
    p.s.response_deadline_s = SHORT
    rec = p.s.new_interaction(guild=p.guild)
    await asyncio.sleep(SHORT * 3)
    return await p.callback(rec, {"type": 4, "data": {"content": "too late"}})


async def _expired_token(p: Probe) -> tuple[int, Any]:
    p.s.token_ttl_s = SHORT
    rec = p.s.new_interaction(guild=p.guild)
    assert (await p.callback(rec, {"type": 5}))[0] == 200
    await asyncio.sleep(SHORT * 3)
    return await p.followup(rec, {"content": "after the token died"})


async def _twice(p: Probe) -> tuple[int, Any]:
    rec = p.s.new_interaction(guild=p.guild)
    assert (await p.callback(rec, {"type": 4, "data": {"content": "first"}}))[0] == 200
    return await p.callback(rec, {"type": 4, "data": {"content": "second"}})


async def _reply(p: Probe, data: dict[str, Any], itype: int = 2, ctype: int = 4) -> tuple[int, Any]:
    rec = p.s.new_interaction(itype, guild=p.guild)
    return await p.callback(rec, {"type": ctype, "data": data})


async def _empty_followup(p: Probe) -> tuple[int, Any]:
    rec = p.s.new_interaction(guild=p.guild)
    assert (await p.callback(rec, {"type": 4, "data": {"content": "answer"}}))[0] == 200
    return await p.followup(rec, {"content": ""})


async def _edit_gone(p: Probe) -> tuple[int, Any]:
    rec = p.s.new_interaction(guild=p.guild)
    assert (await p.callback(rec, {"type": 4, "data": {"content": "answer"}}))[0] == 200
    return await p.call("PATCH", f"webhooks/{p.s.app_id}/{rec.payload['token']}/messages/{p.s.snowflake()}",
                        {"content": "edit"}, bot=False)


async def _forbidden(p: Probe) -> tuple[int, Any]:
    locked = p.guild["channels"][1]["id"]
    p.s.forbidden_channels.add(locked)
    return await p.call("POST", f"channels/{locked}/messages", {"content": "hello"})


def _forum(p: Probe) -> str:
    return str(next(c["id"] for c in p.guild["channels"] if c["type"] == 15))


async def _long_thread_name(p: Probe) -> tuple[int, Any]:
    status, msg = await p.post({"content": "headline"})
    assert status == 200
    return await p.call("POST", f"channels/{p.channel}/messages/{msg['id']}/threads", {"name": "n" * 101})


async def _thread_in_a_forum(p: Probe) -> tuple[int, Any]:
    return await p.call("POST", f"channels/{p.channel}/threads",
                        {"name": "a post", "message": {"content": "first"}})


def _cmd(**kw: Any) -> dict[str, Any]:
    return dict({"name": "probe", "description": "a probe", "type": 1}, **kw)


def _opt(name: str, required: bool = False) -> dict[str, Any]:
    return {"name": name, "description": "an option", "type": 3, "required": required}


Case = Callable[[Probe], Awaitable[tuple[int, Any]]]
# One request per rule (a few rules get more than one); the case id names the rule before any "/".
CASES: dict[str, Case] = {
    "interaction.deadline_s": _late_reply,
    "interaction.token_ttl_s": _expired_token,
    "interaction.single_response": _twice,
    "interaction.callback_type": lambda p: _reply(p, {"choices": []}, itype=2, ctype=8),
    "body.json": lambda p: p.call("POST", f"channels/{p.channel}/messages", raw=b'{"content": "unclosed'),
    "message.empty": lambda p: p.post({"content": ""}),
    "message.empty/reply": lambda p: _reply(p, {"content": ""}),
    "message.empty/followup": _empty_followup,
    "content.length": lambda p: p.post({"content": "x" * (limit("content.length") + 1)}),
    "embeds.count": lambda p: p.post({"embeds": [{"title": "t"}] * (limit("embeds.count") + 1)}),
    "embed.title": lambda p: p.post(_embed(title="t" * (limit("embed.title") + 1))),
    "embed.description": lambda p: p.post(_embed(description="d" * (limit("embed.description") + 1))),
    "embed.fields": lambda p: p.post(_embed(fields=[{"name": "n", "value": "v"}] * (limit("embed.fields") + 1))),
    "field.name": lambda p: p.post(_embed(fields=[{"name": " ", "value": "v"}])),
    "field.value": lambda p: p.post(_embed(fields=[{"name": "n", "value": "v" * (limit("field.value") + 1)}])),
    "embed.footer": lambda p: p.post(_embed(footer={"text": "f" * (limit("embed.footer") + 1)})),
    "embed.author": lambda p: p.post(_embed(author={"name": "a" * (limit("embed.author") + 1)})),
    "embeds.total": lambda p: p.post({"embeds": [{"description": "d" * 3500}, {"description": "d" * 3500}]}),
    "embed.empty": lambda p: p.post({"embeds": [{"color": 255}]}),
    "embed.url_scheme": lambda p: p.post(_embed(url="javascript:alert(1)")),
    "embed.url_scheme/ftp": lambda p: p.post(_embed(url="ftp://files.example.invalid/a")),
    "embed.url_scheme/image": lambda p: p.post(_embed(image={"url": "file:///etc/passwd"})),
    "components.rows": lambda p: p.post({"content": "c", "components": [
        _row(_button(custom_id=f"b{i}")) for i in range(limit("components.rows") + 1)]}),
    "components.per_row": lambda p: p.post({"content": "c", "components": [
        _row(*[_button(custom_id=f"b{i}") for i in range(limit("components.per_row") + 1)])]}),
    "button.label": lambda p: p.post({"content": "c", "components": [
        _row(_button(label="L" * (limit("button.label") + 1)))]}),
    "button.custom_id": lambda p: p.post({"content": "c", "components": [_row(_button(custom_id=None))]}),
    "button.custom_id_unique": lambda p: p.post({"content": "c", "components": [
        _row(_button(custom_id="same"), _button(custom_id="same"))]}),
    "allowed_mentions.shape": lambda p: p.post({"content": "<@1>", "allowed_mentions": {
        "parse": ["users"], "users": ["1"]}}),
    "autocomplete.choices": lambda p: _reply(p, {"choices": [{"name": f"c{i}", "value": f"c{i}"}
                                                             for i in range(26)]}, itype=4, ctype=8),
    "choice.name": lambda p: _reply(p, {"choices": [{"name": "", "value": "v"}]}, itype=4, ctype=8),
    "choice.value": lambda p: _reply(p, {"choices": [{"name": "n", "value": "v" * (limit("choice.value") + 1)}]},
                                     itype=4, ctype=8),
    "command.name": lambda p: p.sync([_cmd(name="Bad Name")]),
    "command.description": lambda p: p.sync([_cmd(description="")]),
    "command.options": lambda p: p.sync([_cmd(options=[_opt(f"o{i}") for i in range(26)])]),
    "command.required_first": lambda p: p.sync([_cmd(options=[_opt("a"), _opt("b", required=True)])]),
    "commands.count": lambda p: p.sync([_cmd(name=f"c{i}") for i in range(limit("commands.count") + 1)]),
    "channel.unknown": lambda p: p.call("POST", f"channels/{p.s.snowflake()}/messages", {"content": "hi"}),
    "channel.permission": _forbidden,
    "message.unknown": _edit_gone,
    "thread.name": _long_thread_name,
    "forum.message": lambda p: p.call("POST", f"channels/{_forum(p)}/messages", {"content": "hello"}),
    "thread.parent": _thread_in_a_forum,
}


def test_docs_list_every_rule() -> None:
    """docs/testing.md names every rule of the table, so the written rules cannot fall behind the enforced ones."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "testing.md").read_text(encoding="utf-8")
    assert [name for name in RULES if f"`{name}`" not in text] == []


def test_every_rule_has_a_case() -> None:
    """No rule in the table goes unproven."""
    assert {case.split("/")[0] for case in CASES} == set(RULES)


@pytest.mark.parametrize("case", sorted(CASES))
async def test_a_request_breaking_a_rule_gets_discords_refusal(probe: Probe, case: str) -> None:
    """The request is refused with the rule's HTTP status and Discord JSON error code, and recorded as refused."""
    rule = RULES[case.split("/")[0]]
    status, body = await CASES[case](probe)
    assert (status, body["code"]) == (rule.status, rule.code), body
    assert body["message"] == rule.error
    if rule.code == 50035:
        assert body["errors"], "a form error names the field it is about"
    assert probe.s.refusals[-1].refused == rule.name


async def test_requests_within_the_rules_are_accepted(probe: Probe) -> None:
    """A full-size message, a reply, a deferral with its follow-up and autocomplete choices all pass."""
    full = {"content": "c" * limit("content.length"), "allowed_mentions": {"parse": []},
            "embeds": [{"title": "t" * limit("embed.title"), "url": "https://example.invalid/a",
                        "image": {"url": "attachment://timeline.png"},
                        "fields": [{"name": "n", "value": "v"}] * limit("embed.fields")}],
            "components": [_row(*[_button(custom_id=f"b{r}{i}") for i in range(5)]) for r in range(5)]}
    assert (await probe.post(full))[0] == 200
    assert (await _reply(probe, {"content": "ok", "allowed_mentions": {"parse": []}}))[0] == 200
    rec = probe.s.new_interaction(guild=probe.guild)
    assert (await probe.callback(rec, {"type": 5}))[0] == 200
    assert (await probe.followup(rec, {"content": "done", "allowed_mentions": {"parse": []}}))[0] == 200
    assert (await _reply(probe, {"choices": [{"name": "n", "value": "v" * 100}] * 25}, itype=4, ctype=8))[0] == 204
    assert not probe.s.refusals
    assert not probe.s.pinged() and not probe.s.undeclared()


@pytest.mark.parametrize(("data", "expected"), [
    ({"content": "@everyone the ferry is late"}, {"everyone": True, "users": [], "roles": []}),
    ({"content": "@here, <@42> and <@&7>"}, {"everyone": True, "users": ["42"], "roles": ["7"]}),
    ({"content": "@everyone <@42>", "allowed_mentions": {"parse": []}}, {"everyone": False, "users": [], "roles": []}),
    ({"content": "@everyone <@42> <@!43>", "allowed_mentions": {"parse": [], "users": ["43"]}},
     {"everyone": False, "users": ["43"], "roles": []}),
    ({"content": "<@&7> <@&8>", "allowed_mentions": {"parse": ["roles"]}},
     {"everyone": False, "users": [], "roles": ["7", "8"]}),
    ({"embeds": [{"description": "@everyone"}]}, {"everyone": False, "users": [], "roles": []}),
])
def test_mentions_are_computed_from_content_and_allowed_mentions(data: dict[str, Any],
                                                                 expected: dict[str, Any]) -> None:
    """Content mentions notify unless allowed_mentions leaves them out; embed text never notifies."""
    assert pings(data) == expected


async def test_a_posted_message_records_whom_it_pinged_and_whether_it_declared(probe: Probe) -> None:
    """The stand-in keeps, per message, the pings Discord would send and whether allowed_mentions was given."""
    status, msg = await probe.post({"content": "@everyone look"})
    assert status == 200 and msg["mention_everyone"] is True
    assert [m["id"] for m in probe.s.pinged()] == [msg["id"]] == [m["id"] for m in probe.s.undeclared()]
    status, msg = await probe.post({"content": "@everyone look", "allowed_mentions": {"parse": []}})
    assert status == 200 and msg["mention_everyone"] is False and len(probe.s.pinged()) == 1


async def test_threads_and_forum_posts_within_the_rules_are_accepted(probe: Probe) -> None:
    """A thread from a channel message and a forum post, each named at the 100-character limit, are made."""
    status, msg = await probe.post({"content": "headline"})
    assert status == 200
    status, thread = await probe.call("POST", f"channels/{probe.channel}/messages/{msg['id']}/threads",
                                      {"name": "t" * limit("thread.name")})
    assert status == 201 and thread["parent_id"] == probe.channel
    assert (await probe.call("POST", f"channels/{thread['id']}/messages", {"content": "in the thread"}))[0] == 200
    status, post = await probe.call("POST", f"channels/{_forum(probe)}/threads",
                                    {"name": "p" * limit("thread.name"), "message": {"content": "first"}})
    assert status == 201 and post["message"]["channel_id"] == post["id"] and post["parent_id"] == _forum(probe)
    assert not probe.s.refusals
