"""Importing a Mastodon CSV file (follows, blocks, mutes, bookmarks, lists, blocked
servers), as Mastodon does.

``merge`` adds what the file names to what the member has; ``overwrite`` also
ends what the file does not name (unfollows, unblocks, unmutes, removes the
bookmark). Every change goes through the usual service (``graph.follow``,
``blocks.block``, ``personal.mute``, ``personal.bookmark``), so a remote
account gets its ``Follow`` or ``Block`` as ever.

An account is found here, or on its server through WebFinger; a post by its
URL, here or fetched. Looking up other servers is slow, so one import looks up
at most ``MAX_REMOTE`` unknown accounts or posts (a few at a time): the rest
are counted in ``left``, and importing the same file again goes on where this
one stopped (what was found is known here by then). A line that cannot be
used is named in ``skipped`` with the reason; the others are imported.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from federation.errors import FederationError
from server.services import blocks, graph, member_domain_blocks, personal, search
from server.services.context import Services
from server.services.csv_exchange import (
    Line,
    address,
    all_bookmarks,
    all_mutes,
    blocked,
    every,
    following,
    read_lines,
    related,
)
from server.services.errors import NotFound, ServiceError, ValidationError
from server.store.accounts import AccountRow
from server.store.graph import PENDING

log = logging.getLogger(__name__)

MODES = ("merge", "overwrite")
MAX_REMOTE = 100
PARALLEL = 8


@dataclass(slots=True)
class ImportReport:
    """What an import did, to tell the member in words."""

    kind: str
    mode: str
    lines: int
    imported: int = 0
    unchanged: int = 0
    removed: int = 0
    left: int = 0  # lines not looked up this time (MAX_REMOTE)
    skipped: list[str] = field(default_factory=list)

    def skip(self, line: Line, reason: str) -> None:
        self.skipped.append(f"Line {line.number} ({line.value[:200]}): {reason}")


async def import_csv(
    svc: Services, me: AccountRow, kind: str, mode: str, data: bytes
) -> ImportReport:
    """Apply an uploaded Mastodon CSV file of ``kind``; refused as a whole (and
    nothing changed) when the file cannot be read (``csv_exchange.read_lines``)."""
    if mode not in MODES:
        raise ValidationError("Choose whether to merge or to overwrite", field="mode")
    lines = read_lines(kind, data)
    report = ImportReport(kind, mode, len(lines))
    if kind == "bookmarks":
        await _bookmarks(svc, me, lines, report)
    elif kind == "lists":
        from server.services import csv_lists  # it uses this module's helpers

        await csv_lists.import_lists(svc, me, lines, report)
    elif kind == "domain_blocks":
        await _domain_blocks(svc, me, lines, report)
    else:
        await _accounts(svc, me, kind, lines, report)
    return report


# --- accounts ---------------------------------------------------------------------------


def _handle(svc: Services, value: str) -> str | None:
    """``user@host`` from an address (``@`` first or not; a bare name is a member here)."""
    value = value.strip()
    if value and "@" not in value:
        value = f"{value}@{svc.config.domain}"
    match = search.HANDLE.match(value)
    return f"{match.group(1)}@{match.group(2)}" if match else None


def _is_local(svc: Services, handle: str) -> bool:
    return handle.rpartition("@")[2].lower() in (svc.config.domain, svc.config.host)


async def _resolve(svc: Services, handles: list[str]) -> dict[str, AccountRow | None]:
    """Accounts on other servers through WebFinger, a few at a time."""
    gate = asyncio.Semaphore(PARALLEL)

    async def one(handle: str) -> tuple[str, AccountRow | None]:
        async with gate:
            try:
                return handle, await svc.remote.resolve_handle(handle)
            except (FederationError, ServiceError) as exc:
                log.info("import: could not resolve %s: %s", handle, exc)
                return handle, None

    return dict(await asyncio.gather(*(one(h) for h in handles)))


async def _find(
    svc: Services, wanted: dict[str, Line], report: ImportReport
) -> dict[str, AccountRow]:
    found: dict[str, AccountRow] = {}
    remote: list[str] = []
    for handle, line in wanted.items():
        known = await search.lookup(svc, handle)
        if known is not None:
            found[handle] = known
        elif _is_local(svc, handle):
            report.skip(line, "nobody here has this address")
        else:
            remote.append(handle)
    report.left = max(0, len(remote) - MAX_REMOTE)
    for handle, account in (await _resolve(svc, remote[:MAX_REMOTE])).items():
        if account is None or account.suspended_at or account.actor_type == "Application":
            report.skip(wanted[handle], "this account could not be found on its server")
        else:
            found[handle] = account
    return found


async def _current(svc: Services, me: AccountRow, kind: str) -> dict[int, tuple[AccountRow, bool]]:
    """What the member has of ``kind`` now: account id -> (account, hides notifications)."""
    if kind == "mutes":
        return {a.id: (a, quiet) for a, quiet in await all_mutes(svc, me)}
    if kind == "blocks":
        found = await blocked(svc, me)
    else:  # following, and follow requests not answered yet
        found = await following(svc, me) + await every(svc, me, related("following", PENDING))
    return {a.id: (a, False) for a in found}


async def _apply(svc: Services, me: AccountRow, kind: str, target: AccountRow, line: Line) -> None:
    if kind == "following":
        await graph.follow(svc, me, target)
    elif kind == "blocks":
        await blocks.block(svc, me, target, on=True)
    else:
        await personal.mute(svc, me, target, on=True, notifications=line.hide_notifications)


async def _remove(svc: Services, me: AccountRow, kind: str, target: AccountRow) -> None:
    if kind == "following":
        await graph.unfollow(svc, me, target)
    elif kind == "blocks":
        await blocks.block(svc, me, target, on=False)
    else:
        await personal.mute(svc, me, target, on=False)


async def _accounts(
    svc: Services, me: AccountRow, kind: str, lines: list[Line], report: ImportReport
) -> None:
    wanted: dict[str, Line] = {}
    named: set[str] = set()  # as written, any case
    for line in lines:
        handle = _handle(svc, line.value)
        if handle is None:
            report.skip(line, "this is not an account's address (name@server.example)")
        elif handle.lower() in named:
            report.skip(line, "this account is on an earlier line already")
        else:
            wanted[handle] = line
            named.add(handle.lower())
    found = await _find(svc, wanted, report)
    current = await _current(svc, me, kind)
    for handle, target in found.items():
        line = wanted[handle]
        had = current.get(target.id)
        if had is not None and (kind != "mutes" or had[1] == line.hide_notifications):
            report.unchanged += 1
            continue
        try:
            await _apply(svc, me, kind, target, line)
        except ServiceError as exc:
            report.skip(line, str(exc))
        else:
            report.imported += 1
    if report.mode == "overwrite":
        kept = {a.id for a in found.values()}
        for account, _ in current.values():
            if account.id in kept or address(svc, account).lower() in named:
                continue
            try:
                await _remove(svc, me, kind, account)
            except ServiceError as exc:
                report.skipped.append(f"{address(svc, account)} was kept: {exc}")
            else:
                report.removed += 1


# --- bookmarks ----------------------------------------------------------------------


async def _bookmarks(
    svc: Services, me: AccountRow, lines: list[Line], report: ImportReport
) -> None:
    current = {status_id for status_id, _ in await all_bookmarks(svc, me)}
    kept: set[int] = set()
    fetched = 0
    for line in lines:
        url = line.value
        if not url.startswith(("https://", "http://")):
            report.skip(line, "this is not a post's address (https://…)")
            continue
        status = await search.status_by_url(svc, url, resolve=False)
        if status is None and svc.urls.local_status_id(url) is None:
            if fetched >= MAX_REMOTE:
                report.left += 1
                continue
            fetched += 1
            status = await search.status_by_url(svc, url, resolve=True)
        if status is None or status.deleted_at is not None:
            report.skip(line, "this post could not be found")
            continue
        if status.id in current or status.id in kept:
            kept.add(status.id)
            report.unchanged += 1
            continue
        try:
            await personal.bookmark(svc, me, status.id, on=True)
        except NotFound:
            report.skip(line, "this post is not one you may see")
            continue
        kept.add(status.id)
        report.imported += 1
    if report.mode == "overwrite":
        for status_id in current - kept:
            try:
                await personal.bookmark(svc, me, status_id, on=False)
            except NotFound:  # no longer visible: it is not listed either
                continue
            report.removed += 1


# --- blocked servers ----------------------------------------------------------------


async def _domain_blocks(
    svc: Services, me: AccountRow, lines: list[Line], report: ImportReport
) -> None:
    """Block each server named (``member_domain_blocks.block``); with ``overwrite``,
    unblock those not named. Nothing is looked up elsewhere."""
    current = set(await member_domain_blocks.all_domains(svc, me))
    kept: set[str] = set()
    for line in lines:
        try:
            domain = member_domain_blocks.normalise(svc, line.value)
        except ServiceError as exc:
            report.skip(line, str(exc))
            continue
        if domain in kept:
            report.skip(line, "this server is on an earlier line already")
            continue
        kept.add(domain)
        if domain in current:
            report.unchanged += 1
            continue
        await member_domain_blocks.block(svc, me, domain)
        report.imported += 1
    if report.mode == "overwrite":
        for domain in sorted(current - kept):
            await member_domain_blocks.unblock(svc, me, domain)
            report.removed += 1
