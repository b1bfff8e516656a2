"""Shared fixtures; an autouse guard makes any connection or lookup beyond loopback fail the test."""

from __future__ import annotations

import ipaddress
import json
import os
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent
SHARED_EVAL = ROOT.parent / "shared" / "eval"
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}

# Property tests that take no max_examples of their own run this many examples: few, so `make test` stays fast
# (each example of the invariant tests goes through the analysis and a database). HYPOTHESIS_PROFILE=thorough
# runs many more. No example database: runs leave no .hypothesis folder behind.
hypothesis_settings.register_profile("default", max_examples=30, database=None)
hypothesis_settings.register_profile("thorough", max_examples=400, database=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


class NetworkGuardError(AssertionError):
    """A test tried to reach beyond loopback."""


def _is_loopback(host: Any) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode()
    host = str(host).strip("[]").split("%", 1)[0]
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any test that connects to, or resolves, anything but loopback."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            raise NetworkGuardError(f"test tried to connect to {address!r}")

    def connect(self: socket.socket, address: Any) -> None:
        check(self, address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_loopback(host):
            raise NetworkGuardError(f"test tried to resolve {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Return settings for a fresh database in tmp_path, loopback fetches allowed, no chat tokens."""
    for var in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SUMMARY_LLM_BASE_URL",
                "NEWSBOT_DB_PATH", "DATABASE_PATH", "NEWSBOT_DATABASE_URL"):
        monkeypatch.delenv(var, raising=False)
    return Settings(_env_file=None, db_path=tmp_path / "newsbot.db", allow_loopback=True,  # type: ignore[call-arg]
                    load_samples=False, fetch_timeout_s=5.0)


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Any]:
    """Return opened Services over a fresh database; closed after the test."""
    from bot.commands import load
    from bot.services import Services

    load()
    svc = await Services.create(settings)
    try:
        yield svc
    finally:
        await svc.close()


def shared_eval(*parts: str) -> Path:
    """Return a path under ../shared/eval, skipping the test when it is absent (a user's clone)."""
    path = SHARED_EVAL.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"evaluation data not present: {path}")
    return path


def seed_gold_speaker(phrase: str) -> str:
    """Return the speaker ../shared/eval/seed/gold.json gives the one quote containing ``phrase`` (skip if absent)."""
    gold = json.loads(shared_eval("seed", "gold.json").read_text(encoding="utf-8"))
    speakers = [q["speaker"] for q in gold["quotes"] if phrase in q["quote"]]
    assert len(speakers) == 1, f"the gold file should have exactly one quote containing {phrase!r}"
    return str(speakers[0])


@pytest.fixture
async def http_server() -> AsyncIterator[Any]:
    """Return a started LocalServer on 127.0.0.1; stopped after the test."""
    from tests.helpers.http import LocalServer

    server = await LocalServer().start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture(scope="session")
def _pg_session_database() -> Iterator[str]:
    """Create this run's PostgreSQL database once (skip without NEWSBOT_TEST_DATABASE_URL) and drop it at the end."""
    from tests.helpers import pg

    url = pg.create_database()
    try:
        yield url
    finally:
        pg.drop_database(url)


@pytest.fixture
def pg_url(_pg_session_database: str) -> str:
    """Return the URL of this run's PostgreSQL database, emptied (schema dropped) for this test."""
    from tests.helpers import pg

    pg.reset_database(_pg_session_database)
    return _pg_session_database


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Return a fresh store URL for each backend: the one contract suite runs against both."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("pg_url"))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say in one line how to run the PostgreSQL tests when they were skipped."""
    from tests.helpers import pg

    if pg.server_url() is None:
        terminalreporter.write_line(pg.HOW)
