"""Running the server process."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import logging.handlers
import os
import queue
import signal
import socket
from collections.abc import Iterator
from urllib.parse import unquote_plus

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

from server import __version__
from server.app import create_app
from server.appkeys import CLIENT_ADDRESS
from server.config import Config

log = logging.getLogger("warmline")
GC_YOUNG_THRESHOLD = 2_000


class ListenError(OSError):
    """The listening address cannot be bound; the message says which and why."""


def serve(config: Config, *, demo: bool = False, workers: bool = True) -> None:
    """Listen until stopped (SIGINT/SIGTERM).

    The address is bound first, so a port in use stops the start before
    anything is created (ListenError); then the database is migrated (a
    database that cannot be opened stops the start with a DatabaseError); only
    then are connections accepted and "listening" logged.
    """
    sockets = bind(config.listen_host, config.listen_port)
    metrics_at = config.metrics.address if config.metrics.enabled else None
    try:
        metrics_sockets = bind(*metrics_at) if metrics_at else []
    except ListenError as exc:
        for sock in sockets:
            sock.close()
        raise ListenError(f"[metrics] listen: {exc}") from None
    try:
        with _logging_off_the_event_loop():
            _serve(config, sockets, demo=demo, workers=workers, metrics_sockets=metrics_sockets)
    finally:
        for sock in sockets + metrics_sockets:
            sock.close()


def bind(host: str, port: int) -> list[socket.socket]:
    """Sockets bound to every address ``host`` names, as asyncio's
    ``create_server`` would bind them, but not yet listening: connections are
    refused until the app has started and serves them."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ListenError(f"cannot listen on {host}:{port}: {str(exc.strerror).lower()}") from None
    sockets: list[socket.socket] = []
    try:
        for family, kind, proto, _, address in dict.fromkeys(infos):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            if os.name == "posix":  # elsewhere it would let two servers share a port
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
    except OSError as exc:
        for sock in sockets:
            sock.close()
        reason = (exc.strerror or str(exc)).lower()
        raise ListenError(f"cannot listen on {host}:{port}: {reason}") from None
    return sockets


@contextlib.contextmanager
def _logging_off_the_event_loop() -> Iterator[None]:
    """Log lines (one per request in the access log) are written by a thread of
    their own: the event loop only queues them, and never waits on stderr."""
    root = logging.getLogger()
    handlers = root.handlers[:]
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    listener = logging.handlers.QueueListener(records, *handlers, respect_handler_level=True)
    root.handlers = [_InProcessQueueHandler(records)]
    listener.start()
    try:
        yield
    finally:
        listener.stop()
        root.handlers = handlers


class _InProcessQueueHandler(logging.handlers.QueueHandler):
    """Queues the record itself: the listener thread formats it.

    The stock ``prepare`` formats and copies every record on the caller's
    thread so that it could cross a process boundary; ours never leaves the
    process, and on the event loop that work cost as much as a signature check.
    """

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record


def _serve(
    config: Config,
    sockets: list[socket.socket],
    *,
    demo: bool,
    workers: bool = True,
    metrics_sockets: list[socket.socket] | None = None,
) -> None:
    mode = "development (http ids, private peers allowed)" if config.dev else "production"
    addresses = ", ".join(_address(sock) for sock in sockets)

    def listening(_banner: str) -> None:  # run_app calls it once its sites accept connections
        log.info(
            "Warmline %s at %s, listening on %s, %s mode",
            __version__,
            config.base_url,
            addresses,
            mode,
        )

    app = create_app(config, demo=demo, workers=workers)
    if metrics_sockets:
        from server.metrics.web import METRICS_SOCKETS

        app[METRICS_SOCKETS] = metrics_sockets
    app.on_startup.append(_settle_memory)
    app.on_startup.append(_tasks_on_signal)
    web.run_app(app, sock=sockets, print=listening, access_log_class=AccessLog)


async def _tasks_on_signal(app: web.Application) -> None:
    """``kill -USR1 PID`` logs where every task of the server is waiting: what a
    stuck worker is stuck on, without stopping it."""

    def dump() -> None:
        for task in asyncio.all_tasks():
            frames = task.get_stack(limit=8)
            where = " <- ".join(f"{f.f_code.co_name}:{f.f_lineno}" for f in reversed(frames))
            log.warning("task %s: %s", task.get_name(), where or "(not started)")

    with contextlib.suppress(NotImplementedError, RuntimeError):  # not on every platform
        asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, dump)


def _address(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


async def _settle_memory(app: web.Application) -> None:
    """Tune the cyclic garbage collector for a long-running server.

    Everything made during start-up (modules, the app, caches) lives as long
    as the process: freezing it keeps every full collection from walking it
    again. And a request allocates thousands of short-lived objects (parsed
    JSON, mostly freed by reference counting): collecting the youngest
    generation every 700 allocations, the default, costs more than it finds.
    Not too rarely either: at 20,000 a young collection found a whole page's
    worth of survivors and paused a request ~27 ms; at 2,000 the longest
    pause was ~6 ms and the inbox's throughput did not move (docs/performance.md).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)


# Query parameters whose values are secrets (Mastodon's streaming takes the
# token in the query string; OAuth clients send codes and secrets as they like).
SECRET_PARAMS = frozenset(
    {"access_token", "token", "code", "client_secret", "password", "refresh_token"}
)


def redacted_target(request: BaseRequest) -> str:
    """The request's path and query, with the values of secret parameters
    replaced: a log is read by more people than the tokens are meant for."""
    query = request.rel_url.raw_query_string
    if not query:
        return request.path
    parts = []
    for part in query.split("&"):
        name, sep, _ = part.partition("=")
        secret = unquote_plus(name).lower() in SECRET_PARAMS
        parts.append(f"{name}{sep}[redacted]" if secret and sep else part)
    return f"{request.path}?{'&'.join(parts)}"


class AccessLog(AbstractAccessLogger):
    """One line per request: client, request line, status, bytes, seconds,
    user agent, request id. Formatted directly: aiohttp's configurable logger
    spent as much per request as verifying a signature."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        agent = request.headers.get("User-Agent", "-")
        request_id = response.headers.get("X-Request-Id", "-")
        self.logger.info(
            '%s "%s %s HTTP/%d.%d" %d %d %.6fs "%s" %s',
            request.get(CLIENT_ADDRESS, request.remote), request.method, redacted_target(request),
            *request.version,
            response.status, response.body_length, time, agent, request_id,
        )  # fmt: skip

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)
