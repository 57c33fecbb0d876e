"""Queries behind "Reasons to talk" (``services/warmth.py``): connections' job
changes, events several connections are going to, groups where people one
knows are active, and the suggestions a member dismissed.

Each query starts from the member's own rows (their connections: the
``connections`` primary key; people they follow: the follows index) and reads
the others through an index, bounded by time where rows pile up (group posts of
the last days, job changes of the last days, events not over yet); the checks
that apply to a candidate (may it be seen, was it answered or dismissed) run
once a candidate, after grouping, not once a row.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Exists,
    and_,
    exists,
    func,
    not_,
    or_,
    select,
    union,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.events import GOING, LOOKBACK, NO_END_LASTS
from server.store.graph import ACCEPTED
from server.store.tables import (
    accounts,
    blocks,
    connections,
    event_invites,
    event_participants,
    events,
    follows,
    group_bans,
    group_posts,
    job_changes,
    statuses,
    warmth_dismissals,
)
from server.store.upsert import insert_on

JOB_CHANGE, EVENT, GROUP = "job_change", "event", "group"
KINDS = (JOB_CHANGE, EVENT, GROUP)


@dataclass(frozen=True, slots=True)
class JobChangeRow:
    account_id: int
    title: str
    organization: str
    changed_at: datetime


# --- job changes --------------------------------------------------------------------------


async def record_job_change(
    conn: AsyncConnection, account_id: int, title: str, organization: str, now: datetime
) -> None:
    """Make this the account's latest change of job."""
    values = {"title": title, "organization": organization, "changed_at": now}
    statement = insert_on(conn, job_changes).values(account_id=account_id, **values)
    await conn.execute(statement.on_conflict_do_update(index_elements=["account_id"], set_=values))


async def job_change_of(
    conn: AsyncConnection, account_id: int, *, lock: bool = False
) -> JobChangeRow | None:
    """The account's latest change of job (``lock``: held until the transaction ends,
    on PostgreSQL; SQLite's writers take turns anyway)."""
    j = job_changes.c
    query = select(j.account_id, j.title, j.organization, j.changed_at).where(
        j.account_id == account_id
    )
    row = (await conn.execute(query.with_for_update() if lock else query)).first()
    return JobChangeRow(*row) if row else None


def _not_dismissed(me: int, kind: str, subject: Any, since: Any = None) -> ColumnElement[bool]:
    d = warmth_dismissals.c
    dismissed = [d.account_id == me, d.kind == kind, d.subject_id == subject]
    if since is not None:  # a dismissal counts for what was there when it was made
        dismissed.append(d.dismissed_at >= since)
    return not_(exists().where(*dismissed))


async def job_changes_of_connections(
    conn: AsyncConnection, me: int, since: datetime, *, limit: int
) -> list[JobChangeRow]:
    """Changes of job since ``since`` of the people ``me`` is connected with, not
    dismissed, newest first. Either side can lead: ``me``'s connections (a primary
    key range) probing ``job_changes`` by account, or the recent changes (their
    time index) probing the connection's primary key."""
    j, c, a = job_changes.c, connections.c, accounts.c
    query = (
        select(j.account_id, j.title, j.organization, j.changed_at)
        .join(connections, and_(c.peer_id == j.account_id, c.account_id == me))
        .join(accounts, a.id == j.account_id)
        .where(
            j.changed_at >= since,
            a.suspended_at.is_(None),
            _not_dismissed(me, JOB_CHANGE, j.account_id, j.changed_at),
        )
        .order_by(j.changed_at.desc(), j.account_id)
        .limit(limit)
    )
    return [JobChangeRow(*row) for row in await conn.execute(query)]


# --- events -------------------------------------------------------------------------------


def _blocked_either_way(me: int, other: Any) -> Exists:
    b = blocks.c
    return exists().where(
        or_(
            and_(b.account_id == me, b.target_account_id == other),
            and_(b.account_id == other, b.target_account_id == me),
        )
    )


