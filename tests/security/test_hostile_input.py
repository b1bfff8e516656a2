"""Hostile command input through the shared parser and straight into each handler: empty, very long, control
characters, FTS5 syntax, SQL metacharacters, odd Unicode, impossible dates and time zones. Every reply is a short
message, no exception escapes (nothing reaches the "failed on our side" path), the store stays consistent, and no
SQL statement is ever built from user text.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands import REGISTRY, Invocation, Reply, dispatch, load, run_line
from bot.handlers import autocomplete
from bot.services import Services
from digests.ingest import Document, Fetcher, FetchLimits

load()

WS = "discord:42"
ADMIN = Invocation(WS, "general", "mallory", platform="discord", is_admin=True)
USER = Invocation(WS, "general", "eve", platform="discord", is_admin=False)
# Statements may legitimately grow these tables (an admin adding a feed or a schedule); nothing else may change.
WRITABLE = {"sources", "subscriptions", "schedules", "schedule_options", "subscription_options", "alerts"}

HOSTILE = [
    "", " ", "\t\n", "\x00", "\x00\x01\x02\x1b[2J\x7f", "\u202eevil\u202c", "\u200b\u200d\ufeff", "a\u0301" * 400,
    "\ud800", "\udfff lone surrogate", "𝕳𝖔𝖘𝖙𝖎𝖑𝖊 🧨💥", "ｆｕｌｌｗｉｄｔｈ", "İıſK", "x" * 10_000, "é" * 501,
    '"', '""', "'", "''", "\\", "%", "_", "%_%", "*", "^x", "-x", "NEAR(a b)", "a OR b", "NOT x", "AND", "(", ")",
    "title:x", "{title text}:x", 'quote : ("a"', "x*", '"unterminated', "a NEAR/3 b", "x AND (y OR",
    "'; DROP TABLE articles; --", "' OR '1'='1", "1; DELETE FROM workspace_articles", "/* */ --", "`x`",
    "$(rm -rf /)", "{{7*7}}", "<script>alert(1)</script>", "@everyone", "<@&123>", "%s%s%n", "${jndi:x}",
    "2024-02-30", "0000-01-01", "9999-12-31", "-1d", "99999d", "1e9h", "0m", "24x", "P3D", "2024-13-45",
    "UTC+25", "../../etc/passwd", "/etc/localtime", "Etc/GMT+99", "Europe/Berlin\x00", "localtime", "Mars/Olympus",
    "daily 25:61", "weekly funday 08:00", "* * * * * *", "0 0 31 2 *", "@reboot", "cron 99 99 99 99 99",
    "#-1", "#0", "#99999999999999999999", "-5", "1e308", "nan", "true\x00",
]

hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=120),
    st.text(alphabet=st.characters(codec=None, blacklist_categories=()), max_size=60),
    st.lists(st.sampled_from(HOSTILE[:60]), min_size=1, max_size=4).map(" ".join),
)

SAMPLE = Document(
    title="Harbour council approves new sea wall",
    text=('The council approved a new sea wall on Friday after two winters of flooding.\n\n"We cannot afford another '
          'flood like last March," said councillor Ada Brannock.\n\nWork will start on 2 May 2026.'),
    url="https://hostile.example.test/sea-wall")


@pytest.fixture
async def svc(services: Services) -> AsyncIterator[Services]:
    """Return services with one article and a subscription; /ingest fails without any lookup."""
    async def no_lookup(host: str, port: int) -> list[str]:
        raise OSError("lookups are stubbed in tests")

    services.ingestor.fetcher = Fetcher(allow_loopback=False, limits=FetchLimits(timeout_s=1), resolve=no_lookup)
    await services.ingestor.store_document(SAMPLE, workspace=WS, via="upload", source="sample")
    src = await services.store.source("feed", "https://hostile.example.test/rss")
    await services.store.subscribe(WS, "general", src.id)
    yield services


def _counts(path: str) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                           "'%fts%' AND name NOT LIKE 'sqlite_%'")]
        return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


def _check_reply(reply: Reply, where: str) -> None:
    assert isinstance(reply, Reply) and reply.title, where
    assert "failed on our side" not in reply.text, f"{where}: an exception escaped to the generic handler"
    assert "Traceback" not in reply.text
    if reply.error:
        assert 0 < len(reply.text) < 300, f"{where}: {reply.text[:100]!r}"


async def _consistent(svc: Services, before: dict[str, int]) -> None:
    after = _counts(svc.store.path)
    for table, n in before.items():
        if table not in WRITABLE:
            assert after[table] == n, f"{table} changed: {n} -> {after[table]}"
    assert await svc.store.integrity_check() == "ok"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(REGISTRY)), text=hostile_text, admin=st.booleans())
async def test_fuzzed_lines_through_the_parser(svc: Services, name: str, text: str, admin: bool) -> None:
    before = _counts(svc.store.path)
    reply = await run_line(svc, ADMIN if admin else USER, f"/{name} {text}")
    _check_reply(reply, f"/{name} {text[:60]!r}")
    await _consistent(svc, before)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(REGISTRY)), data=st.data())
async def test_fuzzed_arguments_straight_into_each_handler(svc: Services, name: str, data: st.DataObject) -> None:
    cmd = REGISTRY[name]
    args = {p.name: data.draw(hostile_text, label=p.name) for p in cmd.params
            if data.draw(st.booleans(), label=f"give {p.name}")}
    before = _counts(svc.store.path)
    reply = await dispatch(svc, ADMIN, cmd, args)
    _check_reply(reply, f"/{name} {args!r:.120}")
    await _consistent(svc, before)


@pytest.mark.parametrize("value", HOSTILE)
async def test_every_hostile_value_in_every_parameter(svc: Services, value: str) -> None:
    before = _counts(svc.store.path)
    for cmd in REGISTRY.values():
        for p in cmd.params:
            reply = await dispatch(svc, ADMIN, cmd, {p.name: value})
            _check_reply(reply, f"/{cmd.name} {p.name}={value[:40]!r}")
        for kind in {p.autocomplete for p in cmd.params if p.autocomplete}:
            choices = await autocomplete(svc, ADMIN, kind, value)
            assert isinstance(choices, list) and len(choices) <= 25
            assert all(len(label) <= 100 and len(val) <= 100 for label, val in choices)
    await _consistent(svc, before)


@pytest.mark.parametrize("line,needle", [
    ("/timeline sea since:2024-02-30", "must be a date"),
    ("/timeline sea until:0000-01-01", "must be a date"),
    ("/quotes Brannock since:99999d", "longer than ten years"),
    ("/digest since:1e9h", "not a duration"),
    ("/schedule set daily 08:00 timezone:UTC+25", "unknown time zone"),
    ("/schedule set daily 08:00 timezone:../../etc/passwd", "unknown time zone"),
    ("/schedule set daily 08:00 timezone:/etc/localtime", "unknown time zone"),
    ("/schedule set daily 25:61", "not a time of day"),
    ("/schedule remove id:99999999999999999999", "between 0 and 10000"),
    ("/search x sort:'; DROP TABLE articles; --", "must be one of"),
])
async def test_impossible_values_get_a_clear_message(svc: Services, line: str, needle: str) -> None:
    reply = await run_line(svc, ADMIN, line)
    assert reply.error and needle in reply.text, reply.text


async def test_queries_with_search_syntax_still_find_plain_words(svc: Services) -> None:
    for phrase in ('"afford another', "afford* (flood)", "^afford: -flood*", "'afford' ; flood --"):
        reply = await run_line(svc, ADMIN, f"/who-said {phrase}")
        assert not reply.error and reply.data["quotes"], phrase
        assert reply.data["quotes"][0]["speaker"] == "Ada Brannock"
    reply = await run_line(svc, ADMIN, "/search sea' OR '1'='1")
    assert not reply.error


MARK = "zq7'\"MARK;--"


async def test_user_text_never_becomes_sql(svc: Services) -> None:
    # Record the statement text (not the bound values) of everything the store sends to SQLite.
    statements: list[str] = []
    conn: Any = svc.store._db
    for attr in ("execute", "executemany", "executescript"):
        original = getattr(conn, attr)

        def recorder(sql: str, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            statements.append(sql)
            return _original(sql, *args, **kwargs)

        setattr(conn, attr, recorder)
    for cmd in REGISTRY.values():
        for p in cmd.params:
            for value in (MARK, f"{MARK} sea wall", f"https://x.example.test/{MARK}", f"#{MARK}"):
                await dispatch(svc, ADMIN, cmd, {p.name: value})
        for kind in {p.autocomplete for p in cmd.params if p.autocomplete}:
            await autocomplete(svc, ADMIN, kind, MARK)
    # Text that did reach the store went in as bound values (the /feeds add URL, say), never as SQL.
    assert len(statements) > 20
    assert not [s for s in statements if "MARK" in s]
    # And it was stored verbatim where it was meant to be stored: bound, not mangled.
    with sqlite3.connect(svc.store.path) as db:
        assert any(MARK in url for (url,) in db.execute("SELECT url FROM sources"))
