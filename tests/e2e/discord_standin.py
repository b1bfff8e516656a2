"""A strict loopback stand-in for Discord: REST (api/v10) and a gateway websocket, recording every call.

It speaks Discord's payload shapes (see discord-api-docs and discord.py's ``types``), answers only the routes
the bot needs and 404s the rest with a JSON body, always with ``Content-Type: application/json`` exactly. Every
rule it enforces is one row of ``RULES`` (limit, value, the status and JSON error code Discord answers), so a
renderer or timing bug shows up as the refusal a real server would send. ``RULES`` is the one table tests read
limits from; it is independent of the renderer's own constants on purpose. Tests drive the stand-in by
dispatching INTERACTION_CREATE payloads built from the command schema the bot synced, then read the callbacks,
follow-ups and posts it recorded, including who each message would have pinged.
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
FORUM = 15  # channel type of a forum
LOADING = 1 << 7
_NAME = re.compile(r"^[-_\w]{1,32}$")


@dataclass(frozen=True, slots=True)
class Rule:
    """One thing Discord refuses: the limit, its value, and the answer (HTTP status, JSON code, message)."""

    name: str
    value: Any
    status: int
    code: int
    error: str
    what: str


_FORM = "Invalid Form Body"
RULES: dict[str, Rule] = {r.name: r for r in (
    # Interactions (docs: interactions/receiving-and-responding, "Responding to an interaction").
    Rule("interaction.deadline_s", 3.0, 404, 10062, "Unknown interaction",
         "the first response to an interaction must arrive within 3 s of it being sent"),
    Rule("interaction.token_ttl_s", 15 * 60.0, 401, 50027, "Invalid Webhook Token",
         "follow-ups and edits use the interaction token, valid for 15 minutes"),
    Rule("interaction.single_response", 1, 400, 40060, "Interaction has already been acknowledged.",
         "an interaction takes exactly one initial response"),
    Rule("interaction.callback_type", "1, 4-9 by interaction type", 400, 50035, _FORM,
         "autocomplete is answered with type 8 only; type 6/7 only answer components"),
    # Bodies and messages (docs: resources/message, topics/opcodes-and-status-codes).
    Rule("body.json", "valid JSON", 400, 50109, "The request body contains invalid JSON.",
         "a JSON body must parse"),
    Rule("message.empty", "content, embeds, files or components", 400, 50006, "Cannot send an empty message",
         "a message (post, type-4 reply, follow-up) needs something to show"),
    Rule("content.length", 2000, 400, 50035, _FORM, "content is at most 2000 characters"),
    Rule("embeds.count", 10, 400, 50035, _FORM, "at most 10 embeds a message"),
    Rule("embed.title", 256, 400, 50035, _FORM, "embed title at most 256 characters"),
    Rule("embed.description", 4096, 400, 50035, _FORM, "embed description at most 4096 characters"),
    Rule("embed.fields", 25, 400, 50035, _FORM, "at most 25 fields an embed"),
    Rule("field.name", 256, 400, 50035, _FORM, "field name 1..256 characters (blank is refused)"),
    Rule("field.value", 1024, 400, 50035, _FORM, "field value 1..1024 characters (blank is refused)"),
    Rule("embed.footer", 2048, 400, 50035, _FORM, "footer text at most 2048 characters"),
    Rule("embed.author", 256, 400, 50035, _FORM, "author name at most 256 characters"),
    Rule("embeds.total", 6000, 400, 50035, _FORM,
         "title, description, field names/values, footer and author of all embeds: 6000 characters together"),
    Rule("embed.empty", "something to show", 400, 50035, _FORM, "an embed with no text, fields or image"),
    Rule("embed.url_scheme", "http, https (attachment:// for images)", 400, 50035, _FORM,
         "embed URLs: Scheme must be one of ('http', 'https')"),
    Rule("components.rows", 5, 400, 50035, _FORM, "at most 5 action rows a message"),
    Rule("components.per_row", 5, 400, 50035, _FORM, "an action row holds 1..5 buttons"),
    Rule("button.label", 80, 400, 50035, _FORM, "button label at most 80 characters"),
    Rule("button.custom_id", 100, 400, 50035, _FORM, "non-link buttons need a custom_id of 1..100 characters"),
    Rule("button.custom_id_unique", "unique", 400, 50035, _FORM, "custom_ids are unique within a message"),
    Rule("allowed_mentions.shape", "parse xor lists", 400, 50035, _FORM,
         "allowed_mentions: 'users'/'roles' in parse excludes the users/roles lists; lists hold at most 100 ids"),
    Rule("autocomplete.choices", 25, 400, 50035, _FORM, "autocomplete answers at most 25 choices"),
    Rule("choice.name", 100, 400, 50035, _FORM, "choice name 1..100 characters"),
    Rule("choice.value", 100, 400, 50035, _FORM, "string choice values at most 100 characters"),
    # Commands (docs: interactions/application-commands).
    Rule("command.name", "^[-_\\w]{1,32}$, lower case", 400, 50035, _FORM, "command and option names"),
    Rule("command.description", 100, 400, 50035, _FORM, "descriptions 1..100 characters"),
    Rule("command.options", 25, 400, 50035, _FORM, "at most 25 options (and 25 choices) an option list"),
    Rule("command.required_first", "required before optional", 400, 50035, _FORM,
         "required options come before optional ones"),
    Rule("commands.count", 100, 400, 50035, _FORM, "a bulk overwrite takes at most 100 commands"),
    # Routing.
    Rule("channel.unknown", "known channel", 404, 10003, "Unknown Channel", "posting to a channel that is gone"),
    Rule("channel.permission", "send permission", 403, 50013, "Missing Permissions",
         "posting where the bot may not"),
    Rule("message.unknown", "known message", 404, 10008, "Unknown Message", "editing a message that is gone"),
    # Threads and forums (docs: resources/channel, "Start Thread from Message", "Start Thread in Forum").
    Rule("thread.name", 100, 400, 50035, _FORM, "a thread or forum post name is 1..100 characters"),
    Rule("forum.message", "a post, not a message", 400, 40058, "Cannot send messages in a forum channel",
         "a forum channel takes posts (threads with a first message), never plain messages"),
    Rule("thread.parent", "a text channel's message", 400, 50024, "Cannot execute action on this channel type",
         "a thread from a message needs a message of a text channel; a forum post needs a forum channel"),
)}


def limit(name: str) -> Any:
    """Return the value of a rule (e.g. ``limit("embed.title") == 256``)."""
    return RULES[name].value


class StandInError(AssertionError):
    """The bot sent something the real API would reject, or a test waited in vain."""


@dataclass(frozen=True, slots=True)
class Violation:
    """A broken rule, where in the body, and the detail Discord would put in ``errors``."""

    rule: str
    path: str
    detail: str

    def __str__(self) -> str:
        return f"{self.path}: {self.detail} [{self.rule}]"


class Refusal(Exception):  # noqa: N818 - it is the answer, not a failure of the stand-in
    """Raised while routing: answer with the rule's status and code."""

    def __init__(self, rule: str, detail: str = "", path: str = "") -> None:
        super().__init__(detail or rule)
        self.rule, self.detail, self.path = rule, detail, path


