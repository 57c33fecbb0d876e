"""One generic loop for every queue worker: claim, process, record, repeat.

A worker runs batches until its queue is empty, then sleeps until woken (a
service committed new rows) or until the poll interval passes (rows that
became due later, or were left by a process that died). All state is in the
database, so stopping a worker at any moment loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

log = logging.getLogger(__name__)


class Runner:
    def __init__(
        self,
        name: str,
        run_once: Callable[[], Awaitable[int]],
        wake: asyncio.Event,
        *,
        poll_seconds: float = 5.0,
    ) -> None:
        self.name = name
        self._run_once = run_once
        self._wake = wake
        self._poll = poll_seconds
        self._task: asyncio.Task[None] | None = None

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            try:
                done = await self._run_once()
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is None or task.cancelling():
                    raise  # stop() asked for it
                # Nobody asked: a cancel that went astray inside the batch (Python
                # 3.11's asyncio.timeout can leave one). Ending here would stop this
                # worker for good, silently.
                log.error("worker %s: a batch was cancelled by no one; going on", self.name)
                done = 0
                await asyncio.sleep(self._poll)
            except Exception:  # a bug or a broken database: log it and keep serving
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise asyncio.CancelledError from None  # stop() came during a batch
                log.exception("worker %s failed a batch", self.name)
                done = 0
                await asyncio.sleep(self._poll)
            if done:
                continue
            # asyncio.timeout, not wait_for: on Python 3.11 a cancel that meets
            # wait_for's own timeout can be lost, and stop() then waits forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll):
                    await self._wake.wait()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=f"worker:{self.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Runner]:
        self.start()
        try:
            yield self
        finally:
            await self.stop()
