"""SSRF guard for outbound HTTP: which addresses we may connect to, enforced at connect time.

A pre-flight DNS check is not enough: the name can resolve differently (DNS rebinding)
between the check and the connect. So the policy is enforced in two places that see
the *exact* addresses aiohttp connects to:

- :class:`GuardedResolver` filters the resolver's answers (aiohttp connects only to
  what the resolver returned, and caches only the filtered list), so a name with
  mixed answers still works and a name with only forbidden answers fails cleanly;
- :meth:`AddressPolicy.socket_factory` (``TCPConnector(socket_factory=...)``) checks
  the sockaddr of every socket right before ``connect()``. It is the authoritative
  check: it also covers IP-literal hosts, for which aiohttp skips the resolver.

Both raise :class:`RefusedAddress`, an :class:`AddressNotAllowed` that is also an
``OSError`` so it travels through aiohttp's connector; aiohttp wraps it in a
``ClientConnectorError``: :func:`refusal_from` digs it back out.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver
from yarl import URL

from federation.errors import AddressNotAllowed, FetchError, HostRefused

if TYPE_CHECKING:
    from aiohappyeyeballs import AddrInfoType

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class RefusedAddress(AddressNotAllowed, OSError):
    """An :class:`AddressNotAllowed` that can cross aiohttp's OSError-only plumbing."""


def _nets(*pairs: tuple[str, str]) -> tuple[tuple[IPNetwork, str], ...]:
    return tuple((ipaddress.ip_network(net), reason) for net, reason in pairs)


