# ruff: noqa: F811  (pytest fixtures imported from test_federation_services)
"""``[federation] allowed_private_addresses``: exactly the listed private
addresses may be contacted, in development mode too; every other private
address stays refused in every notation, and is never contacted."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from federation.errors import FetchError
from federation.netguard import AddressPolicy
from tests.app.test_federation_services import (  # noqa: F401 (fixtures)
    Peer,
    StartWarmline,
    make_peer,
    peer,
    start_warmline,
)

ONLY_LOOPBACK_ONE = AddressPolicy(allow_private=True, allowed=(ipaddress.ip_network("127.0.0.1"),))


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("127.0.0.1", True),
        ("::ffff:127.0.0.1", True),  # the same address, IPv4-mapped
        ("93.184.216.34", True),  # global addresses are never in question
        ("127.0.0.2", False),
        ("::1", False),
        ("::ffff:127.0.0.3", False),
        ("10.0.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("fd00::1", False),
        ("0.0.0.0", False),
    ],
)
def test_only_the_listed_private_addresses_are_allowed(address: str, allowed: bool) -> None:
    assert ONLY_LOOPBACK_ONE.is_allowed(address) is allowed


def test_a_listed_network_allows_all_of_it() -> None:
    lan = AddressPolicy(allowed=(ipaddress.ip_network("10.1.0.0/16"),))
    assert lan.is_allowed("10.1.2.3") and not lan.is_allowed("10.2.0.1")
    assert not lan.is_allowed("127.0.0.1")


@pytest.fixture
async def listeners() -> AsyncIterator[dict[str, list[str]]]:
    """Servers on 127.0.0.2, 127.0.0.3 and ::1 that record any request at all."""
    hits: dict[str, list[str]] = {}
    servers = []
    for host in ("127.0.0.2", "127.0.0.3", "::1"):
        seen: list[str] = []

        async def record(request: web.Request, seen: list[str] = seen) -> web.Response:
            seen.append(request.path)
            return web.json_response({})

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", record)
        server = TestServer(app, host=host, port=0)
        await server.start_server()
        servers.append(server)
        hits[host] = seen
        hits[f"port:{host}"] = [str(server.port)]
    yield hits
    for server in servers:
        await server.close()


async def test_every_other_notation_of_a_private_address_is_refused_and_not_contacted(
    start_warmline: StartWarmline, peer: Peer, listeners: dict[str, list[str]]
) -> None:
    w = await start_warmline(allowed_private_addresses=("127.0.0.1",))
    erin = peer.add("erin")
    assert (await w.remote_account(erin)).uri == erin.id  # 127.0.0.1 is allowed

    p2, p3, p6 = (listeners[f"port:{h}"][0] for h in ("127.0.0.2", "127.0.0.3", "::1"))
    urls = [
        f"http://127.0.0.2:{p2}/users/x",
        f"http://[::1]:{p6}/users/x",
        f"http://[::ffff:127.0.0.3]:{p3}/users/x",
        f"http://[0:0:0:0:0:ffff:7f00:3]:{p3}/users/x",
        f"http://2130706435:{p3}/users/x",  # 127.0.0.3 as one decimal number
        f"http://0x7f000003:{p3}/users/x",  # hex
        f"http://0177.0.0.3:{p3}/users/x",  # octal
        f"http://127.3:{p3}/users/x",  # short form
        f"http://127.000.000.003:{p3}/users/x",
    ]

    # and an allowed peer that redirects to a forbidden one
    async def bounce(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"http://127.0.0.2:{p2}/users/x")

    app = web.Application()
    app.router.add_get("/{tail:.*}", bounce)
    front = TestServer(app, host="127.0.0.1", port=0)
    await front.start_server()
    urls.append(f"http://127.0.0.1:{front.port}/users/x")
    for url in urls:
        with pytest.raises(FetchError) as info:
            await w.svc.remote.fetch_actor(url)
        assert info.value.retryable is False, url

    await front.close()
    assert listeners["127.0.0.2"] == [] and listeners["127.0.0.3"] == []
    assert listeners["::1"] == []
