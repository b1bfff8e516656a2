"""The real `newsbot run` process as an operator runs it: start-up mistakes, retries, health, stop, locks, feeds.

Every process talks to loopback only: the Discord and Slack stand-ins, local feed servers on 127.0.0.x (one of
them standing in for an internal host), and PostgreSQL on 127.0.0.1. The one non-loopback address used, a
private literal, is refused before any connection is tried.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from digests.store import Store
from tests.conftest import ROOT
from tests.e2e.discord_standin import DiscordStandIn
from tests.e2e.slack_standin import SlackStandIn
from tests.helpers.http import LocalServer
from tests.helpers.newsfeed import STORIES, NewsFeed
from tests.helpers.tcpproxy import CuttableProxy

pytestmark = pytest.mark.timeout(120)

STOP_WITHIN_S = 10.0
ONE_SHOT = "import sys; from bot.cli import main; sys.exit(main())"
NO_LOOPBACK_VARS = ("DISCORD_", "SLACK_", "NEWSBOT_", "DATABASE_", "SUMMARY_LLM_")


def bot_env(**settings: str) -> dict[str, str]:
    """Return an environment with no chat tokens or newsbot settings but ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(NO_LOOPBACK_VARS)}
    env.update(PYTHONPATH=str(ROOT), NEWSBOT_LOAD_SAMPLES="false", NEWSBOT_WORKERS="0")
    env.update(settings)
    return env


def free_port() -> int:
    """Return a loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Bot:
    """One `newsbot run` process; its log (stderr) goes to a file, its stdin stays open while it runs."""

    proc: subprocess.Popen[bytes]
    log: Path

    @classmethod
    def start(cls, cwd: Path, env: dict[str, str], name: str = "bot") -> Bot:
        """Start `python -m bot` (= `newsbot run`) in ``cwd``."""
        log = cwd / f"{name}-{time.monotonic_ns()}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=cwd, env=env, stdin=subprocess.PIPE,
                                    stdout=subprocess.DEVNULL, stderr=out)
        return cls(proc, log)

    def text(self) -> str:
        """Return the log so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    async def wait_log(self, pattern: str, within: float = 20.0, count: int = 1) -> list[str]:
        """Wait until ``count`` log lines match ``pattern``; return them."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + within
        while True:
            lines = [ln for ln in self.text().splitlines() if rx.search(ln)]
            if len(lines) >= count:
                return lines
            assert self.proc.poll() is None, f"the bot exited ({self.proc.returncode}):\n{self.text()}"
            assert time.monotonic() < deadline, f"no log line like {pattern!r} within {within} s:\n{self.text()}"
            await asyncio.sleep(0.05)

    async def stop(self, sig: int = signal.SIGTERM) -> tuple[int, float]:
        """Send ``sig``; return the exit code and how long the process took to exit (failing past the bound)."""
        started = time.monotonic()
        self.proc.send_signal(sig)
        while self.proc.poll() is None:
            assert time.monotonic() - started < STOP_WITHIN_S + 5, f"still running after a signal:\n{self.text()}"
            await asyncio.sleep(0.02)
        return self.proc.returncode, time.monotonic() - started

    def kill(self) -> None:
        """End the process if it still runs (test clean-up)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def bots() -> Iterator[list[Bot]]:
    """Collect the processes a test starts and make sure none outlives it."""
    started: list[Bot] = []
    try:
        yield started
    finally:
        for b in started:
            b.kill()


async def readyz(port: int) -> tuple[int, dict[str, Any]]:
    """Return the status and body of the bot's /readyz (status 0 while nothing answers)."""
    try:
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/readyz",
                                                             timeout=aiohttp.ClientTimeout(total=5)) as resp:
            return resp.status, await resp.json()
    except aiohttp.ClientConnectionError:
        return 0, {}


async def until_ready(port: int, ready: bool, within: float = 20.0) -> dict[str, Any]:
    """Wait until /readyz says ``ready`` (200) or not (503); return its body."""
    deadline = time.monotonic() + within
    status, body = 0, {}
    while time.monotonic() < deadline:
        status, body = await readyz(port)
        if status == (200 if ready else 503):
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"/readyz never answered {'200' if ready else '503'}: {status} {body}")


