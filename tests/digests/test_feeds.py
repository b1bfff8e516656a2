"""Feed polling against a real aiohttp server on 127.0.0.1: 304s, health, politeness, edited items, baselines."""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from xml.sax.saxutils import escape

import pytest
from aiohttp import web

from digests.feeds import FAILED, FAILING, OK, FeedPolicy, FeedPoller, backoff_s, health_for
from digests.store import SourceRow
from tests.helpers.http import LocalServer

BODIES = [
    "The harbour authority opened a second ferry berth on Tuesday, cutting queues for island commuters.",
    "A regional orchestra announced a free outdoor concert series for the summer in three market towns.",
    "Volunteers counted nesting puffins on the northern cliffs and found the colony had grown by a fifth.",
    "The county library launched evening coding classes for pensioners, with waiting lists already full.",
    "Engineers finished resurfacing the mountain pass road two weeks early despite heavy spring snow.",
    "A bakery cooperative began delivering bread by cargo bicycle to villages without a shop.",
    "Students built a weather station on the school roof and publish its readings every hour online.",
    "The river trust removed an old weir so salmon can reach spawning grounds upstream for the first time.",
]


@dataclass
class Entry:
    """One feed item as the test server lists it."""

    n: int
    guid: str = ""
    link: str = ""
    published: datetime = field(default_factory=lambda: datetime(2027, 1, 4, 9, 0, tzinfo=UTC))

    def __post_init__(self) -> None:
        self.guid = self.guid or f"urn:item:{self.n}"
        self.link = self.link or f"https://news.example/story/{self.n}"


def rss(entries: list[Entry], title: str = "Test Feed") -> bytes:
    """Return an RSS 2.0 document listing ``entries`` in the given order (newest first, as feeds do)."""
    items = "".join(
        f"<item><title>Story {e.n}</title><link>{escape(e.link)}</link><guid>{escape(e.guid)}</guid>"
        f"<pubDate>{format_datetime(e.published)}</pubDate><description>{escape(BODIES[e.n % len(BODIES)])}"
        f"</description></item>" for e in entries)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>https://news.example/</link><description>t</description>{items}</channel></rss>").encode()