@dataclass
class Call:
    """One REST request the bot made, with the refusal it got, if any."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    files: list[tuple[str, bytes]]
    at: float
    status: int = 0
    refused: str | None = None  # the rule name, when the stand-in refused the request


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


def refusal_response(rule: str, found: list[Violation] | None = None, detail: str = "") -> web.Response:
    """Return Discord's answer for a broken rule, with the ``errors`` tree for form errors."""
    r = RULES[rule]
    errors = None
    if r.code == 50035:
        errors = {}
        for v in found or [Violation(rule, "", detail)]:
            errors[v.path or "_"] = {"_errors": [{"code": v.rule.upper().replace(".", "_"), "message": v.detail}]}
    return _error(r.status, r.code, r.error, errors)


def _iso(ts: float | None = None) -> str:
    return datetime.fromtimestamp(ts if ts is not None else time.time(), UTC).isoformat()


_IMAGE_URL_KEYS = (("image", "url"), ("thumbnail", "url"))
_LINK_URL_KEYS = (("author", "url"), ("author", "icon_url"), ("footer", "icon_url"))


def _scheme_ok(url: Any, *, attachment: bool) -> bool:
    text = str(url)
    schemes = ("http://", "https://") + (("attachment://",) if attachment else ())
    return text.lower().startswith(schemes)


