"""Queries on what a LinkedIn export brought: contacts, imported recommendations,
a profile's languages and certifications, and members' own LinkedIn addresses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.tables import (
    accounts,
    imported_recommendations,
    linkedin_contacts,
    linkedin_links,
    profile_extras,
)
from server.store.upsert import upsert

_CHUNK = 500  # keys per IN (...) and rows per INSERT


@dataclass(frozen=True, slots=True)
class ContactRow:
    id: int
    first_name: str
    last_name: str
    url_key: str | None
    email: str | None
    company: str
    position: str
    connected_on: str | None
    matched_account_id: int | None  # a findable member with that LinkedIn address


@dataclass(frozen=True, slots=True)
class ImportedRecommendation:
    id: int
    account_id: int
    author: str
    author_title: str
    text: str
    written_on: str | None
    shown: bool
    created_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> ImportedRecommendation:
        return cls(**{name: row[name] for name in cls.__slots__})


# --- languages and certifications --------------------------------------------------


async def get_extras(conn: AsyncConnection, account_id: int) -> dict[str, list[Any]]:
    query = select(profile_extras).where(profile_extras.c.account_id == account_id)
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        return {"languages": [], "certifications": []}
    return {"languages": list(row["languages"]), "certifications": list(row["certifications"])}


async def set_extras(
    conn: AsyncConnection, account_id: int, languages: list[Any], certifications: list[Any],
    now: datetime,
) -> None:  # fmt: skip
    values = {
        "account_id": account_id,
        "languages": languages,
        "certifications": certifications,
        "updated_at": now,
    }
    await conn.execute(upsert(conn, profile_extras, values, ["account_id"]))


async def delete_extras(conn: AsyncConnection, account_id: int) -> None:
    await conn.execute(delete(profile_extras).where(profile_extras.c.account_id == account_id))


# --- contacts ------------------------------------------------------------------------


async def replace_contacts(
    conn: AsyncConnection, account_id: int, rows: Sequence[dict[str, Any]]
) -> None:
    """The member's contacts become ``rows`` (each with its id and created_at)."""
    await conn.execute(
        delete(linkedin_contacts).where(linkedin_contacts.c.account_id == account_id)
    )
    for start in range(0, len(rows), _CHUNK):
        batch = [{**row, "account_id": account_id} for row in rows[start : start + _CHUNK]]
        await conn.execute(insert(linkedin_contacts), batch)


async def findable_accounts(
    conn: AsyncConnection, keys: Iterable[str], exclude: int
) -> dict[str, int]:
    """url_key -> account id of the members (not suspended) who may be found by that address."""
    wanted = sorted(set(keys))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), _CHUNK):
        query = (
            select(linkedin_links.c.url_key, linkedin_links.c.account_id)
            .join(accounts, accounts.c.id == linkedin_links.c.account_id)
            .where(
                linkedin_links.c.url_key.in_(wanted[start : start + _CHUNK]),
                linkedin_links.c.findable.is_(True),
                linkedin_links.c.account_id != exclude,
                accounts.c.suspended_at.is_(None),
            )
        )
        for key, account_id in (await conn.execute(query)).all():
            found.setdefault(key, account_id)
    return found


def _with_matches(account_id: int) -> Any:
    """The member's contacts joined to the findable member (not suspended) each matches."""
    link = linkedin_links
    return linkedin_contacts.outerjoin(
        link,
        and_(
            link.c.url_key == linkedin_contacts.c.url_key,
            link.c.findable.is_(True),
            link.c.account_id != account_id,
        ),
    ).outerjoin(
        accounts, and_(accounts.c.id == link.c.account_id, accounts.c.suspended_at.is_(None))
    )


async def list_contacts(
    conn: AsyncConnection, account_id: int, *, matched_only: bool = False, limit: int = 100,
    offset: int = 0, unmatched_only: bool = False,
) -> list[ContactRow]:  # fmt: skip
    """The member's contacts, matched ones first, each with the findable member
    (not suspended) their LinkedIn address belongs to."""
    query = (
        select(linkedin_contacts, accounts.c.id.label("matched_account_id"))
        .select_from(_with_matches(account_id))
        .where(linkedin_contacts.c.account_id == account_id)
        .order_by(accounts.c.id.is_(None), linkedin_contacts.c.last_name, linkedin_contacts.c.id)
        .limit(limit)
        .offset(offset)
    )
    if matched_only:
        query = query.where(accounts.c.id.is_not(None))
    elif unmatched_only:
        query = query.where(accounts.c.id.is_(None))
    rows = (await conn.execute(query)).mappings().all()
    return [ContactRow(**{name: r[name] for name in ContactRow.__slots__}) for r in rows]


async def count_contacts(conn: AsyncConnection, account_id: int) -> int:
    query = select(func.count()).where(linkedin_contacts.c.account_id == account_id)
    return int((await conn.execute(query)).scalar_one())


async def count_unmatched(conn: AsyncConnection, account_id: int) -> int:
    """How many of the member's contacts match no findable member."""
    query = (
        select(func.count())
        .select_from(_with_matches(account_id))
        .where(linkedin_contacts.c.account_id == account_id, accounts.c.id.is_(None))
    )
    return int((await conn.execute(query)).scalar_one())


# --- imported recommendations --------------------------------------------------------


async def list_recommendations(
    conn: AsyncConnection, account_id: int, *, shown_only: bool = False
) -> list[ImportedRecommendation]:
    table = imported_recommendations
    query = select(table).where(table.c.account_id == account_id).order_by(table.c.id)
    if shown_only:
        query = query.where(table.c.shown.is_(True))
    rows = (await conn.execute(query)).mappings().all()
    return [ImportedRecommendation.from_row(r) for r in rows]


async def insert_recommendations(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(insert(imported_recommendations), list(rows))


async def set_recommendation_shown(
    conn: AsyncConnection, account_id: int, rec_id: int, shown: bool
) -> bool:
    table = imported_recommendations
    result = await conn.execute(
        update(table)
        .where(table.c.id == rec_id, table.c.account_id == account_id)
        .values(shown=shown)
    )
    return result.rowcount > 0


# --- a member's own LinkedIn address ----------------------------------------------------


async def get_link(conn: AsyncConnection, account_id: int) -> tuple[str, bool] | None:
    query = select(linkedin_links.c.url_key, linkedin_links.c.findable).where(
        linkedin_links.c.account_id == account_id
    )
    row = (await conn.execute(query)).first()
    return (row[0], bool(row[1])) if row else None


async def set_link(
    conn: AsyncConnection, account_id: int, key: str | None, findable: bool, now: datetime
) -> None:
    """Publish (or, with no key, remove) the member's LinkedIn address."""
    if key is None:
        await conn.execute(delete(linkedin_links).where(linkedin_links.c.account_id == account_id))
        return
    values = {"account_id": account_id, "url_key": key, "findable": findable, "updated_at": now}
    await conn.execute(upsert(conn, linkedin_links, values, ["account_id"]))
