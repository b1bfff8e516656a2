"""URL safety beyond tests/digests/ingest/test_safety.py: numeric and Unicode spellings, IPv6 forms, userinfo
tricks, DNS answers that change, redirects and the user-facing paths (/ingest, /feeds add, poll_feed).

Loopback cases run against a real local server that must see no request; every other address is reached only
through stubbed resolution, and the autouse guard fails the test if a connection beyond loopback is attempted.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bot.commands import Invocation, run_line
from bot.services import Services
from digests.ingest import Fetcher, FetchLimits, InternalHosts, UnsafeURLError, check_url
from tests.helpers.http import LocalServer

PUBLIC = "93.184.216.34"
LIMITS = FetchLimits(max_bytes=64 * 1024, timeout_s=2.0, max_redirects=3)


class StubResolver:
    """Answer every lookup from a table (or a fixed list), recording the names asked for."""

    def __init__(self, answer: list[str] | None = None, table: dict[str, list[str]] | None = None) -> None:
        self.answer = answer or []
        self.table = table or {}
        self.looked_up: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.looked_up.append(host)
        if host in self.table:
            return self.table[host]
        if self.answer:
            return self.answer
        raise OSError("no such host (stub)")


@pytest.fixture
async def page_server(http_server: LocalServer) -> AsyncIterator[LocalServer]:
    """Return the local server with a page that a refused fetch must never reach."""
    http_server.text("/secret", "<html><body><p>internal admin page</p></body></html>")
    yield http_server


async def _refused(url: str, *, resolve: StubResolver | None = None, allow_loopback: bool = False) -> str:
    fetcher = Fetcher(allow_loopback=allow_loopback, limits=LIMITS, resolve=resolve or StubResolver([PUBLIC]))
    try:
        with pytest.raises(UnsafeURLError) as info:
            await fetcher.fetch(url)
    finally:
        await fetcher.close()
    return str(info.value)


# ---- loopback spellings against the real server: it must see nothing ------------------------------------------

LOOPBACK_MORE = ["0", "0.0.0.0", "127.000.000.001", "0x7f.1", "017700000001", "127.0.1", "[0:0:0:0:0:0:0:1]",
                 "[::ffff:7f00:1]", "[0000::1]", "[::ffff:127.1.2.3]", "127.255.255.254"]


@pytest.mark.parametrize("host", LOOPBACK_MORE)
async def test_more_loopback_spellings_never_reach_the_server(page_server: LocalServer, host: str) -> None:
    reason = await _refused(page_server.url("/secret", host=host))
    assert "refused" in reason
    assert page_server.seen == []


@pytest.mark.parametrize("host", ["①②⑦.0.0.1", "１２７.０.０.１", "１２７.１"])
async def test_unicode_digit_spellings_are_checked_as_the_address_they_become(page_server: LocalServer,
                                                                               host: str) -> None:
    # The resolver would call these public; what matters is the IP literal yarl turns them into and connects to.
    reason = await _refused(page_server.url("/secret", host=host), resolve=StubResolver([PUBLIC]))
    assert "loopback" in reason
    assert page_server.seen == []


@pytest.mark.parametrize("host", ["localhost.", "LOCALHOST", "ⓛⓞⓒⓐⓛⓗⓞⓢⓣ", "127.0.0.1.nip.example"])
async def test_names_that_resolve_to_loopback_never_reach_the_server(page_server: LocalServer, host: str) -> None:
    resolver = StubResolver(["127.0.0.1"])
    reason = await _refused(page_server.url("/secret", host=host), resolve=resolver)
    assert "loopback" in reason
    assert resolver.looked_up  # the name was resolved (stubbed) and then refused
    assert page_server.seen == []


@pytest.mark.parametrize("url", [
    "http://public.example@127.0.0.1:{port}/secret",
    "http://public.example:80@127.0.0.1:{port}/secret",
    "http://user:pass@localhost:{port}/secret",
    "http://127.0.0.1:{port}#@public.example/secret",
    "http://127.0.0.1:{port}?@public.example/secret",
    "http://public.example\\@127.0.0.1:{port}/secret",
    "http://127.0.0.1:{port}\\@public.example/secret",
    "http://public.example%40127.0.0.1:{port}/secret",
    "http://[::1]@public.example/secret",
])
async def test_userinfo_and_delimiter_tricks_are_refused(page_server: LocalServer, url: str) -> None:
    resolver = StubResolver(table={"localhost": ["127.0.0.1"]})
    await _refused(url.format(port=page_server.port), resolve=resolver)
    assert page_server.seen == []
    # Nothing public was ever looked up: the loopback (or invalid) host is what gets checked.
    assert "public.example" not in resolver.looked_up


async def test_a_dns_answer_that_turns_private_at_connect_time_is_refused(page_server: LocalServer) -> None:
    answers = iter([[PUBLIC], ["127.0.0.1"], ["127.0.0.1"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers, ["127.0.0.1"])

    await _refused(f"http://rebind.example.test:{page_server.port}/secret", resolve=rebinding)  # type: ignore[arg-type]
    assert page_server.seen == []


async def test_a_mixed_answer_with_one_private_address_is_refused() -> None:
    with pytest.raises(UnsafeURLError, match="private"):
        await check_url("http://mixed.example.test/", resolve=StubResolver([PUBLIC, "10.1.2.3"]))


# ---- numeric spellings and IPv6 forms of private and metadata addresses: stubbed, never connected -------------

PRIVATE_SPELLINGS = {
    "167772161": "private",                 # 10.0.0.1 as one decimal number
    "0x0a000001": "private",                # hex
    "012.0.0.1": "private",                 # octal first part
    "10.1": "private",                      # short form
    "3232235777": "private",                # 192.168.1.1
    "0xc0.0xa8.0x01.0x01": "private",       # dotted hex
    "0254.020.0.1": "private",              # 172.16.0.1 in octal
    "2852039166": "metadata",               # 169.254.169.254 decimal
    "0xa9fea9fe": "metadata",               # hex
    "0251.0376.0251.0376": "metadata",      # dotted octal
    "169.254.43518": "metadata",            # mixed short form
    "[::ffff:169.254.169.254]": "metadata",
    "[::ffff:a9fe:a9fe]": "metadata",
    "[2002:a9fe:a9fe::]": "metadata",       # 6to4 wrapping the metadata address
    "[fe80::1]": "metadata",
    "[fd00::1]": "private",
    "[fd12:3456:789a::1]": "private",
    "[fec0::1]": "private",                 # deprecated site-local
    "[::ffff:10.0.0.1]": "private",
    "[::ffff:192.168.0.1]": "private",
    "[64:ff9b::a00:1]": "reserved",         # NAT64 wrapping 10.0.0.1
    "100.64.0.1": "reserved",               # carrier-grade NAT
    "[ff02::1]": "reserved",
}


@pytest.mark.parametrize("host", sorted(PRIVATE_SPELLINGS))
async def test_private_and_metadata_spellings_are_refused_without_a_lookup(host: str) -> None:
    resolver = StubResolver([PUBLIC])
    reason = await _refused(f"http://{host}/latest/meta-data/", resolve=resolver)
    kind = PRIVATE_SPELLINGS[host]
    assert {"private": "private", "metadata": "link-local", "reserved": "reserved"}[kind] in reason, reason
    # A literal is never handed to the resolver (a custom one could answer anything for it).
    assert resolver.looked_up == []


@pytest.mark.parametrize("addr", ["10.20.30.40", "172.31.255.255", "192.168.100.1", "169.254.169.254",
                                  "fd00:ec2::254", "fe80::a9fe:a9fe"])
async def test_allowing_loopback_never_allows_private_addresses(addr: str) -> None:
    await _refused("http://intranet.example.test/", resolve=StubResolver([addr]), allow_loopback=True)


@pytest.mark.parametrize("url", ["ws://example.test/", "wss://example.test/", "ldap://example.test/",
                                 "dict://127.0.0.1:11211/", "sftp://example.test/", "view-source:http://example.test",
                                 "jar:http://example.test/x.jar!/", "netdoc:///etc/passwd", "http:/\\127.0.0.1/",
                                 "http:\\\\127.0.0.1\\", "http:///etc/passwd", "http://:80/", "http://h:99999/"])
async def test_other_schemes_and_hostless_urls_are_refused(url: str) -> None:
    resolver = StubResolver([PUBLIC])
    with pytest.raises(UnsafeURLError):
        await check_url(url, resolve=resolver)
    assert resolver.looked_up == []


# ---- redirects: every hop is checked ------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("target", ["http://0x0a000001/", "http://2852039166/latest/", "//10.0.0.5/x",
                                    "http://[::ffff:a9fe:a9fe]/", "file:///etc/passwd", "gopher://127.0.0.1:70/"])
async def test_every_redirect_kind_to_a_private_target_is_refused(http_server: LocalServer, status: int,
                                                                  target: str) -> None:
    async def redirect(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, headers={"Location": target})

    http_server.route("/go", redirect)
    await _refused(http_server.url("/go"), allow_loopback=True)
    assert http_server.seen == ["/go"]


async def test_a_second_hop_to_loopback_is_refused_when_loopback_is_not_allowed(http_server: LocalServer) -> None:
    http_server.text("/secret", "internal")

    async def redirect(request: web.Request) -> web.StreamResponse:
        return web.Response(status=302, headers={"Location": http_server.url("/secret", host="127.1")})

    http_server.route("/go", redirect)
    # The first hop is a public name (stubbed) whose connection is refused at connect time for pointing home.
    resolver = StubResolver(table={"news.example.test": ["127.0.0.1"]})
    await _refused(f"http://news.example.test:{http_server.port}/go", resolve=resolver)
    assert http_server.seen == []


# ---- the user-facing paths ------------------------------------------------------------------------------------


async def test_ingest_command_refuses_a_private_url_and_stores_nothing(services: Services,
                                                                       page_server: LocalServer) -> None:
    # The services fixture allows loopback (for local test servers); build one that does not.
    services.ingestor.fetcher = Fetcher(allow_loopback=False, limits=LIMITS, resolve=StubResolver([PUBLIC]))
    inv = Invocation("discord:1", "general", "u", platform="discord", is_admin=True)
    try:
        for url in (page_server.url("/secret"), "http://169.254.169.254/latest/meta-data/",
                    "http://public.example@10.0.0.1/", "file:///etc/passwd"):
            reply = await run_line(services, inv, f"/ingest {url}")
            assert reply.error and "could not add" in reply.text, reply.text
            assert "Traceback" not in reply.text
    finally:
        await services.ingestor.fetcher.close()
    assert page_server.seen == []
    assert await services.store.count_articles() == 0


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://example.test/", "javascript:alert(1)", "http://"])
async def test_feeds_add_refuses_non_http_urls(services: Services, url: str) -> None:
    inv = Invocation("slack:T1", "general", "u", platform="slack", is_admin=True)
    reply = await run_line(services, inv, f"/feeds add {url}")
    assert reply.error
    assert await services.store.subscriptions("slack:T1") == []


async def test_poll_feed_refuses_a_feed_on_a_private_address(services: Services, page_server: LocalServer) -> None:
    services.ingestor.fetcher = Fetcher(allow_loopback=False, limits=LIMITS,
                                        resolve=StubResolver(table={"feeds.example.test": ["192.168.7.7"]}))
    try:
        for url in (page_server.url("/secret"), "http://feeds.example.test/rss"):
            src = await services.store.source("feed", url)
            poll = await services.ingestor.poll_feed(src, workspaces=["local"])
            assert poll.error and "refused" in poll.error and not poll.outcomes
    finally:
        await services.ingestor.fetcher.close()
    assert page_server.seen == []
    assert await services.store.count_articles() == 0


# ---- internal hosts an operator allows (NEWSBOT_ALLOW_INTERNAL) --------------------------------------------------


@pytest.mark.parametrize("host,addr", [("rsshub", "172.18.0.7"), ("bridge.home.lan", "192.168.1.20"),
                                       ("feeds.example.test", "10.0.5.9"), ("10.0.5.200", "10.0.5.200"),
                                       ("news.example.test", PUBLIC)])
async def test_listed_names_and_ranges_may_resolve_to_internal_addresses(host: str, addr: str) -> None:
    internal = InternalHosts.parse("rsshub, *.lan, 10.0.5.0/24")
    assert await check_url(f"http://{host}:1200/feed", internal=internal, resolve=StubResolver([addr])) == [addr]


@pytest.mark.parametrize("host,addr,kind", [
    ("intranet.example.test", "10.0.6.1", "private"),  # outside the listed range
    ("rsshub.evil.example", "172.18.0.7", "private"),  # a listed name is matched whole, not as a prefix
    ("lan", "192.168.1.1", "private"),  # "*.lan" lists the names under lan, not lan itself
    ("localhost", "127.0.0.1", "loopback"),  # loopback needs its own entry
    ("rsshub", "169.254.169.254", "link-local"),  # cloud metadata: never, whatever the list says
    ("meta.example.test", "169.254.169.254", "link-local"),
])
async def test_everything_off_the_list_stays_refused(host: str, addr: str, kind: str) -> None:
    internal = InternalHosts.parse("rsshub *.lan 10.0.5.0/24 169.254.0.0/16")
    with pytest.raises(UnsafeURLError, match=f"refused: {re.escape(host)} is a {kind}.*not on the internal"):
        await check_url(f"http://{host}/feed", internal=internal, resolve=StubResolver([addr]))


async def test_an_allowed_internal_feed_is_fetched_and_its_redirect_elsewhere_refused(http_server: LocalServer) -> None:
    other = await LocalServer(host="127.0.0.3").start()  # loopback, but not on the list
    try:
        other.text("/private", "internal admin page")
        http_server.text("/feed.xml", "<rss version='2.0'><channel><title>Bridge</title></channel></rss>",
                         content_type="application/rss+xml")

        async def redirect(request: web.Request) -> web.StreamResponse:
            return web.Response(status=302, headers={"Location": other.url("/private")})

        http_server.route("/moved", redirect)
        # "rsshub" is the container's name; the stub resolver plays the Docker network's DNS.
        resolver = StubResolver(table={"rsshub": ["127.0.0.1"]})
        fetcher = Fetcher(internal=InternalHosts.parse("rsshub"), limits=LIMITS, resolve=resolver)
        try:
            got = await fetcher.fetch(f"http://rsshub:{http_server.port}/feed.xml")
            assert got.status == 200 and b"Bridge" in got.body
            with pytest.raises(UnsafeURLError, match="127.0.0.3 is a loopback address"):
                await fetcher.fetch(f"http://rsshub:{http_server.port}/moved")
        finally:
            await fetcher.close()
        assert http_server.seen == ["/feed.xml", "/moved"] and other.seen == []
        # Without the list the same name is refused before any request.
        with pytest.raises(UnsafeURLError, match="loopback"):
            await check_url(f"http://rsshub:{http_server.port}/feed.xml", resolve=resolver)
    finally:
        await other.stop()
