"""Start-up checks, retries with backoff, the run lock of a SQLite file and the stop request."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config import Settings
from bot.lifecycle import (
    Backoff,
    RunLock,
    StartupError,
    Stopper,
    brief,
    db_origin,
    retry_start,
    store_location_problem,
)


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


def test_backoff_doubles_up_to_its_cap_with_a_little_jitter() -> None:
    b = Backoff(first=1.0, cap=10.0, jitter=0.1)
    delays = [b.next() for _ in range(6)]
    for got, want in zip(delays, [1, 2, 4, 8, 10, 10], strict=True):
        assert want * 0.9 <= got <= want * 1.1
    assert b.tries == 6


async def test_transient_failures_are_retried_with_one_line_each(caplog: pytest.LogCaptureFixture) -> None:
    calls = []

    async def attempt() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 9)")
        return "up"

    logger = logging.getLogger("newsbot.test.retry")
    with caplog.at_level(logging.INFO, logger="newsbot.test.retry"):
        got = await retry_start("Test login", attempt, transient=(OSError,), backoff=Backoff(first=0.001),
                                logger=logger)
    assert got == "up" and len(calls) == 3
    lines = [r.getMessage() for r in caplog.records if r.name == "newsbot.test.retry"]
    assert len(lines) == 2 and all(r.exc_info is None for r in caplog.records)
    assert lines[0].startswith("Test login failed (try 1): ConnectionRefusedError: ") and "retrying in" in lines[0]
    assert lines[1].startswith("Test login failed (try 2)")


async def test_anything_else_ends_the_tries_at_once() -> None:
    calls = []

    async def attempt() -> None:
        calls.append(1)
        raise StartupError("DISCORD_TOKEN was refused")

    with pytest.raises(StartupError, match="DISCORD_TOKEN"):
        await retry_start("Test", attempt, transient=(OSError,), backoff=Backoff(first=0.001))
    assert calls == [1]


def test_brief_is_one_short_line() -> None:
    assert brief(ValueError("first line\nsecond line")) == "ValueError: first line"
    assert brief(TimeoutError()) == "TimeoutError"


def test_a_second_run_lock_on_one_file_is_refused_until_the_first_is_released(tmp_path: Path) -> None:
    db = tmp_path / "data" / "newsbot.db"
    first = RunLock(db)
    first.acquire()
    try:
        assert first.path == tmp_path / "data" / "newsbot.db.run.lock"
        with pytest.raises(StartupError, match=r"another `newsbot run` \(pid \d+\) is using the database"):
            RunLock(db).acquire()
        other = RunLock(tmp_path / "other.db")  # another file is another lock
        other.acquire()
        other.release()
    finally:
        first.release()
    again = RunLock(db)
    again.acquire()
    again.release()


def test_a_missing_folder_is_an_error_unless_the_path_is_the_default(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    default = _settings()
    assert store_location_problem(default, create=True, origin=db_origin(default)) is None
    typo = _settings(db_path=tmp_path / "dtaa" / "newsbot.db")
    problem = store_location_problem(typo, create=True, origin=db_origin(typo))
    assert problem is not None and "dtaa for the database" in problem and "NEWSBOT_DB_PATH" in problem
    url = _settings(database_url=f"sqlite:///{tmp_path}/nope/x.db")
    assert "NEWSBOT_DATABASE_URL" in (store_location_problem(url, create=True, origin=db_origin(url)) or "")
    # The default path named on the command line is not the default any more: it was typed.
    assert store_location_problem(default, create=True, origin="--db") is not None
    assert store_location_problem(_settings(database_url="postgresql://u@127.0.0.1/x"), create=True,
                                  origin="NEWSBOT_DATABASE_URL") is None


def test_commands_that_only_read_refuse_a_database_that_does_not_exist(tmp_path: Path) -> None:
    s = _settings(db_path=tmp_path / "newsbot.db")
    assert "there is no database at" in (store_location_problem(s, create=False, origin="--db") or "")
    (tmp_path / "newsbot.db").write_bytes(b"")
    assert store_location_problem(s, create=False, origin="--db") is None
    folder = _settings(db_path=tmp_path)
    assert "which is a folder" in (store_location_problem(folder, create=True, origin="--db") or "")


async def test_a_stop_request_names_its_reason_once() -> None:
    stopper = Stopper()
    stopper.request("test")
    stopper.request("later")
    assert stopper.event.is_set() and stopper.signal_name == "test"
    stopper.arm(60)
    stopper.disarm()
