"""HTTP fetching with safety checks on every hop, size and time limits, and conditional GET."""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field
from urllib.parse import urljoin

import aiohttp

from digests.ingest._safety import (
    CheckedResolver,
    InternalHosts,
    ResolveFunc,
    UnsafeURLError,
    check_url,
    system_resolve,
)

USER_AGENT = "newsbot/0.1 (+https://github.com/newsbot; news digest bot)"
MAX_RETRY_AFTER_S = 24 * 3600.0


class FetchError(Exception):
    """A fetch failed: a short, user-facing reason."""


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """Size and time limits for one fetch."""

    max_bytes: int = 5 * 1024 * 1024
    timeout_s: float = 20.0
    max_redirects: int = 5


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The outcome of one fetch: status 200 with a body, or 304 Not Modified."""

    url: str
    status: int
    body: bytes = b""
    content_type: str = ""
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class Fetcher:
    """Fetch public http(s) URLs; one aiohttp session, opened lazily."""

    def __init__(self, *, allow_loopback: bool = False, internal: InternalHosts | None = None,
                 limits: FetchLimits | None = None, resolve: ResolveFunc = system_resolve,
                 user_agent: str = USER_AGENT) -> None:
        self.allow_loopback = allow_loopback
        self.internal = internal
        self.limits = limits or FetchLimits()
        self._resolve = resolve
        self._user_agent = user_agent
        self._session: aiohttp.ClientSession | None = None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                resolver=CheckedResolver(allow_loopback=self.allow_loopback, internal=self.internal,
                                         resolve=self._resolve),
                limit_per_host=2, use_dns_cache=False)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self._user_agent},
                timeout=aiohttp.ClientTimeout(total=self.limits.timeout_s, sock_connect=10),
                auto_decompress=True, trust_env=False)
        return self._session

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """Fetch ``url`` following redirects safely; raise UnsafeURLError or FetchError on failure."""
        try:
            async with asyncio.timeout(self.limits.timeout_s):
                return await self._fetch(url, etag, last_modified)
        except TimeoutError:
            raise FetchError(f"timed out after {self.limits.timeout_s:g} s") from None

    async def _fetch(self, url: str, etag: str | None, last_modified: str | None) -> FetchResult:
        headers = {"Accept": "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
                             "application/xml;q=0.9,text/*;q=0.8,*/*;q=0.5"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        session = self._get_session()
        for _ in range(self.limits.max_redirects + 1):
            await check_url(url, allow_loopback=self.allow_loopback, internal=self.internal, resolve=self._resolve)
            try:
                async with session.get(url, headers=headers, allow_redirects=False) as resp:
                    if resp.status in (301, 302, 303, 307, 308):
                        location = resp.headers.get("Location")
                        if not location:
                            raise FetchError(f"HTTP {resp.status} redirect without a Location")
                        try:
                            url = urljoin(url, location)
                        except ValueError:
                            # A hostile Location (e.g. "http://[::1") must fail the fetch, not crash the caller.
                            raise FetchError(f"HTTP {resp.status} redirect to an invalid URL") from None
                        continue
                    if resp.status == 304:
                        return FetchResult(url=url, status=304, etag=etag, last_modified=last_modified)
                    if resp.status == 429 or resp.status >= 500:
                        raise RetryLaterError(resp.status, _retry_after(resp.headers.get("Retry-After")))
                    if resp.status >= 400:
                        raise FetchError(f"HTTP {resp.status} {resp.reason or ''}".strip())
                    declared = resp.content_length
                    if declared is not None and declared > self.limits.max_bytes:
                        raise FetchError(f"too large: {declared // 1024} KB (limit {self.limits.max_bytes // 1024} KB)")
                    body = await self._read_limited(resp)
                    return FetchResult(
                        url=url, status=resp.status, body=body, content_type=resp.content_type or "",
                        charset=resp.charset, etag=resp.headers.get("ETag"),
                        last_modified=resp.headers.get("Last-Modified"),
                        headers={k: v for k, v in resp.headers.items()},
                    )
            except (UnsafeURLError, FetchError):
                raise
            except aiohttp.ClientResponseError as exc:
                # Keep aiohttp's reason, not the server bytes it quotes after the colon.
                raise FetchError(f"bad response: {str(exc.message).split(':', 1)[0][:80]}") from None
            except aiohttp.ClientConnectorError as exc:
                if isinstance(exc.__cause__, UnsafeURLError):
                    raise exc.__cause__ from None
                raise FetchError(f"cannot connect to {exc.host}") from None
            except aiohttp.ClientPayloadError:
                raise FetchError("the connection broke while reading (bad or truncated body)") from None
            except aiohttp.ServerDisconnectedError:
                raise FetchError("the server closed the connection without answering") from None
            except aiohttp.ClientOSError as exc:
                raise FetchError(f"the connection failed: {exc.strerror or exc.__class__.__name__}") from None
            except aiohttp.ClientError as exc:
                raise FetchError(f"network error: {exc.__class__.__name__}") from None
        raise FetchError(f"too many redirects (more than {self.limits.max_redirects})")

    async def _read_limited(self, resp: aiohttp.ClientResponse) -> bytes:
        chunks: list[bytes] = []
        size = 0
        # Counting decompressed bytes bounds gzip bombs as well as plain large bodies.
        async for chunk in resp.content.iter_chunked(65536):
            size += len(chunk)
            if size > self.limits.max_bytes:
                raise FetchError(f"too large: over {self.limits.max_bytes // 1024} KB")
            chunks.append(chunk)
        return b"".join(chunks)


class RetryLaterError(FetchError):
    """The server asked us to slow down (429) or failed (5xx); ``retry_after`` seconds if it said."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status}" + (f", retry after {retry_after:g} s" if retry_after else ""))
        self.status = status
        self.retry_after = retry_after


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
        # "inf", "nan" or 1e12 would stop a feed forever (or overflow a timedelta): cap what a server may ask.
        return min(max(0.0, seconds), MAX_RETRY_AFTER_S) if math.isfinite(seconds) else None
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            from datetime import UTC, datetime

            wait = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
            return min(max(0.0, wait), MAX_RETRY_AFTER_S)
        except (TypeError, ValueError):
            return None
