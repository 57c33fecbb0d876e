"""Reasons to talk: the natural occasions to get in touch that a member's network
gives them, suggested on the home page (and ``GET /api/v1/warmline/warmth``).

- an event at least two of their connections are going to, coming up, that they
  have not answered and may see ("Ana, Ben and 2 other connections are going");
- a group where at least two people they are connected with or follow posted in
  the last 30 days, that they are not in ("3 people you know are active in ...");
- a connection who changed jobs in the last 30 days (``services/job_changes.py``
  notices it), with an invitation to congratulate them in a direct message: a
  reply to one person, never a post to everyone.

One is too few: a single connection going somewhere is their business, two
make a reason. Each suggestion can be dismissed (a job change: until the next
one); congratulating someone puts their suggestion away too. Nothing here tells
anyone anything or posts by itself.

Cost: one read transaction of a handful of bounded queries (``store/warmth.py``
says how each is led by the member's own rows), then the accounts, events and
posts shown read in batches, whatever the number of suggestions.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import zip_longest

from server.services import events, posts
from server.services.context import Services
from server.services.errors import NotFound, ValidationError
from server.services.events import EventView
from server.services.job_changes import still_holds
from server.store import accounts as accounts_q
from server.store import connections as connections_q
from server.store import warmth as q
from server.store.accounts import AccountRow
from server.store.statuses import StatusRow
from server.store.warmth import EVENT, GROUP, JOB_CHANGE, KINDS

AT_LEAST = 2  # people one knows: one is not a reason, two are
JOB_CHANGE_SHOWN_FOR = timedelta(days=30)
ACTIVE_WITHIN = timedelta(days=30)  # a group's posts that count
PEOPLE_SHOWN = 3  # names and faces a suggestion shows
DEFAULT_LIMIT = 5
MAX_LIMIT = 20


@dataclass(frozen=True, slots=True)
class EventReason:
    """An event ``going`` of the member's connections are going to (``people``: a few)."""

    event: EventView
    going: int
    people: tuple[AccountRow, ...]

    @property
    def kind(self) -> str:
        return EVENT

    @property
    def subject_id(self) -> int:
        return self.event.event.id


@dataclass(frozen=True, slots=True)
class GroupReason:
    """A group where ``active`` people the member knows posted lately (``people``: a few)."""

    group: AccountRow
    active: int
    people: tuple[AccountRow, ...]

    @property
    def kind(self) -> str:
        return GROUP

    @property
    def subject_id(self) -> int:
        return self.group.id


@dataclass(frozen=True, slots=True)
class JobChangeReason:
    """A connection who is now ``title`` at ``organization`` (which may be "")."""

    account: AccountRow
    title: str
    organization: str
    changed_at: datetime

    @property
    def kind(self) -> str:
        return JOB_CHANGE

    @property
    def subject_id(self) -> int:
        return self.account.id


Reason = EventReason | GroupReason | JobChangeReason


async def suggestions(
    svc: Services,
    me: AccountRow,
    *,
    limit: int = DEFAULT_LIMIT,
    exclude_events: Collection[int] = (),
) -> list[Reason]:
    """Up to ``limit`` reasons to talk, the kinds taking turns: job changes (the
    newest first), events (the soonest first), groups (the most people first).
    ``exclude_events``: events the page already shows elsewhere."""
    limit = min(max(limit, 1), MAX_LIMIT)
    now = svc.now()
    async with svc.db.read() as conn:
        changes = await q.job_changes_of_connections(
            conn, me.id, now - JOB_CHANGE_SHOWN_FOR, limit=limit
        )
        attended = await q.events_connections_attend(
            conn, me.id, now, at_least=AT_LEAST, limit=limit, exclude=exclude_events
        )
        since = now - ACTIVE_WITHIN
        active = await q.groups_known_people_post_in(
            conn, me.id, since, at_least=AT_LEAST, limit=limit
        )
        event_ids, group_ids = [e for e, _ in attended], [g for g, _ in active]
        going = await q.connections_going(conn, me.id, event_ids, each=PEOPLE_SHOWN)
        posting = await q.people_active_in(conn, me.id, group_ids, since, each=PEOPLE_SHOWN)
        found = {v.event.id: v for v in await events.views_in(conn, me, event_ids)}
        wanted = {c.account_id for c in changes} | set(group_ids)
        wanted |= {a for ids in (*going.values(), *posting.values()) for a in ids}
        people = await accounts_q.get_accounts(conn, wanted)
    jobs: list[Reason] = [
        JobChangeReason(people[c.account_id], c.title, c.organization, c.changed_at)
        for c in changes
        if c.account_id in people and still_holds(people[c.account_id], c.title, c.organization)
    ]
    gatherings: list[Reason] = [
        EventReason(found[e], n, _some(people, going.get(e, ()))) for e, n in attended if e in found
    ]
    groups: list[Reason] = [
        GroupReason(people[g], n, _some(people, posting.get(g, ()))) for g, n in active
        if g in people
    ]  # fmt: skip
    mixed = [r for turn in zip_longest(jobs, gatherings, groups) for r in turn if r is not None]
    return mixed[:limit]


def _some(people: dict[int, AccountRow], ids: Sequence[int]) -> tuple[AccountRow, ...]:
    return tuple(people[i] for i in ids if i in people)


# --- putting a suggestion away ------------------------------------------------------------


async def dismiss(svc: Services, me: AccountRow, kind: str, subject_id: int) -> None:
    """Stop suggesting an event or a group, or a connection's job change (until
    their next one)."""
    if kind not in KINDS:
        raise ValidationError(f"kind must be one of {', '.join(KINDS)}", field="kind")
    async with svc.db.transaction() as conn:
        await q.dismiss(conn, me.id, kind, subject_id, svc.now())


# --- congratulating -----------------------------------------------------------------------


async def job_change(svc: Services, me: AccountRow, account_id: int) -> JobChangeReason:
    """A connection's recent change of job, to congratulate them on (NotFound when
    there is none, or ``me`` is not connected with them)."""
    now = svc.now()
    async with svc.db.read() as conn:
        change = await q.job_change_of(conn, account_id)
        person = await accounts_q.get_account(conn, account_id)
        connected = await connections_q.are_connected(conn, me.id, account_id)
    if (
        change is None
        or person is None
        or not connected
        or person.suspended_at is not None
        or change.changed_at < now - JOB_CHANGE_SHOWN_FOR
        or not still_holds(person, change.title, change.organization)
    ):
        raise NotFound("There is no new job to congratulate this person on")
    return JobChangeReason(person, change.title, change.organization, change.changed_at)


async def congratulate(
    svc: Services, me: AccountRow, account_id: int, words: str
) -> StatusRow | None:
    """Send ``words`` to a connection who changed jobs, as a direct message to
    them alone, and put the suggestion away. None when it was sent already (a
    form sent twice sends one message)."""
    reason = await job_change(svc, me, account_id)
    if not words.strip():
        raise ValidationError("Write a few words first", field="status")
    prepared = posts.direct_message(svc, [reason.account], words.strip())
    async with svc.db.transaction() as conn:
        change = await q.job_change_of(conn, account_id, lock=True)
        done = await q.dismissed_at(conn, me.id, JOB_CHANGE, account_id)
        if change is None or (done is not None and done >= change.changed_at):
            return None
        status = await posts.write_status(svc, conn, me, prepared)
        await q.dismiss(conn, me.id, JOB_CHANGE, account_id, svc.now())
    svc.wake.deliveries.set()
    return status
