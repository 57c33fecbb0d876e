"""Group commit for the inbox: concurrent deliveries share one transaction.

Each delivery must be durably stored before we answer 202. Committing each in
its own transaction makes the database's commit the bottleneck (SQLite has
one writer); instead, rows that arrive while a commit is running wait for the
next one, which takes them all. Nobody waits on a timer: under light load a
batch is one row, under heavy load it grows by itself.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite

from server.store import Database
from server.store.queues import insert_inbox_item_statement, insert_inbox_items
from server.store.tables import inbox_items

MAX_BATCH = 500


class InboxWriter:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._pending: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def add(self, row: dict[str, Any]) -> None:
        """Store ``row`` in ``inbox_items`` (ignored if its activity is already
        stored); returns once it is committed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((row, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                await self._commit([row for row, _ in batch])
            except Exception as exc:  # every waiter learns the batch failed
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)

    async def _commit(self, rows: list[dict[str, Any]]) -> None:
        if self._db.dialect != "sqlite":
            async with self._db.transaction() as conn:
                await insert_inbox_items(conn, rows)
            return
        # On SQLite every statement through SQLAlchemy's aiosqlite adapter costs
        # several round trips to the connection's thread; this commit runs once
        # per group of deliveries, so it talks to aiosqlite directly: the same
        # statement (compiled by SQLAlchemy, values converted by the column
        # types) in three round trips instead of eight.
        sql, order, convert = _sqlite_insert(tuple(rows[0]))
        params = [tuple(convert[name](row[name]) for name in order) for row in rows]
        async with self._db.writing(), self._db.engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            await driver.execute("BEGIN IMMEDIATE")
            try:
                await driver.executemany(sql, params)
                await driver.commit()
            except BaseException:
                await driver.rollback()
                raise


@functools.cache
def _sqlite_insert(
    keys: tuple[str, ...],
) -> tuple[str, tuple[str, ...], dict[str, Callable[[Any], Any]]]:
    """The insert for rows with these keys (all rows are built alike), its
    parameter order, and each column's conversion to what sqlite3 stores."""
    dialect = SQLiteDialect_aiosqlite()
    statement = insert_inbox_item_statement("sqlite")
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    convert: dict[str, Callable[[Any], Any]] = {}
    for column in inbox_items.c:
        processor = column.type.dialect_impl(dialect).bind_processor(dialect)
        convert[column.name] = processor or _unchanged
    return compiled.string, tuple(compiled.positiontup or ()), convert


def _unchanged(value: Any) -> Any:
    return value
