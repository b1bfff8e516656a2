"""Ingest from files, pages and feeds served by a real local HTTP server; bad input fails clearly, stores nothing."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.helpers.http import LocalServer

PAGE = """<!doctype html><html><head><title>Tram line extension approved | The Ferrow Gazette</title>
<meta property="article:published_time" content="2026-10-02T09:30:00Z">
<meta name="author" content="Jo Pellam"></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Tram line extension approved</h1>
<p>The regional council in Ferrow approved a four-kilometre extension of the number 3 tram line on Wednesday,
ending a two-year debate over the route through the old docks.</p>
<p>"This line will connect ten thousand homes to the centre in under fifteen minutes," said council leader
Abena Fosu. Construction is expected to start next spring and to take about eighteen months.</p>
<p>Opponents argued that the docks route would raise rents, and a petition against it gathered three thousand
signatures over the summer.</p>
<p>Advertisement</p>
</article><footer>Copyright 2026 The Ferrow Gazette. All rights reserved.</footer></body></html>"""

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Ferrow Gazette</title><link>http://example.test/</link>
<item><title>Library opens late on Fridays</title><link>http://example.test/library</link>
<guid>lib-1</guid><pubDate>Mon, 05 Oct 2026 08:00:00 GMT</pubDate>
<description>&lt;p&gt;The central library will stay open until ten on Fridays from next month, the city said.&lt;/p&gt;</description></item>
<item><title>Night buses return</title><link>http://example.test/buses</link><guid>bus-1</guid>
<pubDate>Tue, 06 Oct 2026 08:00:00 GMT</pubDate>
<description>Night buses return to three routes after a year-long pause, the transit board said on Tuesday.</description></item>
</channel></rss>"""


async def test_page_is_extracted_with_title_date_and_no_boilerplate(services: Any, http_server: LocalServer) -> None:
    http_server.text("/tram", PAGE)
    out = await services.ingestor.ingest_url(http_server.url("/tram"), workspace="local")
    assert out.status == "added", out.reason
    art = await services.store.article("local", out.article_id)
    assert "Tram line extension approved" in art.title
    assert art.published is not None and art.published.date().isoformat() == "2026-10-02"
    assert "four-kilometre extension" in art.text
    assert "Advertisement" not in art.text and "All rights reserved" not in art.text
    again = await services.ingestor.ingest_url(http_server.url("/tram?utm_source=feed"), workspace="local")
    assert again.status == "duplicate"


async def test_page_without_a_date_keeps_it_null(services: Any, http_server: LocalServer) -> None:
    http_server.text("/nodate", PAGE.replace('<meta property="article:published_time" content="2026-10-02T09:30:00Z">', ""))
    out = await services.ingestor.ingest_url(http_server.url("/nodate"), workspace="local")
    assert out.status == "added" and out.published is None


