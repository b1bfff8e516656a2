"""Every command defined once: name, typed parameters, permission, handler; front ends only render."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from digests.store import StoreUnavailable

if TYPE_CHECKING:
    from bot.services import Services

MAX_ARG_CHARS = 500


class CommandError(Exception):
    """A user mistake or refusal: shown as a short message, never a traceback."""


@dataclass(frozen=True, slots=True)
class Param:
    """One typed command parameter."""

    name: str
    description: str
    type: str = "text"  # text, int, bool, duration, date, timezone, choice, role
    required: bool = False
    autocomplete: str | None = None  # speaker, article, story, timezone, feed, schedule
    choices: tuple[str, ...] = ()
    default: Any = None


@dataclass(frozen=True, slots=True)
class Invocation:
    """Who runs a command, where: the workspace scopes every query."""

    workspace: str
    channel: str
    user: str
    platform: str = "console"
    is_admin: bool = False
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True, slots=True)
class ItemQuote:
    """A quotation an item shows as a block quote: the words (verbatim), who said them, where (a link)."""

    text: str
    speaker: str = ""
    link: str | None = None


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of a result: a quote, an article, an event, a story.

    Every text field is plain text, taken as untrusted: front ends escape it. What a platform draws with its own
    markup (a block quote) is a structured field instead, so escaping never reaches the bot's own markup.
    """

    title: str
    body: str = ""
    url: str | None = None
    footer: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    quote: ItemQuote | None = None
    # Stretches of ``body`` to emphasize, as (start, end) offsets: a search hit's words. Front ends draw them
    # with their own markup around the escaped text.
    marks: tuple[tuple[int, int], ...] = ()
    # Texts to set side by side (label, text): the wordings outlets printed for one quote.
    compare: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Reply:
    """A render-neutral command result; front ends fit it to their platform."""

    title: str
    text: str = ""
    items: tuple[Item, ...] = ()
    error: bool = False
    ephemeral: bool = False
    image: bytes | None = None
    image_name: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    page: int = 0
    page_size: int = 5
    # Whom a channel post notifies (``role:ID`` on Discord, ``subteam:ID`` on Slack): only these, never more.
    mentions: tuple[str, ...] = ()
    # "message": one message (later pages follow); "thread": a headline message, the items in its thread.
    layout: str = "message"
    # A channel post that continues an earlier one (a live story's update): the id of that post, whose thread
    # takes this one on platforms with threads.
    in_thread: str | None = None

    @property
    def pages(self) -> int:
        """Return how many pages the items fill (at least one)."""
        return max(1, -(-len(self.items) // self.page_size))

    def page_items(self, page: int | None = None) -> tuple[Item, ...]:
        """Return the items of one page (the reply's current page by default)."""
        p = self.page if page is None else page
        p = min(max(p, 0), self.pages - 1)
        return self.items[p * self.page_size:(p + 1) * self.page_size]

    def at_page(self, page: int) -> Reply:
        """Return this reply turned to ``page`` (clamped to the valid range)."""
        return replace(self, page=min(max(page, 0), self.pages - 1))


MAX_ERROR_CHARS = 300


def error_reply(message: str) -> Reply:
    """Return a short ephemeral error reply."""
    if len(message) > MAX_ERROR_CHARS:
        message = message[:MAX_ERROR_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return Reply(title="Sorry", text=message, error=True, ephemeral=True)


def _shorten_echo(message: str, raw: dict[str, Any]) -> str:
    # Messages quote the user's value ("cannot read '…'"); a 500-character value would bury the hint after it.
    for value in raw.values():
        if not isinstance(value, str):
            continue
        for form in {value, _clean(value)}:
            if len(form) > 60 and form in message:
                message = message.replace(form, form[:40] + "…")
    return message


Handler = Callable[["Services", Invocation, dict[str, Any]], Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class Command:
    """A command: its name (``"feeds add"`` for a subcommand), parameters, permission and handler."""

    name: str
    description: str
    params: tuple[Param, ...]
    handler: Handler
    admin: bool = False
    slow: bool = False  # front ends defer first, then follow up

    @property
    def group(self) -> str | None:
        """Return the group name of a subcommand (``feeds`` for ``feeds add``)."""
        return self.name.split(" ", 1)[0] if " " in self.name else None

    @property
    def subgroup(self) -> str | None:
        """Return the middle word of a three-word name (``filter`` for ``feeds filter add``)."""
        words = self.name.split(" ")
        return words[1] if len(words) == 3 else None

    @property
    def leaf(self) -> str:
        """Return the last word of the name."""
        return self.name.rsplit(" ", 1)[-1]


REGISTRY: dict[str, Command] = {}


def command(name: str, description: str, *params: Param, admin: bool = False,
            slow: bool = False) -> Callable[[Handler], Handler]:
    """Register a handler as a command."""

    def wrap(fn: Handler) -> Handler:
        REGISTRY[name] = Command(name, description, tuple(params), fn, admin=admin, slow=slow)
        return fn

    return wrap


def groups() -> dict[str, list[Command]]:
    """Return the subcommands by group name."""
    out: dict[str, list[Command]] = {}
    for cmd in REGISTRY.values():
        if cmd.group:
            out.setdefault(cmd.group, []).append(cmd)
    return out


# ---- argument parsing (terminal and Slack syntax) -----------------------------------------------------------------

_PAIR = re.compile(r"^([a-z][a-z_\-]*):(.*)$", re.S)


def _clean(text: str) -> str:
    # Control characters never reach a handler; odd Unicode is normalized, not rejected.
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if ch in "\t\n" or unicodedata.category(ch)[0] != "C").strip()


def split_command_line(line: str) -> tuple[Command, dict[str, str]]:
    """Parse ``/name rest`` into the command and its raw arguments (``key:value`` pairs and free text)."""
    line = _clean(line)
    if not line.startswith("/"):
        raise CommandError("commands start with '/'; try /help")
    words = line[1:].split(None, 2)
    if not words:
        raise CommandError("empty command; try /help")
    name = words[0].lower()
    rest = line[1 + len(words[0]):].strip()
    more = rest.split(None, 2)
    if len(more) > 1 and f"{name} {more[0].lower()} {more[1].lower()}" in REGISTRY:
        name = f"{name} {more[0].lower()} {more[1].lower()}"
        rest = rest[len(more[0]):].strip()[len(more[1]):].strip()
    elif len(words) > 1 and f"{name} {words[1].lower()}" in REGISTRY:
        name = f"{name} {words[1].lower()}"
        rest = rest[len(words[1]):].strip()
    elif len(words) > 1 and any(c.name.startswith(f"{name} {words[1].lower()} ") for c in REGISTRY.values()):
        sub = f"{name} {words[1].lower()}"
        leaves = ", ".join(c.leaf for c in REGISTRY.values() if c.name.startswith(sub + " "))
        raise CommandError(f"/{sub[:40]} needs a subcommand: {leaves}")
    elif name not in REGISTRY and name in groups():
        subs = ", ".join(dict.fromkeys(" ".join(c.name.split(" ")[1:2]) for c in groups()[name]))
        raise CommandError(f"/{name} needs a subcommand: {subs}")
    if name not in REGISTRY:
        raise CommandError(f"unknown command /{name[:40]}; try /help")
    cmd = REGISTRY[name]
    return cmd, parse_args(cmd, rest)


# Quote pairs that group words with spaces into one value: straight quotes, and the curly ones phones type.
_QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’", "„": "“"}
_KEY_PREFIX = re.compile(r"^[a-z][a-z_\-]*:$")


def split_words(text: str) -> list[str]:
    """Split argument text into words: spaces separate, quotes group, and a backslash always stays as typed.

    A quote opens a group at the start of a word or right after ``name:`` and closes at the same kind of quote;
    inside a group, a backslash before that closing quote makes the quote part of the value. Anywhere else a
    backslash is an ordinary character, so ``exclude:\\bsponsored\\b`` keeps both backslashes. A quote that is
    never closed is an ordinary character too.
    """
    words: list[str] = []
    buf: list[str] = []
    started = False  # a word is in progress (an empty quoted group "" is still a word)
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            if started:
                words.append("".join(buf))
                buf, started = [], False
            i += 1
            continue
        at_value_start = not buf or _KEY_PREFIX.match("".join(buf)) is not None
        if ch in _QUOTES and at_value_start:
            close = _QUOTES[ch]
            j, group = i + 1, []
            while j < n and text[j] != close:
                if text[j] == "\\" and j + 1 < n and text[j + 1] == close:
                    j += 1
                group.append(text[j])
                j += 1
            if j < n:  # closed: the group is part of the word, without its quotes
                buf += group
                started = True
                i = j + 1
                continue
        buf.append(ch)
        started = True
        i += 1
    if started:
        words.append("".join(buf))
    return words


def parse_args(cmd: Command, rest: str) -> dict[str, str]:
    """Split argument text into ``name:value`` pairs and free text for the first parameter."""
    known = {p.name for p in cmd.params}
    tokens = split_words(rest)
    raw: dict[str, str] = {}
    free: list[str] = []
    current: str | None = None
    for tok in tokens:
        m = _PAIR.match(tok)
        if m and m.group(1).replace("-", "_") in known:
            current = m.group(1).replace("-", "_")
            raw[current] = m.group(2)
        elif current is not None and cmd.params and _param(cmd, current).type == "text" and raw[current]:
            raw[current] += " " + tok
        else:
            current = None
            free.append(tok)
    if free:
        if not cmd.params:
            raise CommandError(f"/{cmd.name} takes no arguments")
        first = cmd.params[0].name
        raw[first] = (" ".join(free) + (" " + raw[first] if first in raw else "")).strip()
    return raw


def _param(cmd: Command, name: str) -> Param:
    for p in cmd.params:
        if p.name == name:
            return p
    raise CommandError(f"/{cmd.name} has no option {name}")


_DURATION = re.compile(r"^(\d{1,5})\s*(m|min|h|d|w)$")


def parse_duration(text: str) -> timedelta:
    """Parse ``30m``, ``24h``, ``7d`` or ``2w`` into a timedelta."""
    m = _DURATION.match(text.strip().lower())
    if not m:
        raise CommandError(f"{text[:30]!r} is not a duration; use e.g. 24h, 7d or 2w")
    n, unit = int(m.group(1)), m.group(2)
    delta = {"m": timedelta(minutes=n), "min": timedelta(minutes=n), "h": timedelta(hours=n),
             "d": timedelta(days=n), "w": timedelta(weeks=n)}[unit]
    if delta > timedelta(days=3660):
        raise CommandError("that duration is longer than ten years")
    return delta


def coerce(cmd: Command, raw: dict[str, Any]) -> dict[str, Any]:
    """Validate and convert raw arguments to the parameters' types; raise CommandError on bad input."""
    from digests.schedule_spec import ScheduleSpecError

    out: dict[str, Any] = {}
    for p in cmd.params:
        value = raw.get(p.name)
        if isinstance(value, str):
            value = _clean(value)
            if len(value) > MAX_ARG_CHARS:
                raise CommandError(f"{p.name} is too long (at most {MAX_ARG_CHARS} characters)")
            if value == "":
                value = None
        if value is None:
            if p.required:
                raise CommandError(f"/{cmd.name} needs {p.name}: {p.description}")
            out[p.name] = p.default
            continue
        try:
            out[p.name] = _convert(p, value)
        except ScheduleSpecError as exc:
            raise CommandError(str(exc)) from None
    unknown = set(raw) - {p.name for p in cmd.params}
    if unknown:
        raise CommandError(f"/{cmd.name} has no option {sorted(unknown)[0][:30]}")
    return out


def _convert(p: Param, value: Any) -> Any:
    from digests.schedule_spec import check_timezone

    if p.type == "text":
        return str(value)
    if p.type == "int":
        try:
            n = int(str(value).strip())
        except ValueError:
            raise CommandError(f"{p.name} must be a whole number") from None
        if not 0 <= n <= 10_000:
            raise CommandError(f"{p.name} must be between 0 and 10000")
        return n
    if p.type == "bool":
        if isinstance(value, bool):
            return value
        v = str(value).strip().lower()
        if v in ("1", "true", "yes", "on", "y"):
            return True
        if v in ("0", "false", "no", "off", "n"):
            return False
        raise CommandError(f"{p.name} must be true or false")
    if p.type == "duration":
        return parse_duration(str(value))
    if p.type == "date":
        v = str(value).strip()
        if _DURATION.match(v.lower()):
            return parse_duration(v)
        try:
            return date.fromisoformat(v)
        except ValueError:
            raise CommandError(f"{p.name} must be a date like 2024-05-31 or a duration like 30d") from None
    if p.type == "timezone":
        return check_timezone(str(value))
    if p.type == "role":
        return parse_mention(str(value))
    if p.type == "choice":
        v = str(value).strip().lower()
        if v not in p.choices:
            raise CommandError(f"{p.name} must be one of: {', '.join(p.choices)}")
        return v
    raise CommandError(f"unsupported parameter type {p.type}")


_MENTION = re.compile(r"^(role|subteam):([A-Za-z0-9]{1,30})$")
_ROLE_TEXT = re.compile(r"^<@&(\d{1,25})>$")


def parse_mention(value: str) -> str:
    """Return a mention target as ``role:ID`` (Discord) or ``subteam:ID`` (Slack); refuse @everyone and @here."""
    v = value.strip()
    m = _ROLE_TEXT.match(v)
    if m:
        v = f"role:{m.group(1)}"
    if v.lstrip("@<!").lower().startswith(("everyone", "here", "channel")):
        raise CommandError("alerts never mention @everyone, @here or @channel; pick a role or a user group")
    if not _MENTION.match(v):
        raise CommandError("role must be a role (Discord) or a @user group (Slack)")
    return v


async def dispatch(svc: Services, inv: Invocation, cmd: Command, raw: dict[str, Any]) -> Reply:
    """Check permission, validate arguments and run a command; every failure becomes a short error reply."""
    if cmd.admin and not inv.is_admin:
        return error_reply(f"/{cmd.name} is for server admins only.")
    try:
        args = coerce(cmd, raw)
        return await cmd.handler(svc, inv, args)
    except CommandError as exc:
        return error_reply(_shorten_echo(str(exc), raw))
    except StoreUnavailable:
        logging.getLogger("newsbot.commands").warning("command /%s: database connection lost", cmd.name)
        return error_reply(f"/{cmd.name} could not reach the database just now; nothing was changed, please try "
                           "again in a moment.")
    except Exception:
        logging.getLogger("newsbot.commands").exception("command /%s failed", cmd.name)
        return error_reply(f"/{cmd.name} failed on our side; the error was logged.")


def load() -> dict[str, Command]:
    """Return the registry of every command (importing the handler modules registers them)."""
    import bot.handlers  # noqa: F401 - registration happens on import
    import bot.story_commands  # noqa: F401
    import bot.subscriptions  # noqa: F401

    return REGISTRY


async def run_line(svc: Services, inv: Invocation, line: str) -> Reply:
    """Parse and run one command line in terminal syntax."""
    try:
        cmd, raw = split_command_line(line)
    except CommandError as exc:
        return error_reply(str(exc))
    return await dispatch(svc, inv, cmd, raw)
