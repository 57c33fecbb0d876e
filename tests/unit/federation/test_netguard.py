"""The SSRF guard: address policy, URL checks, and refusal at connect time."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.test_utils import TestServer

from federation.errors import AddressNotAllowed, FetchError, HostRefused
from federation.netguard import (
    AddressPolicy,
    GuardedResolver,
    RefusedAddress,
    authority,
    check_url,
    make_session,
    refusal_from,
)

STRICT = AddressPolicy(allow_private=False)
DEV = AddressPolicy(allow_private=True)

REFUSED = [
    "127.0.0.1",
    "127.255.255.254",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # CGNAT
    "100.127.255.255",
    "0.0.0.0",
    "0.1.2.3",
    "224.0.0.1",
    "239.255.255.250",
    "255.255.255.255",
    "240.0.0.1",
    "192.0.2.1",
    "198.51.100.7",
    "203.0.113.9",
    "198.18.0.1",
    "192.0.0.1",
    "::1",
    "::",
    "fe80::1",
    "fe80::1%eth0",
    "fc00::1",
    "fd12:3456::1",
    "fec0::1",  # site-local
    "ff02::1",
    "ff0e::1",
    "2001:db8::1",
    "3fff::1",
    "100::1",
    "2001::1",  # Teredo
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",  # IPv4-compatible (deprecated)
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b:1::1",  # local-use NAT64
    "not-an-ip",
]

ALLOWED = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "100.128.0.1",  # just past CGNAT
    "172.32.0.1",  # just past 172.16/12
    "2606:4700:4700::1111",
    "2001:4860:4860::8888",
    "::ffff:8.8.8.8",
    "2002:808:808::1",  # 6to4 of a public v4
    "64:ff9b::808:808",  # NAT64 of a public v4
]


@pytest.mark.parametrize("address", REFUSED)
def test_strict_policy_refuses(address: str) -> None:
    assert not STRICT.is_allowed(address)
    assert STRICT.refusal_reason(address)


@pytest.mark.parametrize("address", ALLOWED)
def test_strict_policy_allows_global_unicast(address: str) -> None:
    assert STRICT.refusal_reason(address) is None


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("10.0.0.1", True),
        ("8.8.8.8", True),
        ("0.0.0.0", False),
        ("::", False),
        ("224.0.0.1", False),
        ("ff02::1", False),
        ("::ffff:0.0.0.0", False),
    ],
)
def test_dev_policy_allows_private_but_not_unspecified_or_multicast(
    address: str, allowed: bool
) -> None:
    assert DEV.is_allowed(address) is allowed


def test_refusal_message_names_host_address_and_reason() -> None:
    with pytest.raises(AddressNotAllowed, match=r"public\.example -> 127\.0\.0\.1: loopback"):
        STRICT.check("127.0.0.1", host="public.example")
    with pytest.raises(AddressNotAllowed, match=r"::ffff:10\.0\.0\.1: IPv4-mapped of 10\.0\.0\.1"):
        STRICT.check("::ffff:10.0.0.1")


def test_refusal_is_not_retryable_and_crosses_oserror_plumbing() -> None:
    with pytest.raises(RefusedAddress) as info:
        STRICT.check("10.0.0.1")
    assert isinstance(info.value, OSError)
    assert info.value.retryable is False


def test_socket_factory_checks_the_sockaddr() -> None:
    refused = (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("127.0.0.1", 80))
    with pytest.raises(RefusedAddress):
        STRICT.socket_factory(refused)
    refused6 = (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("::1", 80, 0, 0))
    with pytest.raises(RefusedAddress):
        STRICT.socket_factory(refused6)
    allowed = (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("8.8.8.8", 443))
    sock = STRICT.socket_factory(allowed)
    try:
        assert sock.family == socket.AF_INET
    finally:
        sock.close()


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/users/alice",
        "https://EXAMPLE.com:8443/x?y=1#main-key",
        "https://xn--bcher-kva.example/",
        "https://bücher.example/",
        "https://8.8.8.8/",
        "https://[2606:4700::1111]/",
        "https://example.com./trailing-dot",
    ],
)
def test_check_url_accepts(url: str) -> None:
    assert check_url(url, allow_http=False).scheme == "https"


@pytest.mark.parametrize(
    ("url", "allow_http"),
    [
        ("http://example.com/", False),
        ("ftp://example.com/", True),
        ("file:///etc/passwd", True),
        ("gopher://example.com/", True),
        ("javascript:alert(1)", True),
        ("/relative/path", True),
        ("https:///no-host", True),
        ("https://user:pw@example.com/", True),
        ("https://user@example.com/", True),
        ("https://[fe80::1%25eth0]/", True),
        ("https://2130706433/", True),  # legacy numeric IPv4
        ("https://127.1/", True),
        ("https://0x7f.0.0.1/", True),
        ("https://017700000001/", True),
        ("https://exa mple.com/", True),
        ("https://a..b/", True),
        ("", True),
    ],
)
def test_check_url_refuses(url: str, allow_http: bool) -> None:
    with pytest.raises(FetchError) as info:
        check_url(url, allow_http=allow_http)
    assert info.value.retryable is False


def test_check_url_allows_http_only_when_asked() -> None:
    assert check_url("http://localhost:8080/", allow_http=True).port == 8080


class FixedResolver(AbstractResolver):
    """Answers every name with fixed addresses: a lying or rebinding DNS server."""

    def __init__(self, *addresses: str) -> None:
        self.addresses = addresses
        self.calls: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.calls.append(host)
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in self.addresses
        ]

    async def close(self) -> None:
        pass


async def test_guarded_resolver_drops_forbidden_answers() -> None:
    inner = FixedResolver("10.0.0.1", "8.8.8.8", "::1")
    answers = await GuardedResolver(STRICT, inner).resolve("mixed.example", 443)
    assert [a["host"] for a in answers] == ["8.8.8.8"]


async def test_guarded_resolver_raises_when_nothing_is_left() -> None:
    inner = FixedResolver("127.0.0.1", "::1")
    with pytest.raises(RefusedAddress, match=r"rebind\.example -> 127\.0\.0\.1"):
        await GuardedResolver(STRICT, inner).resolve("rebind.example", 443)


async def test_guarded_resolver_turns_an_empty_answer_into_an_oserror() -> None:
    with pytest.raises(OSError, match="no addresses"):
        await GuardedResolver(STRICT, FixedResolver()).resolve("empty.example", 443)


@dataclass
class Served:
    """A loopback server and the paths it was asked for."""

    server: TestServer
    hits: list[str] = field(default_factory=list)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.server.port}{path}"


@pytest.fixture
async def served(aiohttp_server: Callable[[web.Application], Awaitable[TestServer]]) -> Served:
    hits: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    return Served(await aiohttp_server(app), hits)


async def _get(session: aiohttp.ClientSession, url: str) -> int:
    async with session.get(url) as resp:
        return resp.status


async def test_strict_session_refuses_loopback_ip_literal(served: Served) -> None:
    async with make_session(STRICT, user_agent="t") as session:
        with pytest.raises(aiohttp.ClientConnectorError) as info:
            await _get(session, served.url("/x"))
    refusal = refusal_from(info.value)
    assert isinstance(refusal, AddressNotAllowed)
    assert "127.0.0.1: loopback" in str(refusal)
    assert served.hits == []


async def test_dev_session_reaches_loopback(served: Served) -> None:
    async with make_session(DEV, user_agent="t") as session:
        assert await _get(session, served.url("/x")) == 200
    assert served.hits == ["/x"]


async def test_strict_session_refuses_localhost(served: Served) -> None:
    url = served.url("/x", host="localhost")
    async with make_session(STRICT, user_agent="t") as session:
        with pytest.raises(aiohttp.ClientConnectorError) as info:
            await _get(session, url)
    assert isinstance(refusal_from(info.value), AddressNotAllowed)
    assert served.hits == []


async def test_public_looking_name_resolving_to_loopback_is_refused(served: Served) -> None:
    url = served.url("/x", host="public.example")
    liar = FixedResolver("127.0.0.1")
    async with make_session(STRICT, user_agent="t", resolver=liar) as session:
        with pytest.raises(aiohttp.ClientConnectorError) as info:
            await _get(session, url)
    assert isinstance(refusal_from(info.value), AddressNotAllowed)
    assert liar.calls == ["public.example"]
    assert served.hits == []
    # The same lying resolver with a permissive policy really does reach the server.
    async with make_session(DEV, user_agent="t", resolver=liar) as session:
        assert await _get(session, url) == 200
    assert served.hits == ["/x"]


async def test_socket_factory_alone_refuses_at_connect(served: Served) -> None:
    """No resolver filtering at all: the connect-time check is what stops it.

    The name passes every pre-connect check (check_url, an unguarded resolver);
    only the socket factory, which sees the sockaddr being connected, refuses.
    """
    url = served.url("/x", host="public.example")
    check_url(url, allow_http=True)
    connector = aiohttp.TCPConnector(
        resolver=FixedResolver("127.0.0.1"), socket_factory=STRICT.socket_factory
    )
    async with aiohttp.ClientSession(connector=connector) as session:
        with pytest.raises(aiohttp.ClientConnectorError) as info:
            await _get(session, url)
    assert isinstance(info.value.os_error, RefusedAddress)
    assert "127.0.0.1: loopback" in str(refusal_from(info.value))
    assert served.hits == []


async def test_session_settings() -> None:
    async with make_session(STRICT, user_agent="warmline/0 (+https://example.com)") as session:
        assert isinstance(session.cookie_jar, aiohttp.DummyCookieJar)
        assert session.trust_env is False
        assert session.auto_decompress is True
        assert session.headers["User-Agent"] == "warmline/0 (+https://example.com)"
        assert session.timeout.total == 10
        assert session.timeout.sock_connect == 5


async def test_refuse_host_stops_the_request_before_it_is_sent(served: Served) -> None:
    asked: list[str] = []

    async def refuse(host: str) -> str | None:
        asked.append(host)
        return "blocked here" if host.endswith(f":{served.server.port}") else None

    async with make_session(DEV, user_agent="t", refuse_host=refuse) as session:
        with pytest.raises(HostRefused) as info:
            await _get(session, served.url("/x"))
    assert info.value.retryable is False
    assert "blocked here" in str(info.value)
    assert asked == [f"127.0.0.1:{served.server.port}"]
    assert served.hits == []


async def test_refuse_host_sees_every_redirect_hop(
    aiohttp_server: Callable[[web.Application], Awaitable[TestServer]], served: Served
) -> None:
    """An allowed host redirecting to a refused one gets no further than the redirect."""

    async def bounce(request: web.Request) -> web.Response:
        raise web.HTTPFound(served.url("/target"))

    app = web.Application()
    app.router.add_get("/{tail:.*}", bounce)
    front = await aiohttp_server(app)
    refused_host = f"127.0.0.1:{served.server.port}"

    async def refuse(host: str) -> str | None:
        return "blocked here" if host == refused_host else None

    async with make_session(DEV, user_agent="t", refuse_host=refuse) as session:
        with pytest.raises(HostRefused):
            await _get(session, f"http://127.0.0.1:{front.port}/start")
    assert served.hits == []


def test_authority_is_host_and_explicit_port_in_lower_case() -> None:
    from yarl import URL

    assert authority(URL("https://Example.ORG/x")) == "example.org"
    assert authority(URL("https://example.org:8443/x")) == "example.org:8443"
    assert authority(URL("http://[::1]:8080/")) == "[::1]:8080"
