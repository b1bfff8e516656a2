"""The terminal front end: live subscriptions with a filter, a format and an alert, printed as they arrive."""

from __future__ import annotations

import io
from typing import Any

from bot.commands import Invocation, Reply, run_line
from bot.console import CHANNEL, WORKSPACE, Console
from bot.delivery import Delivery
from bot.scheduler import BotScheduler
from bot.services import Services
from tests.helpers.http import LocalServer
from tests.helpers.newsfeed import HOSTILE, STORIES, NewsFeed


async def test_live_posts_with_filter_format_and_alert_print_in_the_terminal(
        services: Services, http_server: LocalServer) -> None:
    out = io.StringIO()
    console = Console(services, stdout=out)
    delivery = Delivery()

    async def post(workspace: str, channel: str, reply: Reply) -> list[str]:
        return [console.post(channel, reply)]

    delivery.register("local", post)
    sched = BotScheduler(services, delivery, poll_feeds=False)
    services.scheduler = sched
    inv = Invocation(WORKSPACE, CHANNEL, "console", is_admin=True)

    async def run(line: str) -> Reply:
        reply = await run_line(services, inv, line)
        assert not reply.error, (line, reply.text)
        return reply

    feed = NewsFeed(http_server, "/console.xml", "Console News")
    await run(f"/feeds add {feed.url} mode:live")
    await run(f"/feeds filter add {feed.url} field:title exclude:sponsored")
    await run(f'/feeds format {feed.url} template:"{{title}} | {{outlet}}\\n{{quote}} — {{speaker}}"')
    await run("/alerts add keyword:orchestra role:role:77")
    bad = await run_line(services, inv, f"/feeds format {feed.url} template:{{headline}}")
    assert bad.error and "unknown placeholder {headline}" in bad.text
    listing = await run(f"/feeds filter list {feed.url}")
    assert "#1: exclude title word “sponsored”" in listing.items[0].body

    feed.add("Sponsored: a cruise you will love", STORIES[4][1], slug="ad")
    feed.add(*STORIES[1], slug="orchestra")
    feed.add(f"Quay notice {HOSTILE}", STORIES[0][1], slug="quay")
    src: Any = await services.store.source("feed", feed.url)
    await sched.poll_source(src.id)
    await sched.flush_live()
    printed = out.getvalue()
    assert "Sponsored" not in printed
    assert f"{STORIES[1][0]} | Console News" in printed and "— Ilse Varga" in printed
    assert "for @77" in printed  # the alert's mention, as the terminal shows it
    assert f"Quay notice {HOSTILE}" in printed  # a terminal shows feed text exactly


async def test_a_backslash_regex_typed_in_the_terminal_is_kept(services: Services, http_server: LocalServer) -> None:
    r"""Typed at the prompt, exclude:\bsponsored\b regex:true and exclude:/\bads?\b/ keep every backslash."""
    feed = NewsFeed(http_server, "/terminal-regex.xml", "Beach News")
    lines = [f"/feeds add {feed.url} mode:live",
             f"/feeds filter add {feed.url} field:title exclude:\\bsponsored\\b regex:true",
             f"/feeds filter add {feed.url} exclude:/\\bads?\\b/",
             f'/feeds filter add {feed.url} include:"\\bbeach\\b|\\bkayaks?\\b" regex:true',
             f"/feeds filter list {feed.url}"]
    out = io.StringIO()
    await Console(services, stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out).run()
    printed = out.getvalue()
    assert r"Filter #1 on " in printed and r"exclude title regex /\bsponsored\b/" in printed, printed
    assert r"exclude any regex /\bads?\b/" in printed and r"include any regex /\bbeach\b|\bkayaks?\b/" in printed
    assert r"#1: exclude title regex /\bsponsored\b/" in printed  # the list shows them back, as typed
    [sub] = await services.store.subscriptions(WORKSPACE, CHANNEL)
    opts = (await services.store.subscription_options([sub.id]))[sub.id]
    assert [f["pattern"] for f in opts.filters] == [r"\bsponsored\b", r"\bads?\b", r"\bbeach\b|\bkayaks?\b"]
