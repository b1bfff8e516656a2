"""The health endpoint: liveness, readiness from named checks, and `newsbot health` asking it."""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

import aiohttp
import pytest

import bot.health
from bot.cli import main
from bot.health import Health, HealthServer, probe
from bot.lifecycle import StartupError


def _check(ok: bool, detail: str = "") -> Any:
    async def check() -> dict[str, Any]:
        return {"ok": ok, "detail": detail}

    return check


async def test_ready_only_when_every_check_passes_and_not_stopping(monkeypatch: pytest.MonkeyPatch) -> None:
    health = Health()
    assert (await health.readiness())["ready"] is False  # nothing registered yet: not ready
    health.add("store", _check(True, "sqlite reachable"))
    health.add("discord", _check(False, "connecting to the gateway"))
    report = await health.readiness()
    assert report == {"ready": False, "checks": {"store": {"ok": True, "detail": "sqlite reachable"},
                                                 "discord": {"ok": False, "detail": "connecting to the gateway"}}}
    health.add("discord", _check(True, "connected"))
    assert (await health.readiness())["ready"] is True

    async def broken() -> dict[str, Any]:
        raise ConnectionResetError("server closed the connection")

    async def hung() -> dict[str, Any]:
        await asyncio.sleep(60)
        return {"ok": True}

    monkeypatch.setattr(bot.health, "CHECK_TIMEOUT_S", 0.05)
    health.add("store", broken)
    health.add("slack", hung)
    checks = (await health.readiness())["checks"]
    assert checks["store"] == {"ok": False, "detail": "ConnectionResetError: server closed the connection"}
    assert checks["slack"] == {"ok": False, "detail": "no answer within 0.05 s"}
    health.add("store", _check(True))
    health.add("slack", _check(True))
    health.stopping = True
    report = await health.readiness()
    assert report["ready"] is False and report["checks"]["stopping"]["ok"] is False


async def test_the_server_answers_200_when_ready_and_503_when_not() -> None:
    health = Health()
    health.add("store", _check(True))
    server = HealthServer(health, "127.0.0.1", 0)
    port = await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                assert resp.status == 200 and (await resp.json())["alive"] is True
            async with http.get(f"http://127.0.0.1:{port}/readyz") as resp:
                assert resp.status == 200 and (await resp.json())["ready"] is True
            health.add("discord", _check(False, "reconnecting"))
            async with http.get(f"http://127.0.0.1:{port}/readyz") as resp:
                assert resp.status == 503 and (await resp.json())["checks"]["discord"]["detail"] == "reconnecting"
        # `newsbot health` (the container's HEALTHCHECK) asks the same endpoint: exit 1 while not ready.
        status, body = await asyncio.to_thread(probe, "0.0.0.0", port)  # noqa: S104 - asks loopback
        assert status == 503 and json.loads(body)["ready"] is False
        status, body = await asyncio.to_thread(probe, "127.0.0.1", port, "/healthz")
        assert status == 200 and json.loads(body)["alive"] is True
    finally:
        await server.stop()


async def test_the_health_command_exits_0_only_when_ready(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    health = Health()
    health.add("store", _check(False, "no answer"))
    server = HealthServer(health, "127.0.0.1", 0)
    port = await server.start()
    monkeypatch.setenv("NEWSBOT_HEALTH_PORT", str(port))
    try:
        assert await asyncio.to_thread(main, ["health"]) == 1
        assert await asyncio.to_thread(main, ["health", "--live"]) == 0
        health.add("store", _check(True))
        assert await asyncio.to_thread(main, ["health"]) == 0
        assert '"ready": true' in capsys.readouterr().out
    finally:
        await server.stop()
    assert await asyncio.to_thread(main, ["health"]) == 1  # nothing answers now
    assert "no answer from the health endpoint" in capsys.readouterr().err
    monkeypatch.delenv("NEWSBOT_HEALTH_PORT")
    assert await asyncio.to_thread(main, ["health"]) == 1
    assert "NEWSBOT_HEALTH_PORT is not set" in capsys.readouterr().err


async def test_a_port_in_use_is_a_startup_error_naming_the_setting() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(StartupError, match=rf"NEWSBOT_HEALTH_PORT={port}: cannot listen on 127.0.0.1:{port}"):
            await HealthServer(Health(), "127.0.0.1", port).start()