async def until_check(port: int, name: str, within: float = 30.0) -> dict[str, Any]:
    """Wait until /readyz reports check ``name`` passing; return the body."""
    deadline = time.monotonic() + within
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        _, body = await readyz(port)
        if body.get("checks", {}).get(name, {}).get("ok"):
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"check {name} never passed: {body}")


def assert_clean_stop(bot: Bot, code: int, took: float, sig: str = "SIGTERM") -> None:
    """Check exit 0 within the bound, one stop line and no traceback."""
    log = bot.text()
    assert code == 0, log
    assert took < STOP_WITHIN_S, (took, log)
    assert len(re.findall(rf"newsbot stopped \({sig}\)", log)) == 1, log
    assert "Traceback" not in log, log


# ---- setup mistakes ---------------------------------------------------------------------------------------------


MISTAKES = [
    ({"NEWSBOT_CONSOLE": "off"}, "NEWSBOT_CONSOLE=off and no chat front end"),
    ({"SLACK_BOT_TOKEN": "xoxb-1"}, "neither SLACK_SIGNING_SECRET (HTTP mode) nor SLACK_APP_TOKEN"),
    ({"SLACK_SIGNING_SECRET": "abc123"}, "SLACK_BOT_TOKEN is not"),
    ({"NEWSBOT_CONSOLE": "maybe"}, "NEWSBOT_CONSOLE='maybe': Input should be 'auto', 'on' or 'off'"),
    ({"NEWSBOT_ALLOW_INTERNAL": "http://rsshub:1200/"}, "is neither a host name"),
    ({"NEWSBOT_DB_PATH": "no-such-folder/newsbot.db"}, "the folder no-such-folder for the database"),
]


@pytest.mark.parametrize("settings,line", MISTAKES, ids=[next(iter(m[0])) + "=" + next(iter(m[0].values()))
                                                         for m in MISTAKES])
def test_each_setup_mistake_exits_non_zero_with_one_line_naming_the_setting(tmp_path: Path, settings: dict[str, str],
                                                                           line: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "bot"], cwd=tmp_path, env=bot_env(**settings), timeout=60,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1 and lines[0].startswith("newsbot: ") and line in lines[0], proc.stderr
    assert proc.stdout == ""
    assert not (tmp_path / "data").exists() and not (tmp_path / "no-such-folder").exists()


async def test_a_refused_token_stops_the_start_with_one_line(tmp_path: Path) -> None:
    standin = DiscordStandIn()
    await standin.start()
    try:
        env = bot_env(DISCORD_TOKEN="not-the-token", DISCORD_API_BASE_URL=standin.api_url,
                      DISCORD_GATEWAY_URL=standin.gateway_url)
        proc = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "bot"], cwd=tmp_path, env=env,
                                       timeout=60, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    finally:
        await standin.close()
    errors = [ln for ln in proc.stderr.splitlines() if " ERROR " in ln]
    assert proc.returncode == 2, proc.stderr
    assert len(errors) == 1 and "DISCORD_TOKEN was refused by Discord" in errors[0], proc.stderr
    assert "Traceback" not in proc.stderr and "retrying" not in proc.stderr


# ---- start-up retries and readiness -------------------------------------------------------------------------------