# Explicit lists, on top of ``is_global``: Python's tables differ between patch
# releases (3.11 calls multicast, fec0::/10, 3fff::/20 and IPv4-mapped "global").
_V4_FORBIDDEN: Final = _nets(
    ("0.0.0.0/8", "'this network'"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "shared address space (CGNAT)"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "IETF protocol assignment"),
    ("192.0.2.0/24", "documentation"),
    ("192.88.99.0/24", "6to4 relay anycast"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),
)
_V6_FORBIDDEN: Final = _nets(
    ("::1/128", "loopback"),
    ("::/128", "unspecified"),
    ("::/8", "reserved (IPv4-compatible/translated)"),
    ("64:ff9b:1::/48", "local-use NAT64"),
    ("100::/64", "discard-only"),
    ("2001::/32", "Teredo"),
    ("2001::/23", "IETF protocol assignment"),
    ("2001:db8::/32", "documentation"),
    ("3fff::/20", "documentation"),
    ("5f00::/16", "SRv6 SIDs"),
    ("fc00::/7", "unique local (private)"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local"),
    ("ff00::/8", "multicast"),
)
_NAT64: Final = ipaddress.IPv6Network("64:ff9b::/96")


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which peer addresses outbound connections may reach.

    ``allow_private=False`` (production) allows only globally routable unicast
    addresses. ``allow_private=True`` (development, tests on loopback) allows
    everything except unspecified and multicast addresses, which are never peers.
    ``allowed`` (Mastodon's ``ALLOWED_PRIVATE_ADDRESSES``), when not empty, wins
    over ``allow_private``: global addresses and exactly these networks are
    allowed, every other private address is refused. An IPv4-mapped IPv6
    address counts as the IPv4 address it carries.
    """

    allow_private: bool = False
    allowed: tuple[IPNetwork, ...] = ()

    def refusal_reason(self, address: str | IPAddress) -> str | None:
        """Why ``address`` is forbidden, or ``None`` when it may be connected to."""
        try:
            ip = _parse_ip(address)
        except ValueError:
            return "not an IP address"
        if self.allowed:
            if self._listed(ip):
                return _always_forbidden(ip)
        elif self.allow_private:
            return _always_forbidden(ip)
        if isinstance(ip, ipaddress.IPv4Address):
            return _v4_reason(ip)
        return _v6_reason(ip)

    def _listed(self, ip: IPAddress) -> bool:
        mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
        return any(
            candidate in net
            for net in self.allowed
            for candidate in (ip, mapped)
            if candidate is not None and candidate.version == net.version
        )

    def is_allowed(self, address: str | IPAddress) -> bool:
        """True when ``address`` may be connected to."""
        return self.refusal_reason(address) is None

    def check(self, address: str | IPAddress, *, host: str | None = None) -> None:
        """Raise :class:`RefusedAddress` when ``address`` is forbidden."""
        reason = self.refusal_reason(address)
        if reason is not None:
            name = f"{host} -> " if host and host != str(address) else ""
            raise RefusedAddress(f"refusing to connect to {name}{address}: {reason} address")

    def socket_factory(self, addr_info: AddrInfoType) -> socket.socket:
        """Create the socket for ``addr_info`` after checking the address it will connect to.

        Used as ``TCPConnector(socket_factory=...)``: aiohappyeyeballs calls it for
        each candidate sockaddr right before ``sock_connect``.
        """
        family, type_, proto, _, sockaddr = addr_info
        if family not in (socket.AF_INET, socket.AF_INET6):
            raise RefusedAddress(f"refusing to connect to {sockaddr!r}: not an IP socket")
        self.check(str(sockaddr[0]))
        return socket.socket(family=family, type=type_, proto=proto)


def _parse_ip(address: str | IPAddress) -> IPAddress:
    if not isinstance(address, str):
        return address
    return ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id


def _always_forbidden(ip: IPAddress) -> str | None:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_multicast:
        return "multicast"
    return None


def _first_match(ip: IPAddress, nets: Iterable[tuple[IPNetwork, str]]) -> str | None:
    return next((reason for net, reason in nets if ip in net), None)


def _v4_reason(ip: ipaddress.IPv4Address) -> str | None:
    reason = _first_match(ip, _V4_FORBIDDEN)
    if reason is None and (ip.is_multicast or not ip.is_global):
        reason = "non-global"
    return reason


def _v6_reason(ip: ipaddress.IPv6Address) -> str | None:
    embedded = _embedded_v4(ip)
    if embedded is not None:
        kind, v4 = embedded
        inner = _v4_reason(v4)
        return f"{kind} of {v4} ({inner})" if inner else None
    reason = _first_match(ip, _V6_FORBIDDEN)
    if reason is None and (ip.is_multicast or ip.is_site_local or not ip.is_global):
        reason = "non-global"
    return reason


def _embedded_v4(ip: ipaddress.IPv6Address) -> tuple[str, ipaddress.IPv4Address] | None:
    """The IPv4 address an IPv6 address stands for, when the v4 decides reachability."""
    if ip.ipv4_mapped is not None:
        return "IPv4-mapped", ip.ipv4_mapped
    if ip in _NAT64:
        return "NAT64", ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return "6to4", ip.sixtofour
    return None


class GuardedResolver(AbstractResolver):
    """Wraps a resolver and drops forbidden answers; raises if none is left.

    aiohttp connects only to (and caches only) what this returns, so a rebinding
    answer can never slip in between this filter and the connect.
    """

    def __init__(self, policy: AddressPolicy, inner: AbstractResolver) -> None:
        self._policy = policy
        self._inner = inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Resolve with the inner resolver, keeping only allowed addresses."""
        answers = await self._inner.resolve(host, port, family)
        if not answers:  # aiohttp expects an error, not an empty list
            raise OSError(f"{host}: no addresses")
        kept = [a for a in answers if self._policy.is_allowed(a["host"])]
        if not kept:
            for answer in answers:
                self._policy.check(answer["host"], host=host)
        return kept

    async def close(self) -> None:
        """The inner resolver belongs to whoever created it; nothing to release here."""


def refusal_from(exc: BaseException) -> AddressNotAllowed | None:
    """The :class:`AddressNotAllowed` behind an aiohttp connection error, if any."""
    if isinstance(exc, AddressNotAllowed):
        return exc
    if isinstance(exc, aiohttp.ClientConnectorError) and isinstance(
        exc.os_error, AddressNotAllowed
    ):
        return exc.os_error
    return None


def check_url(url: str | URL, *, allow_http: bool) -> URL:
    """Validate a URL we are about to request (scheme, host, no userinfo); return it parsed.

    This is syntax only; addresses are checked when connecting. Raises a non-retryable
    :class:`FetchError` (not :class:`AddressNotAllowed`: no address is involved yet).
    """
    try:
        parsed = url if isinstance(url, URL) else URL(url)
        host = parsed.raw_host
    except (ValueError, TypeError) as exc:
        raise FetchError(f"invalid URL {url!r}: {exc}") from exc
    allowed = ("https", "http") if allow_http else ("https",)
    if parsed.scheme not in allowed:
        raise FetchError(f"refusing URL {url!r}: scheme must be {' or '.join(allowed)}")
    if not parsed.is_absolute() or not host:
        raise FetchError(f"refusing URL {url!r}: no host")
    if parsed.raw_user is not None or parsed.raw_password is not None:
        raise FetchError(f"refusing URL {url!r}: userinfo is not allowed")
    _check_host(host, url)
    return parsed


def _check_host(host: str, url: str | URL) -> None:
    if "%" in host:
        raise FetchError(f"refusing URL {url!r}: IPv6 zone identifiers are not allowed")
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError as exc:
            raise FetchError(f"refusing URL {url!r}: bad IPv6 literal") from exc
        return
    last = host.rstrip(".").rsplit(".", 1)[-1]
    looks_numeric = last.isdigit() or last.lower().startswith("0x")
    if looks_numeric:  # WHATWG treats this as IPv4: only the canonical dotted quad is accepted
        try:
            ipaddress.IPv4Address(host)
        except ValueError as exc:
            raise FetchError(f"refusing URL {url!r}: non-canonical IPv4 host") from exc
    elif not all(c.isalnum() or c in "-._" for c in host) or ".." in host:
        raise FetchError(f"refusing URL {url!r}: bad host name")


# Why a host (``host[:port]`` as in a URL's authority) must not be contacted, or None.
HostCheck = Callable[[str], Awaitable[str | None]]


def authority(url: URL) -> str:
    """``host[:port]`` of ``url``, lower case, the port only when explicit."""
    host = (url.raw_host or "").lower()
    host = f"[{host}]" if ":" in host else host
    return f"{host}:{url.explicit_port}" if url.explicit_port is not None else host


def _host_guard(refuse_host: HostCheck) -> aiohttp.TraceConfig:
    async def on_request_start(
        session: aiohttp.ClientSession, context: object, params: aiohttp.TraceRequestStartParams
    ) -> None:
        reason = await refuse_host(authority(params.url))
        if reason is not None:
            raise HostRefused(f"refusing to contact {params.url}: {reason}")

    async def on_request_redirect(
        session: aiohttp.ClientSession,
        context: object,
        params: aiohttp.TraceRequestRedirectParams,
    ) -> None:
        # aiohttp follows redirects inside one request: check where it goes next.
        location = params.response.headers.get("Location")
        if location:
            target = params.url.join(URL(location))
            reason = await refuse_host(authority(target))
            if reason is not None:
                raise HostRefused(f"refusing to follow a redirect to {target}: {reason}")

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    trace.on_request_redirect.append(on_request_redirect)
    return trace


def make_session(
    policy: AddressPolicy,
    *,
    user_agent: str,
    total_timeout: float = 10,
    connect_timeout: float = 5,
    limit: int = 100,
    limit_per_host: int = 8,
    resolver: AbstractResolver | None = None,
    refuse_host: HostCheck | None = None,
) -> aiohttp.ClientSession:
    """A ClientSession whose every connection passes ``policy``, with no cookies or env proxies.

    ``resolver`` (default: the threaded ``getaddrinfo`` resolver) is wrapped in a
    :class:`GuardedResolver` and stays owned by the caller. ``refuse_host``, when
    given, is asked before every request (each redirect hop is a request of its
    own) and stops it with :class:`HostRefused` when it names a reason. Must be
    called with a running event loop.
    """
    connector = aiohttp.TCPConnector(
        resolver=GuardedResolver(policy, resolver or ThreadedResolver()),
        socket_factory=policy.socket_factory,
        limit=limit,
        limit_per_host=limit_per_host,
    )
    return aiohttp.ClientSession(
        trace_configs=[_host_guard(refuse_host)] if refuse_host else None,
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=total_timeout, sock_connect=connect_timeout),
        headers={"User-Agent": user_agent},
        cookie_jar=aiohttp.DummyCookieJar(),
        trust_env=False,
        auto_decompress=True,
    )
