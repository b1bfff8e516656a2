"""A strict loopback stand-in for Slack: the Web API, ``response_url``, file uploads, and the request to the app.

Every rule it enforces is one row of ``RULES`` (limit, value, the answer Slack gives), read by the tests instead of
the renderer's own constants. Web API methods answer HTTP 200 with ``{"ok": false, "error": …}`` the way Slack
does (unknown methods included); ``response_url`` answers like an incoming webhook (an HTTP error status and the
error code as plain text). Each message is scanned for the broadcasts and mentions Slack would notify.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

TEAM_ID = "T0TEST"
BOT_USER = "U0BOT"


@dataclass(frozen=True, slots=True)
class Rule:
    """One thing Slack refuses: the limit, its value, and the answer (HTTP status, error code)."""

    name: str
    value: Any
    status: int
    error: str
    what: str


RULES: dict[str, Rule] = {r.name: r for r in (
    # Web API envelope (docs.slack.dev/apis/web-api: "always a top-level ok"; errors are HTTP 200 + ok:false).
    Rule("api.unknown_method", "a known method", 200, "unknown_method", "a method Slack does not have"),
    Rule("api.auth", "Bearer <bot token>", 200, "invalid_auth", "the bot token must accompany every call"),
    Rule("api.json", "valid JSON", 200, "invalid_json", "an application/json body must parse"),
    Rule("api.ratelimit", "Retry-After", 429, "ratelimited", "a rate-limited call is answered 429 with Retry-After"),
    # chat.postMessage (docs: reference/methods/chat.postMessage).
    Rule("post.channel", "a known channel", 200, "channel_not_found", "posting to an unknown channel"),
    Rule("post.no_text", "text or blocks", 200, "no_text", "a message needs text or blocks"),
    Rule("post.text_length", 40_000, 200, "msg_too_long", "top-level text at most 40,000 characters"),
    Rule("post.thread_ts", "ts of a message in that channel", 200, "invalid_thread_ts",
         "thread_ts must name a message posted in that channel"),
    # Block Kit (docs: reference/block-kit/blocks/*, block-elements/button-element, composition-objects/text-object).
    Rule("blocks.count", 50, 200, "invalid_blocks", "at most 50 blocks a message"),
    Rule("blocks.type", "section, header, context, divider, actions, image, rich_text, markdown", 200,
         "invalid_blocks", "only block types that exist in messages"),
    Rule("block.block_id", 255, 200, "invalid_blocks", "block_id at most 255 characters, unique in a message"),
    Rule("text.type", "plain_text or mrkdwn, 1+ characters", 200, "invalid_blocks",
         "a text object has a valid type and is not empty"),
    Rule("header.text", 150, 200, "invalid_blocks", "a header is plain_text of at most 150 characters"),
    Rule("section.text", 3000, 200, "invalid_blocks", "section text at most 3000 characters"),
    Rule("section.fields", "10 fields of 2000", 200, "invalid_blocks",
         "section needs text or fields; at most 10 fields of 2000 characters"),
    Rule("context.elements", "10 elements of 3000", 200, "invalid_blocks",
         "context holds 1..10 text/image elements, text at most 3000 characters"),
    Rule("actions.elements", 25, 200, "invalid_blocks", "an actions block holds 1..25 elements"),
    Rule("button.text", 75, 200, "invalid_blocks", "a button label is plain_text of at most 75 characters"),
    Rule("button.action_id", "255, unique in its block", 200, "invalid_blocks",
         "action_id at most 255 characters and unique within its block"),
    Rule("button.value", 2000, 200, "invalid_blocks", "button value at most 2000 characters"),
    Rule("button.url", 3000, 200, "invalid_blocks", "button url at most 3000 characters"),
    # reference/block-kit/blocks/rich-text-block and block-elements/rich-text-*-element.
    Rule("rich_text.elements", "sections, lists, quotes, preformatted of text, link, emoji, user, channel, "
         "usergroup, broadcast, date", 200, "invalid_blocks",
         "a rich_text block holds rich text sections, lists, quotes or preformatted text, and those hold text "
         "(1+ characters), links (http(s) url), emoji, mentions or dates"),
    # response_url (docs: interactivity/handling-user-interaction#message_responses, like incoming webhooks).
    Rule("respond.json", "application/json body", 400, "invalid_payload", "response_url takes a JSON body"),
    Rule("respond.response_type", "in_channel or ephemeral", 400, "invalid_payload",
         "response_type, when given, is in_channel or ephemeral"),
    Rule("respond.no_text", "text or blocks", 400, "no_text", "a response needs text or blocks"),
    Rule("respond.blocks", "Block Kit rules above", 400, "invalid_blocks", "a response's blocks follow Block Kit"),
    Rule("respond.uses", 5, 404, "used_url", "a response_url takes at most 5 posts"),
    Rule("respond.expiry_s", 30 * 60.0, 404, "expired_url", "a response_url works for 30 minutes"),
    # The request Slack sends the app (docs: interactivity/slash-commands "Responding to the command").
    Rule("ack.deadline_s", 3.0, 0, "operation_timeout",
         "the app must answer (ack) a slash command or action within 3 s, or the user sees operation_timeout"),
    # Files (files.getUploadURLExternal / completeUploadExternal).
    Rule("files.scope", "files:write", 200, "missing_scope", "uploads need the files:write scope"),
    Rule("files.arguments", "filename and length", 200, "invalid_arguments", "an upload URL needs filename, length"),
    Rule("files.complete", "uploaded, same size", 200, "file_not_found", "complete only files that were uploaded"),
)}


def limit(name: str) -> Any:
    """Return the value of a rule (e.g. ``limit("header.text") == 150``)."""
    return RULES[name].value


MESSAGE_BLOCK_TYPES = frozenset({"section", "header", "context", "divider", "actions", "image", "rich_text",
                                 "markdown", "file", "video"})


def block_problems(blocks: Any) -> list[tuple[str, str]]:
    """Return (rule, detail) for every Block Kit rule ``blocks`` break (empty when Slack would accept them)."""
    out: list[tuple[str, str]] = []
    if not isinstance(blocks, list):
        return [("blocks.type", "blocks must be a list")]
    if len(blocks) > limit("blocks.count"):
        out.append(("blocks.count", f"{len(blocks)} blocks (max 50)"))
    block_ids: set[str] = set()

    def text_obj(obj: Any, where: str, max_len: int, rule: str, *, plain_only: bool = False) -> None:
        if not isinstance(obj, dict) or obj.get("type") not in (("plain_text",) if plain_only
                                                                 else ("plain_text", "mrkdwn")):
            out.append((rule if plain_only else "text.type", f"{where}: text object of type "
                        f"{(obj or {}).get('type') if isinstance(obj, dict) else type(obj).__name__}"))
            return
        text = obj.get("text")
        if not isinstance(text, str) or not text:
            out.append(("text.type", f"{where}: must be more than 0 characters"))
        elif len(text) > max_len:
            out.append((rule, f"{where}: {len(text)} characters (max {max_len})"))

    for i, b in enumerate(blocks):
        where = f"blocks/{i}"
        btype = b.get("type") if isinstance(b, dict) else None
        if btype not in MESSAGE_BLOCK_TYPES:
            out.append(("blocks.type", f"{where}: unknown block type {btype!r}"))
            continue
        bid = b.get("block_id")
        if bid is not None:
            if not isinstance(bid, str) or not 1 <= len(bid) <= 255 or bid in block_ids:
                out.append(("block.block_id", f"{where}: block_id {bid!r} is too long, empty or repeated"))
            block_ids.add(str(bid))
        if btype == "header":
            text_obj(b.get("text"), f"{where}/text", limit("header.text"), "header.text", plain_only=True)
        elif btype == "section":
            if b.get("text") is None and not b.get("fields"):
                out.append(("section.fields", f"{where}: needs text or fields"))
            if b.get("text") is not None:
                text_obj(b["text"], f"{where}/text", limit("section.text"), "section.text")
            fields = b.get("fields") or []
            if len(fields) > 10:
                out.append(("section.fields", f"{where}/fields: {len(fields)} fields (max 10)"))
            for j, f in enumerate(fields):
                text_obj(f, f"{where}/fields/{j}", 2000, "section.fields")
        elif btype == "context":
            elements = b.get("elements") or []
            if not 1 <= len(elements) <= 10:
                out.append(("context.elements", f"{where}/elements: {len(elements)} elements (1..10)"))
            for j, e in enumerate(elements):
                if isinstance(e, dict) and e.get("type") == "image":
                    continue
                text_obj(e, f"{where}/elements/{j}", 3000, "context.elements")
        elif btype == "rich_text":
            out += [("rich_text.elements", f"{where}/{p}") for p in _rich_text_problems(b.get("elements"))]
        elif btype == "actions":
            elements = b.get("elements") or []
            if not 1 <= len(elements) <= limit("actions.elements"):
                out.append(("actions.elements", f"{where}/elements: {len(elements)} elements (1..25)"))
            action_ids: set[str] = set()
            for j, e in enumerate(elements):
                at = f"{where}/elements/{j}"
                if not isinstance(e, dict) or e.get("type") != "button":
                    continue
                text_obj(e.get("text"), f"{at}/text", limit("button.text"), "button.text", plain_only=True)
                aid = e.get("action_id")
                if aid is not None:
                    if not isinstance(aid, str) or not 1 <= len(aid) <= 255 or aid in action_ids:
                        out.append(("button.action_id", f"{at}/action_id: {aid!r} too long, empty or repeated"))
                    action_ids.add(str(aid))
                if len(str(e.get("value", ""))) > limit("button.value"):
                    out.append(("button.value", f"{at}/value: longer than 2000 characters"))
                if len(str(e.get("url", ""))) > limit("button.url"):
                    out.append(("button.url", f"{at}/url: longer than 3000 characters"))
    return out


_RICH_CONTAINERS = frozenset({"rich_text_section", "rich_text_list", "rich_text_quote", "rich_text_preformatted"})
_RICH_LEAVES = frozenset({"text", "link", "emoji", "user", "channel", "usergroup", "broadcast", "date"})


def _rich_text_problems(elements: Any) -> list[str]:
    """Return what is wrong with a rich_text block's elements (empty when Slack would accept them)."""
    if not isinstance(elements, list) or not elements:
        return ["elements: a rich_text block needs a list of elements"]
    out = []
    for i, e in enumerate(elements):
        if not isinstance(e, dict) or e.get("type") not in _RICH_CONTAINERS:
            out.append(f"elements/{i}: {e.get('type') if isinstance(e, dict) else e!r} is no rich text element")
            continue
        inner = e.get("elements")
        if e["type"] == "rich_text_list":
            out += [f"elements/{i}/{p}" for p in _rich_text_problems(inner)]
            continue
        if not isinstance(inner, list) or not inner:
            out.append(f"elements/{i}/elements: needs a list of elements")
            continue
        for j, leaf in enumerate(inner):
            kind = leaf.get("type") if isinstance(leaf, dict) else None
            where = f"elements/{i}/elements/{j}"
            if kind not in _RICH_LEAVES:
                out.append(f"{where}: {kind!r} is no rich text leaf")
            elif kind == "text" and not (isinstance(leaf.get("text"), str) and leaf["text"]):
                out.append(f"{where}: text must be more than 0 characters")
            elif kind == "link" and not str(leaf.get("url") or "").lower().startswith(("http://", "https://")):
                out.append(f"{where}: a link needs an http(s) url")
    return out


