"""Queries on events, the answers to them and invitations.

An event's id is its status's id (``events.status_id``): the post that carries
it. ``participants_count`` (going) and ``waitlist_count`` are kept on the
event row and recounted whenever an answer changes, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    and_,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    union,
    union_all,
    update,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.tables import (
    accounts,
    blocks,
    calendar_feeds,
    connections,
    event_invites,
    event_participants,
    events,
    follows,
    statuses,
)
from server.store.upsert import insert_on

GOING, MAYBE, NOT_GOING = "going", "maybe", "not_going"
WAITLISTED, PENDING = "waitlisted", "pending"  # waiting for a place, or for approval
STATES = (GOING, MAYBE, NOT_GOING, WAITLISTED, PENDING)
# Answers that hold a place in the member's calendar.
ATTENDING = (GOING, MAYBE, WAITLISTED, PENDING)


@dataclass(frozen=True, slots=True)
class EventRow:
    status_id: int
    title: str
    starts_at: datetime
    ends_at: datetime | None
    timezone: str
    place_name: str | None
    street: str | None
    locality: str | None
    region: str | None
    postal_code: str | None
    country: str | None
    latitude: float | None
    longitude: float | None
    online_url: str | None
    capacity: int | None
    audience: str
    approval_required: bool
    group_id: int | None
    participants_count: int
    waitlist_count: int
    cancelled_at: datetime | None
    updated_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> EventRow:
        return cls(**{name: row[name] for name in cls.__slots__})

    @property
    def id(self) -> int:
        return self.status_id

    def is_full(self) -> bool:
        return self.capacity is not None and self.participants_count >= self.capacity


@dataclass(frozen=True, slots=True)
class ParticipantRow:
    id: int
    event_id: int
    account_id: int
    state: str
    uri: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> ParticipantRow:
        return cls(**{name: row[name] for name in cls.__slots__})


# --- events -------------------------------------------------------------------------------


async def insert_event(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(insert(events).values(**values))


async def update_event(conn: AsyncConnection, event_id: int, values: dict[str, Any]) -> None:
    await conn.execute(update(events).where(events.c.status_id == event_id).values(**values))


async def get_event(conn: AsyncConnection, event_id: int) -> EventRow | None:
    row = (await conn.execute(select(events).where(events.c.status_id == event_id))).mappings()
    found = row.first()
    return EventRow.from_row(found) if found else None


async def get_events(conn: AsyncConnection, ids: Iterable[int]) -> dict[int, EventRow]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = (await conn.execute(select(events).where(events.c.status_id.in_(wanted)))).mappings()
    return {row["status_id"]: EventRow.from_row(row) for row in rows}


# An event that began longer ago than this is not listed as upcoming, however
# long it lasts: the bound is what lets the start-time index be read as a range
# (without it every past event is read before the first upcoming one).
LOOKBACK = timedelta(days=31)
NO_END_LASTS = timedelta(hours=12)  # an event without an end counts as over after this


async def upcoming(
    conn: AsyncConnection,
    now: datetime,
    *,
    mine_of: int | None = None,
    network_of: int | None = None,
    local_only: bool = False,
    group_of: int | None = None,
    public_only: bool = False,
    with_cancelled: bool = False,
    limit: int = 20,
    offset: int = 0,
) -> list[int]:
    """Ids of events not over yet (not ended, or started in the last 12 hours when
    they give no end), soonest first, their post not deleted, not cancelled unless
    ``with_cancelled``: all of them, or those ``mine_of`` organises or answered
    (going, maybe, waiting), or those organised or answered by the people
    ``network_of`` is connected with or follows, or those of the group ``group_of``.

    Each form lets SQLite start from the smallest set: a member's own events and
    answers for ``mine_of``, the start-time index otherwise, the statuses and
    answers checked per event by correlated look-ups."""
    e, s, p = events.c, statuses.c, event_participants.c
    query = select(e.status_id).where(
        e.starts_at >= now - LOOKBACK,
        or_(e.ends_at >= now, and_(e.ends_at.is_(None), e.starts_at >= now - NO_END_LASTS)),
    )
    post = [s.id == e.status_id, s.deleted_at.is_(None)]
    if local_only:
        post.append(s.local.is_(True))
    if group_of is not None:
        query = query.where(e.group_id == group_of)
    if mine_of is not None:
        answered = select(p.event_id).where(p.account_id == mine_of, p.state.in_(ATTENDING))
        organised = select(s.id).where(s.account_id == mine_of, s.object_type == "Event")
        query = query.where(e.status_id.in_(union_all(answered, organised)))
    if network_of is not None:
        query = query.where(_by_network(network_of, e.status_id), _visible_to(network_of))
    query = query.where(exists().where(*post))
    if not with_cancelled:
        query = query.where(e.cancelled_at.is_(None))
    if public_only:
        query = query.where(e.audience == "public")
    query = query.order_by(e.starts_at, e.status_id).limit(limit).offset(offset)
    return [row[0] for row in await conn.execute(query)]


def _by_network(me: int, event_id: Any) -> Any:
    """Organised or attended by someone ``me`` is connected with or follows.

    The people are a joined subquery, not an ``IN`` list: each event's answers
    (read by event) are probed against the set, instead of the set's few
    hundred ids being looked up in every event's answers."""
    c, f, p, s = connections.c, follows.c, event_participants.c, statuses.c
    people = union(
        select(c.peer_id.label("id")).where(c.account_id == me),
        select(f.target_account_id.label("id")).where(f.account_id == me, f.state == "accepted"),
    ).subquery("network")
    attended = (
        select(p.event_id)
        .join(people, people.c.id == p.account_id)
        .where(p.event_id == event_id, p.state.in_(ATTENDING))
    )
    organised = select(s.id).join(people, people.c.id == s.account_id).where(s.id == event_id)
    return or_(exists(organised), exists(attended))


