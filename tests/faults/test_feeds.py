"""Broken and hostile feeds (tests/faults/feeds/, written for these tests) served by a real local server and polled
twice through Ingestor.poll_feed: what is valid is stored, the rest fails clearly, nothing crashes, nothing is
stored (or offered to a digest) twice, and every poll is bounded in time.

Dates: an entry date more than a day after fetch time, or before 1990 (the Unix epoch placeholder), is impossible;
the entry is stored with no publication date and the poll's problems say so. The fetch time is never used as one.
"""

from __future__ import annotations

import re
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from digests.ingest import FeedPoll, Fetcher, FetchLimits
from digests.models import Article
from tests.helpers.http import LocalServer

FEEDS = Path(__file__).parent / "feeds"
SECRET = "XXE-SECRET-7f3a9c"
POLL_SECONDS = 5.0

Check = Callable[[list[Article], FeedPoll, LocalServer], None]


@dataclass(frozen=True)
class Expect:
    """What one corpus feed must give: stored articles (or an error), problems, and extra checks."""

    stored: int = 0
    error: str | None = None
    problems: tuple[str, ...] = ()
    dated: int | None = None  # how many stored articles carry a publication date
    check: Check | None = None
    content_type: str = "application/rss+xml"
    second: str | None = None  # the file served on the second poll (an edited feed)
    stored_after: int | None = None  # articles after the second poll (default: unchanged)


def _titles(*expected: str) -> Check:
    def check(arts: list[Article], poll: FeedPoll, server: LocalServer) -> None:
        assert sorted(a.title for a in arts) == sorted(expected)

    return check


def _all(*checks: Check) -> Check:
    def check(arts: list[Article], poll: FeedPoll, server: LocalServer) -> None:
        for c in checks:
            c(arts, poll, server)

    return check


def _no_links(arts: list[Article], poll: FeedPoll, server: LocalServer) -> None:
    assert [a.url for a in arts] == [None] * len(arts)


def _relative_resolved(arts: list[Article], poll: FeedPoll, server: LocalServer) -> None:
    urls = sorted(a.url or "" for a in arts)
    assert urls == sorted(server.url(p) for p in ("/news/allotments", "/feeds/choir-tenors.html",
                                                  "/archive/path.html?id=3"))


def _no_markup(arts: list[Article], poll: FeedPoll, server: LocalServer) -> None:
    for a in arts:
        assert "alert(" not in a.text and "color:red" not in a.text and "onerror" not in a.text
    assert "Breaking: Hospital wing opens" in {a.title for a in arts}


def _nothing_expanded(arts: list[Article], poll: FeedPoll, server: LocalServer) -> None:
    for a in arts:
        assert "lollol" not in a.text + a.title and len(a.text) < 500


def _no_external_reads(arts: list[Article], poll: FeedPoll, server: LocalServer) -> None:
    for a in arts:
        assert SECRET not in a.text + a.title
    assert server.seen == ["/feeds/external-entities.xml"] * 2 or server.seen == ["/feeds/parameter-entity.xml"] * 2


def _text_contains(*needles: str) -> Check:
    def check(arts: list[Article], poll: FeedPoll, server: LocalServer) -> None:
        joined = "\n".join(a.title + "\n" + a.text for a in arts)
        for n in needles:
            assert n in joined, n

    return check


def _title_length(arts: list[Article], poll: FeedPoll, server: LocalServer) -> None:
    assert arts and all(len(a.title) <= 300 for a in arts)


def _water_main_once(arts: list[Article], poll: FeedPoll, server: LocalServer) -> None:
    assert sum(a.title.startswith("Water main burst") for a in arts) == 1


NOT_A_FEED = "not a valid RSS or Atom feed"

