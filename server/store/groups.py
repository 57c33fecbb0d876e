"""Queries on groups: local groups' rows, moderators, bans and the posts made to
a group (local or remote).

A group is an account of actor type ``Group``; being a member is following it
(``follows``: accepted, or pending while a group that approves members has
not answered), so members, counts and deliveries are the follow machinery's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, exists, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.accounts import AccountRow
from server.store.graph import ACCEPTED, PENDING
from server.store.statuses import Page, in_display_order, paged
from server.store.tables import (
    accounts,
    follows,
    group_bans,
    group_posts,
    group_roles,
    groups,
    statuses,
)

OWNER = "owner"
MODERATOR = "moderator"
ROLES = (OWNER, MODERATOR)


@dataclass(frozen=True, slots=True)
class GroupPostRow:
    group_id: int
    status_id: int
    author_id: int
    created_at: datetime
    removed_at: datetime | None

    @classmethod
    def from_row(cls, row: RowMapping) -> GroupPostRow:
        return cls(
            row["group_id"],
            row["status_id"],
            row["author_id"],
            row["created_at"],
            row["removed_at"],
        )


async def insert_group(
    conn: AsyncConnection, account_id: int, created_by_id: int, now: datetime
) -> None:
    await conn.execute(
        insert(groups).values(account_id=account_id, created_by_id=created_by_id, created_at=now)
    )
    await set_role(conn, account_id, created_by_id, OWNER, now)


async def is_local_group(conn: AsyncConnection, account_id: int) -> bool:
    query = select(exists().where(groups.c.account_id == account_id))
    return bool((await conn.execute(query)).scalar())


# Moderators


async def set_role(
    conn: AsyncConnection, group_id: int, account_id: int, role: str | None, now: datetime
) -> None:
    """Make ``account_id`` the group's ``role``, or (``None``) a plain member again."""
    where = and_(group_roles.c.group_id == group_id, group_roles.c.account_id == account_id)
    await conn.execute(delete(group_roles).where(where))
    if role is not None:
        await conn.execute(
            insert(group_roles).values(
                group_id=group_id, account_id=account_id, role=role, created_at=now
            )
        )


async def role_of(conn: AsyncConnection, group_id: int, account_id: int) -> str | None:
    query = select(group_roles.c.role).where(
        group_roles.c.group_id == group_id, group_roles.c.account_id == account_id
    )
    return (await conn.execute(query)).scalar()


async def roles(conn: AsyncConnection, group_id: int) -> dict[int, str]:
    query = select(group_roles.c.account_id, group_roles.c.role).where(
        group_roles.c.group_id == group_id
    )
    return {r[0]: r[1] for r in (await conn.execute(query)).all()}


async def count_owners(conn: AsyncConnection, group_id: int) -> int:
    query = select(func.count()).where(
        group_roles.c.group_id == group_id, group_roles.c.role == OWNER
    )
    return int((await conn.execute(query)).scalar() or 0)


# Membership (follows of the group's account)


async def membership_states(
    conn: AsyncConnection, account_id: int, group_ids: list[int]
) -> dict[int, str]:
    """``{group_id: "member" | "moderator" | "owner" | "pending"}`` for the groups
    ``account_id`` belongs to or asked to join, among ``group_ids``."""
    if not group_ids:
        return {}
    query = select(follows.c.target_account_id, follows.c.state).where(
        follows.c.account_id == account_id, follows.c.target_account_id.in_(group_ids)
    )
    found = {
        r[0]: ("member" if r[1] == ACCEPTED else "pending")
        for r in (await conn.execute(query)).all()
    }
    query = select(group_roles.c.group_id, group_roles.c.role).where(
        group_roles.c.account_id == account_id, group_roles.c.group_id.in_(group_ids)
    )
    for group_id, role in (await conn.execute(query)).all():
        found[group_id] = role
    return found


async def groups_of(
    conn: AsyncConnection, account_id: int, page: Page, *, state: str = ACCEPTED
) -> list[tuple[int, AccountRow]]:
    """The groups ``account_id`` belongs to (or asked to join, ``state=PENDING``),
    with the follow id as the paging cursor."""
    query = (
        select(follows.c.id.label("follow_id"), accounts)
        .join(accounts, accounts.c.id == follows.c.target_account_id)
        .where(
            follows.c.account_id == account_id,
            follows.c.state == state,
            accounts.c.actor_type == "Group",
            accounts.c.suspended_at.is_(None),
        )
    )
    rows = (await conn.execute(paged(query, follows.c.id, page))).mappings().all()
    found = [(r["follow_id"], AccountRow.from_row(r)) for r in rows]
    return in_display_order(found, page, key=lambda pair: pair[0])


