"""A strict loopback stand-in for Discord: REST (api/v10) and a gateway websocket, recording every call.

It speaks Discord's payload shapes (see discord-api-docs and discord.py's ``types``), answers only the routes
the bot needs and 404s the rest with a JSON body, always with ``Content-Type: application/json`` exactly. It
enforces the message limits (content 2000, 10 embeds, embed field limits, 6000 characters an embed set) so a
renderer bug shows up as a 400, like on the real API. Tests drive it by dispatching INTERACTION_CREATE payloads
built from the command schema the bot synced, then read the callbacks, follow-ups and posts it recorded.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

DISCORD_EPOCH_MS = 1_420_070_400_000
MANAGE_GUILD = 1 << 5
# View/send messages, embed links, attach files, read history, use application commands.
MEMBER_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 31)
EPHEMERAL = 1 << 6
LOADING = 1 << 7
_NAME = re.compile(r"^[-_\w]{1,32}$")


class StandInError(AssertionError):
    """The bot sent something the real API would reject, or a test waited in vain."""


@dataclass
class Call:
    """One REST request the bot made."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    files: list[tuple[str, bytes]]
    at: float
    status: int = 0


@dataclass
class InteractionRecord:
    """What happened to one interaction we dispatched."""

    payload: dict[str, Any]
    sent_at: float
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    original_id: str | None = None
    followups: list[str] = field(default_factory=list)
    choices: list[dict[str, Any]] | None = None
    callback_at: float | None = None


def _json(status: int, obj: Any) -> web.Response:
    # Exactly application/json: discord.py compares the header string, and json_response adds a charset.
    return web.Response(status=status, body=json.dumps(obj).encode(), headers={"Content-Type": "application/json"})


def _error(status: int, code: int, message: str, errors: Any = None) -> web.Response:
    body: dict[str, Any] = {"message": message, "code": code}
    if errors is not None:
        body["errors"] = errors
    return _json(status, body)


def _iso(ts: float | None = None) -> str:
    return datetime.fromtimestamp(ts if ts is not None else time.time(), UTC).isoformat()


def check_message(data: dict[str, Any]) -> list[str]:
    """Return the reasons Discord would reject a message payload (empty when it is valid)."""
    problems: list[str] = []
    content = data.get("content") or ""
    if len(content) > 2000:
        problems.append(f"content has {len(content)} characters (max 2000)")
    embeds = data.get("embeds") or []
    if len(embeds) > 10:
        problems.append(f"{len(embeds)} embeds (max 10)")
    total = 0
    for i, e in enumerate(embeds):
        title, desc = e.get("title") or "", e.get("description") or ""
        footer = (e.get("footer") or {}).get("text") or ""
        author = (e.get("author") or {}).get("name") or ""
        fields = e.get("fields") or []
        if len(title) > 256:
            problems.append(f"embed {i} title has {len(title)} characters (max 256)")
        if len(desc) > 4096:
            problems.append(f"embed {i} description has {len(desc)} characters (max 4096)")
        if len(footer) > 2048:
            problems.append(f"embed {i} footer has {len(footer)} characters (max 2048)")
        if len(fields) > 25:
            problems.append(f"embed {i} has {len(fields)} fields (max 25)")
        for f in fields:
            name, value = f.get("name") or "", f.get("value") or ""
            if not name or len(name) > 256:
                problems.append(f"embed {i} field name length {len(name)} (1..256)")
            if not value or len(value) > 1024:
                problems.append(f"embed {i} field value length {len(value)} (1..1024)")
            total += len(name) + len(value)
        total += len(title) + len(desc) + len(footer) + len(author)
    if total > 6000:
        problems.append(f"embeds total {total} characters (max 6000)")
    for row in data.get("components") or []:
        if row.get("type") != 1 or len(row.get("components") or []) > 5:
            problems.append("components must be action rows of at most 5 items")
    return problems


