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
import logging
import os
import signal
import socket

from server.config import Config
from server.services.runtime import open_services
from server.store import Database
from server.workers import pool

log = logging.getLogger("warmline")


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
        async with open_services(config, db) as svc:
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