class FeedSite:
    """A feed route with ETag/Last-Modified, switchable failures, and a record of concurrency."""

    def __init__(self, server: LocalServer, path: str = "/feed.xml") -> None:
        self.server = server
        self.path = path
        self.entries: list[Entry] = []
        self.fail_status: int | None = None
        self.retry_after: str | None = None
        self.delay_s = 0.0
        self.requests: list[dict[str, str]] = []
        self.active = 0
        self.max_active = 0
        self.times: list[tuple[float, float]] = []
        server.route(path, self.handle)

    @property
    def url(self) -> str:
        """Return the feed's URL."""
        return self.server.url(self.path)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Serve the feed, a 304 for matching validators, or the configured failure."""
        self.requests.append(dict(request.headers))
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        began = time.monotonic()
        try:
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            if self.fail_status:
                headers = {"Retry-After": self.retry_after} if self.retry_after else {}
                return web.Response(status=self.fail_status, text="down", headers=headers)
            body = rss(self.entries)
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            modified = "Mon, 04 Jan 2027 09:00:00 GMT"
            if request.headers.get("If-None-Match") == etag:
                return web.Response(status=304, headers={"ETag": etag, "Last-Modified": modified})
            return web.Response(body=body, headers={"Content-Type": "application/rss+xml", "ETag": etag,
                                                    "Last-Modified": modified})
        finally:
            self.active -= 1
            self.times.append((began, time.monotonic()))


class Clock:
    """A hand-set clock."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        """Return the set time."""
        return self.now


POLICY = FeedPolicy(interval_s=900, failing_after=2, failed_after=4, host_spacing_s=0.0, max_host_pause_s=0.2)


async def _feed(services: Any, url: str, *channels: tuple[str, str]) -> SourceRow:
    src = await services.store.source("feed", url)
    for ws, ch in channels or (("local", "news"),):
        await services.store.subscribe(ws, ch, src.id)
    return src


async def _fresh(services: Any, src: SourceRow) -> SourceRow:
    row = await services.store.get_source(src.id)
    assert row is not None
    return row


def test_health_states_and_backoff() -> None:
    assert [health_for(n, POLICY) for n in range(6)] == [OK, OK, FAILING, FAILING, FAILED, FAILED]
    delays = [backoff_s(n, POLICY) for n in range(1, 12)]
    assert delays == sorted(delays) and delays[-1] == POLICY.max_backoff_s
    assert backoff_s(1, POLICY, retry_after=7200) == 7200  # Retry-After wins over a shorter backoff
    assert backoff_s(1, POLICY, retry_after=10**9) == POLICY.max_retry_after_s


async def test_conditional_get_sends_validators_and_handles_304(services: Any, http_server: LocalServer) -> None:
    site = FeedSite(http_server)
    site.entries = [Entry(2), Entry(1)]
    clock = Clock(datetime(2027, 1, 4, 10, 0, tzinfo=UTC))
    poller = FeedPoller(services.store, services.ingestor, POLICY, clock=clock)
    src = await _feed(services, site.url)

    first = await poller.poll(src)
    assert first.ok and not first.not_modified and len(first.items) == 2
    assert "If-None-Match" not in site.requests[0]
    row = await _fresh(services, src)
    assert row.etag and row.last_modified == "Mon, 04 Jan 2027 09:00:00 GMT" and row.title == "Test Feed"
    assert row.next_fetch == clock.now + timedelta(seconds=900)

    clock.now += timedelta(minutes=15)
    second = await poller.poll(row)
    assert second.ok and second.not_modified and second.added == 0
    assert site.requests[1]["If-None-Match"] == row.etag
    assert site.requests[1]["If-Modified-Since"] == row.last_modified
    again = await _fresh(services, src)
    assert again.health == OK and again.last_success == clock.now and again.etag == row.etag
    # The never-fetched feed's first items are a silent baseline, never digest news.
    assert await services.store.articles_since("local", clock.now - timedelta(days=30), clock.now
                                               + timedelta(days=1)) == []


async def test_failing_then_recovering_feed_changes_health_and_announces_once_each_way(
        services: Any, http_server: LocalServer) -> None:
    site = FeedSite(http_server)
    site.entries = [Entry(1)]
    clock = Clock(datetime(2027, 1, 4, 10, 0, tzinfo=UTC))
    poller = FeedPoller(services.store, services.ingestor, POLICY, clock=clock)
    src = await _feed(services, site.url, ("local", "news"), ("slack:T1", "C1"))
    assert (await poller.poll(src)).ok

    site.fail_status = 500
    seen: list[tuple[str, int, str, list[tuple[str, str, str]]]] = []
    for _ in range(5):
        clock.now += timedelta(minutes=20)
        rep = await poller.poll(await _fresh(services, src))
        seen.append((rep.health, rep.failures, rep.error or "",
                     [(a.workspace, a.channel, a.health) for a in rep.announcements]))
    assert [(h, n) for h, n, _, _ in seen] == [(OK, 1), (FAILING, 2), (FAILING, 3), (FAILED, 4), (FAILED, 5)]
    assert all("HTTP 500" in e for _, _, e, _ in seen)
    assert seen[0][3] == [] and seen[2][3] == [] and seen[4][3] == []
    assert sorted(seen[1][3]) == [("local", "news", FAILING), ("slack:T1", "C1", FAILING)]
    assert sorted(seen[3][3]) == [("local", "news", FAILED), ("slack:T1", "C1", FAILED)]
    row = await _fresh(services, src)
    assert row.health == FAILED and "HTTP 500" in (row.last_error or "") and row.announced_health == FAILED
    assert row.next_fetch is not None and row.next_fetch > clock.now + timedelta(seconds=900)

    site.fail_status = None
    clock.now += timedelta(hours=7)
    rep = await poller.poll(row)
    assert rep.ok and rep.health == OK
    assert sorted((a.workspace, a.channel, a.health) for a in rep.announcements) == [
        ("local", "news", OK), ("slack:T1", "C1", OK)]
    assert "working again" in rep.announcements[0].text
    clock.now += timedelta(minutes=20)
    assert (await poller.poll(await _fresh(services, src))).announcements == []
    row = await _fresh(services, src)
    assert (row.health, row.failures, row.last_error) == (OK, 0, None)


async def test_retry_after_sets_next_fetch_and_due(services: Any, http_server: LocalServer) -> None:
    site = FeedSite(http_server)
    site.fail_status, site.retry_after = 429, "600"  # longer than the first backoff (225 s)
    clock = Clock(datetime(2027, 1, 4, 10, 0, tzinfo=UTC))
    poller = FeedPoller(services.store, services.ingestor, POLICY, clock=clock)
    src = await _feed(services, site.url)
    assert [s.id for s in await poller.due()] == [src.id]
    rep = await poller.poll(src)
    assert not rep.ok and "429" in (rep.error or "")
    assert rep.next_fetch == clock.now + timedelta(seconds=600)
    clock.now += timedelta(seconds=599)
    assert await poller.due() == []
    clock.now += timedelta(seconds=2)
    assert [s.id for s in await poller.due()] == [src.id]


async def test_edited_guids_dates_and_url_variants_do_not_repost(services: Any, http_server: LocalServer) -> None:
    site = FeedSite(http_server)
    site.entries = [Entry(3), Entry(2), Entry(1)]
    clock = Clock(datetime(2027, 1, 4, 10, 0, tzinfo=UTC))
    poller = FeedPoller(services.store, services.ingestor, POLICY, clock=clock)
    src = await _feed(services, site.url)
    await poller.poll(src)
    t0 = datetime.now(UTC) - timedelta(seconds=1)

    later = datetime(2027, 1, 5, 12, 0, tzinfo=UTC)
    site.entries = [
        Entry(4),  # the only genuinely new story
        Entry(3, guid="tag:news.example,2027:3-rev2", published=later),  # GUID and date edited
        Entry(2, link="http://www.news.example/story/2/?utm_source=rss#top", guid="urn:item:2b"),  # URL variant
        Entry(1, guid="urn:item:1-moved", link="https://news.example/archive/1", published=later),  # same body
    ]
    rep = await poller.poll(await _fresh(services, src))
    assert rep.ok and rep.added == 1
    fresh = await services.store.articles_since("local", t0, datetime.now(UTC) + timedelta(seconds=1))
    assert [a.title for a in fresh] == ["Story 4"]
    assert await services.store.count_articles() == 4


async def test_one_request_per_host_at_a_time_with_spacing(services: Any, http_server: LocalServer) -> None:
    sites = [FeedSite(http_server, f"/f{i}.xml") for i in range(3)]
    for i, s in enumerate(sites):
        s.entries = [Entry(i)]
        s.delay_s = 0.15
    policy = FeedPolicy(host_spacing_s=0.25)
    poller = FeedPoller(services.store, services.ingestor, policy)
    srcs = [await _feed(services, s.url) for s in sites]
    reports = await asyncio.gather(*(poller.poll(s) for s in srcs))
    assert all(r.ok for r in reports)
    spans = sorted(t for s in sites for t in s.times)
    assert len(spans) == 3
    for (_, end), (begin, _) in zip(spans, spans[1:], strict=False):
        assert begin >= end + 0.2  # never overlapping, and spaced
    assert max(s.max_active for s in sites) == 1


@pytest.mark.parametrize("status", [503, 404])
async def test_unexpected_statuses_count_as_failures(services: Any, http_server: LocalServer, status: int) -> None:
    site = FeedSite(http_server)
    site.fail_status = status
    poller = FeedPoller(services.store, services.ingestor, POLICY)
    src = await _feed(services, site.url)
    rep = await poller.poll(src)
    assert not rep.ok and str(status) in (rep.error or "")
    row = await _fresh(services, src)
    assert row.failures == 1 and row.last_error and row.last_success is None


async def test_new_workspace_gets_silent_baseline_while_others_get_news(
        services: Any, http_server: LocalServer) -> None:
    site = FeedSite(http_server)
    site.entries = [Entry(2), Entry(1)]
    poller = FeedPoller(services.store, services.ingestor, POLICY)
    src = await _feed(services, site.url)
    await poller.poll(src)  # baseline for "local"
    t0 = datetime.now(UTC) - timedelta(seconds=1)
    site.entries = [Entry(3), Entry(2), Entry(1)]
    await services.store.subscribe("slack:T9", "C9", src.id)
    # The new workspace's first fetch ignores the stored validators and stores everything silently for it only.
    rep = await poller.poll(await _fresh(services, src), initial_for={"slack:T9"})
    assert rep.ok and len(rep.items) == 3 and rep.initial_for == {"slack:T9"}
    assert "If-None-Match" not in site.requests[-1]
    until = datetime.now(UTC) + timedelta(seconds=1)
    assert [a.title for a in await services.store.articles_since("local", t0, until)] == ["Story 3"]
    assert await services.store.articles_since("slack:T9", t0, until) == []
    assert await services.store.count_articles("slack:T9") == 3


BROKEN = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Loose Feed</title>'
          b"<item><title>Ferry berth opens early</title><link>https://news.example/loose/1</link>"
          b"<guid>urn:loose:1</guid><description>Queues shrink & commuters cheer the new berth on the quay."
          b"</description></item></channel>")  # a bare "&" and no closing </rss>: not well-formed XML


async def test_broken_xml_with_titled_entries_is_accepted_and_the_problem_shown(
        services: Any, http_server: LocalServer) -> None:
    async def serve(request: web.Request) -> web.Response:
        return web.Response(body=BROKEN, headers={"Content-Type": "application/rss+xml"})

    http_server.route("/loose.xml", serve)
    clock = Clock(datetime(2027, 1, 4, 10, 0, tzinfo=UTC))
    poller = FeedPoller(services.store, services.ingestor, POLICY, clock=clock)
    src = await _feed(services, http_server.url("/loose.xml"))
    rep = await poller.poll(src)
    assert rep.ok and [o.title for o in rep.items] == ["Ferry berth opens early"]
    row = await _fresh(services, src)
    assert row.health == OK and row.failures == 0
    assert row.last_error and row.last_error.startswith("warning: the feed is not well-formed XML")


def test_cdata_remnants_are_dropped_and_escaped_markup_stays_text() -> None:
    from digests.ingest._documents import parse_feed

    body = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>Bridge &lt;b&gt;'
            b"reopens&lt;/b&gt;</title><link>https://news.example/c/1</link><description>"
            b"&lt;p&gt;The bridge reopened.&lt;/p&gt;&amp;lt;![CDATA[]]&amp;gt;&lt;p&gt;Type &amp;lt;blink&amp;gt; to"
            b" blink.&lt;/p&gt;&amp;lt;![CDATA[Wrapped twice.]]&amp;gt;</description></item></channel></rss>")
    doc = parse_feed(body, "https://news.example/feed.xml").documents[0]
    assert "CDATA" not in doc.text and "]]>" not in doc.text
    assert "The bridge reopened." in doc.text and "Wrapped twice." in doc.text
    assert "<blink>" in doc.text  # the feed's own escaped text is correct as plain text


async def test_an_error_clears_on_recovery_and_stays_as_dated_history(services: Any,
                                                                      http_server: LocalServer) -> None:
    """A 404 and then three 304s: the feed is ok with no current error; the 404 is kept with its time."""
    site = FeedSite(http_server)
    site.entries = [Entry(2), Entry(1)]
    clock = Clock(datetime(2027, 1, 4, 10, 0, tzinfo=UTC))
    poller = FeedPoller(services.store, services.ingestor, POLICY, clock=clock)
    src = await _feed(services, site.url)
    assert (await poller.poll(src)).ok
    site.fail_status = 404
    clock.now += timedelta(minutes=15)
    failed_at = clock.now
    bad = await poller.poll(await _fresh(services, src))
    assert not bad.ok and (await _fresh(services, src)).last_error == "HTTP 404 Not Found"
    site.fail_status = None
    for _ in range(3):
        clock.now += timedelta(minutes=15)
        report = await poller.poll(await _fresh(services, src))
        assert report.ok and report.not_modified
    row = await _fresh(services, src)
    assert (row.health, row.failures, row.last_error) == (OK, 0, None)
    assert (row.last_failure, row.last_failure_at) == ("HTTP 404 Not Found", failed_at)
    assert row.title == "Test Feed"  # a 304 has no title, and the stored one stays


async def test_a_warning_survives_304s_and_a_renamed_feed_is_renamed(services: Any,
                                                                     http_server: LocalServer) -> None:
    body = [rss([Entry(1)], title="Old Name")]

    async def serve(request: web.Request) -> web.Response:
        if request.headers.get("If-None-Match") == '"same"':
            return web.Response(status=304)
        # An impossible date is a warning (the feed works): it stays through 304s until a full fetch.
        return web.Response(body=body[0], headers={"Content-Type": "application/rss+xml", "ETag": '"same"'})

    http_server.route("/named.xml", serve)
    clock = Clock(datetime(2027, 1, 4, 10, 0, tzinfo=UTC))
    poller = FeedPoller(services.store, services.ingestor, POLICY, clock=clock)
    src = await _feed(services, http_server.url("/named.xml"))
    body[0] = body[0].replace(b"04 Jan 2027", b"04 Jan 2099")
    await poller.poll(src)
    clock.now += timedelta(minutes=15)
    await poller.poll(await _fresh(services, src))
    row = await _fresh(services, src)
    assert row.title == "Old Name" and row.last_error is not None and row.last_error.startswith("warning:")
    body[0] = rss([Entry(1, published=datetime(2026, 1, 4, 9, 0, tzinfo=UTC))], title="New Name")
    await services.store.update_source(src.id, etag=None)
    clock.now += timedelta(minutes=15)
    await poller.poll(await _fresh(services, src))
    row = await _fresh(services, src)
    assert (row.title, row.last_error) == ("New Name", None)
