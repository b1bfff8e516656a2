"""Secrets never reach logs or replies: messages, arguments, tracebacks (an exception whose message holds a token),
stack dumps, settings reprs and the generic error reply of a failing command."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from bot.app import setup_logging
from bot.commands import REGISTRY, Command, Invocation, Param, Reply, dispatch, load
from bot.config import Settings

load()

TOKENS = {
    "DISCORD_TOKEN": "MTA5ODc2NTQzMjEw.GxYz12.discord-secret-token-value",
    "SLACK_BOT_TOKEN": "xoxb-1111-2222-slack-secret-bot-token",
    "SLACK_SIGNING_SECRET": "8f14e45fceea167a5a36dedd4bea2543",
    "SUMMARY_LLM_API_KEY": "sk-test-llm-secret-key-0123456789",
}


@pytest.fixture
def secret_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[Settings]:
    """Return settings read from an environment holding every token; restore logging afterwards."""
    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("NEWSBOT_DB_PATH", str(tmp_path / "s.db"))
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        yield Settings(_env_file=None)  # type: ignore[call-arg]
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)


def _leaks(text: str) -> list[str]:
    return [name for name, value in TOKENS.items() if value in text]


def test_settings_hold_the_tokens_but_never_print_them(secret_settings: Settings) -> None:
    assert sorted(secret_settings.secrets()) == sorted(TOKENS.values())
    assert _leaks(repr(secret_settings)) == [] and _leaks(str(secret_settings.model_dump())) == []


def test_logs_redact_messages_arguments_tracebacks_and_stacks(secret_settings: Settings,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(secret_settings, level=logging.DEBUG)
    log = logging.getLogger("newsbot.test")
    discord, slack, signing, llm = TOKENS.values()
    log.info("connecting with token %s", discord)
    log.warning(f"Slack said invalid_auth for {slack}")
    log.debug("headers: %r", {"Authorization": f"Bearer {llm}", "X-Slack-Signature": signing})
    try:
        raise RuntimeError(f"401 Unauthorized: token {discord} rejected")
    except RuntimeError:
        log.exception("login failed")
    try:
        try:
            raise ValueError(f"signature mismatch with secret {signing}")
        except ValueError as inner:
            raise ConnectionError(f"LLM call with key {llm} failed") from inner
    except ConnectionError as exc:
        log.error("summary failed", exc_info=exc)
    log.warning("stack of %s", "a worker", stack_info=True, extra={"note": slack})
    logging.getLogger("aiohttp.client").error("GET https://llm.example.test/v1?key=%s failed", llm)
    err = capsys.readouterr().err
    assert "login failed" in err and "Traceback" in err and "RuntimeError" in err and "***" in err
    assert _leaks(err) == [], err


async def test_a_failing_command_shows_no_secret_and_logs_it_redacted(secret_settings: Settings, services: Any,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(secret_settings)

    async def boom(svc: Any, inv: Invocation, args: dict[str, Any]) -> Reply:
        raise PermissionError(f"upstream refused token {TOKENS['SLACK_BOT_TOKEN']} for {args['what']}")

    monkeypatch.setitem(REGISTRY, "boom", Command("boom", "fails", (Param("what", "x"),), boom))
    reply = await dispatch(services, Invocation("slack:T1", "c", "u", platform="slack"), REGISTRY["boom"],
                           {"what": "a digest"})
    assert reply.error and "failed on our side" in reply.text
    assert _leaks(reply.text + reply.title + str(reply.data)) == []
    err = capsys.readouterr().err
    assert "PermissionError" in err and "***" in err
    assert _leaks(err) == [], err
