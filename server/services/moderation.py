"""Server-wide moderation: blocking whole hosts.

The inbox asks "is this host blocked?" for every delivery, so the block list
is kept in memory and reloaded from the database at most every few seconds
(another process may have changed it); changes made through this module take
effect at once in this process.
"""

from __future__ import annotations

import time

from server.store import Database
from server.store import queues as q

RELOAD_SECONDS = 10.0


class HostBlocks:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._blocked: frozenset[str] = frozenset()
        self._loaded_at = float("-inf")

    async def blocked(self, hosts: set[str]) -> set[str]:
        """Which of ``hosts`` (lower-case ``host[:port]``) are blocked."""
        if time.monotonic() - self._loaded_at > RELOAD_SECONDS:
            async with self._db.read() as conn:
                self._blocked = frozenset(await q.all_blocked_hosts(conn))
            self._loaded_at = time.monotonic()
        return hosts & self._blocked

    async def set(self, host: str, blocked: bool) -> None:
        async with self._db.transaction() as conn:
            await q.set_host_blocked(conn, host.lower(), blocked)
        self._loaded_at = float("-inf")  # reload on the next question
