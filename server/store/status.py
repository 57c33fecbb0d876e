"""How the queues, the peers and the processes stand: read by ``warmline status``
and by the metrics at scrape time (server/metrics/), never on a request's path.

Counts read only the rows of the states they count (``pending``, and the
failed state), through the ``(state, next_attempt_at)`` indexes: finished rows,
by far the most, are not scanned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Table, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.tables import account_archives, deliveries, hosts, inbox_items, processes

# name: (table, its failed state, the column that says when a row came)
QUEUES: dict[str, tuple[Table, str, str]] = {
    "deliveries": (deliveries, "dead", "created_at"),
    "inbox": (inbox_items, "failed", "received_at"),
    "archives": (account_archives, "failed", "created_at"),
}
# A host whose deliveries were given up on this recently counts as given up.
GIVEN_UP_WITHIN = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class QueueState:
    name: str
    waiting: int  # pending, nobody holds it (due now or later)
    due: int  # of those, due now
    claimed: int  # pending, held by a worker under a lease
    failed: int  # given up (still kept, see [retention])
    oldest_waiting: datetime | None  # when the oldest waiting row came
    oldest_due: datetime | None  # the earliest next_attempt_at of a due row


async def queue_states(conn: AsyncConnection, now: datetime) -> list[QueueState]:
    found = []
    for name, (table, failed_state, came) in QUEUES.items():
        c = table.c
        pending = c.state == "pending"
        held = and_(pending, c.locked_until.is_not(None), c.locked_until >= now)
        due = and_(pending, c.next_attempt_at <= now)
        query = select(
            func.count().filter(pending),
            func.count().filter(and_(due, ~held)),
            func.count().filter(held),
            func.count().filter(c.state == failed_state),
            func.min(case((and_(pending, ~held), c[came]))),
            func.min(case((due, c.next_attempt_at))),
        ).where(c.state.in_(("pending", failed_state)))
        row = (await conn.execute(query)).one()
        pending_n, due_n, held_n, failed_n, oldest, oldest_due = row
        found.append(
            QueueState(
                name,
                waiting=int(pending_n or 0) - int(held_n or 0),
                due=int(due_n or 0),
                claimed=int(held_n or 0),
                failed=int(failed_n or 0),
                oldest_waiting=_aware(oldest),
                oldest_due=_aware(oldest_due),
            )
        )
    return found


def _aware(value: datetime | None) -> datetime | None:
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class HostCounts:
    backing_off: int  # failing, circuit still closed: deliveries retried on the schedule
    circuit_open: int  # deliveries held back until the circuit closes
    given_up: int  # hosts with deliveries given up within GIVEN_UP_WITHIN


async def host_counts(conn: AsyncConnection, now: datetime) -> HostCounts:
    is_open = and_(hosts.c.circuit_open_until.is_not(None), hosts.c.circuit_open_until > now)
    row = (
        await conn.execute(
            select(
                func.count().filter(and_(hosts.c.consecutive_failures > 0, ~is_open)),
                func.count().filter(is_open),
            )
        )
    ).one()
    given_up = (
        await conn.execute(
            select(func.count(deliveries.c.host.distinct())).where(
                deliveries.c.state == "dead", deliveries.c.finished_at >= now - GIVEN_UP_WITHIN
            )
        )
    ).scalar_one()
    return HostCounts(int(row[0] or 0), int(row[1] or 0), int(given_up or 0))


@dataclass(frozen=True, slots=True)
class TroubledHost:
    host: str
    state: str  # "circuit open" | "backing off" | "given up"
    consecutive_failures: int
    circuit_open_until: datetime | None
    last_success_at: datetime | None
    last_failure_at: datetime | None
    given_up: int  # deliveries given up within GIVEN_UP_WITHIN
    last_error: str | None


async def troubled_hosts(conn: AsyncConnection, now: datetime, limit: int) -> list[TroubledHost]:
    """Hosts failing or with an open circuit, then hosts given up on lately; each
    with the last error recorded for a delivery to it."""
    failing = (
        (
            await conn.execute(
                select(hosts)
                .where(
                    or_(
                        hosts.c.consecutive_failures > 0,
                        and_(
                            hosts.c.circuit_open_until.is_not(None),
                            hosts.c.circuit_open_until > now,
                        ),
                    )
                )
                .order_by(hosts.c.last_failure_at.desc(), hosts.c.host)
                .limit(limit)
            )
        )
        .mappings()
        .all()
    )
    dead_counts = dict(
        (
            await conn.execute(
                select(deliveries.c.host, func.count())
                .where(
                    deliveries.c.state == "dead",
                    deliveries.c.finished_at >= now - GIVEN_UP_WITHIN,
                )
                .group_by(deliveries.c.host)
                .order_by(func.count().desc(), deliveries.c.host)
                .limit(limit)
            )
        ).all()
    )
    found: list[TroubledHost] = []
    for row in failing:
        is_open = row["circuit_open_until"] is not None and row["circuit_open_until"] > now
        found.append(
            TroubledHost(
                row["host"],
                "circuit open" if is_open else "backing off",
                row["consecutive_failures"],
                row["circuit_open_until"] if is_open else None,
                row["last_success_at"],
                row["last_failure_at"],
                int(dead_counts.pop(row["host"], 0)),
                await _last_error(conn, row["host"]),
            )
        )
    for host, count in list(dead_counts.items())[: max(limit - len(found), 0)]:
        state = (await conn.execute(select(hosts).where(hosts.c.host == host))).mappings().first()
        found.append(
            TroubledHost(
                host,
                "given up",
                state["consecutive_failures"] if state else 0,
                None,
                state["last_success_at"] if state else None,
                state["last_failure_at"] if state else None,
                int(count),
                await _last_error(conn, host),
            )
        )
    return found


async def _last_error(conn: AsyncConnection, host: str) -> str | None:
    query = (
        select(deliveries.c.last_error)
        .where(
            deliveries.c.host == host,
            deliveries.c.state.in_(("pending", "dead")),
            deliveries.c.last_error.is_not(None),
        )
        .order_by(deliveries.c.id.desc())
        .limit(1)
    )
    return (await conn.execute(query)).scalar()


@dataclass(frozen=True, slots=True)
class ProcessRow:
    id: int
    name: str
    started_at: datetime
    heartbeat_at: datetime


async def process_rows(conn: AsyncConnection) -> list[ProcessRow]:
    query = select(
        processes.c.id, processes.c.name, processes.c.started_at, processes.c.heartbeat_at
    ).order_by(processes.c.name, processes.c.id)
    return [ProcessRow(*row) for row in (await conn.execute(query)).all()]


@dataclass(frozen=True, slots=True)
class ErrorRow:
    queue: str  # deliveries | inbox
    state: str
    what: str  # the destination inbox, or the activity's type and actor
    attempts: int
    error: str
    at: datetime  # given up at, or next attempt at
    status: int | None = None  # a delivery's last HTTP status


async def recent_errors(conn: AsyncConnection, limit: int) -> list[ErrorRow]:
    """The newest deliveries and inbox items that carry an error (failed or
    waiting for another attempt), newest first, ``limit`` of each."""
    found: list[ErrorRow] = []
    for table, failed in ((deliveries, "dead"), (inbox_items, "failed")):
        c = table.c
        columns = [c.state, c.attempts, c.last_error, c.finished_at, c.next_attempt_at]
        if table is deliveries:
            columns += [c.inbox_url, c.last_status]
        else:
            columns += [c.activity_type, c.actor_uri]
        query = (
            select(*columns)
            .where(c.state.in_(("pending", failed)), c.last_error.is_not(None))
            .order_by(c.id.desc())
            .limit(limit)
        )
        for row in (await conn.execute(query)).all():
            state, attempts, error, finished, next_at, a, b = row
            if table is deliveries:
                what, status, queue = str(a), b, "deliveries"
            else:
                what, status, queue = f"{a} from {b}", None, "inbox"
            found.append(ErrorRow(queue, state, what, attempts, error, finished or next_at, status))
    return found
