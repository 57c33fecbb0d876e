"""The client's address behind trusted proxies (server/proxies.py)."""

from __future__ import annotations

import ipaddress
import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from server.appkeys import CLIENT_ADDRESS
from server.config import ConfigError, parse_networks
from server.proxies import client_address
from server.serve import AccessLog

PROXIES = (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.0.0.0/8"))


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "expected"),
    [
        ("203.0.113.5", ["198.51.100.1"], "203.0.113.5"),  # not from a proxy: header ignored
        ("127.0.0.1", [], "127.0.0.1"),  # from the proxy, no header: the proxy itself
        ("127.0.0.1", ["203.0.113.5"], "203.0.113.5"),
        ("127.0.0.1", ["1.2.3.4, 203.0.113.5"], "203.0.113.5"),  # client-written entry left
        ("127.0.0.1", ["203.0.113.5, 10.1.2.3"], "203.0.113.5"),  # through two proxies
        ("127.0.0.1", ["1.2.3.4", "203.0.113.5"], "203.0.113.5"),  # repeated header
        ("127.0.0.1", ["10.1.1.1, 10.2.2.2"], "10.1.1.1"),  # only proxies: the leftmost
        ("127.0.0.1", ["junk, 203.0.113.5"], "203.0.113.5"),
        ("127.0.0.1", ["junk"], "127.0.0.1"),
        ("127.0.0.1", ["2001:db8::1"], "2001:db8::1"),
        (None, ["203.0.113.5"], None),
    ],
)
def test_client_address(peer: str | None, forwarded_for: list[str], expected: str | None) -> None:
    assert client_address(peer, forwarded_for, PROXIES) == expected


def test_trusted_proxies_are_addresses_or_networks() -> None:
    assert parse_networks("x", ["127.0.0.1", "::1", "10.0.0.0/8"])[2].num_addresses == 2**24
    for bad in ("127.0.0.1", ["not an address"], [1]):
        with pytest.raises(ConfigError):
            parse_networks("x", bad)


def test_the_access_log_names_the_client_behind_a_proxy(caplog: pytest.LogCaptureFixture) -> None:
    response = web.Response(status=204)
    logger = logging.getLogger("test.access")
    direct = make_mocked_request("GET", "/x", headers={"User-Agent": "ua"})
    proxied = make_mocked_request("GET", "/x", headers={"User-Agent": "ua"})
    proxied[CLIENT_ADDRESS] = "203.0.113.5"
    with caplog.at_level(logging.INFO, logger="test.access"):
        AccessLog(logger, "").log(direct, response, 0.001)
        AccessLog(logger, "").log(proxied, response, 0.001)
    first, second = (r.getMessage() for r in caplog.records)
    assert first.startswith(f'{direct.remote} "GET /x HTTP/1.1" 204')
    assert second.startswith('203.0.113.5 "GET /x HTTP/1.1" 204')