async def events_connections_attend(
    conn: AsyncConnection,
    me: int,
    now: datetime,
    *,
    at_least: int,
    limit: int,
    exclude: Collection[int] = (),
) -> list[tuple[int, int]]:
    """``(event id, how many of me's connections are going)`` for events not over
    yet, not cancelled, that at least ``at_least`` of them are going to, that
    ``me`` did not answer, organise or dismiss and may see (public; for the
    organiser's connections, one of them; or invited), soonest first.

    The answers read are those of ``me``'s connections (the answers' account
    index, one range a connection), each joined to its event by primary key; an
    event's checks run once, after the answers are counted."""
    p, c, e, s, a = event_participants.c, connections.c, events.c, statuses.c, accounts.c
    upcoming = and_(
        e.starts_at >= now - LOOKBACK,
        or_(e.ends_at >= now, and_(e.ends_at.is_(None), e.starts_at >= now - NO_END_LASTS)),
        e.cancelled_at.is_(None),
    )
    going = func.count().label("going")
    counted = (
        select(p.event_id.label("event_id"), going)
        .select_from(connections)
        .join(event_participants, p.account_id == c.peer_id)
        .join(events, e.status_id == p.event_id)
        .where(c.account_id == me, p.state == GOING, upcoming)
        .group_by(p.event_id)
        .having(func.count() >= at_least)
        .subquery()
    )
    mine, invite = event_participants.alias("mine"), event_invites.c
    visible = or_(
        e.audience == "public",
        and_(
            e.audience == "connections",
            exists().where(c.account_id == me, c.peer_id == s.account_id),
        ),
        exists().where(invite.event_id == e.status_id, invite.account_id == me),
    )
    query = (
        select(counted.c.event_id, counted.c.going)
        .join(events, e.status_id == counted.c.event_id)
        .join(statuses, s.id == e.status_id)
        .join(accounts, a.id == s.account_id)
        .where(
            s.deleted_at.is_(None),
            s.account_id != me,
            a.suspended_at.is_(None),
            visible,
            not_(exists().where(mine.c.event_id == e.status_id, mine.c.account_id == me)),
            not_(_blocked_either_way(me, s.account_id)),
            _not_dismissed(me, EVENT, e.status_id),
        )
        .order_by(e.starts_at, e.status_id)
        .limit(limit)
    )
    if exclude:
        query = query.where(e.status_id.not_in(list(exclude)))
    return [(row[0], int(row[1])) for row in await conn.execute(query)]


async def connections_going(
    conn: AsyncConnection, me: int, event_ids: Sequence[int], *, each: int
) -> dict[int, list[int]]:
    """For each event, up to ``each`` of ``me``'s connections going (the first to answer)."""
    if not event_ids:
        return {}
    p, c = event_participants.c, connections.c
    rank = func.row_number().over(partition_by=p.event_id, order_by=(p.created_at, p.id))
    ranked = (
        select(p.event_id, p.account_id, rank.label("rank"))
        .join(connections, and_(c.peer_id == p.account_id, c.account_id == me))
        .where(p.event_id.in_(list(event_ids)), p.state == GOING)
        .subquery()
    )
    query = (
        select(ranked.c.event_id, ranked.c.account_id)
        .where(ranked.c.rank <= each)
        .order_by(ranked.c.event_id, ranked.c.rank)
    )
    found: dict[int, list[int]] = {}
    for event_id, account_id in await conn.execute(query):
        found.setdefault(event_id, []).append(account_id)
    return found


# --- groups -------------------------------------------------------------------------------


def _people_of(me: int) -> CompoundSelect[tuple[int]]:
    """Whom ``me`` is connected with or follows."""
    c, f = connections.c, follows.c
    return union(
        select(c.peer_id).where(c.account_id == me),
        select(f.target_account_id).where(f.account_id == me, f.state == ACCEPTED),
    )