class DiscordStandIn:
    """The fake Discord: start(), add guilds, then let the real discord.py client connect to it."""

    def __init__(self, token: str = "standin-bot-token") -> None:  # noqa: S107 - a fake credential
        self.token = token
        self._ids = itertools.count(1)
        self.app_id = self.snowflake()
        self.bot_user = {"id": self.app_id, "username": "newsbot", "discriminator": "0", "global_name": "newsbot",
                         "avatar": None, "bot": True, "public_flags": 0, "flags": 0}
        self.guilds: dict[str, dict[str, Any]] = {}
        self.dm_channels: dict[str, dict[str, Any]] = {}
        self.forbidden_channels: set[str] = set()
        self.calls: list[Call] = []
        self.commands: dict[str, dict[str, dict[str, Any]]] = {}  # scope ("global" or guild id) -> name -> command
        self.messages: dict[str, dict[str, Any]] = {}
        self.interactions: dict[str, InteractionRecord] = {}
        self.gateway_queries: list[dict[str, str]] = []
        self.identified = asyncio.Event()
        self.identify_count = 0
        self.resume_count = 0
        self.synced = asyncio.Event()
        self._changed = asyncio.Condition()
        self._sockets: list[web.WebSocketResponse] = []
        self._shards: dict[web.WebSocketResponse, tuple[int, int]] = {}  # socket -> (shard id, shard count)
        self._seq = 0
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ---- lifecycle ------------------------------------------------------------------------------------------------

    def snowflake(self) -> str:
        """Return a new, increasing, realistic snowflake id (as Discord sends them: a string)."""
        return str(((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (next(self._ids) & 0x3FFFFF))

    @property
    def api_url(self) -> str:
        """Return the REST base URL to give discord.py (Route.BASE)."""
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        """Return the gateway URL to give discord.py (DEFAULT_GATEWAY)."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> None:
        """Serve on 127.0.0.1 at a free port."""
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        """Close every websocket and stop serving."""
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def add_guild(self, name: str, channels: tuple[str, ...] = ("general",),
                  roles: tuple[str, ...] = ()) -> dict[str, Any]:
        """Create a guild with text channels and named roles; return its GUILD_CREATE payload."""
        gid = self.snowflake()
        everyone = {"id": gid, "name": "@everyone", "permissions": str(MEMBER_PERMISSIONS), "position": 0,
                    "color": 0, "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
                    "hoist": False, "managed": False, "mentionable": False, "flags": 0, "icon": None,
                    "unicode_emoji": None}
        role_list = [everyone] + [dict(everyone, id=self.snowflake(), name=r, position=i + 1)
                                  for i, r in enumerate(roles)]
        chans: list[dict[str, Any]] = [{"id": self.snowflake(), "type": 0, "guild_id": gid, "name": c, "position": i,
                  "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None,
                  "rate_limit_per_user": 0, "last_message_id": None, "flags": 0} for i, c in enumerate(channels)]
        guild = {"id": gid, "name": name, "icon": None, "splash": None, "discovery_splash": None,
                 "owner_id": self.snowflake(), "afk_channel_id": None, "afk_timeout": 300,
                 "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
                 "roles": role_list, "emojis": [], "stickers": [], "features": [], "mfa_level": 0,
                 "system_channel_id": None, "system_channel_flags": 0, "rules_channel_id": None,
                 "vanity_url_code": None, "description": None, "banner": None, "premium_tier": 0,
                 "preferred_locale": "en-US", "public_updates_channel_id": None, "nsfw_level": 0,
                 "premium_progress_bar_enabled": False, "joined_at": _iso(), "large": False, "unavailable": False,
                 "member_count": 2, "voice_states": [], "members": [], "channels": chans, "threads": [],
                 "presences": [], "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": []}
        self.guilds[gid] = guild
        return guild

    def channel(self, guild: dict[str, Any], name: str = "general") -> dict[str, Any]:
        """Return a guild channel by name."""
        return next(c for c in guild["channels"] if c["name"] == name)

    def role(self, guild: dict[str, Any], name: str) -> dict[str, Any]:
        """Return a guild role by name."""
        return next(r for r in guild["roles"] if r["name"] == name)

    # ---- waiting ----------------------------------------------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(self, predicate: Callable[[], Any], wait_s: float = 5.0,
                         what: str = "condition") -> Any:
        """Wait until ``predicate()`` is truthy and return its value; fail clearly on timeout."""
        async def waiter() -> Any:
            async with self._changed:
                while True:
                    value = predicate()
                    if value:
                        return value
                    await self._changed.wait()

        try:
            return await asyncio.wait_for(waiter(), wait_s)
        except TimeoutError:
            raise StandInError(f"timed out after {wait_s}s waiting for {what}; calls: "
                               f"{[(c.method, c.path, c.status) for c in self.calls[-8:]]}") from None

    async def wait_call(self, method: str, pattern: str, wait_s: float = 5.0, after: int = 0) -> Call:
        """Wait for a REST call whose path matches ``pattern`` (a regex), among calls from index ``after``."""
        rx = re.compile(pattern)
        return await self.wait_until(
            lambda: next((c for c in self.calls[after:] if c.method == method and rx.search(c.path)), None),
            wait_s, f"{method} {pattern}")

    # ---- gateway ----------------------------------------------------------------------------------------------------

    async def _send(self, ws: web.WebSocketResponse, op: int, d: Any, t: str | None = None) -> None:
        s = None
        if op == 0:
            self._seq += 1
            s = self._seq
        # Text frames: discord.py only inflates binary frames, so plain JSON text works with compression asked.
        await ws.send_str(json.dumps({"op": op, "d": d, "s": s, "t": t}))

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self.gateway_queries.append(dict(request.query))
        self._sockets.append(ws)
        await self._send(ws, 10, {"heartbeat_interval": 41250})
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                op = frame.get("op")
                if op == 1:
                    await ws.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
                elif op == 2:
                    if frame["d"].get("token") != self.token:
                        await ws.close(code=4004, message=b"Authentication failed.")
                        break
                    self.identify_count += 1
                    shard = frame["d"].get("shard")
                    if shard:
                        self._shards[ws] = (int(shard[0]), int(shard[1]))
                    await self._ready(ws)
                elif op == 6:
                    self.resume_count += 1
                    await self._send(ws, 9, False)  # we keep no sessions: make the client identify again
        finally:
            self._sockets.remove(ws)
            self._shards.pop(ws, None)
        return ws

    def _serves(self, ws: web.WebSocketResponse, guild_id: str | None) -> bool:
        """Tell whether a gateway connection serves a guild: Discord's (guild_id >> 22) % shard_count rule."""
        shard = self._shards.get(ws)
        if shard is None or guild_id is None:
            return True
        return (int(guild_id) >> 22) % shard[1] == shard[0]

    async def _ready(self, ws: web.WebSocketResponse) -> None:
        guilds = [g for g in self.guilds.values() if self._serves(ws, g["id"])]
        ready = {"v": 10, "user": self.bot_user, "guilds": [{"id": g["id"], "unavailable": True} for g in guilds],
                 "session_id": secrets.token_hex(16), "resume_gateway_url": self.gateway_url,
                 "application": {"id": self.app_id, "flags": 0}, "private_channels": [], "relationships": [],
                 "user_settings": {}, "presences": [], "guild_join_requests": [], "geo_ordered_rtc_regions": [],
                 "_trace": ["standin"]}
        if ws in self._shards:
            ready["shard"] = list(self._shards[ws])
        await self._send(ws, 0, ready, "READY")
        for guild in guilds:
            await self._send(ws, 0, guild, "GUILD_CREATE")
        self.identified.set()
        await self._notify()

    async def reconnect(self) -> None:
        """Ask every client to reconnect (op 7), as Discord does when it moves a session."""
        for ws in list(self._sockets):
            await self._send(ws, 7, None)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send one dispatch event to every connected client that serves its guild (by shard)."""
        targets = [ws for ws in self._sockets if self._serves(ws, data.get("guild_id"))]
        if not targets:
            raise StandInError("no gateway connection")
        for ws in targets:
            await self._send(ws, 0, data, event)

    # ---- interactions -----------------------------------------------------------------------------------------------

    def _user(self, user_id: str, name: str) -> dict[str, Any]:
        return {"id": user_id, "username": name, "discriminator": "0", "global_name": name, "avatar": None,
                "public_flags": 0, "flags": 0}

    def _context(self, guild: dict[str, Any] | None, channel: dict[str, Any] | None, user_id: str,
                 permissions: int, roles: tuple[str, ...]) -> dict[str, Any]:
        user = self._user(user_id, f"user{user_id[-4:]}")
        if guild is None:
            dm = self.dm_channels.setdefault(user_id, {"id": self.snowflake(), "type": 1, "recipients": [user],
                                                        "last_message_id": None, "flags": 0})
            return {"channel_id": dm["id"], "channel": dm, "user": user, "context": 1,
                    "authorizing_integration_owners": {"0": user_id}, "app_permissions": str(MEMBER_PERMISSIONS)}
        assert channel is not None
        member = {"user": user, "roles": [self.role(guild, r)["id"] for r in roles], "joined_at": _iso(),
                  "deaf": False, "mute": False, "flags": 0, "pending": False, "nick": None, "avatar": None,
                  "banner": None, "premium_since": None, "communication_disabled_until": None,
                  "permissions": str(permissions)}
        return {"guild_id": guild["id"], "guild": {"id": guild["id"], "locale": "en-US", "features": []},
                "channel_id": channel["id"], "channel": dict(channel, permissions=str(permissions)),
                "member": member, "guild_locale": "en-US", "context": 0,
                "authorizing_integration_owners": {"0": guild["id"]}, "app_permissions": str(MEMBER_PERMISSIONS)}

    def _schema(self, name: str, guild: dict[str, Any] | None) -> dict[str, Any]:
        scopes = ([guild["id"]] if guild else []) + ["global"]
        for scope in scopes:
            cmd = self.commands.get(scope, {}).get(name)
            if cmd:
                return cmd
        raise StandInError(f"/{name} was never synced")

    @staticmethod
    def _options(schema: dict[str, Any], values: dict[str, Any], focused: str | None) -> list[dict[str, Any]]:
        by_name = {o["name"]: o for o in schema.get("options", [])}
        out = []
        for key, value in values.items():
            opt = by_name.get(key)
            if opt is None:
                raise StandInError(f"option {key!r} is not in the synced schema {sorted(by_name)}")
            entry: dict[str, Any] = {"name": key, "type": opt["type"], "value": value}
            if key == focused:
                entry["focused"] = True
            out.append(entry)
        for o in by_name.values():
            if o.get("required") and o["name"] not in values and focused is None:
                raise StandInError(f"required option {o['name']!r} missing")
        return out

    def command_payload(self, command: str, options: dict[str, Any] | None = None, *,
                        guild: dict[str, Any] | None, channel: dict[str, Any] | None = None,
                        user_id: str = "", permissions: int = MEMBER_PERMISSIONS, roles: tuple[str, ...] = (),
                        focused: str | None = None) -> dict[str, Any]:
        """Build an APPLICATION_COMMAND (or, with ``focused``, AUTOCOMPLETE) interaction from the synced schema."""
        words = command.split()
        top = self._schema(words[0], guild)
        if len(words) == 2:
            sub = next((o for o in top.get("options", []) if o["name"] == words[1] and o["type"] == 1), None)
            if sub is None:
                raise StandInError(f"/{command} is not a synced subcommand")
            opts = [{"name": words[1], "type": 1, "options": self._options(sub, options or {}, focused)}]
        else:
            opts = self._options(top, options or {}, focused)
        data: dict[str, Any] = {"id": top["id"], "name": top["name"], "type": 1, "options": opts}
        if top.get("guild_id"):
            data["guild_id"] = top["guild_id"]
        if channel is None and guild is not None:
            channel = guild["channels"][0]
        return self._interaction(4 if focused else 2, data, guild, channel, user_id, permissions, roles)

    def component_payload(self, message: dict[str, Any], custom_id: str, *, guild: dict[str, Any] | None,
                          channel: dict[str, Any] | None = None, user_id: str = "",
                          permissions: int = MEMBER_PERMISSIONS) -> dict[str, Any]:
        """Build a MESSAGE_COMPONENT interaction: someone pressed a button on ``message``."""
        if channel is None and guild is not None:
            channel = next(c for c in guild["channels"] if c["id"] == message["channel_id"])
        payload = self._interaction(3, {"custom_id": custom_id, "component_type": 2}, guild, channel, user_id,
                                    permissions, ())
        payload["message"] = message
        return payload

    def _interaction(self, itype: int, data: dict[str, Any], guild: dict[str, Any] | None,
                     channel: dict[str, Any] | None, user_id: str, permissions: int,
                     roles: tuple[str, ...]) -> dict[str, Any]:
        payload = {"id": self.snowflake(), "application_id": self.app_id, "type": itype, "data": data,
                   "token": "itok-" + secrets.token_urlsafe(24), "version": 1, "locale": "en-US",
                   "entitlements": [], "attachment_size_limit": 26_214_400,
                   **self._context(guild, channel, user_id or self.snowflake(), permissions, roles)}
        return payload

    async def send_interaction(self, payload: dict[str, Any]) -> InteractionRecord:
        """Dispatch INTERACTION_CREATE and return the record the bot's answers will fill."""
        rec = InteractionRecord(payload=payload, sent_at=time.perf_counter())
        self.interactions[payload["id"]] = rec
        await self.dispatch("INTERACTION_CREATE", payload)
        return rec

    def _answer(self, rec: InteractionRecord) -> dict[str, Any] | None:
        """Return the message the user sees as the answer: the original once it is not loading, or a follow-up."""
        if rec.original_id and rec.original_id in self.messages:
            msg = self.messages[rec.original_id]
            if not msg["flags"] & LOADING:
                return msg
        if rec.followups:
            return self.messages[rec.followups[-1]]
        return None

    async def answer(self, rec: InteractionRecord, wait_s: float = 5.0) -> dict[str, Any]:
        """Wait for the visible answer to an interaction and return the message."""
        return await self.wait_until(lambda: self._answer(rec), wait_s, f"an answer to {rec.payload['data']}")

    async def invoke(self, command: str, options: dict[str, Any] | None = None, *, guild: dict[str, Any] | None,
                     wait_s: float = 5.0, **kw: Any) -> dict[str, Any]:
        """Run a slash command and return the answer message."""
        rec = await self.send_interaction(self.command_payload(command, options, guild=guild, **kw))
        return await self.answer(rec, wait_s)

    async def autocomplete(self, command: str, options: dict[str, Any], focused: str, *,
                           guild: dict[str, Any] | None, wait_s: float = 5.0, **kw: Any) -> list[dict[str, Any]]:
        """Type into an option and return the choices the bot offers."""
        rec = await self.send_interaction(self.command_payload(command, options, guild=guild, focused=focused, **kw))
        await self.wait_until(lambda: rec.choices is not None, wait_s, "autocomplete choices")
        return rec.choices or []

    # ---- REST -------------------------------------------------------------------------------------------------------

    def _new_message(self, channel_id: str, data: dict[str, Any], files: list[tuple[str, bytes]], *,
                     interaction: InteractionRecord | None = None, flags: int = 0) -> dict[str, Any]:
        mid = self.snowflake()
        attachments = self._attachments(channel_id, data, files)
        msg: dict[str, Any] = {
            "id": mid, "channel_id": channel_id, "author": self.bot_user, "content": data.get("content") or "",
            "timestamp": _iso(), "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [],
            "mention_roles": [], "mention_channels": [], "attachments": attachments,
            "embeds": [dict(e, type="rich") for e in data.get("embeds") or []], "pinned": False, "type": 0,
            "flags": flags | (data.get("flags") or 0) & EPHEMERAL, "components": data.get("components") or [],
            "_blobs": [blob for _, blob in files]}
        if interaction is not None:
            p = interaction.payload
            msg.update(type=20 if p["type"] == 2 else 0, webhook_id=self.app_id, application_id=self.app_id,
                       interaction_metadata={"id": p["id"], "type": p["type"],
                                             "user": (p.get("member") or {}).get("user") or p.get("user"),
                                             "authorizing_integration_owners": p["authorizing_integration_owners"]})
        guild_id = next((g for g, gd in self.guilds.items() if any(c["id"] == channel_id for c in gd["channels"])),
                        None)
        if guild_id:
            msg["guild_id"] = guild_id
        self.messages[mid] = msg
        return msg

    def _attachments(self, channel_id: str, data: dict[str, Any], files: list[tuple[str, bytes]]
                     ) -> list[dict[str, Any]]:
        out = []
        for (name, blob), meta in zip(files, data.get("attachments") or [{}] * len(files), strict=False):
            aid = self.snowflake()
            filename = meta.get("filename") or name
            out.append({"id": aid, "filename": filename, "size": len(blob),
                        "url": f"http://127.0.0.1:{self.port}/attachments/{channel_id}/{aid}/{filename}",
                        "proxy_url": f"http://127.0.0.1:{self.port}/attachments/{aid}",
                        "content_type": "image/png" if filename.endswith(".png") else None})
        return out

    @staticmethod
    def public(msg: dict[str, Any]) -> dict[str, Any]:
        """Return a message without the stand-in's private keys (as Discord would send it)."""
        return {k: v for k, v in msg.items() if not k.startswith("_")}

    def _edit(self, msg: dict[str, Any], data: dict[str, Any], files: list[tuple[str, bytes]]) -> None:
        for key in ("content", "components"):
            if key in data:
                msg[key] = data[key] or ([] if key == "components" else "")
        if "embeds" in data:
            msg["embeds"] = [dict(e, type="rich") for e in data["embeds"] or []]
        if "attachments" in data and not files:
            keep = {str(a.get("id")) for a in data["attachments"] or []}
            msg["attachments"] = [a for a in msg["attachments"] if a["id"] in keep]
        msg["flags"] &= ~LOADING
        msg["edited_timestamp"] = _iso()

    async def _read_body(self, request: web.Request) -> tuple[Any, list[tuple[str, bytes]]]:
        ctype = request.headers.get("Content-Type", "")
        if ctype.startswith("multipart/"):
            payload: Any = None
            files: list[tuple[str, bytes]] = []
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                blob = await part.read()  # type: ignore[union-attr]
                if part.name == "payload_json":  # type: ignore[union-attr]
                    payload = json.loads(blob)
                else:
                    files.append((part.filename or "file", bytes(blob)))  # type: ignore[union-attr]
            return payload, files
        raw = await request.read()
        if not raw:
            return None, []
        if not ctype.startswith("application/json"):
            raise StandInError(f"unexpected request body type {ctype!r}")
        return json.loads(raw), []

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        body, files = await self._read_body(request)
        call = Call(request.method, request.path, dict(request.query), body, files, time.perf_counter())
        self.calls.append(call)
        try:
            resp = await self._route(request, call)
        except StandInError as exc:
            resp = _error(400, 50035, f"Invalid Form Body: {exc}")
        call.status = resp.status
        await self._notify()
        return resp

    async def _route(self, request: web.Request, call: Call) -> web.Response:
        path, method, body = call.path, call.method, call.body
        if not path.startswith("/api/v10/"):
            return _error(404, 0, "404: Not Found")
        parts = path[len("/api/v10/"):].split("/")
        is_webhook = parts[0] in ("webhooks", "interactions")
        if not is_webhook and request.headers.get("Authorization") != f"Bot {self.token}":
            return _error(401, 0, "401: Unauthorized")
        match (method, parts):
            case ("GET", ["users", "@me"]):
                return _json(200, self.bot_user)
            case ("GET", ["oauth2", "applications", "@me"]):
                return _json(200, {"id": self.app_id, "name": "newsbot", "description": "", "icon": None,
                                   "bot_public": False, "bot_require_code_grant": False, "verify_key": "0" * 64,
                                   "owner": dict(self.bot_user, bot=False), "flags": 0, "team": None,
                                   "summary": "", "rpc_origins": [], "bot": self.bot_user})
            case ("PUT", ["applications", app, "commands"]) if app == self.app_id:
                return _json(200, self._sync("global", body))
            case ("PUT", ["applications", app, "guilds", gid, "commands"]) if app == self.app_id:
                if gid not in self.guilds:
                    return _error(403, 50001, "Missing Access")
                return _json(200, self._sync(gid, body))
            case ("POST", ["channels", cid, "messages"]):
                return self._post_message(cid, body, call.files)
            case ("POST", ["interactions", iid, token, "callback"]):
                return self._callback(iid, token, body, call.files, call.query)
            case ("POST", ["webhooks", app, token]) if app == self.app_id:
                return self._followup(token, body, call.files, call.query)
            case ("PATCH" | "GET" | "DELETE", ["webhooks", app, token, "messages", mid]) if app == self.app_id:
                return self._webhook_message(method, token, mid, body, call.files)
        return _error(404, 0, "404: Not Found")

    def _sync(self, scope: str, body: Any) -> list[dict[str, Any]]:
        if not isinstance(body, list) or len(body) > 100:
            raise StandInError("a bulk overwrite takes a list of at most 100 commands")
        out, by_name = [], {}
        for cmd in body:
            self._check_command(cmd)
            stored = dict(cmd, id=self.snowflake(), application_id=self.app_id, version=self.snowflake(),
                          type=cmd.get("type", 1), default_member_permissions=cmd.get("default_member_permissions"))
            if scope != "global":
                stored["guild_id"] = scope
            if stored["name"] in by_name:
                raise StandInError(f"duplicate command name {stored['name']}")
            by_name[stored["name"]] = stored
            out.append(stored)
        self.commands[scope] = by_name
        self.synced.set()
        return out

    def _check_command(self, cmd: dict[str, Any], depth: int = 0) -> None:
        name, desc = cmd.get("name", ""), cmd.get("description", "")
        if not _NAME.match(name) or name != name.lower():
            raise StandInError(f"bad command or option name {name!r}")
        if not 1 <= len(desc) <= 100:
            raise StandInError(f"description of {name} must be 1..100 characters")
        opts = cmd.get("options") or []
        if len(opts) > 25:
            raise StandInError(f"{name} has more than 25 options")
        seen_optional = False
        for o in opts:
            if o.get("type") in (1, 2):
                if depth >= 2:
                    raise StandInError("subcommands nest at most two levels")
                self._check_command(o, depth + 1)
                continue
            self._check_command({"name": o.get("name", ""), "description": o.get("description", "")}, depth)
            if o.get("required"):
                if seen_optional:
                    raise StandInError(f"required option {o['name']} after an optional one in {name}")
            else:
                seen_optional = True
            if o.get("autocomplete") and o.get("choices"):
                raise StandInError(f"option {o['name']} has both choices and autocomplete")
            if len(o.get("choices") or []) > 25:
                raise StandInError(f"option {o['name']} has more than 25 choices")

    def _post_message(self, cid: str, body: Any, files: list[tuple[str, bytes]]) -> web.Response:
        known = {c["id"] for g in self.guilds.values() for c in g["channels"]} | {
            d["id"] for d in self.dm_channels.values()}
        if cid not in known:
            return _error(404, 10003, "Unknown Channel")
        if cid in self.forbidden_channels:
            return _error(403, 50013, "Missing Permissions")
        problems = check_message(body or {})
        if problems:
            raise StandInError("; ".join(problems))
        if not (body or {}).get("content") and not (body or {}).get("embeds") and not files:
            return _error(400, 50006, "Cannot send an empty message")
        return _json(200, self.public(self._new_message(cid, body, files)))

    def _by_token(self, token: str) -> InteractionRecord:
        rec = next((r for r in self.interactions.values() if r.payload["token"] == token), None)
        if rec is None:
            raise StandInError("unknown interaction token")
        return rec

    def _callback(self, iid: str, token: str, body: Any, files: list[tuple[str, bytes]],
                  query: dict[str, str]) -> web.Response:
        rec = self.interactions.get(iid)
        if rec is None or rec.payload["token"] != token:
            return _error(404, 10062, "Unknown interaction")
        if rec.callbacks:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        ctype, data = body.get("type"), body.get("data") or {}
        rec.callbacks.append(body)
        rec.callback_at = time.perf_counter()
        p = rec.payload
        msg: dict[str, Any] | None = None
        if ctype == 8:
            if p["type"] != 4:
                raise StandInError("autocomplete results answer only autocomplete interactions")
            choices = data.get("choices")
            if not isinstance(choices, list) or len(choices) > 25:
                raise StandInError("autocomplete needs a list of at most 25 choices")
            for c in choices:
                if not 1 <= len(str(c.get("name", ""))) <= 100 or "value" not in c:
                    raise StandInError(f"bad choice {c!r}")
            rec.choices = choices
            return web.Response(status=204)
        if p["type"] == 4:
            raise StandInError("an autocomplete interaction can only be answered with type 8")
        if ctype == 4:
            problems = check_message(data)
            if problems:
                raise StandInError("; ".join(problems))
            msg = self._new_message(p["channel_id"], data, files, interaction=rec)
            rec.original_id = msg["id"]
        elif ctype == 5:
            msg = self._new_message(p["channel_id"], {"flags": data.get("flags", 0)}, [], interaction=rec,
                                    flags=LOADING)
            rec.original_id = msg["id"]
        elif ctype in (6, 7):
            if p["type"] != 3:
                raise StandInError("update responses are only for component interactions")
            msg = self.messages.get(p["message"]["id"])
            if msg is None:
                return _error(404, 10008, "Unknown Message")
            if ctype == 7:
                problems = check_message({**msg, **data})
                if problems:
                    raise StandInError("; ".join(problems))
                self._edit(msg, data, files)
        else:
            raise StandInError(f"unsupported callback type {ctype}")
        if query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)
        resp: dict[str, Any] = {"interaction": {
            "id": iid, "type": p["type"], "activity_instance_id": None,
            "response_message_id": msg["id"] if msg else None, "response_message_loading": ctype == 5,
            "response_message_ephemeral": bool(msg and msg["flags"] & EPHEMERAL)}}
        if msg is not None and ctype != 6:
            resp["resource"] = {"type": ctype, "message": self.public(msg)}
        return _json(200, resp)

    def _followup(self, token: str, body: Any, files: list[tuple[str, bytes]], query: dict[str, str]
                  ) -> web.Response:
        rec = self._by_token(token)
        if not rec.callbacks:
            raise StandInError("a follow-up needs an initial response first")
        problems = check_message(body or {})
        if problems:
            raise StandInError("; ".join(problems))
        original = self.messages.get(rec.original_id or "")
        if original is not None and original["flags"] & LOADING:
            # Discord: the first follow-up after a deferral becomes the deferred message itself.
            self._edit(original, body, files)
            if files:
                original["attachments"] = self._attachments(original["channel_id"], body, files)
                original["_blobs"] = [blob for _, blob in files]
            msg = original
        else:
            msg = self._new_message(rec.payload["channel_id"], body, files, interaction=rec,
                                    flags=(body or {}).get("flags", 0) & EPHEMERAL)
            rec.followups.append(msg["id"])
        if query.get("wait") in ("1", "true", "True"):
            return _json(200, self.public(msg))
        return web.Response(status=204)

    def _webhook_message(self, method: str, token: str, mid: str, body: Any,
                         files: list[tuple[str, bytes]]) -> web.Response:
        rec = self._by_token(token)
        if mid == "@original":
            mid = rec.original_id or ""
        owned = {rec.original_id, *rec.followups}
        msg = self.messages.get(mid)
        if msg is None or mid not in owned:
            return _error(404, 10008, "Unknown Message")
        if method == "GET":
            return _json(200, self.public(msg))
        if method == "DELETE":
            del self.messages[mid]
            return web.Response(status=204)
        problems = check_message({**msg, **(body or {})})
        if problems:
            raise StandInError("; ".join(problems))
        self._edit(msg, body or {}, files)
        return _json(200, self.public(msg))