async def test_a_page_over_the_size_limit_is_refused(services: Any, http_server: LocalServer) -> None:
    big = b"<html><body>" + b"<p>word </p>" * (50 * 1024 * 1024 // 11) + b"</body></html>"
    http_server.text("/big", big)

    async def chunked(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/html"})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        chunk = b"<p>" + b"x" * 65536 + b"</p>"
        try:
            for _ in range(200):  # ~13 MB, no Content-Length
                await resp.write(chunk)
        except (ConnectionResetError, RuntimeError):
            pass
        return resp

    http_server.route("/chunked", chunked)
    for path in ("/big", "/chunked"):
        out = await services.ingestor.ingest_url(http_server.url(path), workspace="local")
        assert out.status == "failed" and "too large" in out.reason
    assert await services.store.count_articles() == 0


async def test_a_dead_url_fails_clearly(services: Any) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = await services.ingestor.ingest_url(f"http://127.0.0.1:{port}/gone", workspace="local")
    assert out.status == "failed" and "cannot connect" in out.reason


async def test_http_errors_fail_clearly(services: Any, http_server: LocalServer) -> None:
    out = await services.ingestor.ingest_url(http_server.url("/missing"), workspace="local")
    assert out.status == "failed" and "404" in out.reason


async def test_feed_items_are_stored_and_conditional_get_is_used(services: Any, http_server: LocalServer) -> None:
    async def feed(request: web.Request) -> web.StreamResponse:
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304)
        return web.Response(body=FEED.encode(), headers={"Content-Type": "application/rss+xml", "ETag": '"v1"'})

    http_server.route("/feed.xml", feed)
    src = await services.store.source("feed", http_server.url("/feed.xml"))
    poll = await services.ingestor.poll_feed(src, workspaces=["local"])
    assert poll.error is None and [o.status for o in poll.outcomes] == ["added", "added"]
    assert poll.etag == '"v1"'
    await services.store.update_source(src.id, etag=poll.etag)
    src = await services.store.get_source(src.id)
    poll2 = await services.ingestor.poll_feed(src, workspaces=["local"])
    assert poll2.not_modified
    assert http_server.headers_seen[-1].get("If-None-Match") == '"v1"'
    titles = {r.title for r in await services.store.search("local", "night buses")}
    assert titles == {"Night buses return"}


@pytest.mark.parametrize("body", [b"<rss><channel><item><title>broken", b"not xml at all {}", b"",
                                  b"<html><body><p>just a page</p></body></html>"])
async def test_a_malformed_feed_fails_clearly(services: Any, http_server: LocalServer, body: bytes) -> None:
    http_server.text("/bad.xml", body, content_type="application/xml")
    src = await services.store.source("feed", http_server.url("/bad.xml"))
    poll = await services.ingestor.poll_feed(src, workspaces=["local"])
    assert poll.error and "feed" in poll.error
    assert await services.store.count_articles() == 0


async def test_bad_files_fail_clearly(services: Any, tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "blank.md").write_text("\n\n   \n")
    (tmp_path / "bin.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    reasons = {}
    for name in ("missing.txt", "empty.txt", "blank.md", "bin.txt"):
        out = await services.ingestor.ingest_path(tmp_path / name, workspace="local")
        assert out.status == "failed"
        reasons[name] = out.reason
    assert "no such file" in reasons["missing.txt"]
    assert "empty" in reasons["empty.txt"]
    assert "binary" in reasons["bin.txt"]
    assert await services.store.count_articles() == 0


# ---- issue 28: long feeds, an item's own text, UTF-16 files ---------------------------------------------------------


def _rss_items(n: int) -> str:
    return "".join(f"<item><title>Story {i}</title><link>https://e.example/{i}</link><guid>g{i}</guid>"
                   f"<description>Text of story {i}.</description></item>" for i in range(n))


@pytest.mark.parametrize("shape", ["rss", "atom", "rdf"])
def test_a_well_formed_feed_over_500_entries_is_not_called_broken(shape: str) -> None:
    from digests.ingest import parse_feed

    if shape == "rss":
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Long</title>{_rss_items(620)}</channel></rss>'
    elif shape == "atom":
        entries = "".join(f"<entry><title>Story {i}</title><id>urn:e:{i}</id><link href='https://e.example/{i}'/>"
                          f"<updated>2026-05-01T10:00:00Z</updated><summary>Text {i}.</summary></entry>"
                          for i in range(620))
        body = (f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Long</title>'
                f"<id>urn:feed</id><updated>2026-05-01T10:00:00Z</updated>{entries}</feed>")
    else:
        body = ('<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                'xmlns="http://purl.org/rss/1.0/"><channel rdf:about="https://e.example/"><title>Long</title>'
                "<link>https://e.example/</link><description>d</description></channel>"
                + "".join(f'<item rdf:about="https://e.example/{i}"><title>Story {i}</title>'
                          f"<link>https://e.example/{i}</link><description>Text {i}.</description></item>"
                          for i in range(620)) + "</rdf:RDF>")
    feed = parse_feed(body.encode(), "https://e.example/feed")
    assert len(feed.documents) == 500 and feed.title == "Long"
    assert feed.problems == ["the feed has 620 entries; kept the first 500"]


def test_a_feed_items_own_copyright_or_subscribe_line_is_its_text() -> None:
    from digests.ingest import parse_feed
    from digests.ingest._clean import clean_text

    body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Courier</title>'
            "<item><guid>c1</guid><description>© 2026 The Courier: floods close the northern rail line"
            "</description></item><item><title>Readers' club</title><guid>c2</guid><description>Subscribe now."
            "</description></item></channel></rss>")
    feed = parse_feed(body.encode(), "https://e.example/feed")
    assert [(d.title, d.text) for d in feed.documents] == [
        ("© 2026 The Courier: floods close the northern rail line",
         "© 2026 The Courier: floods close the northern rail line"), ("Readers' club", "Subscribe now.")]
    assert feed.problems == []
    # A web page's furniture is still cut: the rules are for pages.
    assert clean_text("The line reopens on Monday.\n© 2026 The Courier. All rights reserved.") == \
        "The line reopens on Monday."


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "utf-32"])
async def test_a_utf16_text_file_is_read_not_refused_as_binary(services: Any, tmp_path: Path,
                                                               encoding: str) -> None:
    text = ("Ferry timetable changes for the winter\n\nThe harbour board will run the last ferry at nine from "
            "Monday, the board said. “Fewer people travel late in winter,” said harbour master Talia Brennick.\n")
    path = tmp_path / f"notice-{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    out = await services.ingestor.ingest_path(path, workspace="local")
    assert out.status == "added", out.reason
    art = await services.store.article("local", out.article_id)
    assert art is not None and art.title == "Ferry timetable changes for the winter"
    assert "last ferry at nine" in art.text and "\x00" not in art.text


def test_a_one_paragraph_brief_is_stored_with_its_first_sentence_as_title() -> None:
    from digests.ingest import document_from_text

    brief = ("The Orlen Bay ferry resumes on Monday after repairs to its ramp. Tickets bought for the cancelled "
             "crossings stay valid until the end of the month.")
    doc = document_from_text(brief, name="brief.txt")
    assert doc.title == "The Orlen Bay ferry resumes on Monday after repairs to its ramp."
    assert doc.text == brief
    titled = document_from_text("Ferry back\n\n" + brief, name="ferry.txt")
    assert (titled.title, titled.text) == ("Ferry back", brief)