async def test_discord_and_slack_starts_are_retried_with_backoff_and_ready_only_once_connected(
        tmp_path: Path, bots: list[Bot]) -> None:
    discord_port, slack_port, health = free_port(), free_port(), free_port()
    standin = DiscordStandIn()
    standin.add_guild("Ops", channels=("news",))
    slack = SlackStandIn(token="xoxb-service-test", port=slack_port)
    env = bot_env(DISCORD_TOKEN=standin.token, DISCORD_API_BASE_URL=f"http://127.0.0.1:{discord_port}/api/v10",
                  DISCORD_GATEWAY_URL=f"ws://127.0.0.1:{discord_port}/gateway",
                  SLACK_BOT_TOKEN="xoxb-service-test", SLACK_SIGNING_SECRET="service-secret",
                  SLACK_API_BASE_URL=f"http://127.0.0.1:{slack_port}/api/", SLACK_HTTP_HOST="127.0.0.1",
                  SLACK_HTTP_PORT=str(free_port()), NEWSBOT_HEALTH_PORT=str(health))
    bot = Bot.start(tmp_path, env)
    bots.append(bot)
    try:
        # Neither is reachable: one warning line per try, at growing intervals, and not ready.
        await bot.wait_log(r"Discord login failed \(try \d\)", count=2)
        await bot.wait_log(r"Slack start-up check failed \(try \d\)", count=2)
        body = await until_ready(health, False)
        assert body["checks"]["store"]["ok"], body
        assert not any(body["checks"][k]["ok"] for k in ("discord", "slack", "scheduler")), body
        await standin.start(discord_port)  # Discord comes back: still not ready without Slack
        body = await until_check(health, "discord")
        assert body["checks"]["discord"] == {"ok": True, "detail": "connected"}, body
        assert not body["ready"] and not body["checks"]["slack"]["ok"], body
        await slack.start()
        body = await until_ready(health, True, within=30)
        assert body["checks"]["slack"]["ok"] and body["checks"]["scheduler"]["ok"], body
        code, took = await bot.stop(signal.SIGINT)
    finally:
        await standin.close()
        await slack.stop()
    assert_clean_stop(bot, code, took, "SIGINT")
    log = bot.text()
    assert "PyNaCl" not in log and "davey" not in log and "voice" not in log
    assert "token` will be unused" not in log
    for what in ("Discord login", "Slack start-up check"):
        tries = re.findall(rf"{what} failed \(try (\d)\)[^\n]*retrying in (\d+) s", log)
        assert [int(n) for n, _ in tries] == list(range(1, len(tries) + 1)) and len(tries) >= 2, log
        assert [int(d) for _, d in tries][:3] == [1, 2, 4][:len(tries)], log


async def test_ready_only_while_the_database_answers(tmp_path: Path, bots: list[Bot], pg_url: str) -> None:
    host, port = pg_url.split("@", 1)[1].split("/", 1)[0].split(":")
    proxy = await CuttableProxy(host, int(port)).start()
    url = pg_url.replace(f"@{host}:{port}/", f"@127.0.0.1:{proxy.port}/")
    health = free_port()
    bot = Bot.start(tmp_path, bot_env(NEWSBOT_DATABASE_URL=url, NEWSBOT_CONSOLE="on",
                                      NEWSBOT_HEALTH_PORT=str(health)))
    bots.append(bot)
    try:
        body = await until_ready(health, True)
        assert body["checks"]["store"] == {"ok": True, "detail": "postgresql reachable"}
        proxy.cut()
        body = await until_ready(health, False)
        assert not body["checks"]["store"]["ok"], body
        proxy.restore()
        await until_ready(health, True)
        code, took = await bot.stop()
    finally:
        await proxy.stop()
    assert_clean_stop(bot, code, took)


# ---- stopping during a live post and during ingest ---------------------------------------------------------------


class HoldingStandIn(DiscordStandIn):
    """The Discord stand-in, answering channel posts only once ``release`` is set (a slow Discord)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()
        self.posting = asyncio.Event()

    async def _route(self, request: web.Request, call: Any) -> web.Response:
        if call.method == "POST" and re.fullmatch(r"/api/v10/channels/\d+/messages", call.path):
            self.posting.set()
            await self.release.wait()
        return await super()._route(request, call)


class EtagFeed(NewsFeed):
    """A NewsFeed that answers 304 to a request that already has its current version, as publishers do."""

    async def _serve(self, request: web.Request) -> web.Response:
        body = self.xml()
        tag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == tag:
            return web.Response(status=304, headers={"ETag": tag})
        return web.Response(body=body, headers={"Content-Type": "application/rss+xml", "ETag": tag})


@dataclass
class LiveSetup:
    """A SQLite store whose Discord channel follows one loopback feed live."""

    db: Path
    standin: HoldingStandIn
    feed: EtagFeed
    channel: str

    def env(self, **more: str) -> dict[str, str]:
        """Return the bot's environment for this setup."""
        return bot_env(DISCORD_TOKEN=self.standin.token, DISCORD_API_BASE_URL=self.standin.api_url,
                       DISCORD_GATEWAY_URL=self.standin.gateway_url, NEWSBOT_DB_PATH=str(self.db),
                       NEWSBOT_ALLOW_LOOPBACK="true", NEWSBOT_FEED_INTERVAL_S="3600", **more)

    def posts_of(self, title: str) -> int:
        """Return in how many messages of the channel ``title`` appears."""
        return sum(title in json.dumps(m, ensure_ascii=False) for m in self.standin.messages.values()
                   if m["channel_id"] == self.channel)

    async def due_now(self) -> None:
        """Make the feed due (its next poll time has come), as the clock would."""
        store = await Store.open(self.db)
        try:
            (src,) = await store.active_sources()
            await store.update_source(src.id, next_fetch=datetime.now(UTC) - timedelta(seconds=1))
        finally:
            await store.close()


