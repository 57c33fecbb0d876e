"""Counts behind the rate limits and the sign-in throttle, shared by every process.

``rate_counts`` holds requests per (limit, key, window); ``throttle_attempts``
holds sign-in and sign-up attempts, one row each. Both are small and short-lived:
a window's counts are deleted two windows later, an attempt once it can no
longer count or lock (see ``services.rate_limits`` and ``services.throttle``).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.tables import rate_counts, throttle_attempts
from server.store.upsert import insert_for


@functools.cache
def _add_hits_statement(dialect: str) -> Any:
    # Built once per dialect: this runs for many API requests.
    upsert = insert_for(dialect, rate_counts)
    return upsert.values(
        scope=bindparam("scope"), key=bindparam("key"), period=bindparam("period"),
        hits=bindparam("hits"),
    ).on_conflict_do_update(
        index_elements=["scope", "key", "period"],
        set_={"hits": rate_counts.c.hits + upsert.excluded.hits},
    ).returning(rate_counts.c.hits)  # fmt: skip


async def add_hits(conn: AsyncConnection, scope: str, key: str, period: int, hits: int) -> int:
    """Add ``hits`` to a window's count; the count across every process, after."""
    result = await conn.execute(
        _add_hits_statement(conn.dialect.name),
        {"scope": scope, "key": key, "period": period, "hits": hits},
    )
    return int(result.scalar_one())


async def forget_windows(conn: AsyncConnection, scope: str, before: int) -> int:
    """Delete the counts of ``scope``'s windows that began before ``before``."""
    result = await conn.execute(
        delete(rate_counts).where(rate_counts.c.scope == scope, rate_counts.c.period < before)
    )
    return int(result.rowcount or 0)


async def serialize_key(conn: AsyncConnection, key: str) -> None:
    """Make the transaction's attempts on ``key`` one at a time across processes.

    SQLite needs nothing (a writing transaction holds the database's only write
    lock from its start); PostgreSQL takes an advisory lock held to the commit,
    so two processes cannot both count the fifth attempt as the fourth."""
    if conn.dialect.name == "postgresql":
        digest = hashlib.sha256(key.encode()).digest()
        await conn.execute(
            text("SELECT pg_advisory_xact_lock(:lock)"),
            {"lock": int.from_bytes(digest[:8], "big", signed=True)},
        )


async def recent_attempts(conn: AsyncConnection, key: str, since: float) -> Sequence[Row[Any]]:
    """``key``'s attempts made after ``since``, oldest first (``id``, ``at``, ``locks_until``)."""
    t = throttle_attempts.c
    result = await conn.execute(
        select(t.id, t.at, t.locks_until).where(t.key == key, t.at > since).order_by(t.at, t.id)
    )
    return result.all()


async def add_attempt(
    conn: AsyncConnection, key: str, at: float, locks_until: float | None
) -> None:
    await conn.execute(insert(throttle_attempts).values(key=key, at=at, locks_until=locks_until))


async def forget_attempts(
    conn: AsyncConnection, key: str, *, before: float | None = None, at: float | None = None
) -> None:
    """Delete ``key``'s attempts: all, those made before ``before``, or the one at ``at``."""
    condition = throttle_attempts.c.key == key
    if before is not None:
        condition = and_(condition, throttle_attempts.c.at < before)
    if at is not None:
        condition = and_(condition, throttle_attempts.c.at == at)
    await conn.execute(delete(throttle_attempts).where(condition))


async def prune_attempts(conn: AsyncConnection, before: float, limit: int) -> int:
    """Delete up to ``limit`` attempts made, and locks ended, before ``before``
    (keys nobody tried again, which an attempt's own clean-up never reaches)."""
    old = throttle_attempts.alias("old")
    batch = (
        select(old.c.id)
        .where(
            old.c.at < before,
            or_(old.c.locks_until.is_(None), old.c.locks_until < before),
        )
        .order_by(old.c.id)
        .limit(limit)
    )
    result = await conn.execute(
        delete(throttle_attempts).where(throttle_attempts.c.id.in_(batch.scalar_subquery()))
    )
    return int(result.rowcount or 0)


async def count_attempts(conn: AsyncConnection) -> int:
    query = select(func.count()).select_from(throttle_attempts)
    return int((await conn.execute(query)).scalar_one())
