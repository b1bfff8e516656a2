"""A loopback stand-in for the Slack Web API and response_url endpoints, recording every call it gets."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TEAM_ID = "T0TEST"
BOT_USER = "U0BOT"


@dataclass
class Call:
    """One request the stand-in received."""

    method: str  # the Web API method ("chat.postMessage") or "respond"
    args: dict[str, Any]
    authorization: str | None = None


@dataclass
class SlackStandIn:
    """Serve ``/api/<method>`` and ``/respond/<token>`` on 127.0.0.1 with an ephemeral port."""

    token: str
    team_id: str = TEAM_ID
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: set[str] = field(default_factory=set)
    usergroups: list[dict[str, Any]] = field(default_factory=list)
    extra_routes: dict[str, Callable[[web.Request], Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    rate_limit_next: int = 0  # answer this many chat.postMessage calls with 429 first
    bad_auth: int = 0
    port: int = 0
    _runner: web.AppRunner | None = None
    _changed: asyncio.Condition | None = None
    _ts: int = 0

    @property
    def url(self) -> str:
        """Return the stand-in's base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """Return the Web API base URL (what SLACK_API_BASE_URL is set to)."""
        return f"{self.url}/api/"

    def response_url(self, name: str) -> str:
        """Return a response_url for a request; its posts are recorded as ``respond`` calls."""
        return f"{self.url}/respond/{name}"

    async def start(self) -> SlackStandIn:
        """Start listening."""
        self._changed = asyncio.Condition()
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{name}", self._respond)
        for path, handler in self.extra_routes.items():
            app.router.add_get(path, handler)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()

    # ---- recording ------------------------------------------------------------------------------------------

    async def _record(self, call: Call) -> None:
        assert self._changed is not None
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def of(self, method: str, **match: Any) -> list[Call]:
        """Return the recorded calls of a method whose args include ``match``."""
        return [c for c in self.calls if c.method == method and all(c.args.get(k) == v for k, v in match.items())]

    async def wait_for(self, method: str, count: int = 1, within: float = 10.0, **match: Any) -> list[Call]:
        """Wait until ``count`` calls of ``method`` matching ``match`` arrived; return them."""
        assert self._changed is not None

        async def enough() -> None:
            assert self._changed is not None
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.of(method, **match)) >= count)

        await asyncio.wait_for(enough(), within)
        return self.of(method, **match)

    # ---- endpoints ------------------------------------------------------------------------------------------

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(await request.post()))
        for key in ("blocks", "attachments"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    @staticmethod
    def _json(data: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        return web.Response(body=json.dumps(data).encode(), status=status,
                            headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})})

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        auth = request.headers.get("Authorization")
        args = await self._args(request)
        await self._record(Call(method, args, auth))
        if auth != f"Bearer {self.token}":
            self.bad_auth += 1
            return self._json({"ok": False, "error": "invalid_auth"})
        if method == "auth.test":
            return self._json({"ok": True, "url": f"{self.url}/", "team": "Test Team", "user": "newsbot",
                               "team_id": self.team_id, "user_id": BOT_USER, "bot_id": "B0BOT"})
        if method == "chat.postMessage":
            return self._post_message(args)
        if method == "users.info":
            user = self.users.get(str(args.get("user")))
            if user is None:
                return self._json({"ok": False, "error": "user_not_found"})
            return self._json({"ok": True, "user": {"id": args["user"], "team_id": self.team_id, **user}})
        if method == "usergroups.list":
            return self._json({"ok": True, "usergroups": [{k: v for k, v in g.items() if k != "users"}
                                                          for g in self.usergroups]})
        if method == "usergroups.users.list":
            for g in self.usergroups:
                if g["id"] == args.get("usergroup"):
                    return self._json({"ok": True, "users": list(g.get("users", []))})
            return self._json({"ok": False, "error": "no_such_subteam"})
        return self._json({"ok": False, "error": "unknown_method"}, status=404)

    def _post_message(self, args: dict[str, Any]) -> web.Response:
        if self.rate_limit_next > 0:
            self.rate_limit_next -= 1
            # Retry-After 0 keeps the test fast; the client still has to wait and try again.
            return self._json({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "0"})
        channel = str(args.get("channel"))
        if channel not in self.channels:
            return self._json({"ok": False, "error": "channel_not_found"})
        if not args.get("text") and not args.get("blocks"):
            return self._json({"ok": False, "error": "no_text"})
        blocks = args.get("blocks") or []
        if len(blocks) > 50:
            return self._json({"ok": False, "error": "invalid_blocks"})
        self._ts += 1
        ts = f"1700000000.{self._ts:06d}"
        return self._json({"ok": True, "channel": channel, "ts": ts,
                           "message": {"type": "message", "text": args.get("text", ""), "ts": ts}})

    async def _respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        await self._record(Call("respond", {"name": request.match_info["name"], **body}))
        return web.Response(text="ok")