def _visible_to(me: int) -> Any:
    """The events ``me`` may see, as ``services.events.visible`` decides (which
    still checks each one): so ``LIMIT`` and ``OFFSET`` count only those shown."""
    e, s, p, i, b, c = (
        events.c, statuses.c, event_participants.c, event_invites.c, blocks.c, connections.c
    )  # fmt: skip
    organiser = select(s.account_id).where(s.id == e.status_id).correlate(events).scalar_subquery()
    blocked = or_(
        exists().where(b.account_id == me, b.target_account_id == organiser),
        exists().where(b.target_account_id == me, b.account_id == organiser),
    )
    suspended = exists().where(accounts.c.id == organiser, accounts.c.suspended_at.is_not(None))
    shown = or_(
        e.audience == "public",
        organiser == me,
        exists().where(p.event_id == e.status_id, p.account_id == me),
        exists().where(i.event_id == e.status_id, i.account_id == me),
        and_(
            e.audience == "connections",
            exists().where(c.account_id == me, c.peer_id == organiser),
        ),
    )
    return and_(shown, ~blocked, ~suspended)


# --- answers ------------------------------------------------------------------------------


async def get_participant(
    conn: AsyncConnection, event_id: int, account_id: int
) -> ParticipantRow | None:
    p = event_participants.c
    query = select(event_participants).where(p.event_id == event_id, p.account_id == account_id)
    row = (await conn.execute(query)).mappings().first()
    return ParticipantRow.from_row(row) if row else None


async def get_participant_by_uri(conn: AsyncConnection, uri: str) -> ParticipantRow | None:
    query = select(event_participants).where(event_participants.c.uri == uri)
    row = (await conn.execute(query)).mappings().first()
    return ParticipantRow.from_row(row) if row else None


async def set_answer(
    conn: AsyncConnection, values: dict[str, Any], *, keep_uri: bool = True
) -> None:
    """Insert or change an account's answer (``values`` has every column)."""
    changes = {"state": values["state"], "updated_at": values["updated_at"]}
    if not keep_uri or values.get("uri"):
        changes["uri"] = values.get("uri")
    statement = insert_on(conn, event_participants).values(**values)
    await conn.execute(
        statement.on_conflict_do_update(index_elements=["event_id", "account_id"], set_=changes)
    )


async def set_state(conn: AsyncConnection, answer_id: int, state: str, now: datetime) -> None:
    await conn.execute(
        update(event_participants)
        .where(event_participants.c.id == answer_id)
        .values(state=state, updated_at=now)
    )


async def participants(
    conn: AsyncConnection, event_id: int, states: Sequence[str], *, limit: int = 1000
) -> list[ParticipantRow]:
    """Answers in ``states``, in the order they were first given."""
    p = event_participants.c
    query = (
        select(event_participants)
        .where(p.event_id == event_id, p.state.in_(list(states)))
        .order_by(p.created_at, p.id)
        .limit(limit)
    )
    return [ParticipantRow.from_row(row) for row in (await conn.execute(query)).mappings()]


