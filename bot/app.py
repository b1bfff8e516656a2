"""`newsbot run`: settings, store, scheduler and the configured front ends in one event loop."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

from bot.config import Settings
from bot.delivery import Delivery
from bot.services import Services, settle_heap

log = logging.getLogger("newsbot")


class RedactingFilter(logging.Filter):
    """Replace every configured secret in log records with ***."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if len(s) >= 4]

    def _redact(self, text: str) -> str:
        for s in self._secrets:
            text = text.replace(s, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record's message, arguments, traceback and stack in place."""
        if self._secrets:
            record.msg, record.args = self._redact(record.getMessage()), None
            # A traceback repeats the exception's message ("401 for token xoxb-…"); format it here, redacted,
            # so the handler's formatter uses this text instead of formatting the raw exception.
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = self._redact(record.exc_text)
            if record.stack_info:
                record.stack_info = self._redact(record.stack_info)
        return True


def setup_logging(settings: Settings, level: int = logging.INFO) -> None:
    """Log to stderr with secrets redacted."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(settings.secrets()))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("discord", "aiohttp.access", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


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


async def serve(settings: Settings) -> int:
    """Run every configured front end until the terminal closes or the process is stopped."""
    from bot.commands import load

    load()
    svc = await Services.create(settings, warm=True)
    settle_heap()
    delivery = Delivery()
    tasks: list[asyncio.Task[None]] = []
    scheduler = None
    try:
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

            tasks.append(asyncio.create_task(start_discord(svc, delivery), name="discord"))
        if settings.slack_enabled:
            from bot.slack import start_slack

            tasks.append(asyncio.create_task(start_slack(svc, delivery), name="slack"))
        from bot.scheduler import BotScheduler

        scheduler = BotScheduler(svc, delivery)
        svc.scheduler = scheduler
        await scheduler.start()
        if console is not None:
            console_task = asyncio.create_task(console.run(), name="console")
            if tasks:
                tasks.append(console_task)
            else:
                await console_task
                return 0
        if tasks:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for t in done:
                if t.exception():
                    log.error("front end %s stopped: %s", t.get_name(), t.exception())
                    return 1
        return 0
    finally:
        for t in tasks:
            t.cancel()
        if scheduler is not None:
            await scheduler.shutdown()
        await svc.close()


def run_bot(settings: Settings) -> int:
    """Start the bot and block until it stops."""
    setup_logging(settings)
    try:
        return asyncio.run(serve(settings))
    except KeyboardInterrupt:
        return 0