CASES: dict[str, Expect] = {
    # Format variants
    "rss20-basic.xml": Expect(3, dated=3),
    "rss091.xml": Expect(2, dated=0),
    "rss090-rdf.xml": Expect(2, check=_titles("Quarry pond closed for swimming", "New bus shelter on Mill Road")),
    "rss10-rdf.xml": Expect(2, dated=2),
    "atom10.xml": Expect(2, dated=2, check=_titles("Library extends opening hours", "Cycle lane consultation opens"),
                         content_type="application/atom+xml"),
    "atom03.xml": Expect(1, dated=1, content_type="application/atom+xml"),
    "no-items.xml": Expect(0),  # valid and quiet: not an error
    # Not feeds at all
    "empty.xml": Expect(error=NOT_A_FEED),
    "whitespace-only.xml": Expect(error=NOT_A_FEED),
    "not-a-feed.json": Expect(error=NOT_A_FEED, content_type="application/json"),
    "html-page.html": Expect(error=NOT_A_FEED, content_type="text/html"),
    # Broken XML: the lenient parser keeps what it can read
    "invalid-xml.xml": Expect(2, check=_titles("Harbour crane collapses", "Tram fares frozen")),
    "truncated.xml": Expect(2, check=_text_contains("The municipal pool reopened")),
    # Encodings
    "bom-utf8.xml": Expect(1, check=_titles("Café on the corner wins award")),
    "utf16-bom.xml": Expect(1, check=_titles("Crêperie on the quay wins award")),
    "latin1-declared.xml": Expect(1, check=_titles("Bürgermeister eröffnet Brücke")),
    "latin1-labelled-utf8.xml": Expect(1, check=_text_contains("Fußgängerbrücke über die Aue")),
    "windows-1252.xml": Expect(1, check=_titles("“Best season ever,” says coach")),
    "mixed-encoding.xml": Expect(2, check=_text_contains("Zoo welcomes baby pandas — twins", "The zoo’s pandas",
                                                         "café “open”")),
    "control-chars.xml": Expect(1, check=_all(_titles("Signal box restored"),
                                              _text_contains("The old signal box at the junction"))),
    # Dates
    "no-dates.xml": Expect(2, dated=0),
    "future-dates.xml": Expect(3, dated=1, problems=("2099-01-01 is in the future", "2073-12-31 is in the future")),
    "impossible-dates.xml": Expect(4, dated=0, problems=("1970-01-01 is implausibly old",)),
    # Identity: duplicate and edited GUIDs, edited stories
    "duplicate-guids.xml": Expect(2, check=_water_main_once),
    "edited-guids.xml": Expect(2, second="edited-guids.v2.xml"),
    "edited-content.xml": Expect(1, second="edited-content.v2.xml", check=_titles("Museum buys a medieval map")),
    # Links and markup
    "relative-links.xml": Expect(3, check=_relative_resolved),
    "non-http-links.xml": Expect(3, check=_no_links),
    "malformed-links.xml": Expect(3, check=_no_links),
    "html-in-titles.xml": Expect(3, check=_no_markup),
    "huge-title.xml": Expect(1, check=_title_length),
    "enclosure-only.xml": Expect(1, problems=("has no title and no text",)),
    # Hostile XML
    "billion-laughs.xml": Expect(1, check=_nothing_expanded),
    "external-entities.xml": Expect(1, check=_no_external_reads),
    "parameter-entity.xml": Expect(1, check=_no_external_reads),
}


def test_the_corpus_is_covered() -> None:
    files = {p.name for p in FEEDS.iterdir() if ".v2." not in p.name}
    assert files == set(CASES)
    assert len(files) >= 25


def _body(name: str, server: LocalServer, secret_file: Path) -> bytes:
    body = (FEEDS / name).read_bytes()
    return (body.replace(b"@@BASE@@", server.url("").encode())
            .replace(b"@@SECRET_FILE@@", str(secret_file).encode())
            .replace(b"@@LONG_TITLE@@", b"A very long title " * 3000))


async def _stored(services: Any) -> list[Article]:
    since = datetime(1900, 1, 1, tzinfo=UTC)
    return list(await services.store.articles_since("local", since, datetime.now(UTC) + timedelta(days=1)))


async def _poll(services: Any, src: Any) -> FeedPoll:
    started = time.monotonic()
    poll = await services.ingestor.poll_feed(src, workspaces=["local"])
    assert time.monotonic() - started < POLL_SECONDS
    return poll


def _sane(arts: list[Article], fetched: datetime) -> None:
    for a in arts:
        assert a.title.strip() and a.text.strip()
        assert not re.search(r"<[a-zA-Z/!]", a.title), a.title
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", a.title + a.text)
        assert a.url is None or a.url.startswith(("http://", "https://"))
        if a.published is not None:
            assert datetime(1990, 1, 1, tzinfo=UTC) <= a.published <= fetched + timedelta(days=1)


