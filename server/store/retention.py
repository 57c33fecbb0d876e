"""Retention: deleting finished queue rows, a bounded batch per statement.

Each function deletes at most ``limit`` rows in one statement (the caller
commits between batches), so a large backlog never holds SQLite's write lock
for long. Only finished rows go:

- deliveries ``sent`` or ``dead``, finished before the cut-off;
- inbox items ``done`` or ``failed``, finished before the cut-off;
- activities we sent, made before the cut-off, that no delivery row names any
  more (a pending delivery, or a finished one not yet pruned, keeps its
  activity: the delivery worker reads the payload from it, and the foreign key
  requires it). Nothing else reads ``activities``: our outbox, object and
  activity documents are built from statuses, and Undo/Accept/Reject are
  matched against the follows, favourites and requests tables, not this one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, and_, delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.queues import DEAD, DONE, FAILED, SENT
from server.store.tables import activities, deliveries, inbox_items

# The batches select from an alias of the table they delete from: a subquery on
# the table itself would be correlated to the DELETE and select nothing of its own.


async def _prune_finished(
    conn: AsyncConnection, table: Table, states: tuple[str, ...], since: str,
    before: datetime, limit: int,
) -> int:  # fmt: skip
    """Delete up to ``limit`` rows of a queue ``table`` in one of ``states`` that
    finished (or, without an end, began at column ``since``) before ``before``."""
    old = table.alias("old")
    finished = func.coalesce(old.c.finished_at, old.c[since])
    batch = (
        select(old.c.id)
        .where(old.c.state.in_(states), finished < before)
        .order_by(old.c.id)
        .limit(limit)
    )
    result = await conn.execute(delete(table).where(table.c.id.in_(batch.scalar_subquery())))
    return int(result.rowcount or 0)


async def prune_deliveries(conn: AsyncConnection, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` deliveries sent or given up on before ``before``."""
    return await _prune_finished(conn, deliveries, (SENT, DEAD), "created_at", before, limit)


async def prune_inbox_items(conn: AsyncConnection, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` inbox items applied or failed for good before ``before``."""
    return await _prune_finished(conn, inbox_items, (DONE, FAILED), "received_at", before, limit)


async def prune_activities(conn: AsyncConnection, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` sent activities made before ``before`` that no
    delivery still names."""
    old = activities.alias("old")
    needed = exists().where(deliveries.c.activity_id == old.c.id)
    batch = (
        select(old.c.id)
        .where(and_(old.c.created_at < before, ~needed))
        .order_by(old.c.id)
        .limit(limit)
    )
    result = await conn.execute(
        delete(activities).where(activities.c.id.in_(batch.scalar_subquery()))
    )
    return int(result.rowcount or 0)
