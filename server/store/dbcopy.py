"""Copying a whole Warmline database into an empty PostgreSQL one, for
``warmline db copy``.

Rows are read through the table definitions (so SQLite's integers come back
as booleans, its text as aware datetimes and parsed JSON), turned into what
the target's driver takes by the target dialect's own bind processors, and
written with PostgreSQL's binary ``COPY``, a batch at a time: memory stays
bounded whatever the size of the database. Tables go in foreign-key order;
a post replying to a post with a larger id (a parent fetched after its reply)
gets its reference set once its table is in. Everything is written in one
transaction on the target, checked table by table against the source's row
counts before it commits: a failed copy leaves the target as empty as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Table, bindparam, func, select, text, update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.database import Database, driver_reason
from server.store.queues import DEAD_AFTER
from server.store.tables import metadata, processes

BATCH = 5000  # rows read, converted and written at a time


class CopyError(RuntimeError):
    """The copy cannot go on; the message says why, in one line."""


@dataclass
class CopyReport:
    tables: int = 0
    rows: int = 0
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)


def tables() -> list[Table]:
    """Every table, each after the tables it refers to."""
    return list(metadata.sorted_tables)


async def revision(db: Database) -> str | None:
    """The source's schema revision, or None when it has none (not Warmline's)."""
    try:
        async with db.read() as conn:
            rows = (await conn.exec_driver_sql("SELECT version_num FROM alembic_version")).all()
    except Exception:
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


async def live_processes(db: Database, now: datetime | None = None) -> list[str]:
    """Names of the processes whose queue-worker heartbeat is recent."""
    since = (now or datetime.now(UTC)) - DEAD_AFTER
    async with db.read() as conn:
        found = await conn.execute(
            select(processes.c.name).where(processes.c.heartbeat_at >= since)
        )
        return [str(row[0]) for row in found]


async def count_rows(conn: AsyncConnection) -> dict[str, int]:
    counts = {}
    for table in tables():
        counts[table.name] = int(
            (await conn.execute(select(func.count()).select_from(table))).scalar_one()
        )
    return counts


async def target_contents(db: Database) -> tuple[list[str], dict[str, int]]:
    """(tables in the target that are not Warmline's, rows in each Warmline table
    the target has); raises CopyError when it cannot be reached."""
    query = (
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
    )
    try:
        async with db.read() as conn:
            names = {str(row[0]) for row in (await conn.exec_driver_sql(query)).all()}
            ours = [t for t in tables() if t.name in names]
            counts = {}
            for table in ours:
                found = await conn.execute(select(select(table).exists()))
                counts[table.name] = 1 if found.scalar_one() else 0
    except Exception as exc:
        raise CopyError(f"cannot open the target database: {driver_reason(exc)}") from None
    foreign = sorted(names - set(metadata.tables) - {"alembic_version"})
    return foreign, counts


# ---- the copy -----------------------------------------------------------------


def _converters(table: Table, dialect: Dialect) -> list[Callable[[Any], Any] | None]:
    return [column.type.dialect_impl(dialect).bind_processor(dialect) for column in table.columns]


def _self_references(table: Table) -> list[Column[Any]]:
    """Columns referring to the table's own single-column primary key."""
    key = list(table.primary_key.columns)
    if len(key) != 1:
        return []
    return [
        fk.parent for fk in table.foreign_keys if fk.column.table is table and fk.column is key[0]
    ]


async def _copy_table(
    source: AsyncConnection, target: AsyncConnection, table: Table, driver: Any
) -> int:
    columns = list(table.columns)
    names = [c.name for c in columns]
    convert = _converters(table, target.dialect)
    key = list(table.primary_key.columns)
    forward = [columns.index(c) for c in _self_references(table)]
    at = columns.index(key[0]) if forward else -1
    later: dict[int, list[dict[str, Any]]] = {}  # column: references to rows not yet written
    written = 0
    result = await source.stream(select(table).order_by(*key))
    async for batch in result.partitions(BATCH):
        records = []
        for row in batch:
            values = list(row)
            for i in forward:
                if values[i] is not None and values[i] > values[at]:
                    later.setdefault(i, []).append({"_id": values[at], "_ref": values[i]})
                    values[i] = None
            records.append(
                tuple(
                    v if f is None or v is None else f(v)
                    for v, f in zip(values, convert, strict=True)
                )
            )
        await driver.copy_records_to_table(table.name, records=records, columns=names)
        written += len(records)
    for i, params in later.items():
        statement = (
            update(table)
            .where(key[0] == bindparam("_id"))
            .values({columns[i].name: bindparam("_ref")})
        )
        for start in range(0, len(params), BATCH):
            await target.execute(statement, params[start : start + BATCH])
    return written


async def _reset_sequences(target: AsyncConnection) -> None:
    """Serial and identity columns continue past the largest id copied."""
    for table in tables():
        for column in table.primary_key.columns:
            found = await target.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}
            )
            sequence = found.scalar_one()
            if sequence is None:
                continue
            top = (await target.execute(select(func.max(column)))).scalar_one()
            await target.execute(
                text("SELECT setval(:s, :v, :called)"),
                {"s": sequence, "v": top or 1, "called": top is not None},
            )


async def copy_all(
    source_db: Database,
    target_db: Database,
    progress: Callable[[str, int], None] = lambda _name, _rows: None,
) -> CopyReport:
    """Copy every row of ``source_db`` into the migrated, empty PostgreSQL
    ``target_db`` in one transaction; ``progress(table, rows)`` after each table."""
    started = time.monotonic()
    try:
        counts = await _copy_all(source_db, target_db, progress)
    except CopyError:
        raise
    except Exception as exc:  # a dropped connection, a full disk: one line
        raise CopyError(f"the copy failed: {driver_reason(exc)}") from exc
    return CopyReport(
        tables=len(counts),
        rows=sum(counts.values()),
        seconds=time.monotonic() - started,
        counts=counts,
    )


async def _copy_all(
    source_db: Database, target_db: Database, progress: Callable[[str, int], None]
) -> dict[str, int]:
    async with source_db.read() as source:
        if source_db.dialect == "sqlite":
            await source.exec_driver_sql("BEGIN")  # one read snapshot for every table
        counts = await count_rows(source)
        async with target_db.engine.connect() as target, target.begin():
            # A statement first: the driver opens the transaction lazily, and
            # COPY must run inside it.
            for name, rows in (await count_rows(target)).items():
                if rows:
                    raise CopyError(f"the target database is not empty: {name} has rows")
            raw = await target.get_raw_connection()
            driver = raw.driver_connection
            for table in tables():
                try:
                    copied = await _copy_table(source, target, table, driver)
                except Exception as exc:
                    raise CopyError(f"cannot copy {table.name}: {driver_reason(exc)}") from exc
                progress(table.name, copied)
            await _reset_sequences(target)
            landed = await count_rows(target)
            for name, expected in counts.items():
                if landed[name] != expected:
                    raise CopyError(
                        f"{name}: {landed[name]} rows arrived of {expected}; nothing was kept"
                    )
    return counts
