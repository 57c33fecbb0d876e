"""The queue workers a process runs: all of them inside ``warmline serve`` (the
default, and SQLite's one-process setup), or the ones named to ``warmline
worker`` (``--queues``), each ``--concurrency`` times over, beside web
processes started with ``--no-workers``. Several processes may work the same
queues of one database: claims are leases held by a registered, heart-beating
process (``store/queues.py``), taken ``FOR UPDATE SKIP LOCKED`` on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from server.services.archive.jobs import ArchiveWorker
from server.services.context import Services
from server.store.queues import HEARTBEAT_SECONDS
from server.workers import QUEUES
from server.workers.cleanup import (
    SWEEP_SECONDS,
    CodePurge,
    EventReminders,
    MediaCleanup,
    QueuePrune,
    SessionPurge,
)
from server.workers.delivery import DeliveryWorker
from server.workers.heartbeat import Heartbeat
from server.workers.inbox import InboxWorker
from server.workers.runner import Runner


def _sweepers(svc: Services) -> list[Runner]:
    """Nothing wakes these: they sweep on their own schedule."""
    every = {
        "media-cleanup": (MediaCleanup(svc).run_once, SWEEP_SECONDS),
        "oauth-codes": (CodePurge(svc).run_once, SWEEP_SECONDS),
        "idle-sessions": (SessionPurge(svc).run_once, SWEEP_SECONDS),
        "event-reminders": (EventReminders(svc).run_once, 300.0),
        "retention": (QueuePrune(svc).run_once, svc.config.retention.sweep_minutes * 60.0),
    }
    return [
        Runner(name, run_once, asyncio.Event(), poll_seconds=seconds)
        for name, (run_once, seconds) in every.items()
    ]


def runners(svc: Services, queues: tuple[str, ...], concurrency: int = 1) -> list[Runner]:
    """The runners of ``queues`` (names from QUEUES); the queues that are claimed
    (delivery, inbox, archives) get ``concurrency`` runners each."""
    found: list[Runner] = []
    for i in range(concurrency):
        suffix = f"-{i + 1}" if concurrency > 1 else ""
        if "delivery" in queues:
            worker = DeliveryWorker(svc, svc.http)
            found.append(Runner(f"delivery{suffix}", worker.run_once, svc.wake.deliveries))
        if "inbox" in queues:
            found.append(Runner(f"inbox{suffix}", InboxWorker(svc).run_once, svc.wake.inbox))
        if "archives" in queues:
            worker_a = ArchiveWorker(svc)
            found.append(
                Runner(f"archives{suffix}", worker_a.run_once, svc.wake.archives, poll_seconds=60.0)
            )
    if "cleanup" in queues:
        found += _sweepers(svc)
    return found


@contextlib.asynccontextmanager
async def running(
    svc: Services,
    queues: tuple[str, ...] = QUEUES,
    concurrency: int = 1,
    *,
    name: str | None = None,
) -> AsyncIterator[list[Runner]]:
    """Register this process, beat its heartbeat and run the runners of ``queues``
    until the block ends (then their claims are freed at once)."""
    heartbeat = Runner(
        "heartbeat", Heartbeat(svc).run_once, asyncio.Event(), poll_seconds=HEARTBEAT_SECONDS
    )
    found = runners(svc, queues, concurrency)
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(Heartbeat.registered(svc, name=name))
        await stack.enter_async_context(heartbeat.running())
        for runner in found:
            await stack.enter_async_context(runner.running())
        yield found
