"""The shared command parser and dispatcher: terminal syntax, typed arguments, permissions, clear errors."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.commands import (
    REGISTRY,
    CommandError,
    Invocation,
    coerce,
    dispatch,
    load,
    parse_duration,
    run_line,
    split_command_line,
    split_words,
)
from tests.conftest import ROOT

load()


def test_free_text_fills_the_first_parameter_and_pairs_the_others() -> None:
    cmd, raw = split_command_line("/quotes speaker:Blinken since:30d")
    assert cmd.name == "quotes" and raw == {"speaker": "Blinken", "since": "30d"}
    cmd, raw = split_command_line("/who-said international pariah")
    assert raw == {"phrase": "international pariah"}
    cmd, raw = split_command_line("/quotes Lena Marsh topic:school budget")
    assert raw == {"speaker": "Lena Marsh", "topic": "school budget"}


def test_subcommands_are_found_by_their_second_word() -> None:
    cmd, raw = split_command_line("/feeds add https://example.test/rss backfill:3")
    assert cmd.name == "feeds add" and raw == {"url": "https://example.test/rss", "backfill": "3"}
    with pytest.raises(CommandError, match="needs a subcommand"):
        split_command_line("/feeds")


def test_arguments_are_typed() -> None:
    args = coerce(REGISTRY["timeline"], {"topic": "x", "since": "2024-05-01", "until": "30d", "image": "yes"})
    assert args["since"] == date(2024, 5, 1) and args["until"] == timedelta(days=30) and args["image"] is True
    assert parse_duration("24h") == timedelta(hours=24)


@pytest.mark.parametrize("line,needle", [
    ("/who-said", "needs phrase"),
    ("/who-said    ", "needs phrase"),
    ("/quotes Blinken since:forever", "not a duration"),
    ("/timeline x since:2024-13-45", "must be a date"),
    ("/schedule set daily 08:00 timezone:Not/AZone", "unknown time zone"),
    ("/schedule set at teatime", "cannot read"),
    ("/schedule set daily 25:00", "not a time of day"),
    ("/search x sort:random", "must be one of"),
    ("/bogus", "unknown command"),
    ("hello", "start with '/'"),
    ("/who-said " + "x" * 600, "too long"),
])
async def test_bad_input_gets_a_short_error_reply(services: Any, line: str, needle: str) -> None:
    reply = await run_line(services, Invocation("local", "c", "u", is_admin=True), line)
    assert reply.error and reply.ephemeral and needle in reply.text
    assert "Traceback" not in reply.text and len(reply.text) < 200


def _valid_args(cmd: Any) -> dict[str, str]:
    """Return raw arguments that pass validation for every parameter of a command."""
    sample = {"text": "https://example.test/rss", "int": "1", "bool": "true", "duration": "1d", "date": "2024-05-01",
              "timezone": "Europe/Berlin", "role": "role:42"}
    out = {}
    for p in cmd.params:
        out[p.name] = p.choices[0] if p.type == "choice" else "daily 08:00" if p.name == "when" else sample[p.type]
    return out


async def test_admin_commands_refuse_non_admins(services: Any) -> None:
    """Every command the registry marks admin refuses a non-admin, with arguments it would otherwise accept."""
    admin_commands = [cmd for cmd in REGISTRY.values() if cmd.admin]
    assert {"feeds add", "feeds remove", "feeds pause", "feeds resume", "schedule set", "schedule remove",
            "feeds mode", "feeds format", "feeds filter add", "feeds filter remove", "alerts add",
            "alerts remove"} <= {c.name for c in admin_commands}
    inv = Invocation("discord:1", "c", "u", platform="discord", is_admin=False)
    for cmd in admin_commands:
        coerce(cmd, _valid_args(cmd))  # the refusal is about rights, not about bad arguments
        reply = await dispatch(services, inv, cmd, _valid_args(cmd))
        assert reply.error and reply.ephemeral and "admins only" in reply.text, cmd.name
    assert await services.store.subscriptions("discord:1") == []
    assert await services.store.schedules("discord:1") == []
    assert await services.store.alerts("discord:1") == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(sorted(REGISTRY)), st.text(max_size=80))
@example("help", "")
@example("search", "harbour")
@example("feeds list", "")
async def test_fuzzed_arguments_never_escape_as_exceptions(services: Any, name: str, text: str) -> None:
    """Whatever the text, a command answers: a result or a short user-facing error, never a handler crash."""
    reply = await run_line(services, Invocation("local", "c", "u", is_admin=True), f"/{name} {text}")
    assert reply.title
    # dispatch turns an exception escaping a handler into this reply; with any input, that is a bug.
    assert f"/{REGISTRY[name].name} failed on our side" not in reply.text, text
    if reply.error:
        assert reply.ephemeral and 0 < len(reply.text) <= 300 and "Traceback" not in reply.text


async def test_a_lost_database_connection_answers_clearly_and_the_next_command_works(
        pg_url: str, settings: Any) -> None:
    from urllib.parse import urlsplit, urlunsplit

    from bot.services import Services
    from tests.helpers.tcpproxy import CuttableProxy

    parts = urlsplit(pg_url)
    proxy = await CuttableProxy(parts.hostname or "127.0.0.1", parts.port or 5432).start()
    user = f"{parts.username}@" if parts.username else ""
    url = urlunsplit((parts.scheme, f"{user}127.0.0.1:{proxy.port}", parts.path, "", ""))
    svc = await Services.create(settings.model_copy(update={"database_url": url}))
    inv = Invocation(workspace="local", channel="c", user="u", is_admin=True)
    try:
        assert not (await run_line(svc, inv, "/schedule set daily 08:00")).error
        proxy.cut()
        lost = await run_line(svc, inv, "/schedule list")
        assert lost.error and "could not reach the database" in lost.text
        proxy.restore()
        listed = await run_line(svc, inv, "/schedule list")
        assert not listed.error and len(await svc.store.schedules("local")) == 1
    finally:
        await svc.close()
        await proxy.stop()


# ---- arguments exactly as typed (issue 28) -------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "words"), [
    (r"exclude:\bsponsored\b", [r"exclude:\bsponsored\b"]),  # a backslash is an ordinary character
    (r'include:"\bferr(y|ies)\b berth" x', [r"include:\bferr(y|ies)\b berth", "x"]),
    (r"a\\b c\ d", [r"a\\b", "c\\", "d"]),  # nothing is escaped outside quotes, not even a space
    ('template:"{title} said \\"hi\\""', ['template:{title} said "hi"']),  # \" inside "…" is the quote itself
    ("don't stop", ["don't", "stop"]),  # an apostrophe inside a word opens nothing
    ('"never closed words', ['"never', "closed", "words"]),  # an unclosed quote is an ordinary character
    ("“curly quotes” too", ["curly quotes", "too"]),
    ('k:""', ["k:"]),
])
def test_argument_words_keep_every_backslash(typed: str, words: list[str]) -> None:
    assert split_words(typed) == words


def test_a_regex_filter_reaches_its_handler_as_typed() -> None:
    cmd, raw = split_command_line(r"/feeds filter add https://e.test/rss field:title exclude:\bsponsored\b regex:true")
    assert cmd.name == "feeds filter add"
    assert raw == {"url": "https://e.test/rss", "field": "title", "exclude": r"\bsponsored\b", "regex": "true"}


@pytest.mark.parametrize("doc", ["docs/slack.md", "docs/discord.md"])
def test_the_docs_name_every_admin_command(doc: str) -> None:
    text = (ROOT / doc).read_text(encoding="utf-8")
    admin = sorted(name for name, cmd in load().items() if cmd.admin)
    assert admin and [name for name in admin if f"`/{name}`" not in text] == []
