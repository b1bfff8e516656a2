"""A loopback stand-in for the Slack Web API, response_url and file-upload endpoints, recording every call it gets."""

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

    method: str  # the Web API method ("chat.postMessage"), "respond", or "upload" (bytes sent to an upload URL)
    args: dict[str, Any]
    authorization: str | None = None


@dataclass
class Upload:
    """One file of the files.getUploadURLExternal / upload URL / files.completeUploadExternal flow."""

    file_id: str
    filename: str
    length: int
    data: bytes | None = None  # what was POSTed to the upload URL
    title: str | None = None
    channel: str | None = None
    thread_ts: str | None = None
    completed: bool = False


@dataclass
class SlackStandIn:
    """Serve ``/api/<method>``, ``/respond/<token>`` and ``/upload/<file id>`` on 127.0.0.1 with an ephemeral port."""

    token: str
    team_id: str = TEAM_ID
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: set[str] = field(default_factory=set)
    usergroups: list[dict[str, Any]] = field(default_factory=list)
    extra_routes: dict[str, Callable[[web.Request], Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    rate_limit_next: int = 0  # answer this many chat.postMessage calls with 429 first
    files_write: bool = True  # False: the token lacks files:write, so the file methods answer missing_scope
    uploads: dict[str, Upload] = field(default_factory=dict)
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
        app.router.add_post("/upload/{file_id}", self._upload)
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

    async def _notify(self) -> None:
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()

    def completed_uploads(self, **match: Any) -> list[Upload]:
        """Return the uploads that files.completeUploadExternal finished, whose fields include ``match``."""
        return [u for u in self.uploads.values()
                if u.completed and all(getattr(u, k) == v for k, v in match.items())]

    async def wait_for_upload(self, within: float = 10.0, **match: Any) -> Upload:
        """Wait until an upload matching ``match`` is completed; return the first."""
        assert self._changed is not None

        async def done() -> None:
            assert self._changed is not None
            async with self._changed:
                await self._changed.wait_for(lambda: bool(self.completed_uploads(**match)))

        await asyncio.wait_for(done(), within)
        return self.completed_uploads(**match)[0]

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
        for key in ("blocks", "attachments", "files"):
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
        if method in ("files.getUploadURLExternal", "files.completeUploadExternal"):
            if not self.files_write:
                return self._json({"ok": False, "error": "missing_scope", "needed": "files:write",
                                   "provided": "commands,chat:write,chat:write.public,users:read"})
            resp = self._upload_url(args) if method == "files.getUploadURLExternal" else self._complete_upload(args)
            await self._notify()
            return resp
        return self._json({"ok": False, "error": "unknown_method"}, status=404)

    def _upload_url(self, args: dict[str, Any]) -> web.Response:
        filename, length = args.get("filename"), str(args.get("length", ""))
        if not filename or not length.isdigit() or int(length) <= 0:
            return self._json({"ok": False, "error": "invalid_arguments"})
        file_id = f"F0{len(self.uploads) + 1:06d}"
        self.uploads[file_id] = Upload(file_id, str(filename), int(length))
        # Real Slack hands out https://files.slack.com/upload/v1/…; this one stays on the stand-in's loopback port.
        return self._json({"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id})

    def _complete_upload(self, args: dict[str, Any]) -> web.Response:
        files = args.get("files")
        if not isinstance(files, list) or not files:
            return self._json({"ok": False, "error": "invalid_arguments"})
        channel = args.get("channel_id")
        if channel is not None and channel not in self.channels:
            return self._json({"ok": False, "error": "channel_not_found"})
        done = []
        for f in files:
            upload = self.uploads.get(str(f.get("id")))
            if upload is None or upload.data is None or upload.completed:
                return self._json({"ok": False, "error": "file_not_found"})
            if len(upload.data) != upload.length:
                return self._json({"ok": False, "error": "file_upload_size_mismatch"})
            done.append(upload)
        for upload, f in zip(done, files, strict=True):
            upload.title, upload.channel, upload.thread_ts = f.get("title"), channel, args.get("thread_ts")
            upload.completed = True
        return self._json({"ok": True, "files": [
            {"id": u.file_id, "name": u.filename, "title": u.title, "size": u.length,
             "channels": [u.channel] if u.channel else []} for u in done]})

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

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        data = await request.read()
        await self._record(Call("upload", {"file_id": file_id, "size": len(data)},
                                request.headers.get("Authorization")))
        upload = self.uploads.get(file_id)
        if upload is None or upload.data is not None:
            return web.Response(status=404, text="invalid upload URL")
        upload.data = data
        # Like files.slack.com: plain text, which slack_sdk reads as the upload's outcome.
        return web.Response(text=f"OK - {len(data)}")

    async def _respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        await self._record(Call("respond", {"name": request.match_info["name"], **body}))
        return web.Response(text="ok")
