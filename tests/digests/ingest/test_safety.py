"""URL safety: non-public addresses refused after resolution and on redirects, with nothing ever connected."""

from __future__ import annotations

import ipaddress

import pytest

from digests.ingest import Fetcher, UnsafeURLError, address_problem, check_url
from tests.helpers.http import LocalServer

LOOPBACK_SPELLINGS = ["127.0.0.1", "localhost", "[::1]", "2130706433", "0x7f000001", "127.1", "0177.0.0.1",
                      "[::ffff:127.0.0.1]"]


def _fixed(*addresses: str):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolve


class Refuse:
    """Stands in for name resolution and connecting: records the lookup, fails the test on any connection."""

    def __init__(self, answer: list[str]) -> None:
        self.answer = answer
        self.looked_up: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.looked_up.append(host)
        return self.answer


@pytest.mark.parametrize("addr", ["10.0.0.5", "192.168.1.10", "172.16.3.4", "169.254.169.254", "169.254.1.1",
                                  "fd00::1", "fe80::1", "::ffff:10.0.0.1", "100.64.0.1", "0.0.0.0", "224.0.0.1",
                                  "127.0.0.1", "::1"])
def test_non_public_addresses_have_a_problem(addr: str) -> None:
    assert address_problem(ipaddress.ip_address(addr)) is not None


@pytest.mark.parametrize("addr", ["93.184.216.34", "2606:4700::1111", "8.8.8.8"])
def test_public_addresses_pass(addr: str) -> None:
    assert address_problem(ipaddress.ip_address(addr)) is None


def test_loopback_passes_only_when_allowed() -> None:
    assert address_problem(ipaddress.ip_address("127.0.0.1"), allow_loopback=True) is None
    assert address_problem(ipaddress.ip_address("10.0.0.1"), allow_loopback=True) is not None


@pytest.mark.parametrize("addr", ["10.0.0.5", "192.168.0.2", "169.254.169.254", "fd00::5"])
async def test_a_hostname_resolving_to_a_private_address_is_refused(addr: str) -> None:
    resolver = Refuse([addr])
    with pytest.raises(UnsafeURLError, match="refused"):
        await check_url("https://news.example.test/story", resolve=resolver)
    assert resolver.looked_up == ["news.example.test"]


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.test/x", "gopher://example.test",
                                 "javascript:alert(1)", "data:text/html,hi", "http://", "//example.test/x"])
async def test_non_http_schemes_are_refused(url: str) -> None:
    with pytest.raises(UnsafeURLError):
        await check_url(url, resolve=Refuse(["93.184.216.34"]))


async def test_fetcher_refuses_private_targets_without_connecting() -> None:
    # The autouse loopback guard fails the test if a connection to 10.0.0.7 is even attempted.
    fetcher = Fetcher(resolve=_fixed("10.0.0.7"))
    try:
        with pytest.raises(UnsafeURLError):
            await fetcher.fetch("http://intranet.example.test/")
    finally:
        await fetcher.close()


@pytest.mark.parametrize("target", ["http://10.0.0.9/admin", "http://169.254.169.254/latest/meta-data/",
                                    "http://[fd00::2]/", "http://192.168.1.1/"])
async def test_redirect_to_a_private_address_is_refused(http_server: LocalServer, target: str) -> None:
    from aiohttp import web

    async def redirect(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(target)

    http_server.route("/r", redirect)
    fetcher = Fetcher(allow_loopback=True)
    try:
        with pytest.raises(UnsafeURLError, match="refused"):
            await fetcher.fetch(http_server.url("/r"))
    finally:
        await fetcher.close()
    assert http_server.seen == ["/r"]


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
async def test_loopback_in_any_spelling_is_refused_and_the_server_sees_nothing(http_server: LocalServer,
                                                                                host: str) -> None:
    http_server.text("/page", "<html><body><p>secret</p></body></html>")
    fetcher = Fetcher(allow_loopback=False)
    try:
        with pytest.raises(UnsafeURLError, match="loopback"):
            await fetcher.fetch(http_server.url("/page", host=host))
    finally:
        await fetcher.close()
    assert http_server.seen == []
