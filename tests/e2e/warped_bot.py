"""Run the real `newsbot run` in this process with the scheduling clock sped up: a simulated hour in a minute.

Test-only. Every process started with the same NEWSBOT_TEST_TIME_ZERO and NEWSBOT_TEST_TIME_SCALE shares one
simulated clock: sim = zero + (real - zero) * scale. Only the schedulers see it (APScheduler's "now" and its
timer, the bot's scheduler and feed-poller clock); Discord, HTTP and the database run in real time.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, tzinfo
from typing import Any

ZERO = float(os.environ["NEWSBOT_TEST_TIME_ZERO"])
SCALE = float(os.environ["NEWSBOT_TEST_TIME_SCALE"])
_real_now = datetime.now


def sim_now(tz: tzinfo | None = UTC) -> datetime:
    """Return the simulated time."""
    real = _real_now(UTC).timestamp()
    return datetime.fromtimestamp(ZERO + (real - ZERO) * SCALE, tz or UTC)


class _WarpedDatetime(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> Any:
        """Return the simulated time (APScheduler asks this)."""
        return sim_now(tz)


def install() -> None:
    """Point APScheduler and the bot's scheduler at the simulated clock."""
    import apscheduler.executors.base as aps_executors
    import apscheduler.schedulers.base as aps_base
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    import bot.scheduler
    import digests.feeds

    aps_base.datetime = _WarpedDatetime  # type: ignore[misc]
    aps_executors.datetime = _WarpedDatetime  # type: ignore[misc]
    real_timer = AsyncIOScheduler._start_timer

    def start_timer(self: AsyncIOScheduler, wait_seconds: float | None) -> None:
        real_timer(self, None if wait_seconds is None else wait_seconds / SCALE)

    AsyncIOScheduler._start_timer = start_timer  # type: ignore[method-assign]
    bot.scheduler.utc_now = sim_now  # type: ignore[assignment]
    digests.feeds.utc_now = sim_now  # type: ignore[assignment]


if __name__ == "__main__":
    install()
    from bot.cli import main

    sys.exit(main(["run"]))
