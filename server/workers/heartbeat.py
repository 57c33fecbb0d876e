"""This process says it is alive, so the work it claims can be told from the
work of a process that died.

Queue claims carry the claiming process's id. A process beats every few
seconds; one whose beat stopped (killed, its machine gone) is taken for dead
after three missed beats, and its claims are free at once instead of when their
lease runs out. A process restarted on the same machine and address knows at
once that the one before it is dead (it could not hold the address otherwise):
their claims are free the moment it starts. A process that stops cleanly frees
its claims itself. A live
process stalled longer than that may see its work claimed twice: deliveries
are at least once, and receivers dedupe by activity id.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import AsyncIterator

from server.services.context import Services
from server.store import queues as q

log = logging.getLogger(__name__)


class Heartbeat:
    def __init__(self, svc: Services) -> None:
        self.svc = svc

    async def run_once(self) -> int:
        if self.svc.process_id is not None:
            async with self.svc.db.transaction() as conn:
                await q.beat(conn, self.svc.process_id, self.svc.now())
        return 0

    @staticmethod
    @contextlib.asynccontextmanager
    async def registered(svc: Services, *, name: str | None = None) -> AsyncIterator[int]:
        """Register this process for its workers' claims; free them on the way out.
        ``name`` says which process it is: by default the serving address (a
        server started again on it replaces its dead self at once)."""
        process_id = svc.db.new_id()
        config = svc.config
        name = name or f"{socket.gethostname()} {config.listen_host}:{config.listen_port}"
        async with svc.db.transaction() as conn:
            await q.register_process(conn, process_id, name, svc.now())
        svc.process_id = process_id
        try:
            yield process_id
        finally:
            svc.process_id = None
            try:
                async with svc.db.transaction() as conn:
                    await q.release_process(conn, process_id)
            except Exception:  # the database is going away: the heartbeat's end frees them
                log.warning("could not release this process's queue claims", exc_info=True)
