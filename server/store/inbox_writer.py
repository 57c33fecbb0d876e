"""Group commit for the inbox: concurrent deliveries share one transaction.

Each delivery must be durably stored before we answer 202. Committing each in
its own transaction makes the database's commit the bottleneck (SQLite has
one writer); instead, rows that arrive while a commit is running wait for the
next one, which takes them all. Nobody waits on a timer: under light load a
batch is one row, under heavy load it grows by itself.
"""

from __future__ import annotations

import asyncio
from typing import Any

from server.store import Database
from server.store.queues import insert_inbox_items

MAX_BATCH = 500


class InboxWriter:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._pending: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def add(self, row: dict[str, Any]) -> None:
        """Store ``row`` in ``inbox_items`` (ignored if its activity is already
        stored); returns once it is committed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((row, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                async with self._db.transaction() as conn:
                    await insert_inbox_items(conn, [row for row, _ in batch])
            except Exception as exc:  # every waiter learns the batch failed
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)
