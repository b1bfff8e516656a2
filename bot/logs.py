"""Logging for the bot: one stream, secrets redacted, text or JSON lines, library tracebacks kept for DEBUG."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from bot.config import Settings

# Libraries that log every routine step at INFO: they speak at WARNING unless NEWSBOT_LOG_LEVEL=DEBUG.
NOISY = ("discord", "aiohttp.access", "apscheduler", "slack_bolt", "slack_sdk", "asyncio")


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


class BriefLibraryErrors(logging.Filter):
    """Fold a library's traceback into its one log line (discord.py and slack_sdk log one per reconnect try)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the traceback of a record from outside newsbot with the exception's one-line summary."""
        if record.name.startswith("newsbot") or not record.exc_info or record.exc_info[1] is None:
            return True
        exc = record.exc_info[1]
        text = str(exc).splitlines()[0][:300] if str(exc) else ""
        record.msg = f"{record.getMessage()} ({exc.__class__.__name__}{': ' + text if text else ''})"
        record.args, record.exc_info, record.exc_text = None, None, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and exception or stack when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as one line of JSON."""
        out: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            out["exception"] = record.exc_text
        if record.stack_info:
            out["stack"] = record.stack_info
        return json.dumps(out, ensure_ascii=False)


def setup_logging(settings: Settings, level: int | None = None) -> None:
    """Log to stderr at NEWSBOT_LOG_LEVEL (or ``level``), as text or JSON, with secrets redacted."""
    level = settings.log_level_number if level is None else level
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if level > logging.DEBUG:
        handler.addFilter(BriefLibraryErrors())
    handler.addFilter(RedactingFilter(settings.secrets()))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.INFO if level <= logging.DEBUG else logging.WARNING)
