"""Logging: NEWSBOT_LOG_LEVEL, JSON lines, library tracebacks folded into one line, secrets still redacted."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from bot.config import Settings
from bot.logs import setup_logging

SECRET = "xoxb-0000-log-test-secret-token"


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    levels = {n: logging.getLogger(n).level for n in ("discord", "slack_sdk")}
    try:
        yield
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        for name, lvl in levels.items():
            logging.getLogger(name).setLevel(lvl)


def _settings(**values: str) -> Settings:
    return Settings(_env_file=None, slack_bot_token=SECRET, **values)  # type: ignore[call-arg, arg-type]


def _fail(logger: logging.Logger, msg: str) -> None:
    try:
        raise ConnectionResetError(f"peer reset while sending {SECRET}\nsecond line of detail")
    except ConnectionResetError:
        logger.exception(msg)


def test_json_lines_carry_time_level_logger_message_and_a_redacted_exception(
        capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(_settings(NEWSBOT_LOG_FORMAT="json"))
    logging.getLogger("newsbot.test").info("polled %d feeds for %s", 3, SECRET)
    _fail(logging.getLogger("newsbot.test"), "poll failed")
    lines = capsys.readouterr().err.strip().splitlines()
    first, second = (json.loads(line) for line in lines)
    assert first["level"] == "INFO" and first["logger"] == "newsbot.test"
    assert first["message"] == "polled 3 feeds for ***" and first["time"].endswith("+00:00")
    assert "Traceback" in second["exception"] and SECRET not in second["exception"]


def test_the_level_setting_hides_info_and_a_library_traceback_becomes_one_line(
        capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(_settings(NEWSBOT_LOG_LEVEL="warning"))
    logging.getLogger("newsbot.test").info("routine")
    _fail(logging.getLogger("discord.client"), "Attempting a reconnect in 1.23s")
    _fail(logging.getLogger("newsbot.test"), "our own failure")
    err = capsys.readouterr().err
    assert "routine" not in err
    library = [ln for ln in err.splitlines() if "discord.client" in ln]
    assert library == [ln for ln in library if "Attempting a reconnect in 1.23s (ConnectionResetError: peer reset "
                       "while sending ***)" in ln] and len(library) == 1
    assert err.count("Traceback") == 1 and "our own failure" in err  # newsbot's own errors keep theirs
    assert SECRET not in err


def test_debug_keeps_library_tracebacks_and_their_info_lines(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(_settings(NEWSBOT_LOG_LEVEL="DEBUG"))
    logging.getLogger("discord.gateway").info("shard connected")
    _fail(logging.getLogger("slack_sdk.socket_mode"), "Failed to connect")
    err = capsys.readouterr().err
    assert "shard connected" in err and err.count("Traceback") == 1 and SECRET not in err