def block_quotes(blocks: Any) -> list[str]:
    """Return the text of every block quote a message shows: rich_text quotes and mrkdwn lines starting with ">"."""
    out: list[str] = []
    for b in blocks or []:
        if not isinstance(b, dict):
            continue
        if b.get("type") == "rich_text":
            for e in b.get("elements") or []:
                if isinstance(e, dict) and e.get("type") == "rich_text_quote":
                    out.append("".join(str(x.get("text") or "") for x in e.get("elements") or []
                                       if isinstance(x, dict)))
        for text, _ in mrkdwn_objects([b]):
            quoted = [ln[1:].lstrip() for ln in text.splitlines() if ln.startswith(">")]
            if quoted:
                out.append(shown("\n".join(quoted)))
    return out


_BROADCAST = re.compile(r"<!(everyone|here|channel)(?:\|[^>]*)?>")
_SUBTEAM = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|[^>]*)?>")
_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_BARE_BROADCAST = re.compile(r"(?<![\w<!])@(everyone|here|channel)\b")


def _mrkdwn_texts(args: dict[str, Any]) -> list[str]:
    """Return the texts Slack parses for mentions: top-level text (unless mrkdwn is off) and mrkdwn objects."""
    texts = [] if args.get("mrkdwn") in (False, "false") else [str(args.get("text") or "")]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
                texts.append(node["text"])
            for key, value in node.items():
                if key not in ("value", "action_id", "block_id", "url"):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(args.get("blocks") or [])
    return texts


