"""Counts the instance API shows about the whole instance."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.tables import accounts, statuses


async def count_local_statuses(conn: AsyncConnection) -> int:
    query = (
        select(func.count())
        .select_from(statuses.join(accounts, statuses.c.account_id == accounts.c.id))
        .where(accounts.c.domain.is_(None), statuses.c.deleted_at.is_(None))
    )
    return int((await conn.execute(query)).scalar_one())


async def count_known_domains(conn: AsyncConnection) -> int:
    query = select(func.count(func.distinct(accounts.c.domain))).where(
        accounts.c.domain.is_not(None)
    )
    return int((await conn.execute(query)).scalar_one())