async def recount(conn: AsyncConnection, event_id: int) -> None:
    """Set the event's going and waiting counts from its answers."""
    p = event_participants.c

    def count(state: str) -> Any:
        return (
            select(func.count()).where(p.event_id == event_id, p.state == state).scalar_subquery()
        )

    await update_event(
        conn, event_id, {"participants_count": count(GOING), "waitlist_count": count(WAITLISTED)}
    )


# --- invitations --------------------------------------------------------------------------


async def add_invites(
    conn: AsyncConnection, event_id: int, account_ids: Iterable[int], by: int, now: datetime
) -> list[int]:
    """Invite each account not invited yet; the ones newly invited."""
    wanted = list(dict.fromkeys(account_ids))
    if not wanted:
        return []
    i = event_invites.c
    known = {
        row[0]
        for row in await conn.execute(
            select(i.account_id).where(i.event_id == event_id, i.account_id.in_(wanted))
        )
    }
    fresh = [account_id for account_id in wanted if account_id not in known]
    if fresh:
        await conn.execute(
            insert(event_invites),
            [
                {"event_id": event_id, "account_id": a, "invited_by_id": by, "created_at": now}
                for a in fresh
            ],
        )
    return fresh


async def answered_by(conn: AsyncConnection, account_id: int) -> list[int]:
    """The events ``account_id`` answered, whatever the answer."""
    p = event_participants.c
    return [
        row[0] for row in await conn.execute(select(p.event_id).where(p.account_id == account_id))
    ]


async def answers_of(
    conn: AsyncConnection, account_id: int, event_ids: Iterable[int]
) -> dict[int, str]:
    """``account_id``'s answers among ``event_ids``: ``{event_id: state}``."""
    wanted = list(set(event_ids))
    if not wanted:
        return {}
    p = event_participants.c
    query = select(p.event_id, p.state).where(p.account_id == account_id, p.event_id.in_(wanted))
    return {row[0]: row[1] for row in await conn.execute(query)}


async def invited_among(
    conn: AsyncConnection, account_id: int, event_ids: Iterable[int]
) -> set[int]:
    """Which of ``event_ids`` ``account_id`` was invited to."""
    wanted = list(set(event_ids))
    if not wanted:
        return set()
    i = event_invites.c
    query = select(i.event_id).where(i.account_id == account_id, i.event_id.in_(wanted))
    return {row[0] for row in await conn.execute(query)}


async def is_invited(conn: AsyncConnection, event_id: int, account_id: int) -> bool:
    i = event_invites.c
    query = select(i.account_id).where(i.event_id == event_id, i.account_id == account_id)
    return (await conn.execute(query)).first() is not None


# --- reminders and calendar feeds ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reminder:
    answer_id: int
    event_id: int
    account_id: int  # a member here, going or maybe
    organizer_id: int


async def due_reminders(
    conn: AsyncConnection, now: datetime, until: datetime, limit: int = 500
) -> list[Reminder]:
    """Answers (going or maybe) of members here, not reminded yet, to events that
    start between ``now`` and ``until`` and are not cancelled."""
    e, p, s, a = events.c, event_participants.c, statuses.c, accounts.c
    query = (
        select(p.id, p.event_id, p.account_id, s.account_id.label("organizer_id"))
        .join(events, e.status_id == p.event_id)
        .join(statuses, s.id == e.status_id)
        .join(accounts, a.id == p.account_id)
        .where(
            p.state.in_((GOING, MAYBE)),
            p.reminded_at.is_(None),
            a.domain.is_(None),
            e.starts_at >= now,
            e.starts_at < until,
            e.cancelled_at.is_(None),
            s.deleted_at.is_(None),
        )
        .order_by(e.starts_at, p.id)
        .limit(limit)
    )
    return [Reminder(*row) for row in await conn.execute(query)]


async def mark_reminded(conn: AsyncConnection, answer_ids: Sequence[int], now: datetime) -> None:
    if answer_ids:
        await conn.execute(
            update(event_participants)
            .where(event_participants.c.id.in_(list(answer_ids)))
            .values(reminded_at=now)
        )


async def set_feed(conn: AsyncConnection, account_id: int, token_hash: str, now: datetime) -> None:
    """The member's calendar feed token (a new one replaces the old)."""
    await conn.execute(delete(calendar_feeds).where(calendar_feeds.c.account_id == account_id))
    await conn.execute(
        insert(calendar_feeds).values(account_id=account_id, token_hash=token_hash, created_at=now)
    )


async def feed_owner(conn: AsyncConnection, token_hash: str) -> int | None:
    query = select(calendar_feeds.c.account_id).where(calendar_feeds.c.token_hash == token_hash)
    return (await conn.execute(query)).scalar()
