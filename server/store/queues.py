"""The durable queues: sent activities, deliveries, host health, and the inbox.

Workers claim rows with a lease (``locked_until``): a worker that dies simply
lets its lease run out and the rows are claimed again, so nothing is lost and
nothing needs a separate recovery step. On PostgreSQL the claim uses
``FOR UPDATE SKIP LOCKED`` so several workers never take the same row.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.tables import activities, deliveries, hosts, inbox_items, processes
from server.store.upsert import insert_for, insert_on

PENDING, SENT, DEAD, DONE, FAILED = "pending", "sent", "dead", "done", "failed"


async def insert_activity(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(insert(activities).values(**values))


async def get_activity_by_uri(conn: AsyncConnection, uri: str) -> dict[str, Any] | None:
    row = (await conn.execute(select(activities).where(activities.c.uri == uri))).mappings().first()
    return dict(row) if row else None


async def insert_deliveries(
    conn: AsyncConnection, activity_id: int, targets: Sequence[tuple[int, str, str]], now: datetime
) -> None:
    """Queue ``(delivery id, inbox url, host)`` rows for an activity."""
    rows = [
        {
            "id": delivery_id,
            "activity_id": activity_id,
            "inbox_url": url,
            "host": host,
            "state": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for delivery_id, url, host in targets
    ]
    if rows:
        await conn.execute(insert(deliveries), rows)


@dataclass(frozen=True, slots=True)
class DeliveryJob:
    id: int
    activity_id: int
    account_id: int
    inbox_url: str
    host: str
    attempts: int
    payload: str


# A process that has not beaten its heartbeat for this long is taken for dead.
HEARTBEAT_SECONDS = 5
DEAD_AFTER = timedelta(seconds=3 * HEARTBEAT_SECONDS)


def _claimable(table: Table, now: Any, dead_before: Any) -> Any:
    """Due, pending rows nobody holds: never claimed, lease run out, or claimed
    by a process whose heartbeat stopped (killed: its lease need not be waited out)."""
    alive = select(processes.c.id).where(processes.c.heartbeat_at >= dead_before)
    return and_(
        table.c.state == PENDING,
        table.c.next_attempt_at <= now,
        or_(
            table.c.locked_until.is_(None),
            table.c.locked_until < now,
            and_(table.c.locked_by.is_not(None), table.c.locked_by.not_in(alive)),
        ),
    )


@functools.cache
def _claim_statements(table: Table) -> tuple[Any, Any]:
    """Built once per queue (workers claim many times a second under load)."""
    candidates = (
        select(table.c.id)
        .where(_claimable(table, bindparam("now"), bindparam("dead_before")))
        .order_by(table.c.next_attempt_at, table.c.id)
        .limit(bindparam("limit"))
        .with_for_update(skip_locked=True)
    )
    take = (
        update(table)
        .where(table.c.id.in_(bindparam("ids", expanding=True)))
        .values(locked_until=bindparam("lease_until"), locked_by=bindparam("owner"))
    )
    return candidates, take


async def claim_ids(
    conn: AsyncConnection,
    table: Table,
    now: datetime,
    lease_until: datetime,
    limit: int,
    owner: int | None,
) -> list[int]:
    candidates, take = _claim_statements(table)
    params = {"now": now, "dead_before": now - DEAD_AFTER, "limit": limit}
    ids = [r[0] for r in (await conn.execute(candidates, params)).all()]
    if ids:
        await conn.execute(take, {"ids": ids, "lease_until": lease_until, "owner": owner})
    return ids


async def register_process(
    conn: AsyncConnection, process_id: int, name: str, now: datetime
) -> None:
    """A process that will claim queue rows says it is alive. Entries of its own
    ``name`` (an earlier process on this machine and address, which cannot be
    alive: this one holds the address) go at once, so their claims are free now;
    long-silent ones go too."""
    stale = processes.c.heartbeat_at < now - timedelta(days=1)
    await conn.execute(delete(processes).where(or_(stale, processes.c.name == name)))
    await conn.execute(
        insert(processes).values(id=process_id, name=name, started_at=now, heartbeat_at=now)
    )


async def beat(conn: AsyncConnection, process_id: int, now: datetime) -> None:
    await conn.execute(
        update(processes).where(processes.c.id == process_id).values(heartbeat_at=now)
    )


async def release_process(conn: AsyncConnection, process_id: int) -> None:
    """A process stopping cleanly: its claims are free at once, and it is gone."""
    for table in (deliveries, inbox_items):
        await conn.execute(
            update(table)
            .where(table.c.locked_by == process_id, table.c.state == PENDING)
            .values(locked_until=None, locked_by=None)
        )
    await conn.execute(delete(processes).where(processes.c.id == process_id))


async def claim_deliveries(
    conn: AsyncConnection,
    now: datetime,
    lease_until: datetime,
    limit: int,
    owner: int | None = None,
) -> list[DeliveryJob]:
    ids = await claim_ids(conn, deliveries, now, lease_until, limit, owner)
    if not ids:
        return []
    query = (
        select(
            deliveries.c.id,
            deliveries.c.activity_id,
            activities.c.account_id,
            deliveries.c.inbox_url,
            deliveries.c.host,
            deliveries.c.attempts,
            activities.c.payload,
        )
        .join(activities, activities.c.id == deliveries.c.activity_id)
        .where(deliveries.c.id.in_(ids))
        .order_by(deliveries.c.next_attempt_at, deliveries.c.id)
    )
    return [DeliveryJob(*row) for row in (await conn.execute(query)).all()]


async def finish_delivery(
    conn: AsyncConnection,
    delivery_id: int,
    *,
    state: str,
    attempts: int,
    now: datetime,
    next_attempt_at: datetime | None = None,
    last_status: int | None = None,
    last_error: str | None = None,
) -> None:
    """Record an attempt: sent, dead, or back to pending at ``next_attempt_at``."""
    values: dict[str, Any] = {
        "state": state,
        "attempts": attempts,
        "locked_until": None,
        "last_status": last_status,
        "last_error": (last_error or "")[:500] or None,
    }
    if state == PENDING:
        values["next_attempt_at"] = next_attempt_at or now
    else:
        values["finished_at"] = now
    await conn.execute(update(deliveries).where(deliveries.c.id == delivery_id).values(**values))


async def postpone_deliveries(
    conn: AsyncConnection, delivery_ids: Sequence[int], until: datetime
) -> None:
    """Push deliveries back without counting an attempt (a host's circuit is open)."""
    if delivery_ids:
        await conn.execute(
            update(deliveries)
            .where(deliveries.c.id.in_(list(delivery_ids)))
            .values(next_attempt_at=until, locked_until=None)
        )


async def release_deliveries(conn: AsyncConnection, delivery_ids: Sequence[int]) -> None:
    """Give claimed deliveries back untried, due as before (their lease ran short)."""
    if delivery_ids:
        await conn.execute(
            update(deliveries)
            .where(deliveries.c.id.in_(list(delivery_ids)))
            .values(locked_until=None, locked_by=None)
        )


async def delivery_counts(conn: AsyncConnection) -> dict[str, int]:
    query = select(deliveries.c.state, func.count()).group_by(deliveries.c.state)
    return {state: int(n) for state, n in (await conn.execute(query)).all()}


@dataclass(frozen=True, slots=True)
class HostState:
    host: str
    consecutive_failures: int
    circuit_open_until: datetime | None


async def host_states(conn: AsyncConnection, names: Iterable[str]) -> dict[str, HostState]:
    wanted = list(set(names))
    if not wanted:
        return {}
    rows = (await conn.execute(select(hosts).where(hosts.c.host.in_(wanted)))).mappings().all()
    return {
        r["host"]: HostState(r["host"], r["consecutive_failures"], r["circuit_open_until"])
        for r in rows
    }


async def record_host_result(
    conn: AsyncConnection,
    host: str,
    *,
    ok: bool,
    now: datetime,
    failures_to_open: int,
    open_until: datetime,
) -> None:
    """Count consecutive failures; open the circuit once there are enough."""
    current = (await host_states(conn, [host])).get(host)
    failures = 0 if ok else (current.consecutive_failures if current else 0) + 1
    values: dict[str, Any] = {"consecutive_failures": failures}
    if ok:
        values.update(last_success_at=now, circuit_open_until=None)
    else:
        values["last_failure_at"] = now
        if failures >= failures_to_open:
            values["circuit_open_until"] = open_until
    statement = insert_on(conn, hosts).values(host=host, **values)
    await conn.execute(statement.on_conflict_do_update(index_elements=["host"], set_=values))


@functools.cache
def insert_inbox_item_statement(dialect: str) -> Any:
    # Built once per dialect: this runs for every group commit of the inbox.
    insert_into = insert_for(dialect, inbox_items)
    return insert_into.on_conflict_do_nothing(index_elements=["activity_uri"])


async def insert_inbox_items(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """Store incoming activities; one whose ``activity_uri`` is stored already is skipped."""
    if rows:
        await conn.execute(insert_inbox_item_statement(conn.dialect.name), rows)


@dataclass(frozen=True, slots=True)
class InboxJob:
    id: int
    activity_uri: str
    activity_type: str
    actor_uri: str
    payload: str
    attempts: int


async def claim_inbox_items(
    conn: AsyncConnection,
    now: datetime,
    lease_until: datetime,
    limit: int,
    owner: int | None = None,
) -> list[InboxJob]:
    ids = await claim_ids(conn, inbox_items, now, lease_until, limit, owner)
    if not ids:
        return []
    rows = (await conn.execute(_CLAIMED_INBOX_ITEMS, {"ids": ids})).all()
    return [InboxJob(*row) for row in rows]


_CLAIMED_INBOX_ITEMS = (
    select(
        inbox_items.c.id,
        inbox_items.c.activity_uri,
        inbox_items.c.activity_type,
        inbox_items.c.actor_uri,
        inbox_items.c.payload,
        inbox_items.c.attempts,
    )
    .where(inbox_items.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(inbox_items.c.id)
)


async def finish_inbox_items(
    conn: AsyncConnection, outcomes: Sequence[dict[str, Any]], now: datetime
) -> None:
    """Record a batch of outcomes (dicts of id, state, attempts, next_attempt_at,
    error) in one statement."""
    if not outcomes:
        return
    rows = [
        {
            "b_id": o["id"],
            "state": o["state"],
            "attempts": o["attempts"],
            "next_attempt_at": o["next_attempt_at"] or now,
            "last_error": (o["error"] or "")[:500] or None,
            "finished_at": None if o["state"] == PENDING else now,
        }
        for o in outcomes
    ]
    await conn.execute(_FINISH_INBOX_ITEM, rows)


_FINISH_INBOX_ITEM = (
    update(inbox_items)
    .where(inbox_items.c.id == bindparam("b_id"))
    .values(
        state=bindparam("state"),
        attempts=bindparam("attempts"),
        locked_until=None,
        next_attempt_at=bindparam("next_attempt_at"),
        last_error=bindparam("last_error"),
        finished_at=bindparam("finished_at"),
    )
)


async def inbox_counts(conn: AsyncConnection) -> dict[str, int]:
    query = select(inbox_items.c.state, func.count()).group_by(inbox_items.c.state)
    return {state: int(n) for state, n in (await conn.execute(query)).all()}
