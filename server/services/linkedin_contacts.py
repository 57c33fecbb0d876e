"""After a LinkedIn import: a member's own LinkedIn address (and whether people
may find them by it), their imported contacts with the members they match,
and which imported recommendations their profile shows."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from server.services.context import Services
from server.services.errors import NotFound, ValidationError
from server.services.linkedin.csvread import csv_safe
from server.services.linkedin.mapping import url_key
from server.store import accounts as accounts_q
from server.store import linkedin as q
from server.store.accounts import AccountRow
from server.store.linkedin import ContactRow, ImportedRecommendation

CONTACTS_PAGE_MAX = 200


@dataclass(frozen=True)
class LinkedInLink:
    url: str | None  # https://www.linkedin.com/in/name, or None when not given
    findable: bool


def _link(found: tuple[str, bool] | None) -> LinkedInLink:
    if found is None:
        return LinkedInLink(url=None, findable=False)
    return LinkedInLink(url=f"https://www.{found[0]}", findable=found[1])


async def get_link(svc: Services, member: AccountRow) -> LinkedInLink:
    async with svc.db.read() as conn:
        return _link(await q.get_link(conn, member.id))


async def set_link(
    svc: Services, member: AccountRow, url: str | None, findable: bool
) -> LinkedInLink:
    """Publish one's LinkedIn address ("" or None removes it) and opt in or out
    of being found by it by members who import their LinkedIn connections."""
    key = None
    if url and url.strip():
        if len(url) > 300:
            raise ValidationError("url must be at most 300 characters", field="url")
        key = url_key(url)
        if key is None:
            raise ValidationError(
                "url must be a LinkedIn profile address, like https://www.linkedin.com/in/your-name",
                field="url",
            )
    async with svc.db.transaction() as conn:
        await q.set_link(conn, member.id, key, bool(findable) and key is not None, svc.now())
        return _link(await q.get_link(conn, member.id))


@dataclass(frozen=True)
class Contacts:
    contacts: list[ContactRow]
    accounts: dict[int, AccountRow]  # the matched members
    total: int


async def contacts(
    svc: Services,
    member: AccountRow,
    *,
    matched_only: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> Contacts:
    limit = max(1, min(limit, CONTACTS_PAGE_MAX))
    async with svc.db.read() as conn:
        rows = await q.list_contacts(
            conn, member.id, matched_only=matched_only, limit=limit, offset=max(0, offset)
        )
        ids = [r.matched_account_id for r in rows if r.matched_account_id is not None]
        found = await accounts_q.get_accounts(conn, ids)
        total = await q.count_contacts(conn, member.id)
    return Contacts(rows, found, total)


async def unmatched_contacts(
    svc: Services, member: AccountRow, *, limit: int = 100, offset: int = 0
) -> tuple[list[ContactRow], int]:
    """A page of the contacts who match no member here, and how many there are."""
    limit = max(1, min(limit, CONTACTS_PAGE_MAX))
    async with svc.db.read() as conn:
        rows = await q.list_contacts(
            conn, member.id, unmatched_only=True, limit=limit, offset=max(0, offset)
        )
        return rows, await q.count_unmatched(conn, member.id)


CSV_HEADER = ("First Name", "Last Name", "URL", "Email Address", "Company", "Position",
              "Connected On", "Here")  # fmt: skip


async def contacts_csv(svc: Services, member: AccountRow) -> str:
    """The member's imported contacts as CSV (LinkedIn's columns, plus the handle of
    the member here each matches). A cell a spreadsheet would run as a formula is
    written with a leading apostrophe: an export's cells are never trusted."""
    async with svc.db.read() as conn:
        total = await q.count_contacts(conn, member.id)
        rows = await q.list_contacts(conn, member.id, limit=max(total, 1))
        found = await accounts_q.get_accounts(
            conn, [r.matched_account_id for r in rows if r.matched_account_id]
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        here = found.get(row.matched_account_id or 0)
        handle = f"@{here.username}@{here.domain or svc.config.domain}" if here else ""
        url = f"https://www.{row.url_key}" if row.url_key else ""
        cells = (row.first_name, row.last_name, url, row.email or "", row.company, row.position,
                 row.connected_on or "", handle)  # fmt: skip
        writer.writerow([csv_safe(cell) for cell in cells])
    return out.getvalue()


async def languages_and_certifications(svc: Services, member: AccountRow) -> dict[str, list[Any]]:
    """What the profile lists besides its experience and skills (from an import)."""
    async with svc.db.read() as conn:
        return await q.get_extras(conn, member.id)


async def recommendations(
    svc: Services, member: AccountRow, *, shown_only: bool = False
) -> list[ImportedRecommendation]:
    async with svc.db.read() as conn:
        return await q.list_recommendations(conn, member.id, shown_only=shown_only)


async def show_recommendation(svc: Services, member: AccountRow, rec_id: int, shown: bool) -> None:
    """Show (or hide) an imported recommendation on the member's profile page."""
    async with svc.db.transaction() as conn:
        if not await q.set_recommendation_shown(conn, member.id, rec_id, shown):
            raise NotFound("no such imported recommendation")