def violations(data: dict[str, Any]) -> list[Violation]:
    """Return every rule a message payload breaks (empty when Discord would accept it)."""
    out: list[Violation] = []

    def add(rule: str, path: str, detail: str) -> None:
        out.append(Violation(rule, path, detail))

    content = data.get("content") or ""
    if len(content) > limit("content.length"):
        add("content.length", "content", f"Must be 2000 or fewer in length (got {len(content)}).")
    embeds = data.get("embeds") or []
    if len(embeds) > limit("embeds.count"):
        add("embeds.count", "embeds", f"Must be 10 or fewer in length (got {len(embeds)}).")
    total = 0
    for i, e in enumerate(embeds):
        at = f"embeds.{i}"
        title, desc = e.get("title") or "", e.get("description") or ""
        footer = (e.get("footer") or {}).get("text") or ""
        author = (e.get("author") or {}).get("name") or ""
        fields = e.get("fields") or []
        for key, rule, value in (("title", "embed.title", title), ("description", "embed.description", desc),
                                 ("footer.text", "embed.footer", footer), ("author.name", "embed.author", author)):
            if len(value) > limit(rule):
                add(rule, f"{at}.{key}", f"Must be {limit(rule)} or fewer in length (got {len(value)}).")
        if len(fields) > limit("embed.fields"):
            add("embed.fields", f"{at}.fields", f"Must be 25 or fewer in length (got {len(fields)}).")
        for j, f in enumerate(fields):
            name, value = str(f.get("name") or ""), str(f.get("value") or "")
            if not name.strip() or len(name) > limit("field.name"):
                add("field.name", f"{at}.fields.{j}.name", f"Must be between 1 and 256 in length (got {len(name)}).")
            if not value.strip() or len(value) > limit("field.value"):
                add("field.value", f"{at}.fields.{j}.value",
                    f"Must be between 1 and 1024 in length (got {len(value)}).")
            total += len(name) + len(value)
        total += len(title) + len(desc) + len(footer) + len(author)
        if not (title or desc or fields or footer or author or (e.get("image") or {}).get("url")
                or (e.get("thumbnail") or {}).get("url")):
            add("embed.empty", at, "Embed must have a title, description, fields, footer, author or image.")
        urls = [("url", e.get("url"), False)]
        urls += [(f"{a}.{b}", (e.get(a) or {}).get(b), True) for a, b in _IMAGE_URL_KEYS]
        urls += [(f"{a}.{b}", (e.get(a) or {}).get(b), False) for a, b in _LINK_URL_KEYS]
        for key, url, attachment in urls:
            if url is not None and not _scheme_ok(url, attachment=attachment):
                scheme = str(url).split(":", 1)[0] if ":" in str(url) else ""
                add("embed.url_scheme", f"{at}.{key}",
                    f"Scheme \"{scheme}\" is not supported. Scheme must be one of ('http', 'https').")
    if total > limit("embeds.total"):
        add("embeds.total", "embeds", f"Embed size exceeds maximum size of 6000 (got {total}).")
    rows = data.get("components") or []
    if len(rows) > limit("components.rows"):
        add("components.rows", "components", f"Must be 5 or fewer in length (got {len(rows)}).")
    seen: set[str] = set()
    for i, row in enumerate(rows):
        items = row.get("components") or []
        if row.get("type") != 1 or not 1 <= len(items) <= limit("components.per_row"):
            add("components.per_row", f"components.{i}", "An action row holds 1 to 5 components.")
        for j, c in enumerate(items):
            at = f"components.{i}.components.{j}"
            if c.get("type") != 2:
                continue
            label = c.get("label") or ""
            if len(label) > limit("button.label"):
                add("button.label", f"{at}.label", f"Must be 80 or fewer in length (got {len(label)}).")
            if c.get("style") == 5:  # a link button carries a url instead of a custom_id
                continue
            cid = c.get("custom_id") or ""
            if not 1 <= len(cid) <= limit("button.custom_id"):
                add("button.custom_id", f"{at}.custom_id", "A custom id of 1 to 100 characters is required.")
            elif cid in seen:
                add("button.custom_id_unique", f"{at}.custom_id", "Component custom id cannot be duplicated.")
            seen.add(cid)
    am = data.get("allowed_mentions")
    if am is not None:
        parse = am.get("parse") or []
        for kind in ("users", "roles"):
            ids = am.get(kind) or []
            if kind in parse and ids:
                add("allowed_mentions.shape", f"allowed_mentions.{kind}",
                    f"parse:[\"{kind}\"] and {kind}: [ids] are mutually exclusive.")
            if len(ids) > 100:
                add("allowed_mentions.shape", f"allowed_mentions.{kind}", "Must be 100 or fewer in length.")
    return out


def check_message(data: dict[str, Any]) -> list[str]:
    """Return the reasons Discord would reject a message payload (empty when it is valid)."""
    return [str(v) for v in violations(data)]


def is_empty(data: dict[str, Any] | None, files: list[tuple[str, bytes]]) -> bool:
    """Tell whether a message payload has nothing to show (Discord answers 50006)."""
    data = data or {}
    return not (data.get("content") or data.get("embeds") or files or data.get("components")
                or data.get("sticker_ids") or data.get("poll"))


