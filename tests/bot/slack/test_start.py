"""Slack's start-up check: a refused token stops the start naming it; Slack's own trouble is tried again."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot.lifecycle import StartupError
from bot.slack.app import TryAgain, check_tokens
from tests.helpers.http import LocalServer


def _answer(body: dict[str, Any], status: int = 200) -> Any:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=status, text=json.dumps(body), content_type="application/json")

    return handler


OK_AUTH = {"ok": True, "team_id": "T1", "user_id": "U1", "bot_id": "B1"}


@pytest.mark.parametrize("auth,connections,expect", [
    (OK_AUTH, None, None),
    (OK_AUTH, {"ok": True, "url": "wss://127.0.0.1:9/link"}, None),
    ({"ok": False, "error": "invalid_auth"}, None, "SLACK_BOT_TOKEN was refused by Slack (invalid_auth)"),
    ({"ok": False, "error": "token_revoked"}, None, "SLACK_BOT_TOKEN was refused by Slack (token_revoked)"),
    (OK_AUTH, {"ok": False, "error": "invalid_auth"}, "SLACK_APP_TOKEN was refused by Slack (invalid_auth)"),
    (OK_AUTH, {"ok": False, "error": "not_allowed_token_type"}, "SLACK_APP_TOKEN was refused"),
    ({"ok": False, "error": "ratelimited"}, None, TryAgain),
])
async def test_the_token_check_names_the_refused_token(http_server: LocalServer, auth: dict[str, Any],
                                                       connections: dict[str, Any] | None, expect: Any) -> None:
    http_server.route("/api/auth.test", _answer(auth))
    if connections is not None:
        http_server.route("/api/apps.connections.open", _answer(connections))
    client = AsyncWebClient(token="xoxb-start-test", base_url=http_server.url("/api/"))
    app_token = "xapp-1-A1-start" if connections is not None else None
    if expect is None:
        await check_tokens(client, app_token)
    elif isinstance(expect, str):
        with pytest.raises(StartupError, match=expect.replace("(", r"\(").replace(")", r"\)")):
            await check_tokens(client, app_token)
    else:
        with pytest.raises(expect):
            await check_tokens(client, app_token)
    assert http_server.seen[0] == "/api/auth.test"


async def test_a_server_error_is_tried_again(http_server: LocalServer) -> None:
    http_server.route("/api/auth.test", _answer({"ok": False, "error": "fatal_error"}, status=503))
    client = AsyncWebClient(token="xoxb-start-test", base_url=http_server.url("/api/"))
    with pytest.raises(TryAgain):
        await check_tokens(client, None)
