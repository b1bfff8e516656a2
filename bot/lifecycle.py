"""What a long-running `newsbot run` needs around the bot: start-up checks, retries, one writer per file, stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import signal
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TypeVar

from bot.config import DEFAULT_DB_PATH, Settings

log = logging.getLogger("newsbot")
T = TypeVar("T")

# Exit codes: 2 for a setting to fix (a supervisor should not restart), 1 for anything else that stopped the bot.
EXIT_CONFIG = 2
EXIT_FAILED = 1


class StartupError(Exception):
    """The bot cannot start as configured; the message is one line naming the setting and what to do."""


# ---- where the store lives ----------------------------------------------------------------------------------------


def db_origin(settings: Settings, cli_db: str | None = None) -> str:
    """Return which setting named the store: --db, NEWSBOT_DATABASE_URL, NEWSBOT_DB_PATH or the default."""
    if cli_db:
        return "--db"
    if settings.database_url:
        return "NEWSBOT_DATABASE_URL"
    return "NEWSBOT_DB_PATH" if settings.db_path != DEFAULT_DB_PATH else "the default path"


def store_location_problem(settings: Settings, *, create: bool, origin: str) -> str | None:
    """Return why the SQLite file the settings name cannot be used (one line), or None.

    Only the default path gets its folder made: a missing folder elsewhere is a typo until shown otherwise.
    ``create`` False (commands that only read) refuses a file that does not exist instead of making an empty one.
    """
    from digests.store._base import sqlite_path

    path = sqlite_path(settings.store_url)
    if path is None or path == ":memory:":
        return None
    file = Path(path)
    if file.is_dir():
        return f"{origin} names {path}, which is a folder: give the path of the database file (e.g. {path}/newsbot.db)"
    if file.exists():
        return None
    if not create:
        return (f"there is no database at {path} ({origin}): check the path; `newsbot run` or "
                "`newsbot ingest` creates a new one")
    is_default = settings.database_url is None and settings.db_path == DEFAULT_DB_PATH and origin != "--db"
    if not file.parent.is_dir() and not is_default:
        return (f"the folder {file.parent} for the database {path} ({origin}) does not exist: create it "
                "(mkdir -p) or fix the path")
    return None


# ---- one writer per SQLite file -----------------------------------------------------------------------------------


@dataclass
class RunLock:
    """An exclusive lock beside a SQLite file, held while `newsbot run` uses it (released by the kernel on exit)."""

    db_path: Path
    _file: IO[str] | None = field(default=None, repr=False)

    @property
    def path(self) -> Path:
        """Return the lock file's path."""
        return self.db_path.with_name(self.db_path.name + ".run.lock")

    def acquire(self) -> None:
        """Take the lock or raise StartupError saying which process holds it."""
        try:
            import fcntl
        except ImportError:  # not a POSIX system: no lock, as before
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise StartupError(
                f"another `newsbot run` (pid {holder}) is using the database {self.db_path}: one SQLite file takes "
                "one bot process; stop the other one, or use PostgreSQL for several (docs/deploy.md)") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        """Release the lock (closing the file releases it)."""
        if self._file is not None:
            self._file.close()
            self._file = None


# ---- retries at start-up ------------------------------------------------------------------------------------------


@dataclass
class Backoff:
    """Delays between start-up tries: doubling from ``first`` up to ``cap`` seconds, with a little jitter."""

    first: float = 1.0
    cap: float = 60.0
    jitter: float = 0.1
    tries: int = 0

    def next(self) -> float:
        """Count a failed try and return how long to wait before the next one."""
        self.tries += 1
        delay = min(self.cap, self.first * 2 ** (self.tries - 1))
        return delay * (1 + random.uniform(-self.jitter, self.jitter))  # noqa: S311 - not for security


async def retry_start(what: str, attempt: Callable[[], Awaitable[T]], *, transient: tuple[type[BaseException], ...],
                      describe: Callable[[BaseException], str] | None = None,
                      backoff: Backoff | None = None, logger: logging.Logger = log) -> T:
    """Run ``attempt`` until it succeeds, waiting with backoff after transient errors (one log line per try).

    Any other exception (StartupError above all) ends the tries and propagates.
    """
    backoff = backoff or Backoff()
    while True:
        try:
            return await attempt()
        except transient as exc:
            delay = backoff.next()
            reason = describe(exc) if describe else f"{exc.__class__.__name__}: {exc}"
            logger.warning("%s failed (try %d): %s; retrying in %.0f s", what, backoff.tries, reason, delay)
            await asyncio.sleep(delay)


def brief(exc: BaseException) -> str:
    """Return an exception as one short line: its class and the first line of its message."""
    text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


# ---- stopping -----------------------------------------------------------------------------------------------------


class Stopper:
    """Turn SIGTERM and SIGINT into a stop request; a second signal, or a stop that overruns, ends the process."""

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.signal_name: str | None = None
        self._watchdog: threading.Timer | None = None

    def install(self) -> None:
        """Handle SIGTERM and SIGINT in the running loop (where the platform allows it)."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self._on_signal, sig)

    def _on_signal(self, sig: signal.Signals) -> None:
        if self.event.is_set():
            log.warning("second %s: stopping at once, without waiting for posts in flight", sig.name)
            os._exit(EXIT_FAILED)
        self.signal_name = sig.name
        self.event.set()

    def request(self, reason: str) -> None:
        """Ask the bot to stop (as a signal would), naming why."""
        if not self.event.is_set():
            self.signal_name = reason
            self.event.set()

    def arm(self, seconds: float) -> None:
        """End the process if stopping takes longer than ``seconds`` (a hung close must not hang a restart)."""
        def overrun() -> None:
            log.error("stopping took longer than %.0f s; exiting now", seconds)
            logging.shutdown()
            os._exit(EXIT_FAILED)

        self._watchdog = threading.Timer(seconds, overrun)
        self._watchdog.daemon = True
        self._watchdog.start()

    def disarm(self) -> None:
        """Cancel the overrun timer."""
        if self._watchdog is not None:
            self._watchdog.cancel()
