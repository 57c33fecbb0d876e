"""Mastodon's lists: a member's named lists of accounts they follow, each with
its own timeline (tables ``lists`` and ``list_accounts``, migration 0020)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.accounts import AccountRow, get_accounts
from server.store.exclusions import Excluding, hide_excluded
from server.store.graph import ACCEPTED
from server.store.statuses import Page, StatusRow, in_display_order, paged
from server.store.tables import accounts, follows, list_accounts, lists, statuses


@dataclass(frozen=True, slots=True)
class ListRow:
    id: int
    account_id: int
    title: str
    replies_policy: str
    exclusive: bool
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> ListRow:
        return cls(**{name: row[name] for name in cls.__slots__})


async def count_lists(conn: AsyncConnection, owner_id: int) -> int:
    query = select(func.count()).select_from(lists).where(lists.c.account_id == owner_id)
    return int((await conn.execute(query)).scalar_one())


async def create_list(conn: AsyncConnection, row: ListRow) -> None:
    await conn.execute(
        insert(lists).values({name: getattr(row, name) for name in ListRow.__slots__})
    )


async def get_list(conn: AsyncConnection, owner_id: int, list_id: int) -> ListRow | None:
    """The list, when it is ``owner_id``'s."""
    query = select(lists).where(lists.c.id == list_id, lists.c.account_id == owner_id)
    row = (await conn.execute(query)).mappings().first()
    return ListRow.from_row(row) if row else None


async def owned_lists(conn: AsyncConnection, owner_id: int) -> list[ListRow]:
    """The member's lists, oldest first (as Mastodon lists them)."""
    query = select(lists).where(lists.c.account_id == owner_id).order_by(lists.c.id)
    return [ListRow.from_row(r) for r in (await conn.execute(query)).mappings()]


async def lists_with_account(
    conn: AsyncConnection, owner_id: int, account_id: int
) -> list[ListRow]:
    """The member's lists that hold ``account_id``."""
    query = (
        select(lists)
        .join(list_accounts, list_accounts.c.list_id == lists.c.id)
        .where(lists.c.account_id == owner_id, list_accounts.c.account_id == account_id)
        .order_by(lists.c.id)
    )
    return [ListRow.from_row(r) for r in (await conn.execute(query)).mappings()]


async def update_list(conn: AsyncConnection, list_id: int, **values: object) -> None:
    await conn.execute(update(lists).where(lists.c.id == list_id).values(**values))


async def delete_list(conn: AsyncConnection, list_id: int) -> None:
    await conn.execute(delete(list_accounts).where(list_accounts.c.list_id == list_id))
    await conn.execute(delete(lists).where(lists.c.id == list_id))


async def member_ids(conn: AsyncConnection, list_id: int) -> set[int]:
    query = select(list_accounts.c.account_id).where(list_accounts.c.list_id == list_id)
    return set((await conn.execute(query)).scalars())


async def add_accounts(
    conn: AsyncConnection, list_id: int, account_ids: Iterable[int], now: datetime
) -> None:
    """Add the accounts not in the list yet (adding one twice changes nothing)."""
    there = await member_ids(conn, list_id)
    rows = [
        {"list_id": list_id, "account_id": a, "created_at": now}
        for a in dict.fromkeys(account_ids)
        if a not in there
    ]
    if rows:
        await conn.execute(insert(list_accounts), rows)


async def remove_accounts(conn: AsyncConnection, list_id: int, account_ids: list[int]) -> None:
    await conn.execute(
        delete(list_accounts).where(
            list_accounts.c.list_id == list_id, list_accounts.c.account_id.in_(account_ids)
        )
    )


