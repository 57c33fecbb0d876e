"""Running the server process."""

from __future__ import annotations

import contextlib
import gc
import logging
import logging.handlers
import queue
from collections.abc import Iterator

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

from server import __version__
from server.app import create_app
from server.appkeys import CLIENT_ADDRESS
from server.config import Config

log = logging.getLogger("warmline")
GC_YOUNG_THRESHOLD = 20_000


def serve(config: Config, *, demo: bool = False) -> None:
    """Listen until stopped (SIGINT/SIGTERM). Start-up migrates the database first;
    a database that cannot be opened stops the start with a DatabaseError."""
    with _logging_off_the_event_loop():
        _serve(config, demo=demo)


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


def _serve(config: Config, *, demo: bool) -> None:
    mode = "development (http ids, private peers allowed)" if config.dev else "production"
    log.info(
        "Warmline %s at %s, listening on %s:%s, %s mode",
        __version__,
        config.base_url,
        config.listen_host,
        config.listen_port,
        mode,
    )
    app = create_app(config, demo=demo)
    app.on_startup.append(_settle_memory)
    web.run_app(
        app,
        host=config.listen_host,
        port=config.listen_port,
        print=None,
        access_log_class=AccessLog,
    )


async def _settle_memory(app: web.Application) -> None:
    """Tune the cyclic garbage collector for a long-running server.

    Everything made during start-up (modules, the app, caches) lives as long
    as the process: freezing it keeps every full collection from walking it
    again. And a request allocates thousands of short-lived objects (parsed
    JSON, mostly freed by reference counting): collecting the youngest
    generation every 700 allocations, the default, costs more than it finds.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)


class AccessLog(AbstractAccessLogger):
    """One line per request: client, request line, status, bytes, seconds,
    user agent, request id. Formatted directly: aiohttp's configurable logger
    spent as much per request as verifying a signature."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        agent = request.headers.get("User-Agent", "-")
        request_id = response.headers.get("X-Request-Id", "-")
        self.logger.info(
            '%s "%s %s HTTP/%d.%d" %d %d %.6fs "%s" %s',
            request.get(CLIENT_ADDRESS, request.remote), request.method, request.path_qs,
            *request.version,
            response.status, response.body_length, time, agent, request_id,
        )  # fmt: skip

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)
