"""The optional HTTP health endpoint: /healthz (the process answers) and /readyz (store, front ends, scheduler)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.lifecycle import StartupError, brief

log = logging.getLogger("newsbot.health")

# A check answers {"ok": bool, "detail": str, ...anything else worth showing}.
Check = Callable[[], Awaitable[dict[str, Any]]]
CHECK_TIMEOUT_S = 2.0


class Health:
    """Named readiness checks; ready when every one passes and the bot is not stopping."""

    def __init__(self) -> None:
        self.checks: dict[str, Check] = {}
        self.started = time.monotonic()
        self.stopping = False

    def add(self, name: str, check: Check) -> None:
        """Register (or replace) a readiness check."""
        self.checks[name] = check

    async def _run(self, check: Check) -> dict[str, Any]:
        try:
            return dict(await asyncio.wait_for(check(), CHECK_TIMEOUT_S))
        except TimeoutError:
            return {"ok": False, "detail": f"no answer within {CHECK_TIMEOUT_S:g} s"}
        except Exception as exc:  # noqa: BLE001 - a failing check is an answer ("not ready"), never a crash
            return {"ok": False, "detail": brief(exc)}

    async def readiness(self) -> dict[str, Any]:
        """Run every check at once; return {"ready": bool, "checks": {...}}."""
        names = list(self.checks)
        results = await asyncio.gather(*(self._run(self.checks[n]) for n in names))
        checks = dict(zip(names, results, strict=True))
        if self.stopping:
            checks["stopping"] = {"ok": False, "detail": "the bot is stopping"}
        ready = bool(checks) and all(bool(c.get("ok")) for c in checks.values())
        return {"ready": ready, "checks": checks}

    def liveness(self) -> dict[str, Any]:
        """Return that the process answers, and for how long it has run."""
        return {"alive": True, "uptime_s": round(time.monotonic() - self.started, 1), "stopping": self.stopping}


def store_check(store: Any) -> Check:
    """Return a check that the store answers a trivial query."""
    async def check() -> dict[str, Any]:
        await store.ping()
        return {"ok": True, "detail": f"{store.backend} reachable"}

    return check


class HealthServer:
    """Serve /healthz and /readyz (JSON; 200 when alive or ready, else 503) on host:port."""

    def __init__(self, health: Health, host: str, port: int) -> None:
        self.health = health
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> int:
        """Start listening and return the bound port; raise StartupError when the port cannot be used."""
        app = web.Application()
        app.router.add_get("/healthz", self._live)
        app.router.add_get("/readyz", self._ready)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self.host, self.port).start()
        except OSError as exc:
            await self._runner.cleanup()
            self._runner = None
            raise StartupError(f"NEWSBOT_HEALTH_PORT={self.port}: cannot listen on {self.host}:{self.port} "
                               f"({exc.strerror or exc}); choose a free port or unset it") from None
        self.port = int(self._runner.addresses[0][1])
        log.info("health endpoint on http://%s:%d/readyz", self.host, self.port)
        return self.port

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @staticmethod
    def _json(data: dict[str, Any], ok: bool) -> web.Response:
        return web.Response(status=200 if ok else 503, text=json.dumps(data, default=str),
                            content_type="application/json")

    async def _live(self, request: web.Request) -> web.Response:
        return self._json(self.health.liveness(), True)

    async def _ready(self, request: web.Request) -> web.Response:
        report = await self.health.readiness()
        return self._json(report, bool(report["ready"]))


def probe(host: str, port: int, path: str = "/readyz", timeout: float = 3.0) -> tuple[int, str]:
    """Ask a running bot's health endpoint; return (HTTP status, body), status 0 when nothing answers."""
    import urllib.error
    import urllib.request

    # The bot may listen on every interface; the probe runs beside it, so it asks loopback.
    target = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host  # noqa: S104 - compared, not bound
    url = f"http://{'[' + target + ']' if ':' in target else target}:{port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - http to our own endpoint
            return int(resp.status), resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read().decode("utf-8", "replace")
    except OSError as exc:
        return 0, str(exc)
