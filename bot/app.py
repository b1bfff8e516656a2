"""`newsbot run`: settings, store, scheduler and the configured front ends in one event loop."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.delivery import Delivery
from bot.health import Health, HealthServer, store_check
from bot.lifecycle import EXIT_CONFIG, EXIT_FAILED, RunLock, StartupError, Stopper, brief, retry_start
from bot.logs import RedactingFilter, setup_logging
from bot.scheduler import BotScheduler
from bot.services import Services, settle_heap

__all__ = ["RedactingFilter", "load_samples", "run_bot", "samples_dir", "serve", "setup_logging"]

log = logging.getLogger("newsbot")

# How long start-up waits for the chat front ends to be able to post before the scheduler starts anyway.
FRONT_END_WAIT_S = 30.0
# Stopping: how long the front ends get to close after the posts, and the hard bound on the rest of the stop.
FRONT_END_CLOSE_S = 2.0
STOP_CLOSE_S = 3.0


def samples_dir() -> Path:
    """Return the folder of bundled sample articles."""
    return Path(__file__).resolve().parent.parent / "digests" / "samples"


async def load_samples(svc: Services, workspace: str = "local") -> int:
    """Ingest the bundled samples into an empty workspace; return how many were added."""
    if await svc.store.count_articles(workspace):
        return 0
    added = 0
    for path in sorted(samples_dir().glob("[0-9]*.md")):
        out = await svc.ingestor.ingest_path(path, workspace=workspace, via="sample")
        added += out.status == "added"
        if out.status == "failed":
            log.warning("sample %s: %s", path.name, out.reason)
    return added


async def serve(settings: Settings, stopper: Stopper | None = None) -> int:
    """Run every configured front end until the terminal closes, a signal stops the bot, or a front end fails.

    Whatever ends the run, the bot stops the same way: no new work, posts in flight finished (up to
    NEWSBOT_STOP_TIMEOUT_S), feed polls and leases handed back, the store closed, one log line.
    """
    from bot.commands import load

    load()
    stopper = stopper or Stopper()
    stopper.install()
    health = Health()
    svc = await _open_services(settings, stopper)
    if svc is None:
        log.info("newsbot stopped (%s) before it could open the database", stopper.signal_name)
        return 0
    settle_heap()
    health.add("store", store_check(svc.store))
    delivery = Delivery()
    fronts: list[asyncio.Task[None]] = []
    console_task: asyncio.Task[None] | None = None
    scheduler: BotScheduler | None = None
    server: HealthServer | None = None
    code, reason = 0, "stop requested"
    try:
        if settings.health_port:
            server = HealthServer(health, settings.health_host, settings.health_port)
            await server.start()
        console_on = settings.console == "on" or (
            settings.console == "auto" and not settings.discord_enabled and not settings.slack_enabled)
        console = None
        if console_on:
            from bot.console import Console

            console = Console(svc)
            if settings.load_samples:
                n = await load_samples(svc)
                if n:
                    log.info("loaded %d sample articles into the local workspace", n)

            async def post_console(workspace: str, channel: str, reply: object) -> list[str]:
                assert console is not None
                return [console.post(channel, reply)]  # type: ignore[arg-type]

            delivery.register("local", post_console)
        if settings.discord_enabled:
            from bot.discord import start_discord

            fronts.append(asyncio.create_task(start_discord(svc, delivery, health=health), name="Discord"))
        if settings.slack_enabled:
            from bot.slack import start_slack

            fronts.append(asyncio.create_task(start_slack(svc, delivery, health=health), name="Slack"))
        scheduler = BotScheduler(svc, delivery)
        svc.scheduler = scheduler
        health.add("scheduler", _scheduler_check(scheduler))
        stop_wait = asyncio.create_task(stopper.event.wait(), name="stop")
        platforms = [p for p, on in (("discord", settings.discord_enabled), ("slack", settings.slack_enabled)) if on]
        if platforms:
            # Digests caught up at start and the first live posts go out through the front ends: give them a
            # moment to log in (a post with no front end would fail), but never wait on one that is failing.
            registered = asyncio.create_task(delivery.wait_registered(platforms))
            await asyncio.wait([registered, stop_wait, *fronts], timeout=FRONT_END_WAIT_S,
                               return_when=asyncio.FIRST_COMPLETED)
            registered.cancel()
        if not stopper.event.is_set() and not any(t.done() for t in fronts):
            await scheduler.start()
        if console is not None:
            console_task = asyncio.create_task(console.run(), name="console")
        waiting: list[asyncio.Task[Any]] = [stop_wait, *fronts, *([console_task] if console_task else [])]
        done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        stop_wait.cancel()
        if stopper.event.is_set():
            reason = str(stopper.signal_name)
        elif console_task is not None and console_task in done:
            reason = "the terminal closed"
            if console_task.exception() is not None:
                log.error("the terminal front end failed: %s", brief(console_task.exception()))  # type: ignore[arg-type]
                code = EXIT_FAILED
        else:
            failed = next(t for t in fronts if t in done)
            exc = failed.exception()
            if isinstance(exc, StartupError):
                log.error("%s", exc)
                code, reason = EXIT_CONFIG, f"{failed.get_name()} could not start"
            else:
                log.error("the %s front end stopped: %s", failed.get_name(),
                          brief(exc) if exc else "it returned", exc_info=exc if exc else None)
                code, reason = EXIT_FAILED, f"the {failed.get_name()} front end stopped"
    except StartupError as exc:
        log.error("%s", exc)
        code, reason = EXIT_CONFIG, "it could not start"
    finally:
        await _stop(settings, stopper, health, svc, scheduler, server, fronts, console_task, reason)
    return code


async def _open_services(settings: Settings, stopper: Stopper) -> Services | None:
    """Open the store and services, retrying with backoff while the database cannot be reached (None: stopped)."""
    from digests.store import StoreUnavailable

    opening = asyncio.create_task(retry_start(
        "opening the database", lambda: Services.create(settings, warm=True), transient=(StoreUnavailable,),
        describe=lambda exc: str(exc)))
    stop_wait = asyncio.create_task(stopper.event.wait())
    await asyncio.wait([opening, stop_wait], return_when=asyncio.FIRST_COMPLETED)
    stop_wait.cancel()
    if not opening.done():
        opening.cancel()
        await asyncio.gather(opening, return_exceptions=True)
        return None
    return opening.result()


def _scheduler_check(scheduler: BotScheduler) -> Any:
    async def check() -> dict[str, object]:
        return scheduler.health()

    return check


async def _stop(settings: Settings, stopper: Stopper, health: Health, svc: Services, scheduler: BotScheduler | None,
                server: HealthServer | None, fronts: list[asyncio.Task[None]],
                console_task: asyncio.Task[None] | None, reason: str) -> None:
    """Stop in order: no new work, posts finished, polls and leases handed back, front ends, the store."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    grace = settings.stop_timeout_s
    # Posts get the grace; closing the rest takes a moment. A close that hangs anyway (a dead database socket)
    # must not outlast a supervisor's patience (Docker's is 10 s): the process then ends regardless.
    stopper.arm(grace + STOP_CLOSE_S)
    health.stopping = True
    summary = ""
    try:
        if scheduler is not None:
            summary = (await scheduler.stop(grace)).summary()
        # Front ends close after the posts, which go out through their connections.
        tasks = [t for t in (*fronts, console_task) if t is not None and not t.done()]
        for t in tasks:
            t.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=FRONT_END_CLOSE_S)
        if server is not None:
            await server.stop()
        await svc.close()
    finally:
        stopper.disarm()
    log.info("newsbot stopped (%s) in %.1f s%s", reason, loop.time() - started, f": {summary}" if summary else "")


def run_bot(settings: Settings) -> int:
    """Start the bot and block until it stops; return the process exit code."""
    setup_logging(settings)
    lock = _take_lock(settings)
    try:
        return asyncio.run(serve(settings))
    except KeyboardInterrupt:  # a Ctrl-C before the signal handlers were in place
        return 0
    finally:
        if lock is not None:
            lock.release()


def _take_lock(settings: Settings) -> RunLock | None:
    """Hold the run lock of the SQLite file, so a second `newsbot run` on it refuses to start."""
    from digests.store._base import sqlite_path

    path = sqlite_path(settings.store_url)
    if path is None or path == ":memory:":
        return None
    lock = RunLock(Path(path))
    lock.acquire()
    return lock