_EVERYONE = re.compile(r"@(everyone|here)\b")
_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


def pings(data: dict[str, Any] | None) -> dict[str, Any]:
    """Return whom a message would notify: ``everyone`` (@everyone/@here), ``users`` and ``roles`` ids.

    Only ``content`` mentions notify (embed text never does). Without ``allowed_mentions`` Discord parses
    every kind; the stand-in assumes the bot may mention everyone (an administrator bot), the worst case.
    """
    data = data or {}
    content = data.get("content") or ""
    am = data.get("allowed_mentions")
    parse = {"everyone", "users", "roles"} if am is None else set(am.get("parse") or [])
    listed_users = set(map(str, (am or {}).get("users") or []))
    listed_roles = set(map(str, (am or {}).get("roles") or []))
    users = [u for u in dict.fromkeys(_USER_MENTION.findall(content)) if "users" in parse or u in listed_users]
    roles = [r for r in dict.fromkeys(_ROLE_MENTION.findall(content)) if "roles" in parse or r in listed_roles]
    return {"everyone": "everyone" in parse and bool(_EVERYONE.search(content)), "users": users, "roles": roles}


_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
# What a message text makes on Discord, read on the text with every backslash-escaped character masked out.
_MADE = {
    "user mention": re.compile(r"<@!?\d+>"),
    "role mention": re.compile(r"<@&\d+>"),
    "channel mention": re.compile(r"<#\d+>"),
    "timestamp": re.compile(r"<t:-?\d+(?::[tTdDfFR])?>"),
    "custom emoji": re.compile(r"<a?:\w+:\d+>"),
    "masked link": re.compile(r"\[[^\]\x00]*\]\(\s*<?https?://"),
    "link": re.compile(r"https?://"),
    "bold": re.compile(r"\*\*[^*\x00]+\*\*"),
    "italic": re.compile(r"(?<![\w*\x00])[*_][^\s*_\x00][^*_\x00]*[*_](?![\w*])"),
    "everyone": re.compile(r"@(everyone|here)\b"),
}