def _recent_group_posts(me: int, since: datetime) -> ColumnElement[bool]:
    """Live posts made to groups since ``since`` by the people ``me`` knows: a
    range of the (author, time) index each."""
    g, s = group_posts.c, statuses.c
    return and_(
        g.author_id.in_(_people_of(me)),
        g.created_at >= since,
        g.removed_at.is_(None),
        exists().where(s.id == g.status_id, s.deleted_at.is_(None)),
    )


async def groups_known_people_post_in(
    conn: AsyncConnection, me: int, since: datetime, *, at_least: int, limit: int
) -> list[tuple[int, int]]:
    """``(group id, how many people me knows posted there since)`` for groups where
    at least ``at_least`` did, that ``me`` neither belongs to nor asked to join, is
    not banned from, blocks or dismissed: the most people first, then the liveliest."""
    g, a, f, bans = group_posts.c, accounts.c, follows.c, group_bans.c
    people = func.count(func.distinct(g.author_id)).label("people")
    active = (
        select(g.group_id.label("group_id"), people, func.max(g.created_at).label("latest"))
        .where(_recent_group_posts(me, since))
        .group_by(g.group_id)
        .having(func.count(func.distinct(g.author_id)) >= at_least)
        .subquery()
    )
    query = (
        select(active.c.group_id, active.c.people)
        .join(accounts, a.id == active.c.group_id)
        .where(
            a.actor_type == "Group",
            a.suspended_at.is_(None),
            not_(exists().where(f.account_id == me, f.target_account_id == a.id)),
            not_(exists().where(bans.group_id == a.id, bans.account_id == me)),
            not_(_blocked_either_way(me, a.id)),
            _not_dismissed(me, GROUP, a.id),
        )
        .order_by(active.c.people.desc(), active.c.latest.desc(), active.c.group_id)
        .limit(limit)
    )
    return [(row[0], int(row[1])) for row in await conn.execute(query)]


async def people_active_in(
    conn: AsyncConnection, me: int, group_ids: Sequence[int], since: datetime, *, each: int
) -> dict[int, list[int]]:
    """For each group, up to ``each`` people ``me`` knows who posted there since
    ``since``, the most recent first."""
    if not group_ids:
        return {}
    g = group_posts.c
    authors = (
        select(g.group_id, g.author_id, func.max(g.created_at).label("latest"))
        .where(g.group_id.in_(list(group_ids)), _recent_group_posts(me, since))
        .group_by(g.group_id, g.author_id)
        .subquery()
    )
    rank = func.row_number().over(
        partition_by=authors.c.group_id, order_by=(authors.c.latest.desc(), authors.c.author_id)
    )
    ranked = select(authors.c.group_id, authors.c.author_id, rank.label("rank")).subquery()
    query = (
        select(ranked.c.group_id, ranked.c.author_id)
        .where(ranked.c.rank <= each)
        .order_by(ranked.c.group_id, ranked.c.rank)
    )
    found: dict[int, list[int]] = {}
    for group_id, account_id in await conn.execute(query):
        found.setdefault(group_id, []).append(account_id)
    return found


# --- dismissals ---------------------------------------------------------------------------


async def dismiss(
    conn: AsyncConnection, me: int, kind: str, subject_id: int, now: datetime
) -> None:
    """Put a suggestion away (again: from now)."""
    statement = insert_on(conn, warmth_dismissals).values(
        account_id=me, kind=kind, subject_id=subject_id, dismissed_at=now
    )
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=["account_id", "kind", "subject_id"], set_={"dismissed_at": now}
        )
    )


async def dismissed_at(
    conn: AsyncConnection, me: int, kind: str, subject_id: int
) -> datetime | None:
    d = warmth_dismissals.c
    query = select(d.dismissed_at).where(
        d.account_id == me, d.kind == kind, d.subject_id == subject_id
    )
    return (await conn.execute(query)).scalar()
