"""``warmline worker``: the queue workers as a process of their own.

Beside web processes started with ``warmline serve --no-workers`` (or several
of them, on one PostgreSQL database), it opens the database and the services
as the server does, registers itself for its claims and works the queues it
was given until SIGINT or SIGTERM; then its claims are freed at once. On
PostgreSQL the web processes wake it as soon as rows are waiting
(``services/broadcast``). On SQLite a worker process works too, but wake-ups
do not cross processes: it finds new rows by polling (every few seconds).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from collections.abc import AsyncIterator

from server.config import Config
from server.services.context import Services
from server.services.runtime import open_services
from server.store import Database
from server.workers import pool

log = logging.getLogger("warmline")


class WorkerStartError(RuntimeError):
    """The worker cannot start; the message says why (one line)."""


def run_worker(config: Config, queues: tuple[str, ...], concurrency: int) -> None:
    asyncio.run(_work(config, queues, concurrency))


async def _work(config: Config, queues: tuple[str, ...], concurrency: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    db = Database(config.effective_database_url)
    try:
        await db.migrate()
        async with open_services(config, db) as svc, _metrics(svc):
            if svc.broadcast is not None:
                svc.broadcast.serve_as("worker")
            name = f"{socket.gethostname()} worker {os.getpid()}"
            async with pool.running(svc, queues, concurrency, name=name) as runners:
                log.info(
                    "Warmline worker for %s: %s (%d runners), process %d",
                    config.domain, ", ".join(queues), len(runners), os.getpid(),
                )  # fmt: skip
                await stop.wait()
                log.info("worker stopping: its claims are freed")
    finally:
        await db.close()


@contextlib.asynccontextmanager
async def _metrics(svc: Services) -> AsyncIterator[None]:
    """With ``[metrics] enabled``, this process's figures on ``[metrics] listen``
    (a worker has no app: without an address of its own it serves none)."""
    settings = svc.config.metrics
    if not settings.enabled:
        yield
        return
    if settings.address is None:
        log.warning(
            "metrics are on, but a worker serves them only on an address of its own: "
            "set [metrics] listen or WARMLINE_METRICS_LISTEN"
        )
        yield
        return
    from server.metrics import Metrics
    from server.metrics.web import MetricsListenError, separate_listener

    svc.metrics = Metrics(settings.cache_seconds)
    svc.metrics.bind(svc)
    async with contextlib.AsyncExitStack() as stack:
        listener = separate_listener(svc.metrics, settings.address, settings.bearer_token)
        try:
            await stack.enter_async_context(listener)
        except MetricsListenError as exc:
            raise WorkerStartError(f"[metrics] listen: {exc}") from None
        yield