@pytest.mark.parametrize("name", sorted(CASES))
async def test_a_corpus_feed_is_stored_or_refused_and_never_reposted(services: Any, http_server: LocalServer,
                                                                     tmp_path: Path, name: str) -> None:
    expect = CASES[name]
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(SECRET)
    http_server.text(f"/feeds/{name}", _body(name, http_server, secret_file), content_type=expect.content_type)
    src = await services.store.source("feed", http_server.url(f"/feeds/{name}"))

    fetched = datetime.now(UTC)
    first = await _poll(services, src)
    if expect.error:
        assert first.error and expect.error in first.error and not first.outcomes
    else:
        assert first.error is None, first.error
        assert sum(o.status == "added" for o in first.outcomes) == expect.stored
    for needle in expect.problems:
        assert any(needle in p for p in first.problems), (needle, first.problems)
    arts = await _stored(services)
    assert len(arts) == expect.stored == await services.store.count_articles()
    _sane(arts, fetched)
    if expect.dated is not None:
        assert sum(a.published is not None for a in arts) == expect.dated

    if expect.second:
        http_server.text(f"/feeds/{name}", _body(expect.second, http_server, secret_file),
                         content_type=expect.content_type)
    second = await _poll(services, src)
    assert second.error == first.error
    # Duplicates are recognised: nothing new is stored and nothing reaches the workspace a second time.
    assert [o for o in second.outcomes if o.status == "added"] == []
    after = await _stored(services)
    assert len(after) == (expect.stored if expect.stored_after is None else expect.stored_after)
    assert {a.id: a.title for a in after} == {a.id: a.title for a in arts}
    if expect.check:
        expect.check(after, second, http_server)


def _big_feed(items: int) -> bytes:
    parts = [b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Firehose</title>']
    parts += [b"<item><title>Notice %d</title><guid>n-%d</guid><description>Parking notice number %d for "
              b"street %d.</description></item>" % (i, i, i, i % 977) for i in range(items)]
    parts.append(b"</channel></rss>")
    return b"".join(parts)


async def test_a_100k_item_feed_is_bounded(services: Any, http_server: LocalServer) -> None:
    body = _big_feed(100_000)
    http_server.text("/firehose.xml", body)
    services.ingestor.fetcher = Fetcher(allow_loopback=True, limits=FetchLimits(max_bytes=len(body) + 1,
                                                                                timeout_s=10))
    src = await services.store.source("feed", http_server.url("/firehose.xml"))
    try:
        started = time.monotonic()
        tracemalloc.start()
        try:
            first = await services.ingestor.poll_feed(src, workspaces=["local"])
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        elapsed = time.monotonic() - started
        second = await services.ingestor.poll_feed(src, workspaces=["local"])
    finally:
        await services.ingestor.fetcher.close()
    assert first.error is None
    assert sum(o.status == "added" for o in first.outcomes) == 500
    assert any("100000 entries; kept the first 500" in p for p in first.problems)
    assert elapsed < 30, f"{elapsed:.1f} s"
    # The body itself is ~11 MB; parsing only the kept entries stays within a few times that.
    assert peak < 4 * len(body), f"peak {peak / 1e6:.0f} MB"
    assert [o for o in second.outcomes if o.status == "added"] == []
    assert await services.store.count_articles() == 500


async def test_a_quadratic_entity_blowup_is_bounded(services: Any, http_server: LocalServer) -> None:
    entity = "q" * 50_000
    refs = "&big;" * 2_000  # 100 MB if expanded
    body = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "{entity}">]><rss version="2.0"><channel>'
            f"<title>Quadratic</title><item><title>Blowup</title><guid>qb-1</guid><description>Text {refs}"
            f"</description></item></channel></rss>").encode()
    http_server.text("/quadratic.xml", body)
    src = await services.store.source("feed", http_server.url("/quadratic.xml"))
    tracemalloc.start()
    try:
        poll = await _poll(services, src)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert poll.error is None or NOT_A_FEED in poll.error
    assert peak < 50 * 1024 * 1024
    for art in await _stored(services):
        assert len(art.text) < 1_000_000


async def test_feed_served_gzipped_without_a_content_type(services: Any, http_server: LocalServer) -> None:
    import gzip

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(body=gzip.compress((FEEDS / "rss20-basic.xml").read_bytes()),
                            headers={"Content-Encoding": "gzip"})

    http_server.route("/plain.xml", handler)
    src = await services.store.source("feed", http_server.url("/plain.xml"))
    poll = await _poll(services, src)
    assert poll.error is None and sum(o.status == "added" for o in poll.outcomes) == 3
