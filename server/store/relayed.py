"""Stream events too large for a PostgreSQL ``NOTIFY`` payload, kept a few
minutes for the other processes to read (``services/broadcast``)."""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.tables import relayed_events


async def keep(conn: AsyncConnection, row_id: int, body: str, *, older_than: int) -> None:
    """Store ``body`` as ``row_id``; drop the events whose ids are below ``older_than``."""
    await conn.execute(insert(relayed_events).values(id=row_id, body=body))
    await conn.execute(delete(relayed_events).where(relayed_events.c.id < older_than))


async def read(conn: AsyncConnection, row_id: int) -> str | None:
    found = await conn.scalar(select(relayed_events.c.body).where(relayed_events.c.id == row_id))
    return str(found) if found is not None else None
