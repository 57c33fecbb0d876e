"""Cleanup workers: uploads never put on a post, spent authorization codes, idle
sessions and old sign-in attempts, and finished queue rows past their ``[retention]`` period.

An upload waits ``[media] unattached_max_age_hours`` to be attached; after that
its row is deleted, and then, once that commits, its files. A crash in between
leaves files no row names (harmless, only disk), never a row naming a missing
file. Authorization codes go a day after they expired. Each worker sweeps at
start-up and every ``SWEEP_SECONDS`` after, in batches until nothing is left.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from server.config import RetentionSettings
from server.services import events, media, websessions
from server.services.context import Services
from server.store import limits as limits_q
from server.store import media as q
from server.store import oauth as oauth_q
from server.store import retention as retention_q

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


# A code is refused once expired; kept a day longer, a reuse still revokes the
# tokens it bought (RFC 6749 4.1.2), then it goes.
CODES_KEPT = timedelta(days=1)


class CodePurge:
    """Deletes OAuth authorization codes a day after they expired (one row per
    sign-in would otherwise pile up for ever)."""

    def __init__(self, svc: Services, *, batch: int = 500) -> None:
        self.svc = svc
        self.batch = batch

    async def run_once(self) -> int:
        async with self.svc.db.transaction() as conn:
            return await oauth_q.purge_codes(conn, self.svc.now() - CODES_KEPT, self.batch)


class SessionPurge:
    """Deletes browser sessions idle for longer than ``websessions.IDLE_DAYS`` (they
    are refused already; this keeps the table to the sessions that can be used),
    and sign-in and sign-up attempts too old to count or lock any more (an
    attempt cleans up its own key; this gets the keys nobody tried again)."""

    def __init__(self, svc: Services, *, batch: int = 1000) -> None:
        self.svc = svc
        self.batch = batch

    async def run_once(self) -> int:
        api = self.svc.config.api
        kept = max(
            api.sign_in_window_seconds + api.sign_in_lockout_seconds,
            2 * api.sign_up_window_seconds,
        )
        async with self.svc.db.transaction() as conn:
            attempts = await limits_q.prune_attempts(
                conn, self.svc.now().timestamp() - kept, self.batch
            )
        return attempts + await websessions.purge_idle(self.svc)


class QueuePrune:
    """Deletes finished deliveries, finished inbox items and sent activities no
    delivery needs any more, once older than ``[retention]`` allows (0 keeps
    them). Each batch is its own short transaction: deliveries first, so the
    activities they named can go in a later batch."""

    def __init__(
        self, svc: Services, *, batch: int = 1000, settings: RetentionSettings | None = None
    ) -> None:
        self.svc = svc
        self.batch = batch
        self.settings = settings or svc.config.retention

    async def run_once(self) -> int:
        """Delete one batch of each kind that is due; how many rows in all."""
        settings, now = self.settings, self.svc.now()
        steps = (
            (settings.deliveries_days, retention_q.prune_deliveries, "deliveries"),
            (settings.inbox_days, retention_q.prune_inbox_items, "inbox items"),
            (settings.activities_days, retention_q.prune_activities, "activities"),
        )
        total = 0
        for days, prune, what in steps:
            if days <= 0:
                continue
            async with self.svc.db.transaction() as conn:
                deleted = await prune(conn, now - timedelta(days=days), self.batch)
            if deleted:
                log.info("pruned %d %s older than %d day(s)", deleted, what, days)
            total += deleted
        return total


class EventReminders:
    """Reminds members of the events they are going to, a day before (once each)."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc

    async def run_once(self) -> int:
        return await events.send_reminders(self.svc)
