"""PostgreSQL for tests: a database of this run's own, made on the server NEWSBOT_TEST_DATABASE_URL names.

Without the variable the PostgreSQL tests skip (one line says how to enable them); with it they are required,
so an unreachable server fails them.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

ENV = "NEWSBOT_TEST_DATABASE_URL"
HOW = f"PostgreSQL tests skipped: set {ENV}=postgresql://postgres@127.0.0.1:5432/test to run them"


def server_url() -> str | None:
    """Return the PostgreSQL server URL tests may use, or None when they should skip."""
    return os.environ.get(ENV) or None


def require_server() -> str:
    """Return the server URL, skipping the calling test when none is configured."""
    url = server_url()
    if url is None:
        pytest.skip(HOW)
    return url


def with_database(url: str, name: str) -> str:
    """Return ``url`` pointing at database ``name`` on the same server."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


async def _admin(url: str, sql: str) -> None:
    import asyncpg

    con = await asyncpg.connect(url, timeout=10)
    try:
        await con.execute(sql)
    finally:
        await con.close()


def run_sync(coro: Any) -> Any:
    """Run a coroutine to the end on a thread of its own (safe while a test's event loop is set)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller
            box["error"] = exc

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box.get("value")


def reset_database(db_url: str) -> None:
    """Drop every table of a test database (the next store migrates it afresh)."""
    run_sync(_admin(db_url, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"))


def create_database(prefix: str = "newsbot_test") -> str:
    """Create an empty database for this run and return its URL (fails when the server is unreachable)."""
    url = require_server()
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    run_sync(_admin(url, f'CREATE DATABASE "{name}"'))
    return with_database(url, name)


async def create_database_async(prefix: str = "newsbot_test") -> str:
    """Create an empty database from inside a running event loop and return its URL."""
    url = require_server()
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    await _admin(url, f'CREATE DATABASE "{name}"')
    return with_database(url, name)


async def drop_database_async(db_url: str) -> None:
    """Drop a database made by create_database (closing any connection left to it)."""
    url = require_server()
    name = urlsplit(db_url).path.lstrip("/")
    await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drop_database(db_url: str) -> None:
    """Drop a database made by create_database (closing any connection left to it)."""
    run_sync(drop_database_async(db_url))
