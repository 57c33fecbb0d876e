"""``INSERT … ON CONFLICT``, which SQLAlchemy builds with each dialect's own
``insert``: the one place that chooses it, for SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def insert_for(dialect: str, table: Table) -> Any:
    """An INSERT that can say what to do on conflict (``on_conflict_do_...``)."""
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)


def insert_on(conn: AsyncConnection, table: Table) -> Any:
    return insert_for(conn.dialect.name, table)


def upsert(
    conn: AsyncConnection, table: Table, values: Mapping[str, Any], key: Sequence[str]
) -> Any:
    """Insert ``values``, or update the row with the same ``key`` columns to them."""
    changed = {k: v for k, v in values.items() if k not in key}
    statement = insert_on(conn, table).values(**values)
    return statement.on_conflict_do_update(index_elements=list(key), set_=changed)
