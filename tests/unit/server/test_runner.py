"""The queue workers' loop (``workers/runner``) survives a cancel nobody asked for,
and still stops when asked."""

from __future__ import annotations

import asyncio

from server.workers.runner import Runner


async def test_a_stray_cancel_in_a_batch_does_not_end_the_worker() -> None:
    calls = 0

    async def run_once() -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise asyncio.CancelledError  # what Python 3.11's asyncio.timeout can leave
        return 0

    wake = asyncio.Event()
    runner = Runner("test", run_once, wake, poll_seconds=0.01)
    async with runner.running():
        for _ in range(100):
            if calls >= 3:
                break
            await asyncio.sleep(0.01)
    assert calls >= 3


async def test_stop_still_stops_a_batch_in_progress() -> None:
    started = asyncio.Event()

    async def run_once() -> int:
        started.set()
        await asyncio.sleep(3600)
        return 0

    runner = Runner("test", run_once, asyncio.Event(), poll_seconds=0.01)
    runner.start()
    await started.wait()
    await asyncio.wait_for(runner.stop(), timeout=5)