_SLACK_MADE = {
    "link or mention": re.compile(r"<[^>]*>"),
    "link": re.compile(r"(?i)\b(https?|mailto):(?!\u200b)"),
    "bold": re.compile(r"(?<![\w*])\*[^\s*\u200b](?:[^*]*[^\s*\u200b])?\*(?![\w*])"),
    "italic": re.compile(r"(?<![\w_])_[^\s_\u200b](?:[^_]*[^\s_\u200b])?_(?![\w_])"),
    "strike": re.compile(r"(?<![\w~])~[^\s~\u200b](?:[^~]*[^\s~\u200b])?~(?![\w~])"),
    "code": re.compile(r"`[^`\u200b](?:[^`]*[^`\u200b])?`"),
}


def shown(text: str) -> str:
    """Return the characters Slack shows for mrkdwn text: the three escapes undone, zero-width spaces invisible."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("\u200b", "")


def made(text: str, *, verbatim: bool = False) -> list[str]:
    """Return what Slack would make of mrkdwn text beyond plain characters: links, mentions, formatting.

    A formatting mark next to a zero-width space is taken as unpaired (the bot's escape), an assumption the
    stand-in cannot check against Slack. In a ``verbatim`` text object Slack links no bare URL (the text
    object reference: verbatim skips the automatic parsing of URLs, channel names and mentions).
    """
    return [kind for kind, rx in _SLACK_MADE.items() if rx.search(text) and not (verbatim and kind == "link")]


def mrkdwn_objects(blocks: Any) -> list[tuple[str, bool]]:
    """Return (text, verbatim) of every mrkdwn text object in blocks, as Slack would parse each."""
    out: list[tuple[str, bool]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
                out.append((node["text"], node.get("verbatim") is True))
            for key, value in node.items():
                if key not in ("value", "action_id", "block_id", "url"):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return out


def pings(args: dict[str, Any]) -> dict[str, list[str]]:
    """Return whom a message would notify: ``broadcast`` (everyone/here/channel), ``subteams`` and ``users``."""
    names_too = args.get("link_names") in (True, "true", "1", 1) or args.get("parse") == "full"
    out: dict[str, list[str]] = {"broadcast": [], "subteams": [], "users": []}
    for text in _mrkdwn_texts(args):
        out["broadcast"] += _BROADCAST.findall(text)
        if names_too:
            out["broadcast"] += _BARE_BROADCAST.findall(text)
        out["subteams"] += _SUBTEAM.findall(text)
        out["users"] += _USER.findall(text)
    return out


def sign(secret: str, body: str, ts: str) -> str:
    """Return Slack's v0 request signature of a body sent at ``ts``."""
    mac = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={mac}"


@dataclass
class Call:
    """One request the stand-in received, with its answer."""

    method: str  # the Web API method ("chat.postMessage"), "respond", or "upload" (bytes sent to an upload URL)
    args: dict[str, Any]
    authorization: str | None = None
    status: int = 200
    error: str | None = None  # the error Slack answered, if any
    refused: str | None = None  # the rule of RULES that refused it
    pings: dict[str, list[str]] = field(default_factory=dict)


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
class Timeout:
    """A request to the app that was not acknowledged in time (the user saw operation_timeout)."""

    url: str
    seconds: float
    status: int


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
    # Real values by default; a test proving a deadline is enforced may shorten it instead of sleeping.
    ack_deadline_s: float = float(RULES["ack.deadline_s"].value)
    respond_expiry_s: float = float(RULES["respond.expiry_s"].value)
    refusals: list[Call] = field(default_factory=list)
    timeouts: list[Timeout] = field(default_factory=list)
    port: int = 0
    _runner: web.AppRunner | None = None
    _changed: asyncio.Condition | None = None
    _ts: int = 0
    _posted: dict[str, set[str]] = field(default_factory=dict)  # channel -> ts of messages posted there
    _response_urls: dict[str, float] = field(default_factory=dict)  # name -> when Slack handed it out

    @property
    def url(self) -> str:
        """Return the stand-in's base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """Return the Web API base URL (what SLACK_API_BASE_URL is set to)."""
        return f"{self.url}/api/"

    def response_url(self, name: str) -> str:
        """Return a response_url for a request (its 30 minutes start now); its posts are ``respond`` calls."""
        self._response_urls.setdefault(name, time.monotonic())
        return f"{self.url}/respond/{name}"

    def add_message(self, channel: str, ts: str) -> None:
        """Record a message someone else posted, so replies in its thread are accepted."""
        self._posted.setdefault(channel, set()).add(ts)

    async def start(self) -> SlackStandIn:
        """Start listening on ``port`` (0: a free one, then ``port`` holds it)."""
        self._changed = asyncio.Condition()
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{name}", self._respond)
        app.router.add_post("/upload/{file_id}", self._upload)
        for path, handler in self.extra_routes.items():
            app.router.add_get(path, handler)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)  # 0 (the default): a free port
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()

    # ---- Slack calling the app --------------------------------------------------------------------------------

    async def send_to_app(self, http: aiohttp.ClientSession, url: str, body: str, content_type: str, *,
                          secret: str, ts: int | None = None) -> tuple[int, str]:
        """POST a signed request to the app as Slack does; time its acknowledgement against the 3 s deadline."""
        stamp = str(int(time.time()) if ts is None else ts)
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp,
                   "X-Slack-Signature": sign(secret, body, stamp)}
        started = time.monotonic()
        async with http.post(url, data=body.encode(), headers=headers) as resp:
            status, text = resp.status, await resp.text()
        took = time.monotonic() - started
        if took > self.ack_deadline_s:
            # Slack stops waiting after 3 s and shows the user an error; the late answer is thrown away.
            self.timeouts.append(Timeout(url, took, status))
        return status, text

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

    def pinged(self) -> list[Call]:
        """Return the messages (posts and responses) that would have notified someone."""
        return [c for c in self.calls if c.status == 200 and c.error is None and any(c.pings.values())]

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
        """Return the accepted calls of a method whose args include ``match``."""
        return [c for c in self.calls if c.method == method and c.refused is None
                and all(c.args.get(k) == v for k, v in match.items())]

    async def wait_for(self, method: str, count: int = 1, within: float = 10.0, **match: Any) -> list[Call]:
        """Wait until ``count`` accepted calls of ``method`` matching ``match`` arrived; return them."""
        assert self._changed is not None

        async def enough() -> None:
            assert self._changed is not None
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.of(method, **match)) >= count)

        try:
            await asyncio.wait_for(enough(), within)
        except TimeoutError:
            refused = [(c.method, c.refused, c.error) for c in self.refusals[-5:]]
            raise AssertionError(f"no {count} accepted {method} {match} within {within}s; refused: {refused}") from None
        return self.of(method, **match)

    # ---- endpoints ------------------------------------------------------------------------------------------

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                args.update(json.loads(await request.read()))
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

    def _refuse(self, call: Call, rule: str, detail: str = "", **extra: Any) -> web.Response:
        """Answer a Web API call the way Slack refuses it: HTTP 200 (429 for rate limits) and ok: false."""
        r = RULES[rule]
        call.status, call.error, call.refused = r.status, r.error, rule
        self.refusals.append(call)
        body: dict[str, Any] = {"ok": False, "error": r.error, **extra}
        if detail:
            body["response_metadata"] = {"messages": [f"[ERROR] {detail}"]}
        return self._json(body, status=r.status)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        auth = request.headers.get("Authorization")
        call = Call(method, {}, auth)
        try:
            call.args = await self._args(request)
        except ValueError as exc:
            await self._record(call)
            return self._refuse(call, "api.json", str(exc))
        await self._record(call)
        if auth != f"Bearer {self.token}":
            self.bad_auth += 1
            return self._refuse(call, "api.auth")
        args = call.args
        if method == "auth.test":
            return self._json({"ok": True, "url": f"{self.url}/", "team": "Test Team", "user": "newsbot",
                               "team_id": self.team_id, "user_id": BOT_USER, "bot_id": "B0BOT"})
        if method == "chat.postMessage":
            return self._post_message(call)
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
                return self._refuse(call, "files.scope", needed="files:write",
                                    provided="commands,chat:write,chat:write.public,users:read")
            resp = self._upload_url(call) if method == "files.getUploadURLExternal" else self._complete_upload(call)
            await self._notify()
            return resp
        return self._refuse(call, "api.unknown_method", f"{method} is not a Slack method")

    def _upload_url(self, call: Call) -> web.Response:
        filename, length = call.args.get("filename"), str(call.args.get("length", ""))
        if not filename or not length.isdigit() or int(length) <= 0:
            return self._refuse(call, "files.arguments")
        file_id = f"F0{len(self.uploads) + 1:06d}"
        self.uploads[file_id] = Upload(file_id, str(filename), int(length))
        # Real Slack hands out https://files.slack.com/upload/v1/…; this one stays on the stand-in's loopback port.
        return self._json({"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id})

    def _complete_upload(self, call: Call) -> web.Response:
        args = call.args
        files = args.get("files")
        if not isinstance(files, list) or not files:
            return self._refuse(call, "files.arguments")
        channel = args.get("channel_id")
        if channel is not None and channel not in self.channels:
            return self._refuse(call, "post.channel")
        thread = args.get("thread_ts")
        if thread is not None and channel is not None and thread not in self._posted.get(channel, set()):
            return self._refuse(call, "post.thread_ts", f"{thread} is not a message in {channel}")
        done = []
        for f in files:
            upload = self.uploads.get(str(f.get("id")))
            if upload is None or upload.data is None or upload.completed or len(upload.data) != upload.length:
                return self._refuse(call, "files.complete")
            done.append(upload)
        for upload, f in zip(done, files, strict=True):
            upload.title, upload.channel, upload.thread_ts = f.get("title"), channel, thread
            upload.completed = True
        return self._json({"ok": True, "files": [
            {"id": u.file_id, "name": u.filename, "title": u.title, "size": u.length,
             "channels": [u.channel] if u.channel else []} for u in done]})

    def _post_message(self, call: Call) -> web.Response:
        args = call.args
        if self.rate_limit_next > 0:
            self.rate_limit_next -= 1
            # Retry-After 0 keeps the test fast; the client still has to wait and try again.
            resp = self._refuse(call, "api.ratelimit")
            resp.headers["Retry-After"] = "0"
            return resp
        channel = str(args.get("channel"))
        if channel not in self.channels:
            return self._refuse(call, "post.channel")
        if not args.get("text") and not args.get("blocks"):
            return self._refuse(call, "post.no_text")
        if len(str(args.get("text") or "")) > limit("post.text_length"):
            return self._refuse(call, "post.text_length")
        thread = args.get("thread_ts")
        if thread is not None and str(thread) not in self._posted.get(channel, set()):
            return self._refuse(call, "post.thread_ts", f"{thread} is not a message in {channel}")
        problems = block_problems(args.get("blocks") or [])
        if problems:
            return self._refuse(call, problems[0][0], "; ".join(d for _, d in problems))
        call.pings = pings(args)
        self._ts += 1
        ts = f"1700000000.{self._ts:06d}"
        self.add_message(channel, ts)
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

    def _respond_refusal(self, call: Call, rule: str) -> web.Response:
        """Answer a response_url post the way Slack refuses it: an HTTP error status and the code as text."""
        r = RULES[rule]
        call.status, call.error, call.refused = r.status, r.error, rule
        self.refusals.append(call)
        return web.Response(status=r.status, text=r.error)

    async def _respond(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        raw = await request.read()
        call = Call("respond", {"name": name})
        try:
            body = json.loads(raw) if request.content_type == "application/json" else None
        except ValueError:
            body = None
        if isinstance(body, dict):
            call.args.update(body)
        await self._record(call)
        if not isinstance(body, dict):
            return self._respond_refusal(call, "respond.json")
        handed_out = self._response_urls.get(name)
        if handed_out is None or time.monotonic() - handed_out > self.respond_expiry_s:
            return self._respond_refusal(call, "respond.expiry_s")
        used = [c for c in self.calls if c.method == "respond" and c.args.get("name") == name
                and c.refused is None and c is not call]
        if len(used) >= limit("respond.uses"):
            return self._respond_refusal(call, "respond.uses")
        if "response_type" in body and body["response_type"] not in ("in_channel", "ephemeral"):
            return self._respond_refusal(call, "respond.response_type")
        if not body.get("text") and not body.get("blocks"):
            return self._respond_refusal(call, "respond.no_text")
        if block_problems(body.get("blocks") or []):
            return self._respond_refusal(call, "respond.blocks")
        call.pings = pings(body)
        await self._notify()
        return web.Response(text="ok")
