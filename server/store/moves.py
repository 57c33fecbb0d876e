"""Queries on a member's aliases (``alsoKnownAs``) and on moved accounts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.tables import account_aliases, account_moves


async def aliases(conn: AsyncConnection, account_id: int) -> list[str]:
    a = account_aliases.c
    query = select(a.uri).where(a.account_id == account_id).order_by(a.created_at, a.uri)
    return [row[0] for row in await conn.execute(query)]


async def add_alias(conn: AsyncConnection, account_id: int, uri: str, now: datetime) -> bool:
    """False when it was there already."""
    if uri in await aliases(conn, account_id):
        return False
    await conn.execute(
        insert(account_aliases).values(account_id=account_id, uri=uri, created_at=now)
    )
    return True


async def remove_alias(conn: AsyncConnection, account_id: int, uri: str) -> bool:
    a = account_aliases.c
    result = await conn.execute(
        delete(account_aliases).where(a.account_id == account_id, a.uri == uri)
    )
    return bool(result.rowcount)


async def set_move(conn: AsyncConnection, account_id: int, target_id: int, now: datetime) -> None:
    await conn.execute(delete(account_moves).where(account_moves.c.account_id == account_id))
    await conn.execute(
        insert(account_moves).values(
            account_id=account_id, target_account_id=target_id, moved_at=now
        )
    )


async def moved_to(conn: AsyncConnection, account_id: int) -> int | None:
    m = account_moves.c
    query = select(m.target_account_id).where(m.account_id == account_id)
    return (await conn.execute(query)).scalar()


async def moves_of(conn: AsyncConnection, account_ids: list[int]) -> dict[int, int]:
    """``{account_id: target_account_id}`` for those of ``account_ids`` that moved."""
    if not account_ids:
        return {}
    m = account_moves.c
    query = select(m.account_id, m.target_account_id).where(m.account_id.in_(account_ids))
    return {row[0]: row[1] for row in await conn.execute(query)}
