"""Importing Mastodon's ``lists.csv`` (``List name,Account address`` lines), as
Mastodon does: a list missing here is made (by its exact name), an account not
followed yet is followed first, then added to the list.

An account can go on a list only once the follow is accepted (``lists.py``): a
remote account, or a locked one, gets the follow request now and is named in
``skipped``; importing the same file again once they accept adds them.
``overwrite`` also takes off each list the file names the accounts it does not
name for that list (lists the file does not name are left as they are).
"""

from __future__ import annotations

from server.services import graph, lists
from server.services.context import Services
from server.services.csv_exchange import Line, address, following
from server.services.csv_import import ImportReport, _find, _handle
from server.services.errors import ServiceError
from server.store.accounts import AccountRow
from server.store.graph import ACCEPTED
from server.store.lists import ListRow


async def import_lists(
    svc: Services, me: AccountRow, lines: list[Line], report: ImportReport
) -> None:
    wanted: dict[str, Line] = {}  # each account looked up once
    named: dict[str, list[tuple[Line, str]]] = {}  # list name -> its lines (line, handle)
    for line in lines:
        handle = _handle(svc, line.value)
        title = line.list_name.strip()
        if not title or len(title) > lists.MAX_TITLE:
            report.skip(line, f"a list's name is needed (at most {lists.MAX_TITLE} characters)")
        elif handle is None:
            report.skip(line, "this is not an account's address (name@server.example)")
        else:
            wanted.setdefault(handle, line)
            named.setdefault(title, []).append((line, handle))
    found = await _find(svc, wanted, report)
    followed = {a.id for a in await following(svc, me)}
    mine = {x.title: x for x in await lists.all_lists(svc, me)}
    for title, entries in named.items():
        target = mine.get(title)
        if target is None:
            try:
                target = mine[title] = await lists.create(svc, me, title)
            except ServiceError as exc:
                for line, _ in entries:
                    report.skip(line, str(exc))
                continue
        kept = await _fill(svc, me, target, entries, found, followed, report)
        if report.mode == "overwrite":
            names = {handle.lower() for _, handle in entries}  # those not looked up stay
            there = await lists.members(svc, me, target.id, None)
            gone = sorted(
                a.id for _, a in there if a.id not in kept and address(svc, a).lower() not in names
            )
            if gone:
                await lists.remove_accounts(svc, me, target.id, gone)
                report.removed += len(gone)


async def _fill(
    svc: Services,
    me: AccountRow,
    target: ListRow,
    entries: list[tuple[Line, str]],
    found: dict[str, AccountRow],
    followed: set[int],
    report: ImportReport,
) -> set[int]:
    """Add the accounts of ``entries`` to ``target`` (following them first);
    the ids of those named that exist (kept by ``overwrite``)."""
    there = {a.id for _, a in await lists.members(svc, me, target.id, None)}
    kept: set[int] = set()
    for line, handle in entries:
        account = found.get(handle)
        if account is None:
            continue  # skipped already (not found) or not looked up this time
        kept.add(account.id)
        if account.id == me.id:
            report.skip(line, "you cannot put yourself on a list")
            continue
        if account.id in there:
            report.unchanged += 1
            continue
        try:
            new = account.id not in followed
            if new and (await graph.follow(svc, me, account)).state == ACCEPTED:
                followed.add(account.id)
            if account.id not in followed:
                report.skip(
                    line,
                    "a follow request was sent: import this file again once it is accepted",
                )
                continue
            await lists.add_accounts(svc, me, target.id, [account.id])
        except ServiceError as exc:
            report.skip(line, str(exc))
            continue
        there.add(account.id)
        report.imported += 1
    return kept
