"""For tests of "all or nothing": make the database refuse a write, and compare
every row before and after.

``refused`` installs a trigger that raises a real database error at the
statement itself, on SQLite and on PostgreSQL alike, so a service fails at that
step inside its transaction without any of its code being patched.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import select

from server.store import Database
from server.store.tables import metadata

MESSAGE = "refused by the test"


def _statements(dialect: str, table: str, event: str) -> tuple[list[str], list[str]]:
    name = f"refuse_{event.lower()}_{table}"
    if dialect == "sqlite":
        create = (
            f"CREATE TRIGGER {name} BEFORE {event} ON {table}"
            f" BEGIN SELECT RAISE(ABORT, '{table} {MESSAGE}'); END"
        )
        return [create], [f"DROP TRIGGER {name}"]
    return (
        [
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql"
            f" AS $$ BEGIN RAISE EXCEPTION '{table} {MESSAGE}'; END $$",
            f"CREATE TRIGGER {name} BEFORE {event} ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION {name}()",
        ],
        [f"DROP TRIGGER {name} ON {table}", f"DROP FUNCTION {name}()"],
    )


@asynccontextmanager
async def refused(db: Database, table: str, event: str = "INSERT") -> AsyncIterator[None]:
    """While inside, every ``event`` (INSERT, UPDATE or DELETE) on ``table`` fails
    with a database error whose message says ``"<table> refused by the test"``."""
    create, drop = _statements(db.dialect, table, event)
    async with db.transaction() as conn:
        for sql in create:
            await conn.exec_driver_sql(sql)
    try:
        yield
    finally:
        async with db.transaction() as conn:
            for sql in drop:
                await conn.exec_driver_sql(sql)


async def everything(db: Database, *, leave_out: tuple[str, ...] = ()) -> dict[str, list[Any]]:
    """Every row of every table (but those left out), to compare before and after."""
    async with db.read() as conn:
        return {
            table.name: sorted((await conn.execute(select(table))).all(), key=repr)
            for table in metadata.sorted_tables
            if table.name not in leave_out
        }
