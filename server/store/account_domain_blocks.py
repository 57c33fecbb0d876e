"""A member's own blocks of whole servers (Mastodon's ``/api/v1/domain_blocks``;
the admins' server-wide ``domain_blocks`` are ``store/domains.py``).

A block is (member, domain); what comes from accounts whose ``domain`` is one
the member blocks is left out of their timelines (``exclusions``) and
notifications. The paging cursor of a block is its ``created_at`` in
microseconds: ``add`` keeps it unique per member (a CSV import adds many at once).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, delete, exists, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import BindParameter

from server.store.statuses import Page
from server.store.tables import account_domain_blocks as adb
from server.store.tables import accounts, follows, notifications

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TICK = timedelta(microseconds=1)


def cursor_of(created_at: datetime) -> int:
    """A block's paging id: its time in microseconds since 1970."""
    return (created_at - EPOCH) // TICK


LATEST = cursor_of(datetime(9999, 12, 31, tzinfo=UTC))


def _time_of(cursor: int) -> datetime:
    """The time a cursor stands for (one out of range: the first or last there is)."""
    return EPOCH + min(max(cursor, 0), LATEST) * TICK


def blocked_domains(viewer_id: int | BindParameter[int] | ColumnElement[int]) -> Select[tuple[str]]:
    """The domains ``viewer_id`` blocks, as a query to use inside another."""
    return select(adb.c.domain).where(adb.c.account_id == viewer_id)


def accounts_on_blocked_domains(
    viewer_id: int | BindParameter[int] | ColumnElement[int],
) -> Select[tuple[int]]:
    """The accounts on a domain ``viewer_id`` blocks (uses the index on ``accounts.domain``)."""
    return select(accounts.c.id).where(accounts.c.domain.in_(blocked_domains(viewer_id)))


async def add(conn: AsyncConnection, account_id: int, domain: str, now: datetime) -> bool:
    """Block ``domain`` for the member; False when it was blocked already."""
    if await is_blocked(conn, account_id, domain):
        return False
    latest = (
        await conn.execute(select(func.max(adb.c.created_at)).where(adb.c.account_id == account_id))
    ).scalar()
    created = now if latest is None or latest < now else latest + TICK
    await conn.execute(insert(adb).values(account_id=account_id, domain=domain, created_at=created))
    return True


async def remove(conn: AsyncConnection, account_id: int, domain: str) -> bool:
    """Lift the member's block of ``domain``; False when there was none."""
    query = delete(adb).where(adb.c.account_id == account_id, adb.c.domain == domain)
    return (await conn.execute(query)).rowcount > 0


async def is_blocked(conn: AsyncConnection, account_id: int, domain: str | None) -> bool:
    """Whether the member blocks ``domain`` (a local account's None never is)."""
    if not domain:
        return False
    query = select(exists().where(adb.c.account_id == account_id, adb.c.domain == domain))
    return bool((await conn.execute(query)).scalar())


async def list_page(conn: AsyncConnection, account_id: int, page: Page) -> list[tuple[int, str]]:
    """(cursor, domain) of the member's blocks, newest first, paged as Mastodon pages."""
    column = adb.c.created_at
    query = select(column, adb.c.domain).where(adb.c.account_id == account_id)
    if page.max_id is not None:
        query = query.where(column < _time_of(page.max_id))
    if page.since_id is not None:
        query = query.where(column > _time_of(page.since_id))
    if page.min_id is not None:
        query = query.where(column > _time_of(page.min_id)).order_by(column.asc())
    else:
        query = query.order_by(column.desc())
    rows = [(cursor_of(at), domain) for at, domain in await conn.execute(query.limit(page.limit))]
    return sorted(rows, reverse=True)


async def all_domains(conn: AsyncConnection, account_id: int) -> list[str]:
    """Every domain the member blocks, alphabetically."""
    query = blocked_domains(account_id).order_by(adb.c.domain)
    return list((await conn.execute(query)).scalars())


async def follows_with(
    conn: AsyncConnection, account_id: int, domain: str
) -> tuple[list[int], list[int]]:
    """Ids of the accounts on ``domain`` the member follows (or asked to), and of
    those following the member (or asking to)."""
    on_domain = select(accounts.c.id).where(accounts.c.domain == domain)
    mine = select(follows.c.target_account_id).where(
        follows.c.account_id == account_id, follows.c.target_account_id.in_(on_domain)
    )
    theirs = select(follows.c.account_id).where(
        follows.c.target_account_id == account_id, follows.c.account_id.in_(on_domain)
    )
    return list((await conn.execute(mine)).scalars()), list((await conn.execute(theirs)).scalars())


async def blocking_domain_of(conn: AsyncConnection, account_id: int, other_id: int) -> bool:
    """Whether the member blocks the domain of account ``other_id`` and does not follow it
    (Mastodon still tells a member about accounts they follow on a blocked domain)."""
    other = accounts.alias("other")
    query = select(
        exists().where(
            other.c.id == other_id,
            other.c.domain.in_(blocked_domains(account_id)),
            ~exists().where(
                and_(follows.c.account_id == account_id, follows.c.target_account_id == other_id)
            ),
        )
    )
    return bool((await conn.execute(query)).scalar())


async def delete_notifications_from_domain(
    conn: AsyncConnection, account_id: int, domain: str
) -> None:
    """Drop the member's notifications caused by accounts on ``domain``."""
    on_domain = select(accounts.c.id).where(accounts.c.domain == domain)
    await conn.execute(
        delete(notifications).where(
            notifications.c.account_id == account_id,
            notifications.c.from_account_id.in_(on_domain),
        )
    )
