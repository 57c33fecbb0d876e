"""The media cleanup worker: uploads never put on a post are deleted once old enough.

An upload waits ``[media] unattached_max_age_hours`` to be attached; after that
its row is deleted, and then, once that commits, its files. A crash in between
leaves files no row names (harmless, only disk), never a row naming a missing
file. The worker sweeps at start-up and every ``SWEEP_SECONDS`` after, in
batches until nothing is left to delete.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from server.services import media
from server.services.context import Services
from server.store import media as q

log = logging.getLogger(__name__)

SWEEP_SECONDS = 3600.0


class MediaCleanup:
    def __init__(self, svc: Services, *, batch: int = 200) -> None:
        self.svc = svc
        self.batch = batch

    async def run_once(self) -> int:
        """Delete one batch of old unattached uploads, rows then files; how many."""
        max_age = timedelta(hours=self.svc.config.media.unattached_max_age_hours)
        async with self.svc.db.transaction() as conn:
            deleted = await q.delete_unattached(conn, self.svc.now() - max_age, self.batch)
        names = [name for pair in deleted for name in pair if name]
        if names:
            await asyncio.to_thread(media.files(self.svc).remove, *names)
            log.info("deleted %d unattached upload(s) older than %s", len(deleted), max_age)
        return len(deleted)