@pytest.fixture
async def live(tmp_path: Path, http_server: LocalServer) -> AsyncIterator[LiveSetup]:
    """Return a live subscription of a Discord channel to a feed the bot has seen before (so items are news)."""
    standin = HoldingStandIn()
    guild = standin.add_guild("Newsroom", channels=("news",))
    channel = standin.channel(guild, "news")["id"]
    await standin.start()
    feed = EtagFeed(http_server, "/rss.xml")
    db = tmp_path / "live.db"
    store = await Store.open(db)
    try:
        src = await store.source("feed", feed.url)
        sub, _ = await store.subscribe(f"discord:{guild['id']}", channel, src.id)
        now = datetime.now(UTC)
        await store.set_subscription_options(sub.id, mode="live", now=now - timedelta(minutes=1))
        await store.update_source(src.id, last_success=now - timedelta(hours=1))
    finally:
        await store.close()
    try:
        yield LiveSetup(db, standin, feed, channel)
    finally:
        standin.release.set()
        await standin.close()


async def test_sigterm_during_a_live_post_finishes_it_and_a_restart_posts_nothing_twice(
        tmp_path: Path, live: LiveSetup, bots: list[Bot]) -> None:
    titles = [title for title, _ in STORIES[:3]]
    for title, text in STORIES[:3]:
        live.feed.add(title, text)
    bot = Bot.start(tmp_path, live.env())
    bots.append(bot)
    await asyncio.wait_for(live.standin.posting.wait(), 30)
    stopping = asyncio.create_task(bot.stop())
    await asyncio.sleep(1.0)  # the post is slow: the stop waits for it
    live.standin.release.set()
    code, took = await stopping
    assert_clean_stop(bot, code, took)
    assert [live.posts_of(t) for t in titles] == [1, 1, 1]

    # Restarted, with one more item published: only that one is posted.
    title4, text4 = STORIES[3]
    live.feed.add(title4, text4)
    await live.due_now()
    again = Bot.start(tmp_path, live.env())
    bots.append(again)
    await live.standin.wait_until(lambda: live.posts_of(title4), 30, "the new item's post")
    code, took = await again.stop()
    assert_clean_stop(again, code, took)
    assert [live.posts_of(t) for t in [*titles, title4]] == [1, 1, 1, 1]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice("bdfgklmnprstvz") + rng.choice("aeiou") for _ in range(rng.randint(2, 4)))


def _wire_title(i: int) -> str:
    # Words no other item shares: the live round must not take two items for one story.
    return f"Wire {i:02d}: " + " ".join(_word(random.Random(i)) for _ in range(4)).capitalize()


def _wire_text(rng: random.Random) -> str:
    """Return a long article of invented words (its own vocabulary), so its analysis takes a while."""
    vocabulary = [_word(rng) for _ in range(300)]
    sentences = [" ".join(rng.choice(vocabulary) for _ in range(14)).capitalize() + "." for _ in range(150)]
    return " ".join(sentences)


