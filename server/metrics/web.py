"""Serving the metrics: the request-counting middleware, the ``/metrics``
handler (on the app, or on a listener of its own), the bearer token check."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from server.config import MetricsSettings
from server.metrics.registry import Metrics

log = logging.getLogger("warmline")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
METRICS = web.AppKey("metrics", Metrics)
# The status counted for a request whose client went away first (nginx's 499).
CLIENT_GONE = 499
# Sockets ``warmline serve`` bound for a separate metrics address before start-up.
METRICS_SOCKETS = web.AppKey("metrics_sockets", list)


def install(app: web.Application, metrics: Metrics, settings: MetricsSettings) -> None:
    """``/metrics`` on ``app``, or (``[metrics] listen``) on a listener of its own
    that starts and stops with the app (on sockets ``serve`` bound, if it did)."""
    app[METRICS] = metrics
    address = settings.address
    if address is None:
        app.router.add_get("/metrics", make_handler(metrics, settings.bearer_token))
        return

    async def listener(app: web.Application) -> AsyncIterator[None]:
        sockets = app.get(METRICS_SOCKETS)
        async with separate_listener(metrics, address, settings.bearer_token, sockets):
            yield

    app.cleanup_ctx.append(listener)


def make_middleware(metrics: Metrics) -> Callable[..., Awaitable[web.StreamResponse]]:
    """Counts and times every answer; the outermost middleware, so errors turned
    into answers inside it are counted with their status."""
    record = metrics.request
    clock = time.perf_counter

    @web.middleware
    async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        start = clock()
        try:
            response = await handler(request)
        except web.HTTPException as exc:  # redirects, and errors past the error middleware
            route = request.match_info.route
            record(route if route.resource is not None else None, exc.status, clock() - start)
            raise
        except asyncio.CancelledError:  # the client went away (a stream it closed)
            route = request.match_info.route
            record(route if route.resource is not None else None, CLIENT_GONE, clock() - start)
            raise
        route = request.match_info.route
        record(route if route.resource is not None else None, response.status, clock() - start)
        return response

    return metrics_middleware


def make_handler(metrics: Metrics, bearer_token: str) -> Handler:
    expected = f"Bearer {bearer_token}".encode() if bearer_token else b""

    async def serve_metrics(request: web.Request) -> web.Response:
        if expected:
            given = request.headers.get("Authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                return web.json_response(
                    {"error": "the metrics need the bearer token of [metrics] bearer_token"},
                    status=401,
                    headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
                )
        body = await metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    return serve_metrics


@contextlib.asynccontextmanager
async def separate_listener(
    metrics: Metrics,
    address: tuple[str, int],
    bearer_token: str,
    sockets: list[socket.socket] | None = None,
) -> AsyncIterator[list[str]]:
    """Serve ``/metrics`` alone on ``address`` (or on ``sockets`` bound to it
    already) while inside; yields the addresses it listens on."""
    app = web.Application()
    app.router.add_get("/metrics", make_handler(metrics, bearer_token))
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        sites = (
            [web.SockSite(runner, sock) for sock in sockets]
            if sockets
            else [web.TCPSite(runner, address[0], address[1], reuse_address=True)]
        )
        for site in sites:
            try:
                await site.start()
            except OSError as exc:
                reason = (exc.strerror or str(exc)).lower()
                raise MetricsListenError(
                    f"cannot listen for metrics on {address[0]}:{address[1]}: {reason}"
                ) from None
        addresses = [_address(name) for name in runner.addresses]
        log.info("metrics at %s", ", ".join(f"http://{a}/metrics" for a in addresses))
        yield addresses
    finally:
        await runner.cleanup()


class MetricsListenError(OSError):
    """The metrics address cannot be bound; the message says which and why."""


def _address(sockname: tuple[str, int]) -> str:
    host, port = sockname[:2]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
