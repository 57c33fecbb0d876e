"""Instance settings changed by admins (``instance_settings``): name -> JSON value."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.tables import instance_settings


async def load_settings(conn: AsyncConnection) -> dict[str, Any]:
    rows = (await conn.execute(select(instance_settings.c.name, instance_settings.c.value))).all()
    return {name: value for name, value in rows}


async def save_setting(conn: AsyncConnection, name: str, value: Any, now: datetime) -> None:
    """Insert or replace one setting (portable: update, then insert if nothing was there)."""
    table = instance_settings
    result = await conn.execute(
        update(table).where(table.c.name == name).values(value=value, updated_at=now)
    )
    if not result.rowcount:
        await conn.execute(insert(table).values(name=name, value=value, updated_at=now))


async def forget_setting(conn: AsyncConnection, name: str) -> None:
    await conn.execute(delete(instance_settings).where(instance_settings.c.name == name))
