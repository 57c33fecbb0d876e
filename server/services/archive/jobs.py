"""Asking for an archive, building it in the background, keeping it a week.

A member asks (web settings or ``POST /api/v1/warmline/account/archive``); a
row waits in ``account_archives``; the archive worker claims it with a lease,
builds the ZIP under ``DATA/archives`` as a temporary file (progress written
as it goes), then renames it to an unguessable name and marks the row ready.
A process killed mid-build leaves a row whose lease runs out and a temporary
file the next try overwrites: nothing is lost, and no half-built ZIP is ever
offered. Archives go after ``KEPT``; one may be asked for once a day.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
from datetime import timedelta
from pathlib import Path

from server.services.archive.build import build
from server.services.context import Services
from server.services.errors import NotFound, TooMany
from server.store import accounts as accounts_q
from server.store import archives as q
from server.store.accounts import AccountRow
from server.store.archives import ArchiveRow
from server.store.queues import PENDING

log = logging.getLogger(__name__)

KEPT = timedelta(days=7)
EVERY = timedelta(days=1)  # one archive a day per member
LEASE = timedelta(minutes=5)  # renewed with each page of progress
RETRIES = (timedelta(minutes=1), timedelta(minutes=10))  # then it has failed
NAME = re.compile(r"^archive-\d{14}-[0-9a-f]{32}\.zip$")


def folder(svc: Services) -> Path:
    return svc.config.data_dir / "archives"


async def latest(svc: Services, me: AccountRow) -> ArchiveRow | None:
    async with svc.db.read() as conn:
        return await q.latest(conn, me.id)


async def request(svc: Services, me: AccountRow) -> ArchiveRow:
    """Ask for an archive of ``me``: the one being built if there is one, else a new one."""
    async with svc.db.transaction() as conn:
        last = await q.latest(conn, me.id)
        if last is not None and last.state == PENDING:
            return last
        if last is not None and last.state == q.READY and svc.now() - last.created_at < EVERY:
            wait = last.created_at + EVERY - svc.now()
            hours = max(1, round(wait.total_seconds() / 3600))
            raise TooMany(
                "You asked for an archive less than a day ago: download that one, or ask "
                f"again in about {hours} hour{'s' if hours != 1 else ''}"
            )
        archive_id = svc.db.new_id()
        await q.insert_archive(conn, archive_id, me.id, svc.now())
        found = await q.get_archive(conn, archive_id)
    svc.wake.archives.set()
    assert found is not None
    return found


async def file_of(svc: Services, me: AccountRow, name: str) -> Path:
    """The ready archive ``name`` of ``me``, as a file to send."""
    if NAME.match(name):
        async with svc.db.read() as conn:
            found = await q.by_file(conn, me.id, name)
        path = folder(svc) / name
        live = found is not None and (found.expires_at is None or found.expires_at > svc.now())
        if live and await asyncio.to_thread(path.is_file):
            return path
    raise NotFound("There is no such archive (archives are kept for a week)")


def remove_files(svc: Services, names: list[str | None]) -> None:
    """Blocking: delete archive files by name (those that are ours)."""
    for name in names:
        if name and NAME.match(name):
            with contextlib.suppress(FileNotFoundError):
                (folder(svc) / name).unlink()


class ArchiveWorker:
    """Builds waiting archives one at a time, and deletes those past their week."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc

    async def run_once(self) -> int:
        swept = await self.sweep()
        async with self.svc.db.transaction() as conn:
            now = self.svc.now()
            row = await q.claim(conn, now, now + LEASE, self.svc.process_id)
        if row is None:
            return swept
        await self.build(row)
        return swept + 1

    async def sweep(self, batch: int = 100) -> int:
        async with self.svc.db.transaction() as conn:
            names = await q.take_expired(conn, self.svc.now(), batch)
        if names:
            await asyncio.to_thread(remove_files, self.svc, names)
        return len(names)

    async def build(self, row: ArchiveRow) -> None:
        svc = self.svc
        async with svc.db.read() as conn:
            account = await accounts_q.get_account(conn, row.account_id)
        if account is None:
            return  # deleted meanwhile: its rows went with it
        temp = folder(svc) / f".building-{row.id}.zip"

        async def progress(done: int, total: int) -> None:
            async with svc.db.transaction() as conn:
                await q.set_progress(conn, row.id, done, total, svc.now() + LEASE)

        try:
            size = await build(svc, account, temp, progress)
            stamp = svc.now().strftime("%Y%m%d%H%M%S")
            name = f"archive-{stamp}-{secrets.token_hex(16)}.zip"
            await asyncio.to_thread(temp.replace, folder(svc) / name)
        except Exception as exc:  # a bug or a full disk: tried again, then given up
            with contextlib.suppress(OSError):  # gone, or never made
                await asyncio.to_thread(temp.unlink)
            await self._failed(row, exc)
            return
        now = svc.now()
        async with svc.db.transaction() as conn:
            await q.finish(
                conn, row.id, file_name=name, file_size=size, now=now, expires_at=now + KEPT
            )
        log.info("archive of account %d ready: %s (%d bytes)", account.id, name, size)

    async def _failed(self, row: ArchiveRow, exc: Exception) -> None:
        log.exception("archive %d of account %d failed", row.id, row.account_id, exc_info=exc)
        message = "The archive could not be built; ask for it again later"
        async with self.svc.db.transaction() as conn:
            if row.attempts <= len(RETRIES):
                when = self.svc.now() + RETRIES[row.attempts - 1]
                await q.postpone(conn, row.id, when, message)
            else:
                await q.fail(conn, row.id, message, self.svc.now())
