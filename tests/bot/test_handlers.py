"""Command answers that must not contradict themselves or their items (issue 28's small wrong answers)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.commands import Invocation, Reply, run_line
from bot.delivery import Delivery
from bot.scheduler import BotScheduler
from digests.ingest import document_from_text
from digests.models import Analysis, Quote
from digests.store import NewArticle
from tests.helpers.http import LocalServer
from tests.helpers.newsfeed import STORIES, NewsFeed

LOCAL = Invocation(workspace="local", channel="news", user="admin", is_admin=True)


async def _said(services: Any, n: int, speaker: str, words: str) -> None:
    body = f"Story {n} about the landing stage at the harbour, with new facts number {n}. \"{words},\" said {speaker}."
    start = body.index(words)
    await services.store.add_article(NewArticle(f"Landing story {n}", body, url=f"https://e.example/landing-{n}"),
                                     Analysis(quotes=(Quote(words, start, start + len(words), speaker, None,
                                                            "said"),)), workspace="local", via="upload")


async def test_who_said_names_every_speaker_when_several_said_it(services: Any) -> None:
    await _said(services, 1, "Mara Quist", "The pontoon will float before the ferry returns")
    await _said(services, 2, "Odile Fenwick", "No pontoon will float before the spring tides")
    await _said(services, 3, "Odile Fenwick", "The pontoon float test is set for Friday")
    reply = await run_line(services, LOCAL, "/who-said pontoon float")
    assert reply.text == "3 matching quotes by 2 speakers: Odile Fenwick (2), Mara Quist (1).", reply.text
    assert {i.body for i in reply.items} == {"— Mara Quist", "— Odile Fenwick"}
    one = await run_line(services, LOCAL, "/who-said ferry returns")
    assert one.text == "Mara Quist — 1 matching quote.", one.text


TRAM = """Vellmoor tram depot reopens

The Vellmoor tram depot reopened on Monday after repairs, the city said. Work began in mid-October when inspectors closed the depot. Earlier this month, crews replaced the overhead wires on the eastern line. The council approved the budget on 3 September. A second inspection took place on 12 November. The new trams will arrive in January 2027. The line first opened in 1998.
"""


async def test_summary_counts_the_events_it_shows_and_shows_ranges_as_ranges(services: Any) -> None:
    doc = document_from_text(TRAM)
    out = await services.ingestor.store_document(doc, workspace="local", via="upload", source="test",
                                                 published=datetime(2026, 11, 24, tzinfo=UTC))
    reply = await run_line(services, LOCAL, "/summary Vellmoor tram")
    events = reply.data["events"]
    assert len(events) >= 6 and out.article_id == reply.data["article_id"]
    shown = [i.title for i in reply.items if "(“" in i.title]
    assert len(shown) == len(events) and f"{len(events)} dated event(s)" in reply.text, reply.text
    assert "2026-10-11 – 2026-10-20 (“mid-October”)" in shown  # a range, not its first day
    assert "2026-11-01 – 2026-11-23 (“Earlier this month”)" in shown
    assert "January 2027 (“January 2027”)" in shown and "1998 (“1998”)" in shown


async def _feeds_add(services: Any, http_server: LocalServer, path: str, extra: str) -> Reply:
    feed = NewsFeed(http_server, path, "Harbour Gazette")
    feed.add(*STORIES[0], slug="berth")
    feed.add(*STORIES[1], slug="concerts")
    reply = await run_line(services, LOCAL, f"/feeds add {feed.url} {extra}")
    assert not reply.error, reply.text
    return reply


async def test_feeds_add_says_how_its_items_arrive_without_contradicting_itself(
        services: Any, http_server: LocalServer) -> None:
    services.scheduler = BotScheduler(services, Delivery(), poll_feeds=False)
    live = await _feeds_add(services, http_server, "/live.xml", "mode:live")
    assert "new stories are posted here as they arrive" in live.text and "digest" not in live.text, live.text
    digest = await _feeds_add(services, http_server, "/digest.xml", "")
    assert "new items appear in this channel's digests" in digest.text and "as they arrive" not in digest.text
    filtered = await _feeds_add(services, http_server, "/filtered.xml", "mode:live exclude:concert field:title")
    assert "Filter #1: exclude title word “concert”." in filtered.text, filtered.text
    back = await run_line(services, LOCAL, f"/feeds mode {http_server.url('/live.xml')} mode:digest")
    assert "digests, no longer live" in back.text and "posted here as it arrives" not in back.text
    again = await run_line(services, LOCAL, f"/feeds mode {http_server.url('/live.xml')} mode:digest")
    assert "already posts in this channel's digests" in again.text and "no longer" not in again.text
    services.scheduler = None  # a one-shot terminal command: nothing is fetched now, and it says so
    later = await _feeds_add(services, http_server, "/later.xml", "mode:live")
    assert "fetched while the bot runs; new stories are posted here as they arrive" in later.text, later.text
