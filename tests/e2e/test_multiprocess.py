"""Three `newsbot run` processes (Discord shards 0-2 of 3) on one PostgreSQL database, one killed with kill -9.

Through the loopback Discord stand-in: 30 scheduled digests across 9 guilds and 20 feeds over a simulated hour
(tests/e2e/warped_bot.py runs the real bot with its scheduling clock sped up 60 times). Every digest is posted
exactly once, every feed item stored once, no feed fetched by two processes at once, the killed process's
leased feeds taken over within one lease, and commands in every guild answered by the process of its shard.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from digests.store import Store
from tests.conftest import ROOT
from tests.e2e.discord_standin import DiscordStandIn

# Three real processes over simulated hours: a minute of real clock, so `make test` leaves it to CI (.ci/run).
pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]

SCALE = 120.0  # one real second is two simulated minutes
SHARDS = 3
INTERVAL_S = 600  # feed polling interval (simulated seconds)
LEASE_S = 300  # feed lease (simulated seconds)
TICK_S = 60  # the scheduler's feed sweep tick for that interval (simulated seconds)
SLOW_FEED_S = 1.25  # every feed answers this slowly (real seconds), so polls are in flight when the kill lands
N_FEEDS = 20
N_SCHEDULES = 10  # three firings each in the simulated hour: 30 digests


@dataclass
class Fetch:
    """One request a feed server answered (real times)."""

    feed: int
    start: float
    end: float = 0.0


class Feeds:
    """Twenty feeds, each on its own loopback address (so host politeness does not serialize them)."""

    def __init__(self, zero: float) -> None:
        self.zero = zero
        self.cap = zero + 3600.0  # no new items after this real time (set by the test)
        self.fetches: list[Fetch] = []
        self.served: set[str] = set()
        self.runners: list[web.AppRunner] = []
        self.urls: list[str] = []

    def items(self, feed: int, now: float) -> list[int]:
        """Return the items feed ``feed`` lists at real time ``now``: two at first, one more every 4 s until the cap."""
        return list(range(2 + max(0, int((min(now, self.cap) - self.zero) // 4))))

    async def start(self) -> None:
        """Serve every feed."""
        for j in range(N_FEEDS):
            async def handler(request: web.Request, j: int = j) -> web.StreamResponse:
                return await self.handle(request, j)

            app = web.Application()
            app.router.add_get("/rss.xml", handler)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, f"127.0.0.{j + 2}", 0)
            await site.start()
            self.runners.append(runner)
            self.urls.append(f"http://127.0.0.{j + 2}:{runner.addresses[0][1]}/rss.xml")

    async def handle(self, request: web.Request, j: int) -> web.StreamResponse:
        """Serve feed ``j`` slowly."""
        fetch = Fetch(j, time.time())
        self.fetches.append(fetch)
        items = self.items(j, fetch.start)
        await asyncio.sleep(SLOW_FEED_S)
        entries = []
        for n in items:
            link = f"https://feeds.example.invalid/{j}/{n}"
            self.served.add(link)
            words = " ".join(f"w{j}x{n}y{k}" for k in range(40))
            entries.append(f"<item><title>Feed {j} item {n}</title><link>{link}</link><guid>{link}</guid>"
                           f"<description>Dispatch {j}-{n}: {words}.</description></item>")
        data = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Loopback feed {j}</title>'
                f"<link>https://feeds.example.invalid/{j}</link><description>t</description>{''.join(entries)}"
                "</channel></rss>")
        fetch.end = time.time()
        return web.Response(body=data.encode(), headers={"Content-Type": "application/rss+xml"})

    async def stop(self) -> None:
        """Stop serving."""
        for r in self.runners:
            await r.cleanup()


def sim(real: float, zero: float) -> datetime:
    """Return the simulated time of real time ``real``."""
    return datetime.fromtimestamp(zero + (real - zero) * SCALE, UTC)


def shard_of(guild_id: str) -> int:
    """Return the shard that serves a guild (Discord's rule)."""
    return (int(guild_id) >> 22) % SHARDS


def start_bot(shard: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start one bot process running ``shard``."""
    out = log.open("ab")
    return subprocess.Popen([sys.executable, "-m", "tests.e2e.warped_bot"], cwd=ROOT, stdout=out, stderr=out,
                            env={**env, "NEWSBOT_SHARD_IDS": str(shard)})


async def test_three_shard_processes_post_each_digest_once_and_take_over_a_killed_ones_feeds(
        pg_url: str, tmp_path: Path) -> None:
    standin = DiscordStandIn()
    per_shard: dict[int, list[dict[str, Any]]] = {i: [] for i in range(SHARDS)}
    while any(len(g) < 3 for g in per_shard.values()):
        guild = standin.add_guild(f"Guild {len(standin.guilds)}", channels=("general", "news"))
        bucket = per_shard[shard_of(guild["id"])]
        if len(bucket) < 3:
            bucket.append(guild)
        else:
            del standin.guilds[guild["id"]]
        await asyncio.sleep(0.002)  # snowflakes carry milliseconds: spread the guilds over the shards
    guilds = [g for i in range(SHARDS) for g in per_shard[i]]
    await standin.start()
    zero = time.time()
    feeds = Feeds(zero)
    await feeds.start()
    store = await Store.open(pg_url)
    procs: dict[int, subprocess.Popen[bytes]] = {}
    log = tmp_path / "bots.log"
    try:
        ws = {g["id"]: f"discord:{g['id']}" for g in guilds}
        for j, url in enumerate(feeds.urls):
            g = guilds[j % len(guilds)]
            src = await store.source("feed", url)
            await store.subscribe(ws[g["id"]], standin.channel(g, "news")["id"], src.id)
        start_sim = sim(zero, zero)
        # The simulated hour starts once every process is surely up (20 simulated minutes in).
        hour_start = (start_sim + timedelta(minutes=21)).replace(second=0, microsecond=0)
        # Feeds stop growing 45 simulated minutes in: every item served after that is stored by a later poll.
        feeds.cap = zero + (hour_start + timedelta(minutes=45) - start_sim).total_seconds() / SCALE
        for i in range(N_SCHEDULES):
            g = guilds[i % len(guilds)]
            m = (hour_start.minute + 2 * i) % 20
            await store.add_schedule(ws[g["id"]], standin.channel(g, "general")["id"], "thrice an hour",
                                     f"{m},{m + 20},{m + 40} * * * *", "UTC", notify_empty=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "NEWSBOT_"))}
        env.update({
            "PYTHONPATH": str(ROOT), "NEWSBOT_DATABASE_URL": pg_url, "DISCORD_TOKEN": standin.token,
            "DISCORD_API_BASE_URL": standin.api_url, "DISCORD_GATEWAY_URL": standin.gateway_url,
            "NEWSBOT_SHARD_COUNT": str(SHARDS), "NEWSBOT_CONSOLE": "off", "NEWSBOT_LOAD_SAMPLES": "false",
            "NEWSBOT_ALLOW_LOOPBACK": "true", "NEWSBOT_FEED_INTERVAL_S": str(INTERVAL_S),
            "NEWSBOT_FEED_LEASE_S": str(LEASE_S), "NEWSBOT_FEED_BATCH": "4", "NEWSBOT_WORKERS": "0",
            "NEWSBOT_TEST_TIME_ZERO": repr(zero), "NEWSBOT_TEST_TIME_SCALE": repr(SCALE)})
        for shard in range(SHARDS):
            procs[shard] = start_bot(shard, env, log)

        async def until_sim(moment: datetime) -> None:
            while sim(time.time(), zero) < moment:
                assert all(p.poll() is None for i, p in procs.items() if i != 1 or not killed), log.read_text()
                await asyncio.sleep(0.1)

        killed = False
        await standin.wait_until(lambda: len({s for s in standin._shards.values()}) == SHARDS, 60,
                                 "three shard connections")
        assert sim(time.time(), zero) < hour_start, "the processes took too long to start"
        # Commands: each guild is answered by the process of its shard.
        for g in guilds:
            msg = await standin.invoke("feeds list", {}, guild=g, channel=standin.channel(g, "news"), wait_s=10)
            assert "Loopback feed" in str(msg) or "rss.xml" in str(msg), msg

        await until_sim(hour_start + timedelta(minutes=30))
        victim = procs[1]
        held: list[Any] = []
        async with asyncio.timeout(30):
            # Kill while it holds feed leases (its polls are slow), so there is something to take over, and
            # between digests (they fire on even minutes; none is being posted): a process killed between
            # posting and recording a digest leaves a run that is never retried (at most once), not a duplicate.
            while not held:
                now = sim(time.time(), zero)
                quiet = now.minute % 2 == 1 and now.second >= 20 and not await store._all(  # type: ignore[attr-defined]
                    "SELECT id FROM digest_runs WHERE status = 'claimed'")
                held = await store._all(  # type: ignore[attr-defined]
                    "SELECT id, lease_until FROM sources WHERE lease_owner LIKE ? AND lease_until > ?",
                    f"%:{victim.pid}:%", now) if quiet else []
                if not held:
                    await asyncio.sleep(0.05)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        killed = True
        kill_real = time.time()
        kill_sim = sim(kill_real, zero)
        deadline = max(r["lease_until"] for r in held) + timedelta(seconds=TICK_S * 2)
        await until_sim(deadline + timedelta(seconds=30))
        for r in held:
            later = [f for f in feeds.fetches if feeds.urls.index(await _url(store, r["id"])) == f.feed
                     and f.start > kill_real]
            assert later, f"feed {r['id']} held by the killed process was never polled again"
            taken = sim(later[0].start, zero)
            assert taken <= r["lease_until"] + timedelta(seconds=TICK_S * 2), (kill_sim, r["lease_until"], taken)
            print(f"feed {r['id']}: held by the killed process until {r['lease_until']:%H:%M:%S}, "
                  f"taken over {(taken - kill_sim).total_seconds():.0f} simulated s after the kill, "
                  f"{(taken - r['lease_until']).total_seconds():.0f} s after its lease ran out (lease {LEASE_S} s)")

        # A replacement for shard 1 starts (as a supervisor would); then every guild answers again.
        procs[1] = start_bot(1, env, log)
        killed = False
        await standin.wait_until(lambda: len({s for s in standin._shards.values()}) == SHARDS, 60,
                                 "the restarted shard")
        for g in guilds:
            msg = await standin.invoke("feeds list", {}, guild=g, channel=standin.channel(g, "news"), wait_s=10)
            assert "rss.xml" in str(msg) or "Loopback feed" in str(msg), msg
        await until_sim(hour_start + timedelta(minutes=61))
        # The hour is over: the schedules move to a date long past (the running processes then find every
        # firing covered and post nothing), so stopping the processes cannot cut a digest in half.
        await store._exec("UPDATE schedules SET cron = (id % 60) || ' 0 1 1 *'")  # type: ignore[attr-defined]
        await until_sim(hour_start + timedelta(minutes=64))
        for p in procs.values():
            p.send_signal(signal.SIGTERM)
        for p in procs.values():
            p.wait(20)

        # Every digest: claimed once, posted once; the hour's 30 all posted.
        digest_channels = {standin.channel(g, "general")["id"] for g in guilds}
        posted_ids: list[str] = []
        in_hour = 0
        for sched in await store.schedules():
            for run in await store.runs(sched.id, limit=100):
                assert run.status in ("posted", "empty") and run.message_ids, run
                posted_ids += json.loads(run.message_ids)
                in_hour += hour_start <= run.window_end < hour_start + timedelta(hours=1)
        assert in_hour == 3 * N_SCHEDULES == 30
        print(f"digests in the hour: {in_hour}; digest messages in all: {len(posted_ids)}")
        sent = [m for m in standin.messages.values() if m["channel_id"] in digest_channels]
        unrecorded = [(m["timestamp"], [e.get("title") for e in m["embeds"]], m["content"][:200]) for m in sent
                      if m["id"] not in set(posted_ids)]
        assert not unrecorded, unrecorded
        assert len(posted_ids) == len(set(posted_ids)) == len(sent)

        # Every feed item stored once; no feed fetched by two processes at once.
        rows = await store._all("SELECT url, COUNT(*) AS n FROM articles GROUP BY url")  # type: ignore[attr-defined]
        stored = {r["url"]: r["n"] for r in rows}
        assert all(n == 1 for n in stored.values())
        assert feeds.served <= set(stored) and set(stored) <= feeds.served
        print(f"feed items served and stored once: {len(stored)}; feed requests: {len(feeds.fetches)}")
        for j in range(N_FEEDS):
            mine = sorted((f for f in feeds.fetches if f.feed == j), key=lambda f: f.start)
            assert len(mine) >= 4, (j, len(mine))
            for a, b in zip(mine, mine[1:], strict=False):
                assert b.start >= a.start + SLOW_FEED_S, f"feed {j} fetched twice at once"
                assert (b.start - a.start) * SCALE >= 0.9 * min(LEASE_S, INTERVAL_S), f"feed {j} polled too often"
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(10)
            if p.poll() is None:
                p.kill()
                p.wait()
        await store.close()
        await feeds.stop()
        await standin.close()


async def _url(store: Store, source_id: int) -> str:
    src = await store.get_source(source_id)
    assert src is not None
    return src.url