async def list_members(
    conn: AsyncConnection, list_id: int, page: Page | None
) -> list[tuple[int, AccountRow]]:
    """(cursor, account) of the list's accounts, paged by account id; every one
    when ``page`` is None (Mastodon's ``limit=0``)."""
    query = (
        select(accounts)
        .join(list_accounts, list_accounts.c.account_id == accounts.c.id)
        .where(list_accounts.c.list_id == list_id)
    )
    if page is None:
        query = query.order_by(accounts.c.id.desc())
        rows = (await conn.execute(query)).mappings().all()
        return [(r["id"], AccountRow.from_row(r)) for r in rows]
    rows = (await conn.execute(paged(query, list_accounts.c.account_id, page))).mappings().all()
    found = [(r["id"], AccountRow.from_row(r)) for r in rows]
    return in_display_order(found, page, key=lambda pair: pair[0])


async def all_entries(conn: AsyncConnection, owner_id: int) -> list[tuple[ListRow, AccountRow]]:
    """(list, account) for every account on every list of the member (for the CSV)."""
    query = (
        select(lists, accounts.c.id.label("member_id"))
        .join(list_accounts, list_accounts.c.list_id == lists.c.id)
        .join(accounts, accounts.c.id == list_accounts.c.account_id)
        .where(lists.c.account_id == owner_id)
        .order_by(lists.c.id, accounts.c.id)
    )
    rows = (await conn.execute(query)).mappings().all()
    found = await get_accounts(conn, {r["member_id"] for r in rows})
    return [(ListRow.from_row(r), found[r["member_id"]]) for r in rows]


def exclusive_accounts(owner_id: int) -> Any:
    """The accounts on the member's exclusive lists (their posts leave the home feed)."""
    return (
        select(list_accounts.c.account_id)
        .join(lists, lists.c.id == list_accounts.c.list_id)
        .where(lists.c.account_id == owner_id, lists.c.exclusive.is_(True))
    )


def exclusive_owners(account_id: int) -> Any:
    """The members who have ``account_id`` on one of their exclusive lists."""
    return (
        select(lists.c.account_id)
        .join(list_accounts, list_accounts.c.list_id == lists.c.id)
        .where(list_accounts.c.account_id == account_id, lists.c.exclusive.is_(True))
    )


def _followed(owner_id: int) -> Any:
    return select(follows.c.target_account_id).where(
        follows.c.account_id == owner_id, follows.c.state == ACCEPTED
    )


def _replies_shown(found: ListRow) -> Any:
    """Mastodon's ``replies_policy``: a post that is not a reply, a reply to
    oneself or to the list's owner always shows; other replies show for
    ``followed`` when they answer someone the owner follows, for ``list`` when
    they answer someone on the list, for ``none`` never."""
    reply_to = statuses.c.in_reply_to_account_id
    shown = [
        statuses.c.in_reply_to_id.is_(None) & statuses.c.in_reply_to_uri.is_(None),
        reply_to == statuses.c.account_id,
        reply_to == found.account_id,
    ]
    if found.replies_policy == "followed":
        shown.append(reply_to.in_(_followed(found.account_id)))
    elif found.replies_policy == "list":
        on_list = select(list_accounts.c.account_id).where(list_accounts.c.list_id == found.id)
        shown.append(reply_to.in_(on_list))
    return or_(*shown)


async def list_timeline(
    conn: AsyncConnection, found: ListRow, page: Page, excluding: Excluding
) -> list[StatusRow]:
    """Posts and boosts by the list's accounts that its owner may see, newest
    first, without what the owner excludes (blocks, mutes) and without the
    replies ``replies_policy`` leaves out. Direct messages stay out, as in
    Mastodon's list feeds; followers-only posts need an accepted follow."""
    members = select(list_accounts.c.account_id).where(list_accounts.c.list_id == found.id)
    followed = _followed(found.account_id)
    query = select(statuses).where(
        statuses.c.account_id.in_(members),
        statuses.c.deleted_at.is_(None),
        or_(
            statuses.c.visibility.in_(("public", "unlisted")),
            and_(statuses.c.visibility == "private", statuses.c.account_id.in_(followed)),
        ),
        _replies_shown(found),
    )
    query = hide_excluded(query, excluding)
    rows = (await conn.execute(paged(query, statuses.c.id, page))).mappings().all()
    return in_display_order([StatusRow.from_row(r) for r in rows], page, key=lambda s: s.id)
