"""HTTP faults from real local servers: every one ends within its time limit, in bounded memory, with a clear error."""

from __future__ import annotations

import asyncio
import gzip
import socket
import struct
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from aiohttp import web

from digests.ingest import Fetcher, FetchError, FetchLimits, RetryLaterError
from tests.faults.rawserver import RawServer, until_closed
from tests.helpers.http import LocalServer

TIMEOUT = 0.4
LIMIT = 256 * 1024
LIMITS = FetchLimits(max_bytes=LIMIT, timeout_s=TIMEOUT, max_redirects=4)
# Peak Python allocations allowed for one fetch: a few times the body limit, never the inflated size.
MEMORY_CAP = 12 * 1024 * 1024


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    """Return a loopback-allowed fetcher with tight limits."""
    f = Fetcher(allow_loopback=True, limits=LIMITS)
    try:
        yield f
    finally:
        await f.close()


async def _fails(fetcher: Fetcher, url: str, match: str, *, exc: type[Exception] = FetchError) -> Exception:
    """Fetch ``url`` expecting ``exc`` matching ``match``, within the time limit and the memory cap."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(exc, match=match) as info:
            await fetcher.fetch(url)
        elapsed = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < TIMEOUT + 0.5, f"took {elapsed:.2f} s"
    assert peak < MEMORY_CAP, f"peak {peak / 1e6:.1f} MB"
    message = str(info.value)
    assert message and len(message) < 120 and "Traceback" not in message
    return info.value


async def _raw(script: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]) -> RawServer:
    return await RawServer(script).start()


# ---- time: silence, slow drips ------------------------------------------------------------------------------


async def test_a_server_that_never_answers_times_out(fetcher: Fetcher) -> None:
    server = await _raw(until_closed)
    try:
        await _fails(fetcher, server.url(), "timed out")
    finally:
        await server.stop()


async def test_headers_dripped_slower_than_the_timeout_time_out(fetcher: Fetcher) -> None:
    async def drip_head(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for byte in b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n":
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.05)

    server = await _raw(drip_head)
    try:
        await _fails(fetcher, server.url(), "timed out")
    finally:
        await server.stop()


async def test_a_body_dripped_slower_than_the_timeout_times_out(fetcher: Fetcher, http_server: LocalServer) -> None:
    async def drip(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/html"})
        await resp.prepare(request)
        try:
            for _ in range(200):  # each byte arrives in time for a per-read timeout; the total limit still holds
                await resp.write(b"<p>")
                await asyncio.sleep(0.02)
        except ConnectionError:
            pass
        return resp

    http_server.route("/drip", drip)
    await _fails(fetcher, http_server.url("/drip"), "timed out")


# ---- broken connections and framing -----------------------------------------------------------------------------


async def test_a_connection_closed_before_any_answer(fetcher: Fetcher) -> None:
    async def close_at_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        return None

    server = await _raw(close_at_once)
    try:
        await _fails(fetcher, server.url(), "closed the connection")
    finally:
        await server.stop()


async def test_a_connection_reset_by_the_peer(fetcher: Fetcher) -> None:
    async def reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # SO_LINGER 0 turns close() into a TCP RST.
        writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    server = await _raw(reset)
    try:
        await _fails(fetcher, server.url(), "connection (failed|was reset)|reset")
    finally:
        await server.stop()


async def test_a_reset_in_the_middle_of_the_body(fetcher: Fetcher) -> None:
    async def half(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 50000\r\n\r\n" + b"x" * 2000)
        await writer.drain()
        writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    server = await _raw(half)
    try:
        await _fails(fetcher, server.url(), "connection")
    finally:
        await server.stop()


async def test_a_body_shorter_than_its_content_length(fetcher: Fetcher) -> None:
    async def short(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100\r\n\r\nhello")
        await writer.drain()

    server = await _raw(short)
    try:
        await _fails(fetcher, server.url(), "truncated")
    finally:
        await server.stop()


@pytest.mark.parametrize("answer", [
    b"SSH-2.0-OpenSSH_9.0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nhello\r\n",
    b"HTTP/1.1 200 OK\r\nX-Huge: " + b"q" * 20000 + b"\r\n\r\n",
    b"HTTP/1.1 999999 Whatever\r\n\r\n",
], ids=["not-http", "bad-chunk", "huge-header", "bad-status"])
async def test_malformed_responses_are_bad_responses_without_echoing_server_bytes(fetcher: Fetcher,
                                                                                  answer: bytes) -> None:
    async def reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(answer)
        await writer.drain()

    server = await _raw(reply)
    try:
        err = await _fails(fetcher, server.url(), "bad response|broke")
    finally:
        await server.stop()
    assert "qqqq" not in str(err) and "SSH" not in str(err)


# ---- status codes -------------------------------------------------------------------------------------------


def _status(status: int, headers: dict[str, str] | None = None) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=status, text="nope", headers=headers or {})

    return handler


@pytest.mark.parametrize("value,expected", [
    ("120", 120.0), ("0", 0.0), ("-5", 0.0), ("1e12", 86400.0), ("inf", None), ("nan", None), ("soon", None),
    ("", None),
])
async def test_429_with_retry_after_seconds(fetcher: Fetcher, http_server: LocalServer, value: str,
                                           expected: float | None) -> None:
    http_server.route("/slow-down", _status(429, {"Retry-After": value} if value else {}))
    err = await _fails(fetcher, http_server.url("/slow-down"), "HTTP 429", exc=RetryLaterError)
    assert isinstance(err, RetryLaterError) and err.status == 429
    assert err.retry_after == expected


async def test_429_with_an_http_date(fetcher: Fetcher, http_server: LocalServer) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(minutes=10), usegmt=True)
    http_server.route("/slow-down", _status(429, {"Retry-After": when}))
    err = await _fails(fetcher, http_server.url("/slow-down"), "retry after", exc=RetryLaterError)
    assert isinstance(err, RetryLaterError) and err.retry_after is not None and 500 < err.retry_after <= 600


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors_ask_to_retry_later(fetcher: Fetcher, http_server: LocalServer, status: int) -> None:
    http_server.route("/down", _status(status, {"Retry-After": "30"} if status == 503 else {}))
    err = await _fails(fetcher, http_server.url("/down"), f"HTTP {status}", exc=RetryLaterError)
    assert isinstance(err, RetryLaterError) and err.retry_after == (30.0 if status == 503 else None)


@pytest.mark.parametrize("status", [401, 403, 404, 410, 451])
async def test_client_errors_fail_without_retry(fetcher: Fetcher, http_server: LocalServer, status: int) -> None:
    http_server.route("/no", _status(status))
    err = await _fails(fetcher, http_server.url("/no"), f"HTTP {status}")
    assert not isinstance(err, RetryLaterError)


# ---- redirects ----------------------------------------------------------------------------------------------


def _redirect(location: str, status: int = 302) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=status, headers={"Location": location} if location else {})

    return handler


async def test_a_redirect_loop_stops(fetcher: Fetcher, http_server: LocalServer) -> None:
    http_server.route("/a", _redirect("/b"))
    http_server.route("/b", _redirect(http_server.url("/a")))
    await _fails(fetcher, http_server.url("/a"), "too many redirects")
    assert len(http_server.seen) == LIMITS.max_redirects + 1


async def test_a_self_redirect_and_a_long_chain_stop(fetcher: Fetcher, http_server: LocalServer) -> None:
    http_server.route("/self", _redirect("/self", 308))
    for i in range(10):
        http_server.route(f"/hop{i}", _redirect(f"/hop{i + 1}", 301))
    await _fails(fetcher, http_server.url("/self"), "too many redirects")
    await _fails(fetcher, http_server.url("/hop0"), "too many redirects")


@pytest.mark.parametrize("location,match", [("", "without a Location"), ("http://[::1", "invalid URL")])
async def test_broken_redirects_fail_clearly(fetcher: Fetcher, http_server: LocalServer, location: str,
                                             match: str) -> None:
    http_server.route("/r", _redirect(location))
    await _fails(fetcher, http_server.url("/r"), match)


# ---- size: bombs and big bodies --------------------------------------------------------------------------------


def _bomb(encoding: str, inflated: int = 64 * 1024 * 1024) -> bytes:
    zeros = b"\0" * (1024 * 1024)
    if encoding == "gzip":
        comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    else:
        comp = zlib.compressobj(9, zlib.DEFLATED, 15)
    parts = [comp.compress(zeros) for _ in range(inflated // len(zeros))]
    return b"".join(parts) + comp.flush()


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_a_compression_bomb_stops_at_the_size_limit(fetcher: Fetcher, http_server: LocalServer,
                                                          encoding: str) -> None:
    body = _bomb(encoding)
    assert len(body) < 100 * 1024  # small on the wire, 64 MB inflated
    http_server.text("/bomb", body, headers={"Content-Encoding": encoding})
    await _fails(fetcher, http_server.url("/bomb"), "too large")


async def test_a_body_that_is_not_the_gzip_it_claims(fetcher: Fetcher, http_server: LocalServer) -> None:
    http_server.text("/fake-gzip", b"plain text, not gzip " * 50, headers={"Content-Encoding": "gzip"})
    await _fails(fetcher, http_server.url("/fake-gzip"), "bad or truncated|bad response")


async def test_a_declared_length_over_the_limit_is_refused_before_reading(fetcher: Fetcher) -> None:
    async def big(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1073741824\r\n\r\n")
        await writer.drain()
        try:
            for _ in range(64):
                writer.write(b"x" * 65536)
                await writer.drain()
        except ConnectionError:
            pass

    server = await _raw(big)
    try:
        await _fails(fetcher, server.url(), r"too large: 1048576 KB")
    finally:
        await server.stop()


async def test_an_undeclared_body_over_the_limit_stops_at_the_limit(fetcher: Fetcher,
                                                                    http_server: LocalServer) -> None:
    async def endless(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/html"})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        try:
            for _ in range(2000):  # 128 MB if nobody stopped reading
                await resp.write(b"y" * 65536)
        except ConnectionError:
            pass
        return resp

    http_server.route("/endless", endless)
    await _fails(fetcher, http_server.url("/endless"), "too large")


async def test_a_body_exactly_at_the_limit_is_accepted(fetcher: Fetcher, http_server: LocalServer) -> None:
    http_server.text("/edge", b"z" * LIMIT, content_type="text/plain")
    res = await fetcher.fetch(http_server.url("/edge"))
    assert len(res.body) == LIMIT
    http_server.text("/over", b"z" * (LIMIT + 1), content_type="text/plain")
    await _fails(fetcher, http_server.url("/over"), "too large")


# ---- wrong content through the ingestor ------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256)) * 8


@pytest.mark.parametrize("body,content_type,match", [
    (PNG, "image/png", "not a web page"),
    (PNG, "text/html", "binary"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\x00", "application/pdf", "not a web page"),
    (gzip.compress(b"<html>zipped twice</html>"), "application/octet-stream", "not a web page"),
    (b"", "text/html", "no article text"),
    (b"<html><head><title>t</title></head><body></body></html>", "text/html", "no article text"),
], ids=["png-as-png", "png-as-html", "pdf", "octet-stream", "empty", "no-text"])
async def test_wrong_content_fails_clearly_and_stores_nothing(services: Any, http_server: LocalServer, body: bytes,
                                                              content_type: str, match: str) -> None:
    services.ingestor.fetcher = Fetcher(allow_loopback=True, limits=LIMITS)
    http_server.text("/thing", body, content_type=content_type)
    try:
        out = await services.ingestor.ingest_url(http_server.url("/thing"), workspace="local")
    finally:
        await services.ingestor.fetcher.close()
    assert out.status == "failed" and match in out.reason, out.reason
    assert await services.store.count_articles() == 0


async def test_feed_polls_report_faults_instead_of_raising(services: Any, http_server: LocalServer) -> None:
    services.ingestor.fetcher = Fetcher(allow_loopback=True, limits=LIMITS)
    http_server.route("/limited.xml", _status(429, {"Retry-After": "90"}))
    http_server.text("/bomb.xml", _bomb("gzip"), content_type="application/rss+xml",
                     headers={"Content-Encoding": "gzip"})
    http_server.route("/loop.xml", _redirect("/loop.xml"))
    silent = await _raw(until_closed)
    try:
        polls = {}
        for url in (http_server.url("/limited.xml"), http_server.url("/bomb.xml"), http_server.url("/loop.xml"),
                    silent.url("/feed.xml")):
            src = await services.store.source("feed", url)
            polls[url.rsplit("/", 1)[-1]] = await services.ingestor.poll_feed(src, workspaces=["local"])
    finally:
        await silent.stop()
        await services.ingestor.fetcher.close()
    assert polls["limited.xml"].retry_after == 90.0 and "429" in (polls["limited.xml"].error or "")
    assert "too large" in (polls["bomb.xml"].error or "")
    assert "redirects" in (polls["loop.xml"].error or "")
    assert "timed out" in (polls["feed.xml"].error or "")
    assert all(not p.outcomes for p in polls.values())
    assert await services.store.count_articles() == 0
