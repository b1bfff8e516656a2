"""The slack_bolt AsyncApp: built from settings, served over HTTP (aiohttp) or Socket Mode until cancelled."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.delivery import Delivery
from bot.services import Services
from bot.slack.admin import AdminCheck
from bot.slack.core import SlackContext
from bot.slack.listeners import register_all
from bot.slack.poster import make_poster

log = logging.getLogger("newsbot.slack")

EVENTS_PATH = "/slack/events"


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


async def start_slack(svc: Services, delivery: Delivery, *,
                      on_ready: Callable[[SlackHttpServer], None] | None = None) -> None:
    """Run the Slack front end until cancelled: Socket Mode with SLACK_APP_TOKEN, else HTTP on the configured port."""
    settings = svc.settings
    app = build_app(svc, delivery)
    if settings.slack_app_token is not None and settings.slack_app_token.get_secret_value():
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        handler = AsyncSocketModeHandler(app, settings.slack_app_token.get_secret_value())
        try:
            await handler.start_async()
        finally:
            await handler.close_async()
        return
    server = SlackHttpServer(app, settings.slack_http_host, settings.slack_http_port)
    await server.start()
    log.info("Slack endpoint listening on %s", server.url)
    if on_ready is not None:
        on_ready(server)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()
