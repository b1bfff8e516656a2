"""The slack_bolt AsyncApp: built from settings, served over HTTP (aiohttp) or Socket Mode until cancelled."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.delivery import Delivery
from bot.lifecycle import StartupError, brief, retry_start
from bot.services import Services
from bot.slack.admin import AdminCheck
from bot.slack.core import SlackContext
from bot.slack.listeners import register_all
from bot.slack.poster import make_poster

if TYPE_CHECKING:
    from bot.health import Health

log = logging.getLogger("newsbot.slack")

EVENTS_PATH = "/slack/events"


class _QuietTokenNote(logging.Filter):
    """Drop Bolt's note that it ignores SLACK_BOT_TOKEN from the environment: the client given to it has it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record but that note."""
        return "`token` will be unused" not in record.getMessage()


logging.getLogger("slack_bolt.AsyncApp").addFilter(_QuietTokenNote())


def make_client(settings: Settings) -> AsyncWebClient:
    """Return a Web API client with the bot token, the configured base URL and rate-limit retries."""
    if settings.slack_bot_token is None or not settings.slack_bot_token.get_secret_value():
        raise ValueError("SLACK_BOT_TOKEN is not set")
    kwargs: dict[str, Any] = {}
    if settings.slack_api_base_url:
        base = settings.slack_api_base_url
        kwargs["base_url"] = base if base.endswith("/") else base + "/"
    # Retry-After is honoured by the rate-limit handler; two retries bound how long a post can stall.
    return AsyncWebClient(token=settings.slack_bot_token.get_secret_value(),
                          retry_handlers=[AsyncConnectionErrorRetryHandler(),
                                          AsyncRateLimitErrorRetryHandler(max_retry_count=2)], **kwargs)


def build_app(svc: Services, delivery: Delivery) -> AsyncApp:
    """Build the Bolt app with every listener and register the Slack poster with ``delivery``."""
    settings = svc.settings
    client = make_client(settings)
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    if not secret and not settings.slack_app_token:
        raise ValueError("HTTP mode needs SLACK_SIGNING_SECRET (or set SLACK_APP_TOKEN for Socket Mode)")
    # An explicit "" keeps Bolt from reading SLACK_SIGNING_SECRET behind the settings' back.
    app = AsyncApp(client=client, signing_secret=secret)
    ctx = SlackContext(svc, AdminCheck(client, settings.slack_admin_group))
    register_all(app, ctx)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("Slack listener failed (%s): %s", body.get("type") or body.get("command"), error,
                  exc_info=error)

    delivery.register("slack", make_poster(client))
    return app


class SlackHttpServer:
    """Serve a Bolt app's events, commands and actions at /slack/events on host:port (port 0 picks one)."""

    def __init__(self, app: AsyncApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> int:
        """Start listening and return the bound port."""
        self._runner = web.AppRunner(self.app.web_app(path=EVENTS_PATH), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self.port

    @property
    def url(self) -> str:
        """Return the URL Slack must call."""
        return f"http://{self.host}:{self.port}{EVENTS_PATH}"

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


class TryAgain(Exception):  # noqa: N818 - a transient answer, retried at start-up
    """Slack answered, but with an error worth another try (rate limited, or a server error)."""


async def check_tokens(client: AsyncWebClient, app_token: str | None) -> None:
    """Ask Slack whether the bot token (and the app-level token, for Socket Mode) work; raise if not."""
    from slack_sdk.errors import SlackApiError

    for name, call in (("SLACK_BOT_TOKEN", lambda: client.auth_test()),
                       ("SLACK_APP_TOKEN", (lambda: client.apps_connections_open(app_token=app_token))
                        if app_token else None)):
        if call is None:
            continue
        try:
            await call()
        except SlackApiError as exc:
            error = str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
            if error == "ratelimited" or exc.response.status_code >= 500:
                raise TryAgain(f"Slack answered {error}") from None
            raise StartupError(f"{name} was refused by Slack ({error}): copy it again from the app's settings "
                               "page (see docs/slack.md)") from None


async def start_slack(svc: Services, delivery: Delivery, *,
                      on_ready: Callable[[SlackHttpServer], None] | None = None,
                      health: Health | None = None) -> None:
    """Run the Slack front end until cancelled: Socket Mode with SLACK_APP_TOKEN, else HTTP on the configured port.

    The tokens are checked first (auth.test, and apps.connections.open for Socket Mode): a refused token stops
    the start with one line naming it, and network failures are retried with backoff, one log line per try.
    """
    settings = svc.settings
    app = build_app(svc, delivery)
    app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else ""
    state: dict[str, Any] = {"ok": False, "detail": "checking the tokens"}
    socket_handler: Any = None

    async def check() -> dict[str, Any]:
        if socket_handler is not None:
            up = await socket_handler.client.is_connected()
            return {"ok": up, "detail": "Socket Mode connected" if up else "Socket Mode reconnecting"}
        return dict(state)

    if health is not None:
        health.add("slack", check)
    await retry_start("Slack start-up check", lambda: check_tokens(app.client, app_token or None),
                      transient=(OSError, aiohttp.ClientError, TimeoutError, TryAgain), describe=brief, logger=log)
    if app_token:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        socket_handler = AsyncSocketModeHandler(app, app_token)
        try:
            await socket_handler.connect_async()
            log.info("Slack Socket Mode connected")
            await asyncio.Event().wait()
        finally:
            await socket_handler.close_async()
        return
    server = SlackHttpServer(app, settings.slack_http_host, settings.slack_http_port)
    try:
        await server.start()
    except OSError as exc:
        raise StartupError(f"SLACK_HTTP_PORT={settings.slack_http_port}: cannot listen on "
                           f"{settings.slack_http_host}:{settings.slack_http_port} ({exc.strerror or exc}); "
                           "choose a free port") from None
    state.update(ok=True, detail=f"listening on {server.url}")
    log.info("Slack endpoint listening on %s", server.url)
    if on_ready is not None:
        on_ready(server)
    try:
        await asyncio.Event().wait()
    finally:
        state.update(ok=False, detail="stopped")
        await server.stop()
