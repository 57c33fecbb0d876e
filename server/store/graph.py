"""Queries on the social graph: follows and follow requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import BindParameter

from server.store import stats
from server.store.accounts import AccountRow
from server.store.statuses import Page, in_display_order, paged
from server.store.tables import accounts, follows, list_accounts, lists

PENDING = "pending"
ACCEPTED = "accepted"


@dataclass(frozen=True, slots=True)
class FollowRow:
    id: int
    account_id: int
    target_account_id: int
    state: str
    uri: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> FollowRow:
        return cls(**{name: row[name] for name in cls.__slots__})


async def _count(conn: AsyncConnection, follower_id: int, target_id: int, delta: int) -> None:
    await stats.bump(conn, follower_id, following_delta=delta)
    await stats.bump(conn, target_id, followers_delta=delta)


async def insert_follow(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(insert(follows).values(**values))
    if values["state"] == ACCEPTED:
        await _count(conn, values["account_id"], values["target_account_id"], 1)


async def get_follow(conn: AsyncConnection, account_id: int, target_id: int) -> FollowRow | None:
    query = select(follows).where(
        follows.c.account_id == account_id, follows.c.target_account_id == target_id
    )
    row = (await conn.execute(query)).mappings().first()
    return FollowRow.from_row(row) if row else None


async def get_follow_by_uri(conn: AsyncConnection, uri: str) -> FollowRow | None:
    row = (await conn.execute(select(follows).where(follows.c.uri == uri))).mappings().first()
    return FollowRow.from_row(row) if row else None


async def _get(conn: AsyncConnection, follow_id: int) -> FollowRow | None:
    row = (await conn.execute(select(follows).where(follows.c.id == follow_id))).mappings().first()
    return FollowRow.from_row(row) if row else None


async def set_follow_state(conn: AsyncConnection, follow_id: int, state: str) -> None:
    before = await _get(conn, follow_id)
    await conn.execute(update(follows).where(follows.c.id == follow_id).values(state=state))
    if before is not None and before.state != state:
        delta = 1 if state == ACCEPTED else -1 if before.state == ACCEPTED else 0
        if delta:
            await _count(conn, before.account_id, before.target_account_id, delta)


async def delete_follow(conn: AsyncConnection, follow_id: int) -> None:
    before = await _get(conn, follow_id)
    await conn.execute(delete(follows).where(follows.c.id == follow_id))
    if before is not None and before.state == ACCEPTED:
        await _count(conn, before.account_id, before.target_account_id, -1)
    if before is not None:  # an unfollowed account leaves the follower's lists, as in Mastodon
        owned = select(lists.c.id).where(lists.c.account_id == before.account_id)
        await conn.execute(
            delete(list_accounts).where(
                list_accounts.c.account_id == before.target_account_id,
                list_accounts.c.list_id.in_(owned),
            )
        )


async def delete_follows_of(conn: AsyncConnection, account_id: int) -> None:
    """Every follow from or to an account (it was deleted)."""
    touching = (follows.c.account_id == account_id) | (follows.c.target_account_id == account_id)
    rows = (
        await conn.execute(
            select(follows.c.account_id, follows.c.target_account_id).where(touching)
        )
    ).all()
    await conn.execute(delete(follows).where(touching))
    owned = select(lists.c.id).where(lists.c.account_id == account_id)
    await conn.execute(
        delete(list_accounts).where(
            (list_accounts.c.account_id == account_id) | list_accounts.c.list_id.in_(owned)
        )
    )
    await stats.recount(conn, {account_id, *(a for pair in rows for a in pair)})


async def follower_inboxes(
    conn: AsyncConnection, account_id: int
) -> list[tuple[str | None, str | None]]:
    """Where the remote accounts that follow ``account_id`` receive, one row per
    destination (their shared inbox, else their own): as ``(None, url)`` pairs
    for ``inbox_targets``. Folding in SQL reads one row per server, not one per
    follower (500 rather than 10,000 for a big group)."""
    target = func.coalesce(func.nullif(accounts.c.shared_inbox_url, ""), accounts.c.inbox_url)
    query = (
        select(target)
        .join(follows, follows.c.account_id == accounts.c.id)
        .where(
            follows.c.target_account_id == account_id,
            follows.c.state == ACCEPTED,
            accounts.c.domain.is_not(None),
            target.is_not(None),
        )
        .distinct()
    )
    return [(None, row[0]) for row in (await conn.execute(query)).all()]


async def local_follower_ids(conn: AsyncConnection, account_id: int) -> list[int]:
    """Local members who follow ``account_id`` (for home-feed fan-out)."""
    query = (
        select(follows.c.account_id)
        .join(accounts, accounts.c.id == follows.c.account_id)
        .where(
            follows.c.target_account_id == account_id,
            follows.c.state == ACCEPTED,
            accounts.c.domain.is_(None),
        )
    )
    return [r[0] for r in (await conn.execute(query)).all()]


async def list_related(
    conn: AsyncConnection, account_id: int, page: Page, *, direction: str, state: str = ACCEPTED
) -> list[tuple[int, AccountRow]]:
    """Followers (``direction="followers"``) or followed accounts, with the follow id
    as the paging cursor."""
    mine, theirs = (
        (follows.c.target_account_id, follows.c.account_id)
        if direction == "followers"
        else (follows.c.account_id, follows.c.target_account_id)
    )
    query = (
        select(follows.c.id.label("follow_id"), accounts)
        .join(accounts, accounts.c.id == theirs)
        .where(mine == account_id, follows.c.state == state)
    )
    rows = (await conn.execute(paged(query, follows.c.id, page))).mappings().all()
    found = [(r["follow_id"], AccountRow.from_row(r)) for r in rows]
    return in_display_order(found, page, key=lambda pair: pair[0])


def follow_requests_counted(account_id: int | BindParameter[int]) -> Select[tuple[int]]:
    """Follow requests waiting for the account's answer."""
    return select(func.count()).where(
        follows.c.target_account_id == account_id, follows.c.state == PENDING
    )


async def familiar_followers(
    conn: AsyncConnection, viewer_id: int, target_id: int, *, limit: int = 40
) -> list[AccountRow]:
    """Accounts the viewer follows that follow ``target_id`` too."""
    mine = follows.alias("mine")
    theirs = follows.alias("theirs")
    query = (
        select(accounts)
        .join(mine, mine.c.target_account_id == accounts.c.id)
        .join(theirs, theirs.c.account_id == accounts.c.id)
        .where(
            mine.c.account_id == viewer_id,
            mine.c.state == ACCEPTED,
            theirs.c.target_account_id == target_id,
            theirs.c.state == ACCEPTED,
        )
        .order_by(mine.c.id.desc())
        .limit(limit)
    )
    return [AccountRow.from_row(r) for r in (await conn.execute(query)).mappings().all()]