async def local_directory(conn: AsyncConnection, *, limit: int, offset: int) -> list[AccountRow]:
    """This server's groups that list themselves, the most members first."""
    members = (
        select(func.count())
        .where(follows.c.target_account_id == accounts.c.id, follows.c.state == ACCEPTED)
        .scalar_subquery()
    )
    query = (
        select(accounts)
        .where(
            accounts.c.actor_type == "Group",
            accounts.c.domain.is_(None),
            accounts.c.discoverable.is_(True),
            accounts.c.suspended_at.is_(None),
        )
        .order_by(members.desc(), accounts.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [AccountRow.from_row(r) for r in (await conn.execute(query)).mappings().all()]


async def count_pending(conn: AsyncConnection, group_id: int) -> int:
    query = select(func.count()).where(
        follows.c.target_account_id == group_id, follows.c.state == PENDING
    )
    return int((await conn.execute(query)).scalar() or 0)


# Bans


async def ban(
    conn: AsyncConnection, group_id: int, account_id: int, reason: str, now: datetime
) -> None:
    await unban(conn, group_id, account_id)
    await conn.execute(
        insert(group_bans).values(
            group_id=group_id, account_id=account_id, reason=reason, created_at=now
        )
    )


async def unban(conn: AsyncConnection, group_id: int, account_id: int) -> bool:
    result = await conn.execute(
        delete(group_bans).where(
            group_bans.c.group_id == group_id, group_bans.c.account_id == account_id
        )
    )
    return bool(result.rowcount)


async def is_banned(conn: AsyncConnection, group_id: int, account_id: int) -> bool:
    query = select(
        exists().where(group_bans.c.group_id == group_id, group_bans.c.account_id == account_id)
    )
    return bool((await conn.execute(query)).scalar())


@dataclass(frozen=True, slots=True)
class Ban:
    account: AccountRow
    reason: str
    created_at: datetime


async def banned(conn: AsyncConnection, group_id: int, *, limit: int) -> list[Ban]:
    """Who is banned from the group, the latest first, with the moderator's reason."""
    query = (
        select(accounts, group_bans.c.reason, group_bans.c.created_at.label("banned_at"))
        .join(group_bans, group_bans.c.account_id == accounts.c.id)
        .where(group_bans.c.group_id == group_id)
        .order_by(group_bans.c.created_at.desc())
        .limit(limit)
    )
    rows = (await conn.execute(query)).mappings().all()
    return [Ban(AccountRow.from_row(r), r["reason"], r["banned_at"]) for r in rows]


# Posts made to a group


async def add_post(
    conn: AsyncConnection, group_id: int, status_id: int, author_id: int, now: datetime
) -> bool:
    """Record a post as made to the group; False if it already was."""
    if await get_post(conn, group_id, status_id) is not None:
        return False
    await conn.execute(
        insert(group_posts).values(
            group_id=group_id, status_id=status_id, author_id=author_id, created_at=now
        )
    )
    return True


async def get_post(conn: AsyncConnection, group_id: int, status_id: int) -> GroupPostRow | None:
    query = select(group_posts).where(
        group_posts.c.group_id == group_id, group_posts.c.status_id == status_id
    )
    row = (await conn.execute(query)).mappings().first()
    return GroupPostRow.from_row(row) if row else None


async def remove_post(conn: AsyncConnection, group_id: int, status_id: int, now: datetime) -> None:
    await conn.execute(
        update(group_posts)
        .where(group_posts.c.group_id == group_id, group_posts.c.status_id == status_id)
        .values(removed_at=now)
    )


async def groups_of_status(conn: AsyncConnection, status_id: int) -> list[int]:
    """The groups a post was made to and is still shown in."""
    query = select(group_posts.c.group_id).where(
        group_posts.c.status_id == status_id, group_posts.c.removed_at.is_(None)
    )
    return [r[0] for r in (await conn.execute(query)).all()]


async def post_ids(conn: AsyncConnection, group_id: int, page: Page) -> list[int]:
    """Ids of the live posts in a group, newest first."""
    query = (
        select(group_posts.c.status_id)
        .join(statuses, statuses.c.id == group_posts.c.status_id)
        .where(
            group_posts.c.group_id == group_id,
            group_posts.c.removed_at.is_(None),
            statuses.c.deleted_at.is_(None),
        )
    )
    rows = (await conn.execute(paged(query, group_posts.c.status_id, page))).all()
    return in_display_order([r[0] for r in rows], page, key=lambda i: i)


async def active_groups_of(
    conn: AsyncConnection, author_ids: list[int], since: datetime, *, limit: int
) -> list[tuple[int, int]]:
    """``(group_id, how many of author_ids posted there since)``, busiest first."""
    if not author_ids:
        return []
    people = func.count(func.distinct(group_posts.c.author_id))
    query = (
        select(group_posts.c.group_id, people)
        .where(
            group_posts.c.author_id.in_(author_ids),
            group_posts.c.created_at >= since,
            group_posts.c.removed_at.is_(None),
        )
        .group_by(group_posts.c.group_id)
        .order_by(people.desc())
        .limit(limit)
    )
    return [(r[0], int(r[1])) for r in (await conn.execute(query)).all()]