def _articles(db: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as con:
        return [r[0] for r in con.execute("SELECT url FROM articles")]


async def test_sigterm_during_ingest_hands_the_poll_back_and_a_restart_loses_and_repeats_nothing(
        tmp_path: Path, live: LiveSetup, bots: list[Bot]) -> None:
    live.standin.release.set()
    n = 16  # one live round posts 4 items alone and folds the other 12 into one post
    rng = random.Random(29)
    for i in range(n):
        live.feed.add(_wire_title(i), _wire_text(rng), slug=f"wire-{i}")
    bot = Bot.start(tmp_path, live.env(NEWSBOT_WRITE_CHUNK="1"))
    bots.append(bot)
    deadline = time.monotonic() + 60
    stored: list[str] = []
    while not stored:
        assert time.monotonic() < deadline and bot.proc.poll() is None, bot.text()
        await asyncio.sleep(0.02)
        with contextlib.suppress(sqlite3.Error):
            stored = _articles(live.db)
    code, took = await bot.stop()
    assert_clean_stop(bot, code, took)
    cut_at = len(_articles(live.db))
    assert 0 < cut_at < n, f"the stop did not land during ingest ({cut_at} of {n} stored)"
    assert "1 feed poll(s) handed back" in bot.text()

    again = Bot.start(tmp_path, live.env())
    bots.append(again)
    titles = [_wire_title(i) for i in range(n)]
    await live.standin.wait_until(lambda: all(live.posts_of(t) for t in titles), 60, "every item posted")
    code, took = await again.stop()
    assert_clean_stop(again, code, took)
    urls = _articles(live.db)
    assert len(urls) == len(set(urls)) == n
    assert [live.posts_of(t) for t in titles] == [1] * n
    print(f"stopped with {cut_at} of {n} items stored; after the restart: {n} stored once, each posted once")


# ---- PostgreSQL: a stopping process's feeds are taken over at once ---------------------------------------------


async def test_a_stopping_process_hands_its_feeds_to_another_within_one_sweep(tmp_path: Path, bots: list[Bot],
                                                                             pg_url: str) -> None:
    kill_time = [float("inf")]
    released = asyncio.Event()
    requests: list[tuple[int, float]] = []
    servers: list[LocalServer] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        j = int(request.path.strip("/").split(".")[0])
        now = time.monotonic()
        requests.append((j, now))
        if now < kill_time[0]:
            # Polls in flight when the first process stops never finish (it hangs up first).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(released.wait(), 30)
        items = "".join(f"<item><title>Feed {j} item {k}</title><link>https://f.example.test/{j}/{k}</link>"
                        f"<description>Feed {j} item {k}: w{j}y{k} words.</description></item>" for k in range(2))
        return web.Response(body=f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {j}</title>'
                                 f"<link>https://f.example.test/</link><description>d</description>{items}"
                                 "</channel></rss>", content_type="application/rss+xml")

    feeds = 4
    store = await Store.open(pg_url)
    try:
        for j in range(feeds):
            server = LocalServer(host=f"127.0.0.{10 + j}")
            server.route(f"/{j}.xml", handler)
            servers.append(await server.start())
            src = await store.source("feed", server.url(f"/{j}.xml"))
            await store.subscribe("local", "console", src.id)
        env = bot_env(NEWSBOT_DATABASE_URL=pg_url, NEWSBOT_CONSOLE="on", NEWSBOT_ALLOW_LOOPBACK="true",
                      NEWSBOT_FEED_INTERVAL_S="20", NEWSBOT_FEED_LEASE_S="300", NEWSBOT_FETCH_TIMEOUT_S="60")
        first = Bot.start(tmp_path, env, "first")
        bots.append(first)
        while len({j for j, _ in requests}) < feeds:  # the first process leased every feed and is polling it
            assert first.proc.poll() is None, first.text()
            await asyncio.sleep(0.05)
        health = free_port()
        second = Bot.start(tmp_path, {**env, "NEWSBOT_HEALTH_PORT": str(health)}, "second")
        bots.append(second)
        await until_ready(health, True)
        rows = await store._all("SELECT lease_owner FROM sources")  # type: ignore[attr-defined]
        assert all(f":{first.proc.pid}:" in r["lease_owner"] for r in rows), rows
        kill_time[0] = time.monotonic()
        code, took = await first.stop()
        released.set()
        assert_clean_stop(first, code, took)
        assert f"{feeds} lease(s) released" in first.text()
        # The second process sweeps every 5 s (a quarter of the 20 s interval): it takes each feed in its next
        # sweep, not after the 300 s lease.
        deadline = time.monotonic() + 15
        while len({j for j, t in requests if t > kill_time[0]}) < feeds:
            assert time.monotonic() < deadline, (requests, second.text())
            await asyncio.sleep(0.05)
        taken = max(min(t for k, t in requests if k == j and t > kill_time[0]) for j in range(feeds)) - kill_time[0]
        assert taken <= 5.0 + 3.0, taken
        deadline = time.monotonic() + 15
        while await store.count_articles("local") < 2 * feeds:
            assert time.monotonic() < deadline, second.text()
            await asyncio.sleep(0.1)
        code, took = await second.stop()
        assert_clean_stop(second, code, took)
        urls = [r["url"] for r in await store._all("SELECT url FROM articles")]  # type: ignore[attr-defined]
        assert len(urls) == len(set(urls)) == 2 * feeds
        print(f"feeds taken over {taken:.1f} s after the stop (lease 300 s)")
    finally:
        released.set()
        await store.close()
        for server in servers:
            await server.stop()


# ---- internal feeds by choice, and one writer per SQLite file ----------------------------------------------------


async def test_an_allow_listed_internal_feed_is_ingested_everything_else_refused_and_a_second_run_refused(
        tmp_path: Path, bots: list[Bot]) -> None:
    internal = await LocalServer(host="127.0.0.2").start()  # stands in for an RSS-Bridge on the LAN
    outside = await LocalServer(host="127.0.0.3").start()  # loopback too, but not on the list
    try:
        feed = NewsFeed(internal, "/bridge.xml", title="Bridge")
        feed.add(*STORIES[4])
        NewsFeed(outside, "/other.xml").add(*STORIES[5])

        async def redirect(request: web.Request) -> web.StreamResponse:
            return web.Response(status=302, headers={"Location": outside.url("/other.xml")})

        internal.route("/moved.xml", redirect)
        db = tmp_path / "data" / "newsbot.db"  # the default path
        urls = {"allowed": feed.url, "outside": outside.url("/other.xml"), "redirect": internal.url("/moved.xml"),
                "private": "http://10.20.30.40/feed.xml"}
        store = await Store.open(db)
        ids = {}
        for name, url in urls.items():
            src = await store.source("feed", url)
            await store.subscribe("local", "console", src.id)
            ids[name] = src.id
        await store.close()
        health = free_port()
        bot = Bot.start(tmp_path, bot_env(NEWSBOT_CONSOLE="on", NEWSBOT_ALLOW_INTERNAL="127.0.0.2",
                                          NEWSBOT_HEALTH_PORT=str(health)))
        bots.append(bot)
        await until_ready(health, True)

        # A second `newsbot run` on the same file refuses to start, naming the first.
        second = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "bot"], cwd=tmp_path,
                                         env=bot_env(), timeout=60, stdin=subprocess.DEVNULL, capture_output=True,
                                         text=True)
        assert second.returncode == 1, second.stderr
        (line,) = second.stderr.strip().splitlines()
        assert f"another `newsbot run` (pid {bot.proc.pid}) is using the database data/newsbot.db" in line

        store = await Store.open(db, create=False)
        try:
            deadline = time.monotonic() + 30
            while True:
                rows = {name: await store.get_source(i) for name, i in ids.items()}
                if all(r is not None and r.last_fetch for r in rows.values()):
                    break
                assert time.monotonic() < deadline, bot.text()
                await asyncio.sleep(0.1)
            assert await store.count_articles("local") == 1
            assert rows["allowed"] is not None and rows["allowed"].last_error is None
            for name in ("outside", "redirect"):
                error = rows[name].last_error or ""  # type: ignore[union-attr]
                assert "refused: 127.0.0.3 is a loopback address (not on the internal allow-list)" in error, error
            assert "refused: 10.20.30.40 is a private network address" in (rows["private"].last_error or "")  # type: ignore[union-attr]
        finally:
            await store.close()
        # One-shot commands still work on the file the bot holds.
        ask = await asyncio.to_thread(subprocess.run, [sys.executable, "-c", ONE_SHOT, "ask", "/search mountain pass"],
                                      cwd=tmp_path, env=bot_env(), timeout=60, capture_output=True, text=True)
        assert ask.returncode == 0 and STORIES[4][0] in ask.stdout, (ask.stdout, ask.stderr)
        code, took = await bot.stop()
        assert_clean_stop(bot, code, took)
        assert outside.seen == []
        assert internal.seen and all(p in ("/bridge.xml", "/moved.xml") for p in internal.seen)
    finally:
        await internal.stop()
        await outside.stop()