def _masked(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in _PUNCT:
            out.append("\x00")
            i += 2
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


def shown(text: str) -> str:
    """Return the characters Discord shows for a text: escapes consumed, zero-width spaces invisible."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in _PUNCT:
            i += 1
        out.append(text[i])
        i += 1
    return "".join(out).replace("\u200b", "")


def block_quotes(text: str) -> list[str]:
    """Return the lines Discord shows as a block quote ("> " or ">>> " at a line start, not escaped), as shown."""
    out: list[str] = []
    rest = False
    for line in (text or "").splitlines():
        if rest:
            out.append(shown(line))
        elif line.startswith(">>> "):
            rest = True
            out.append(shown(line[4:]))
        elif line.startswith("> "):
            out.append(shown(line[2:]))
    return out


def made(text: str) -> list[str]:
    """Return what Discord would make of a text beyond plain characters: mentions, links, formatting."""
    masked = _masked(text)
    return [kind for kind, rx in _MADE.items() if rx.search(masked)]


def _leaf_options(opts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for o in opts:
        if o.get("type") in (1, 2):
            out += _leaf_options(o.get("options") or [])
        else:
            out.append(o)
    return out


class DiscordStandIn:
    """The fake Discord: start(), add guilds, then let the real discord.py client connect to it."""

    def __init__(self, token: str = "standin-bot-token", *,  # noqa: S107 - a fake credential
                 response_deadline_s: float | None = None, token_ttl_s: float | None = None) -> None:
        self.token = token
        # Real values by default; a test proving the rule is enforced may shorten them instead of sleeping.
        self.response_deadline_s = float(limit("interaction.deadline_s") if response_deadline_s is None
                                         else response_deadline_s)
        self.token_ttl_s = float(limit("interaction.token_ttl_s") if token_ttl_s is None else token_ttl_s)
        self._ids = itertools.count(1)
        self.app_id = self.snowflake()
        self.bot_user = {"id": self.app_id, "username": "newsbot", "discriminator": "0", "global_name": "newsbot",
                         "avatar": None, "bot": True, "public_flags": 0, "flags": 0}
        self.guilds: dict[str, dict[str, Any]] = {}
        self.dm_channels: dict[str, dict[str, Any]] = {}
        self.forbidden_channels: set[str] = set()
        self.threads: dict[str, dict[str, Any]] = {}  # threads and forum posts the bot started, by id
        self.calls: list[Call] = []
        self.refusals: list[Call] = []  # calls refused with a rule of RULES (real Discord would refuse them too)
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

    async def start(self, port: int = 0) -> None:
        """Serve on 127.0.0.1 at ``port`` (0: a free one)."""
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        """Close every websocket and stop serving."""
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def add_guild(self, name: str, channels: tuple[str, ...] = ("general",),
                  roles: tuple[str, ...] = (), forums: tuple[str, ...] = ()) -> dict[str, Any]:
        """Create a guild with text channels, forum channels and named roles; return its GUILD_CREATE payload."""
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
        chans += [{"id": self.snowflake(), "type": FORUM, "guild_id": gid, "name": f, "position": len(chans) + i,
                   "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None,
                   "rate_limit_per_user": 0, "last_message_id": None, "flags": 0, "available_tags": [],
                   "default_reaction_emoji": None, "default_sort_order": None, "default_forum_layout": 0,
                   "default_thread_rate_limit_per_user": 0} for i, f in enumerate(forums)]
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

    def add_forum_post(self, forum: dict[str, Any], name: str) -> dict[str, Any]:
        """Start a post (a thread) in a forum channel, as a member would; return the thread channel."""
        return self._thread(forum, name, 11)

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
        if channel["type"] == FORUM:
            raise StandInError("nobody types in a forum channel itself: commands come from one of its posts "
                               "(add_forum_post)")
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
        if len(words) == 3:
            grp = next((o for o in top.get("options", []) if o["name"] == words[1] and o["type"] == 2), None)
            sub = next((o for o in (grp or {}).get("options", []) if o["name"] == words[2] and o["type"] == 1),
                       None)
            if grp is None or sub is None:
                raise StandInError(f"/{command} is not a synced subcommand")
            opts = [{"name": words[1], "type": 2, "options": [
                {"name": words[2], "type": 1, "options": self._options(sub, options or {}, focused)}]}]
        elif len(words) == 2:
            sub = next((o for o in top.get("options", []) if o["name"] == words[1] and o["type"] == 1), None)
            if sub is None:
                raise StandInError(f"/{command} is not a synced subcommand")
            opts = [{"name": words[1], "type": 1, "options": self._options(sub, options or {}, focused)}]
        else:
            opts = self._options(top, options or {}, focused)
        data: dict[str, Any] = {"id": top["id"], "name": top["name"], "type": 1, "options": opts}
        roles_given = {str(v) for o in _leaf_options(opts) if o["type"] == 8 for v in [o["value"]]}
        if roles_given and guild is not None:
            # Discord sends the role objects of ROLE options in data.resolved, keyed by id.
            data["resolved"] = {"roles": {r["id"]: r for r in guild["roles"] if r["id"] in roles_given}}
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
        rec = self.open_interaction(payload)
        await self.dispatch("INTERACTION_CREATE", payload)
        return rec

    def new_interaction(self, itype: int = 2, guild: dict[str, Any] | None = None) -> InteractionRecord:
        """Open an interaction of a type (2 command, 3 component, 4 autocomplete) without a bot or a gateway."""
        data: dict[str, Any] = {"id": self.snowflake(), "name": "standin", "type": 1, "options": []}
        if itype == 3:
            data = {"custom_id": "standin", "component_type": 2}
        channel = guild["channels"][0] if guild else None
        return self.open_interaction(self._interaction(itype, data, guild, channel, "", MEMBER_PERMISSIONS, ()))

    def open_interaction(self, payload: dict[str, Any]) -> InteractionRecord:
        """Register an interaction as sent now (its 3 s and 15 min clocks start) without dispatching it."""
        rec = InteractionRecord(payload=payload, sent_at=time.perf_counter())
        self.interactions[payload["id"]] = rec
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
            "_blobs": [blob for _, blob in files], "_pings": pings(None), "_declared": True}
        self._note_mentions(msg, data)
        if interaction is not None:
            p = interaction.payload
            msg.update(type=20 if p["type"] == 2 else 0, webhook_id=self.app_id, application_id=self.app_id,
                       interaction_metadata={"id": p["id"], "type": p["type"],
                                             "user": (p.get("member") or {}).get("user") or p.get("user"),
                                             "authorizing_integration_owners": p["authorizing_integration_owners"]})
        guild_id = next((g for g, gd in self.guilds.items() if any(c["id"] == channel_id for c in gd["channels"])),
                        None)
        if not guild_id and channel_id in self.threads:
            guild_id = self.threads[channel_id]["guild_id"]
        if guild_id:
            msg["guild_id"] = guild_id
        self.messages[mid] = msg
        return msg

    @staticmethod
    def _note_mentions(msg: dict[str, Any], data: dict[str, Any]) -> None:
        """Record whom a new (or first filled-in) message notifies, and whether the sender said whom it meant."""
        if not (data.get("content") or data.get("embeds")):
            return  # a deferral's "thinking" message has nothing that could mention anyone
        found = pings(data)
        msg["_pings"] = found
        msg["_declared"] = "allowed_mentions" in data
        msg["mention_everyone"] = found["everyone"]
        msg["mention_roles"] = list(found["roles"])

    def pinged(self) -> list[dict[str, Any]]:
        """Return the messages that would have notified someone (@everyone/@here, a user or a role)."""
        return [m for m in self.messages.values()
                if m["_pings"]["everyone"] or m["_pings"]["users"] or m["_pings"]["roles"]]

    def undeclared(self) -> list[dict[str, Any]]:
        """Return the messages whose payload carried text but no ``allowed_mentions``."""
        return [m for m in self.messages.values() if not m["_declared"]]

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

    @staticmethod
    def _check(data: dict[str, Any] | None) -> None:
        found = violations(data or {})
        if found:
            raise _FormRefusal(found)

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
                    payload = self._parse_json(bytes(blob))
                else:
                    files.append((part.filename or "file", bytes(blob)))  # type: ignore[union-attr]
            return payload, files
        raw = await request.read()
        if not raw:
            return None, []
        return self._parse_json(raw), []

    @staticmethod
    def _parse_json(raw: bytes) -> Any:
        try:
            return json.loads(raw)
        except ValueError:
            raise Refusal("body.json", "The request body contains invalid JSON.") from None

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        call = Call(request.method, request.path, dict(request.query), None, [], time.perf_counter())
        self.calls.append(call)
        try:
            call.body, call.files = await self._read_body(request)
            resp = await self._route(request, call)
        except _FormRefusal as exc:
            call.refused = exc.found[0].rule
            resp = refusal_response(call.refused, exc.found)
        except Refusal as exc:
            call.refused = exc.rule
            resp = refusal_response(exc.rule, [Violation(exc.rule, exc.path, exc.detail)] if exc.detail else None,
                                    exc.detail)
        except StandInError as exc:  # a protocol mistake no rule names: still Discord's generic form error
            call.refused = "interaction.callback_type"
            resp = refusal_response(call.refused, detail=str(exc))
        if call.refused is not None:
            self.refusals.append(call)
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
            case ("GET", ["channels", cid]):
                if cid in self.threads:
                    return _json(200, self.threads[cid])
                chan = self._guild_channel(cid)
                return _json(200, dict(chan, guild_id=chan["guild_id"]))
            case ("POST", ["channels", cid, "messages", mid, "threads"]):
                return self._thread_from_message(cid, mid, body)
            case ("POST", ["channels", cid, "threads"]):
                return self._forum_post(cid, body, call.files)
            case ("POST", ["interactions", iid, token, "callback"]):
                return self._callback(iid, token, body, call.files, call.query)
            case ("POST", ["webhooks", app, token]) if app == self.app_id:
                return self._followup(token, body, call.files, call.query)
            case ("PATCH" | "GET" | "DELETE", ["webhooks", app, token, "messages", mid]) if app == self.app_id:
                return self._webhook_message(method, token, mid, body, call.files)
        return _error(404, 0, "404: Not Found")

    def _sync(self, scope: str, body: Any) -> list[dict[str, Any]]:
        if not isinstance(body, list) or len(body) > limit("commands.count"):
            raise Refusal("commands.count", "a bulk overwrite takes a list of at most 100 commands")
        out, by_name = [], {}
        for cmd in body:
            self._check_command(cmd)
            stored = dict(cmd, id=self.snowflake(), application_id=self.app_id, version=self.snowflake(),
                          type=cmd.get("type", 1), default_member_permissions=cmd.get("default_member_permissions"))
            if scope != "global":
                stored["guild_id"] = scope
            if stored["name"] in by_name:
                raise Refusal("command.name", f"duplicate command name {stored['name']}")
            by_name[stored["name"]] = stored
            out.append(stored)
        self.commands[scope] = by_name
        self.synced.set()
        return out

    def _check_command(self, cmd: dict[str, Any], depth: int = 0) -> None:
        name, desc = cmd.get("name", ""), cmd.get("description", "")
        if not _NAME.match(name) or name != name.lower():
            raise Refusal("command.name", f"bad command or option name {name!r}")
        if not 1 <= len(desc) <= limit("command.description"):
            raise Refusal("command.description", f"description of {name} must be 1..100 characters")
        opts = cmd.get("options") or []
        if len(opts) > limit("command.options"):
            raise Refusal("command.options", f"{name} has more than 25 options")
        seen_optional = False
        for o in opts:
            if o.get("type") in (1, 2):
                if depth >= 2:
                    raise Refusal("command.options", "subcommands nest at most two levels")
                self._check_command(o, depth + 1)
                continue
            self._check_command({"name": o.get("name", ""), "description": o.get("description", "")}, depth)
            if o.get("required"):
                if seen_optional:
                    raise Refusal("command.required_first", f"required option {o['name']} after an optional one")
            else:
                seen_optional = True
            if o.get("autocomplete") and o.get("choices"):
                raise Refusal("command.options", f"option {o['name']} has both choices and autocomplete")
            if len(o.get("choices") or []) > limit("command.options"):
                raise Refusal("command.options", f"option {o['name']} has more than 25 choices")

    def _channel_type(self, cid: str) -> int | None:
        for g in self.guilds.values():
            for c in g["channels"]:
                if c["id"] == cid:
                    return int(c["type"])
        if cid in self.threads:
            return int(self.threads[cid]["type"])
        return 1 if any(d["id"] == cid for d in self.dm_channels.values()) else None

    def _post_message(self, cid: str, body: Any, files: list[tuple[str, bytes]]) -> web.Response:
        kind = self._channel_type(cid)
        if kind is None:
            raise Refusal("channel.unknown")
        if cid in self.forbidden_channels:
            raise Refusal("channel.permission")
        if kind == FORUM:
            raise Refusal("forum.message")
        self._check(body)
        if is_empty(body, files):
            raise Refusal("message.empty")
        return _json(200, self.public(self._new_message(cid, body or {}, files)))

    def _thread(self, parent: dict[str, Any], name: Any, kind: int) -> dict[str, Any]:
        if not isinstance(name, str) or not 1 <= len(name) <= limit("thread.name"):
            raise Refusal("thread.name", "name must be 1..100 characters")
        tid = self.snowflake()
        thread = {"id": tid, "type": kind, "guild_id": parent["guild_id"], "parent_id": parent["id"],
                  "owner_id": self.app_id, "name": name, "last_message_id": None, "rate_limit_per_user": 0,
                  "message_count": 0, "member_count": 1, "total_message_sent": 0, "flags": 0, "applied_tags": [],
                  "thread_metadata": {"archived": False, "auto_archive_duration": 1440,
                                      "archive_timestamp": _iso(), "locked": False}}
        self.threads[tid] = thread
        return thread

    def _guild_channel(self, cid: str) -> dict[str, Any]:
        for g in self.guilds.values():
            for c in g["channels"]:
                if c["id"] == cid:
                    return c
        raise Refusal("channel.unknown")

    def _thread_from_message(self, cid: str, mid: str, body: Any) -> web.Response:
        parent = self._guild_channel(cid)
        if cid in self.forbidden_channels:
            raise Refusal("channel.permission")
        msg = self.messages.get(mid)
        if msg is None or msg["channel_id"] != cid:
            raise Refusal("message.unknown")
        if parent["type"] != 0:
            raise Refusal("thread.parent", "threads start from messages of text channels")
        thread = self._thread(parent, (body or {}).get("name"), 11)
        msg["thread"] = thread
        return _json(201, thread)

    def _forum_post(self, cid: str, body: Any, files: list[tuple[str, bytes]]) -> web.Response:
        parent = self._guild_channel(cid)
        if cid in self.forbidden_channels:
            raise Refusal("channel.permission")
        if parent["type"] != FORUM:
            raise Refusal("thread.parent", "posts without a message start only in forum channels")
        message = (body or {}).get("message")
        if not isinstance(message, dict):
            raise Refusal("message.empty", "a forum post needs its first message")
        self._check(message)
        if is_empty(message, files):
            raise Refusal("message.empty")
        thread = self._thread(parent, (body or {}).get("name"), 11)
        msg = self._new_message(thread["id"], message, files)
        thread["message_count"] = 1
        return _json(201, dict(thread, message=self.public(msg)))

    def _by_token(self, token: str) -> InteractionRecord:
        rec = next((r for r in self.interactions.values() if r.payload["token"] == token), None)
        if rec is None:
            raise Refusal("interaction.token_ttl_s", "unknown interaction token")
        if time.perf_counter() - rec.sent_at > self.token_ttl_s:
            raise Refusal("interaction.token_ttl_s", f"the token expired after {self.token_ttl_s:g} s")
        return rec

    def _callback(self, iid: str, token: str, body: Any, files: list[tuple[str, bytes]],
                  query: dict[str, str]) -> web.Response:
        rec = self.interactions.get(iid)
        if rec is None or rec.payload["token"] != token:
            raise Refusal("interaction.deadline_s", "no such interaction")
        late = time.perf_counter() - rec.sent_at
        if late > self.response_deadline_s:
            # Discord forgets an interaction nobody answered in time; the user saw "The application did not respond".
            raise Refusal("interaction.deadline_s", f"answered after {late:.2f} s (limit {self.response_deadline_s:g} s)")
        if rec.callbacks:
            raise Refusal("interaction.single_response")
        body = body or {}
        ctype, data = body.get("type"), body.get("data") or {}
        p = rec.payload
        msg: dict[str, Any] | None = None
        if ctype == 8:
            if p["type"] != 4:
                raise Refusal("interaction.callback_type", "autocomplete results answer only autocomplete")
            choices = data.get("choices")
            if not isinstance(choices, list) or len(choices) > limit("autocomplete.choices"):
                raise Refusal("autocomplete.choices", "data.choices", "Must be 25 or fewer in length.")
            for i, c in enumerate(choices):
                if not 1 <= len(str(c.get("name", ""))) <= limit("choice.name") or "value" not in c:
                    raise Refusal("choice.name", f"Must be between 1 and 100 in length (got {c!r}).",
                                  f"data.choices.{i}.name")
                if isinstance(c["value"], str) and len(c["value"]) > limit("choice.value"):
                    raise Refusal("choice.value", f"Must be 100 or fewer in length (got {len(c['value'])}).",
                                  f"data.choices.{i}.value")
            rec.callbacks.append(body)
            rec.callback_at = time.perf_counter()
            rec.choices = choices
            return web.Response(status=204)
        if p["type"] == 4:
            raise Refusal("interaction.callback_type", "an autocomplete interaction can only be answered with type 8")
        if ctype == 4:
            self._check(data)
            if is_empty(data, files):
                raise Refusal("message.empty")
            rec.callbacks.append(body)
            msg = self._new_message(p["channel_id"], data, files, interaction=rec)
            rec.original_id = msg["id"]
        elif ctype == 5:
            rec.callbacks.append(body)
            msg = self._new_message(p["channel_id"], {"flags": data.get("flags", 0)}, [], interaction=rec,
                                    flags=LOADING)
            rec.original_id = msg["id"]
        elif ctype in (6, 7):
            if p["type"] != 3:
                raise Refusal("interaction.callback_type", "update responses are only for component interactions")
            msg = self.messages.get(p["message"]["id"])
            if msg is None:
                raise Refusal("message.unknown")
            if ctype == 7:
                self._check({**self.public(msg), **data})
                self._edit(msg, data, files)
            rec.callbacks.append(body)
        else:
            raise Refusal("interaction.callback_type", f"unsupported callback type {ctype}")
        rec.callback_at = time.perf_counter()
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
            raise Refusal("interaction.token_ttl_s", "a follow-up needs an initial response first")
        body = body or {}
        self._check(body)
        if is_empty(body, files):
            raise Refusal("message.empty")
        original = self.messages.get(rec.original_id or "")
        if original is not None and original["flags"] & LOADING:
            # Discord: the first follow-up after a deferral becomes the deferred message itself.
            self._edit(original, body, files)
            self._note_mentions(original, body)
            if files:
                original["attachments"] = self._attachments(original["channel_id"], body, files)
                original["_blobs"] = [blob for _, blob in files]
            msg = original
        else:
            msg = self._new_message(rec.payload["channel_id"], body, files, interaction=rec,
                                    flags=body.get("flags", 0) & EPHEMERAL)
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
            raise Refusal("message.unknown")
        if method == "GET":
            return _json(200, self.public(msg))
        if method == "DELETE":
            del self.messages[mid]
            return web.Response(status=204)
        body = body or {}
        self._check({**self.public(msg), **body})
        was_loading = bool(msg["flags"] & LOADING)
        self._edit(msg, body, files)
        if was_loading:
            self._note_mentions(msg, body)
        return _json(200, self.public(msg))


class _FormRefusal(Exception):  # noqa: N818 - the answer to a body that breaks form rules
    def __init__(self, found: list[Violation]) -> None:
        super().__init__("; ".join(map(str, found)))
        self.found = found
