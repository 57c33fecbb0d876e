"""The client's address behind trusted reverse proxies (``[server] trusted_proxies``).

Behind nginx or Caddy every connection comes from the proxy, so rate limits
and the sign-in throttle, which count per address, would count everyone
together. A proxy we trust appends the address it saw to ``X-Forwarded-For``;
reading that list from the right, the first address that is not one of our
proxies is the client. Anything left of it was written by the client itself
and is ignored, and the header is not read at all unless the connection comes
from a trusted proxy (the rule of Rails' RemoteIp and Django's ipware).
aiohttp-remotes was considered: its strict mode refuses requests that do not
pass exactly the configured chain of proxies (a health check on localhost
included), and its filtered mode believes the header from any peer.
The access log names the client too (``CLIENT_ADDRESS``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from aiohttp import hdrs, web
from aiohttp.typedefs import Middleware

from server.appkeys import CLIENT_ADDRESS
from server.config import IPNetwork
from server.middleware import Handler

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(address: IPAddress, proxies: Sequence[IPNetwork]) -> bool:
    return any(address in network for network in proxies)


def client_address(
    peer: str | None, forwarded_for: Sequence[str], proxies: Sequence[IPNetwork]
) -> str | None:
    """The client's address, given the connection's ``peer`` and the
    ``X-Forwarded-For`` headers (entries that are not addresses are skipped)."""
    peer_address = _address(peer or "")
    if peer_address is None or not _trusted(peer_address, proxies):
        return peer
    hops = [a for header in forwarded_for for a in map(_address, header.split(",")) if a]
    for address in reversed(hops):
        if not _trusted(address, proxies):
            return str(address)
    return str(hops[0]) if hops else peer


def make_middleware(proxies: Sequence[IPNetwork]) -> Middleware:
    """``request.remote`` becomes the client's address for everything after."""

    @web.middleware
    async def forwarded_for(request: web.Request, handler: Handler) -> web.StreamResponse:
        headers = request.headers.getall(hdrs.X_FORWARDED_FOR, [])
        if headers:
            client = client_address(request.remote, headers, proxies)
            if client != request.remote and client is not None:
                request[CLIENT_ADDRESS] = client  # on the request the access log gets
                request = request.clone(remote=client)
        return await handler(request)

    return forwarded_for
