"""URL safety: only http(s) to public addresses (and internal hosts an operator allows), checked after name
resolution and on every redirect."""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# Cloud metadata services: never fetched, whatever an allow-list says (they hand out credentials).
METADATA = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})
_HOST_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")
# (host, port) -> resolved addresses; tests swap this to keep every lookup and connection local.
ResolveFunc = Callable[[str, int], Awaitable[list[str]]]


class UnsafeURLError(ValueError):
    """The URL is not allowed: wrong scheme, or it points at a non-public address."""


def numeric_host(host: str) -> str | None:
    """Return the address a numeric host means, including legacy IPv4 forms (127.1, 2130706433, 0x7f000001)."""
    h = host.strip("[]")
    try:
        return str(ipaddress.ip_address(h.split("%", 1)[0]))
    except ValueError:
        pass
    if h and all(c in "0123456789abcdefxABCDEFX." for c in h) and h[0].isdigit():
        try:
            # inet_aton accepts the same shorthand forms browsers and libc resolvers accept.
            return socket.inet_ntoa(socket.inet_aton(h))
        except OSError:
            return None
    return None


async def system_resolve(host: str, port: int) -> list[str]:
    """Resolve ``host`` with the operating system's resolver (numeric forms without any lookup)."""
    numeric = numeric_host(host)
    if numeric is not None:
        return [numeric]
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def address_problem(ip: IPAddress, *, allow_loopback: bool = False) -> str | None:
    """Return why ``ip`` may not be fetched, or None when it is a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            return address_problem(mapped, allow_loopback=allow_loopback)
    if ip.is_loopback:
        return None if allow_loopback else "a loopback address"
    if ip.is_link_local or str(ip) == "169.254.169.254":
        return "a link-local or cloud metadata address"
    # fec0::/10 (deprecated site-local) still routes inside some networks, and Python does not count it private.
    if ip.is_private or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local):
        return "a private network address"
    if ip.is_multicast or ip.is_reserved or ip.is_unspecified or not ip.is_global:
        return "a reserved address"
    return None


@dataclass(frozen=True, slots=True)
class InternalHosts:
    """Internal hosts and address ranges an operator lets the bot fetch from (an RSSHub or RSS-Bridge nearby).

    A listed name (``rsshub``, ``*.lan``) may resolve to any address but a cloud metadata one; a listed range
    (``10.0.5.0/24``, ``172.18.0.7``) allows those addresses under any name. Everything else stays refused.
    """

    names: frozenset[str] = frozenset()
    suffixes: tuple[str, ...] = ()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, text: str) -> InternalHosts:
        """Read a comma- or space-separated list of host names, ``*.suffix`` names, addresses and CIDR ranges."""
        names: set[str] = set()
        suffixes: list[str] = []
        networks: list[IPNetwork] = []
        for raw in re.split(r"[\s,]+", text.strip()):
            entry = raw.strip().lower().rstrip(".")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            wildcard = entry.startswith("*.")
            name = entry[2:] if wildcard else entry
            if not name or not all(_HOST_LABEL.fullmatch(label) for label in name.split(".")) \
                    or name.replace(".", "").isdigit():
                raise ValueError(f"{raw!r} is neither a host name (rsshub, *.lan) nor an address range "
                                 "(10.0.5.0/24)")
            if wildcard:
                suffixes.append("." + name)
            else:
                names.add(name)
        return cls(frozenset(names), tuple(suffixes), tuple(networks))

    def allows(self, host: str, ip: IPAddress) -> bool:
        """Tell whether ``host`` (as written in the URL) may be fetched at ``ip``, an address otherwise refused."""
        if ip in METADATA or (isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped in METADATA):
            return False
        name = host.strip("[]").lower().rstrip(".")
        if name in self.names or name.endswith(self.suffixes):
            return True
        return any(ip.version == net.version and ip in net for net in self.networks)

    def __bool__(self) -> bool:
        return bool(self.names or self.suffixes or self.networks)


def split_url(url: str) -> tuple[str, str, int]:
    """Return (scheme, host, port) of an http(s) URL or raise UnsafeURLError."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
        # Check the host aiohttp will connect to: yarl applies IDNA/NFKC ("①②⑦.0.0.1" becomes the IP literal
        # 127.0.0.1, which aiohttp connects to without asking any resolver), so urlsplit's view alone is unsafe.
        target = URL(url.strip())
    except ValueError as exc:
        raise UnsafeURLError(f"not a valid URL: {str(exc)[:80]}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeURLError(f"only http and https URLs can be fetched, not {scheme[:20] or 'a bare path'}")
    host = target.raw_host
    if not host or not parts.hostname:
        raise UnsafeURLError("the URL has no host")
    return scheme, host, port or (443 if scheme == "https" else 80)


async def check_url(url: str, *, allow_loopback: bool = False, internal: InternalHosts | None = None,
                    resolve: ResolveFunc = system_resolve) -> list[str]:
    """Return the addresses ``url`` may be fetched from, or raise UnsafeURLError."""
    _, host, port = split_url(url)
    numeric = numeric_host(host)
    try:
        # An address literal is what gets connected to, whatever a (custom) resolver would answer for it.
        addresses = [numeric] if numeric is not None else await resolve(host, port)
    except (OSError, UnicodeError) as exc:
        raise UnsafeURLError(f"cannot resolve {host}: {exc.__class__.__name__}") from None
    if not addresses:
        raise UnsafeURLError(f"cannot resolve {host}")
    for addr in addresses:
        ip = ipaddress.ip_address(addr.split("%", 1)[0])
        problem = address_problem(ip, allow_loopback=allow_loopback)
        if problem and not (internal and internal.allows(host, ip)):
            raise UnsafeURLError(f"refused: {host} is {problem}"
                                 + (" (not on the internal allow-list)" if internal else ""))
    return addresses


class CheckedResolver(AbstractResolver):
    """An aiohttp resolver that refuses non-public addresses at connect time (no DNS-rebinding window)."""

    def __init__(self, *, allow_loopback: bool, internal: InternalHosts | None = None,
                 resolve: ResolveFunc = system_resolve) -> None:
        self._allow_loopback = allow_loopback
        self._internal = internal
        self._resolve = resolve

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[ResolveResult]:
        """Resolve ``host`` and return only checked public (or allowed internal) addresses."""
        addresses = await check_url(f"http://{_bracket(host)}:{port or 80}/", allow_loopback=self._allow_loopback,
                                    internal=self._internal, resolve=self._resolve)
        out: list[Any] = []
        for addr in addresses:
            fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
            out.append({"hostname": host, "host": addr, "port": port, "family": fam, "proto": 0,
                        "flags": socket.AI_NUMERICHOST})
        return out

    async def close(self) -> None:
        """Release nothing: the resolver holds no resources."""


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
