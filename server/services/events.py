"""Events members organise and answer: create, change, cancel, RSVP, invite.

An event is a post (a status of object type ``Event``, so followers see it in
their home timeline, reply to it and boost it, and Mastodon shows it as a
post) plus its own row: when, where, who may come. Who may see it is the
event's ``audience``:

- ``public``: anyone; published to the organiser's followers like a public post;
- ``connections``: the organiser's connections (and whoever answered or was
  invited); the post itself is direct, addressed to nobody, so no timeline or
  other server shows it;
- ``invited``: only those invited (and whoever answered).

Answers: ``going`` takes a place; past ``capacity`` it is ``waitlisted`` and
moved up, oldest first, when a place frees up; with ``approval_required`` it
is ``pending`` until the organiser decides. ``maybe`` and ``not_going`` take
no place. The organiser is going from the start.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncConnection

from federation import activities as ap
from federation import participation as wl_events
from federation.events import Place
from server.services import objects, posts, search
from server.services.context import Services
from server.services.errors import Forbidden, NotFound, ValidationError
from server.services.notify import notify
from server.services.objects import location_of
from server.services.outbox import Recipients, send
from server.store import accounts as accounts_q
from server.store import connections as connections_q
from server.store import events as q
from server.store import statuses as statuses_q
from server.store.accounts import AccountRow
from server.store.events import (
    ATTENDING,
    GOING,
    MAYBE,
    NOT_GOING,
    PENDING,
    WAITLISTED,
    EventRow,
    ParticipantRow,
)
from server.store.statuses import StatusRow

AUDIENCES = ("public", "connections", "invited")
ANSWERS = (GOING, MAYBE, NOT_GOING)
TITLE_CHARS = 200
PLACE_CHARS = 200
URL_CHARS = 2000
MAX_INVITES = 100
# A post's visibility for each audience: only a public event is a public post.
POST_VISIBILITY = {"public": "public", "connections": "direct", "invited": "direct"}


# Where an event is: the same fields as the Place it is published with.
Location = Place


@dataclass(frozen=True, slots=True)
class EventDraft:
    """What an organiser fills in. ``starts_at`` and ``ends_at`` are aware."""

    title: str
    starts_at: datetime
    description: str = ""
    ends_at: datetime | None = None
    timezone: str = "UTC"
    location: Location | None = None
    online_url: str | None = None
    capacity: int | None = None
    audience: str = "public"
    approval_required: bool = False
    group_id: int | None = None


@dataclass(frozen=True, slots=True)
class EventView:
    """An event as one viewer sees it."""

    event: EventRow
    status: StatusRow
    organizer: AccountRow
    my_rsvp: str | None = None
    invited: bool = False


# --- checking what an organiser typed -------------------------------------------------------


def _clean(value: str | None, limit: int, name: str) -> str | None:
    text = (value or "").strip()
    if len(text) > limit:
        raise ValidationError(f"{name} must be at most {limit} characters", field=name)
    return text or None


def check_draft(draft: EventDraft) -> EventDraft:
    """The draft with its text trimmed, or ValidationError naming the field."""
    title = _clean(draft.title, TITLE_CHARS, "title")
    if not title:
        raise ValidationError("An event needs a title", field="title")
    if len(draft.description) > posts.MAX_CHARS:
        raise ValidationError(
            f"description must be at most {posts.MAX_CHARS} characters", field="description"
        )
    for name, moment in (("starts_at", draft.starts_at), ("ends_at", draft.ends_at)):
        if moment is not None and moment.tzinfo is None:
            raise ValidationError(
                f"{name} needs a UTC offset (2027-03-01T18:00:00+01:00)", field=name
            )
    if draft.ends_at is not None and draft.ends_at <= draft.starts_at:
        raise ValidationError("An event must end after it starts", field="ends_at")
    if not known_zone(draft.timezone):
        raise ValidationError(
            f"{draft.timezone!r} is not a time zone (an IANA name: Europe/Paris)", field="timezone"
        )
    online_url = _clean(draft.online_url, URL_CHARS, "online_url")
    if online_url and (urlsplit(online_url).scheme not in ("http", "https") or " " in online_url):
        raise ValidationError("online_url must be an http(s) link", field="online_url")
    if draft.capacity is not None and draft.capacity < 1:
        raise ValidationError("capacity must be at least 1 (or empty: no limit)", field="capacity")
    if draft.audience not in AUDIENCES:
        raise ValidationError(
            f"visibility must be one of {', '.join(AUDIENCES)}", field="visibility"
        )
    return replace(
        draft, title=title, online_url=online_url, location=_check_location(draft.location)
    )


def known_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _check_location(place: Location | None) -> Location | None:
    if place is None:
        return None
    parts = {
        name: _clean(getattr(place, name), 32 if name == "postal_code" else PLACE_CHARS, name)
        for name in ("name", "street", "locality", "region", "postal_code", "country")
    }
    for name, bound in (("latitude", 90.0), ("longitude", 180.0)):
        value = getattr(place, name)
        if value is not None and not -bound <= value <= bound:
            raise ValidationError(f"{name} must be between -{bound:g} and {bound:g}", field=name)
    if (place.latitude is None) != (place.longitude is None):
        raise ValidationError("give both latitude and longitude, or neither", field="latitude")
    found = Location(**parts, latitude=place.latitude, longitude=place.longitude)
    return found if found != Location() else None


def _row_values(draft: EventDraft) -> dict[str, Any]:
    place = draft.location or Location()
    return {
        "title": draft.title,
        "starts_at": draft.starts_at,
        "ends_at": draft.ends_at,
        "timezone": draft.timezone,
        "place_name": place.name,
        "street": place.street,
        "locality": place.locality,
        "region": place.region,
        "postal_code": place.postal_code,
        "country": place.country,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "online_url": draft.online_url,
        "capacity": draft.capacity,
        "audience": draft.audience,
        "approval_required": draft.approval_required,
        "group_id": draft.group_id,
    }


def draft_of(event: EventRow, status: StatusRow) -> EventDraft:
    """The draft an event was made from (what an edit changes)."""
    return EventDraft(
        title=event.title,
        starts_at=event.starts_at,
        description=status.source_text or "",
        ends_at=event.ends_at,
        timezone=event.timezone,
        location=location_of(event),
        online_url=event.online_url,
        capacity=event.capacity,
        audience=event.audience,
        approval_required=event.approval_required,
        group_id=event.group_id,
    )


# --- seeing an event ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Relations:
    """What decides which of a page of events a viewer may see, read once for the
    page: their answers, invitations, and the organisers they are blocked with
    either way or connected to."""

    answers: dict[int, str] = field(default_factory=dict)
    invited: set[int] = field(default_factory=set)
    blocked: set[int] = field(default_factory=set)
    connected: set[int] = field(default_factory=set)


async def relations(
    conn: AsyncConnection, viewer: AccountRow | None, event_ids: list[int], organizer_ids: list[int]
) -> Relations:
    if viewer is None:
        return Relations()
    return Relations(
        answers=await q.answers_of(conn, viewer.id, event_ids),
        invited=await q.invited_among(conn, viewer.id, event_ids),
        blocked=await connections_q.blocked_among(conn, viewer.id, organizer_ids),
        connected=await connections_q.connected_among(conn, viewer.id, organizer_ids),
    )


def visible(
    viewer: AccountRow | None, event: EventRow, status: StatusRow, organizer: AccountRow | None,
    known: Relations,
) -> bool:  # fmt: skip
    """Whether ``viewer`` may see (and so answer) the event: never across a block
    either way, nor an event of a suspended organiser; beyond public events,
    those the viewer answered or was invited to, and a connection's events
    shown to connections."""
    if status.deleted_at is not None:
        return False
    if viewer is not None and viewer.id == status.account_id:
        return True
    if organizer is None or organizer.suspended_at is not None:
        return False
    if organizer.id in known.blocked:
        return False
    if event.audience == "public":
        return True
    if viewer is None:
        return False
    if event.id in known.answers or event.id in known.invited:
        return True
    return event.audience == "connections" and organizer.id in known.connected


async def may_see(
    conn: AsyncConnection, viewer: AccountRow | None, event: EventRow, status: StatusRow,
    organizer: AccountRow | None = None,
) -> bool:  # fmt: skip
    """:func:`visible` for one event, reading what it needs."""
    if organizer is None:  # the caller may have it at hand already
        organizer = await accounts_q.get_account(conn, status.account_id)
    known = await relations(conn, viewer, [event.id], [status.account_id])
    return visible(viewer, event, status, organizer, known)


async def get_event(svc: Services, viewer: AccountRow | None, event_id: int) -> EventView:
    """The event as ``viewer`` may see it (NotFound when they may not)."""
    found = await views(svc, viewer, [event_id])
    if not found:
        raise NotFound("Record not found")
    return found[0]


async def _load(
    conn: AsyncConnection, viewer: AccountRow | None, event_id: int
) -> tuple[EventRow, StatusRow, AccountRow]:
    found = await views_in(conn, viewer, [event_id])
    if not found:
        raise NotFound("Record not found")
    return found[0].event, found[0].status, found[0].organizer


async def views(svc: Services, viewer: AccountRow | None, event_ids: list[int]) -> list[EventView]:
    """The events ``viewer`` may see among ``event_ids``, in that order."""
    async with svc.db.read() as conn:
        return await views_in(conn, viewer, event_ids)


async def views_in(
    conn: AsyncConnection, viewer: AccountRow | None, event_ids: list[int]
) -> list[EventView]:
    """A page of events in a handful of statements, whatever its length."""
    events_by_id = await q.get_events(conn, event_ids)
    posts_by_id = await statuses_q.get_statuses(conn, list(events_by_id))
    organizer_ids = list({s.account_id for s in posts_by_id.values()})
    organizers = await accounts_q.get_accounts(conn, organizer_ids)
    known = await relations(conn, viewer, list(posts_by_id), organizer_ids)
    found = []
    for event_id in event_ids:
        event, status = events_by_id.get(event_id), posts_by_id.get(event_id)
        if event is None or status is None:
            continue
        organizer = organizers.get(status.account_id)
        if organizer is None or not visible(viewer, event, status, organizer, known):
            continue
        found.append(
            EventView(
                event, status, organizer, known.answers.get(event.id), event.id in known.invited
            )
        )
    return found


async def resolve(svc: Services, viewer: AccountRow, uri: str) -> EventView:
    """An event by its id or page on any server (fetched and stored if new)."""
    status = await search.status_by_url(svc, uri, resolve=True)
    if status is None or status.object_type != "Event":
        raise NotFound("No event was found at that address")
    return await get_event(svc, viewer, status.id)


# --- organising -------------------------------------------------------------------------


async def create_event(svc: Services, organizer: AccountRow, draft: EventDraft) -> EventView:
    """Post a new event; the organiser is going."""
    draft = check_draft(draft)
    if draft.group_id is not None and draft.audience != "public":
        raise ValidationError("A group's event is public: the group shares it", field="group_id")
    post = posts.Draft(
        text=draft.description or draft.title,
        visibility=POST_VISIBILITY[draft.audience],
        group_id=draft.group_id,
    )
    prepared = await posts.prepare_status(svc, organizer, post)
    now = svc.now()

    async def add_event(conn: AsyncConnection, status: StatusRow) -> None:
        await q.insert_event(
            conn, {"status_id": status.id, **_row_values(draft), "updated_at": now}
        )
        await _answer(svc, conn, status, organizer.id, GOING)

    async with svc.db.transaction() as conn:
        status = await posts.write_status(
            svc, conn, organizer, prepared, object_type="Event", extend=add_event
        )
        event = await q.get_event(conn, status.id)
        assert event is not None
    svc.wake.deliveries.set()
    return EventView(event, status, organizer, GOING)


async def _organised(
    conn: AsyncConnection, organizer: AccountRow, event_id: int
) -> tuple[EventRow, StatusRow]:
    event, status, owner = await _load(conn, organizer, event_id)
    if owner.id != organizer.id:
        raise Forbidden("Only the organiser may change this event")
    return event, status


async def update_event(
    svc: Services, organizer: AccountRow, event_id: int, draft: EventDraft
) -> EventView:
    """Change an event; followers' servers get an Update, attendees are told when
    the time or the place changed, and a bigger capacity lets the waiting in."""
    draft = check_draft(draft)
    async with svc.db.read() as conn:
        event, status = await _organised(conn, organizer, event_id)
    if event.cancelled_at is not None:
        raise ValidationError("This event was cancelled; it cannot be changed")
    if draft.audience != event.audience:
        raise ValidationError("An event's visibility cannot be changed", field="visibility")
    if draft.group_id != event.group_id:
        raise ValidationError("An event cannot move to another group", field="group_id")
    text = draft.description or draft.title
    text_changed = text != (status.source_text or "")
    before = draft_of(event, status)
    moved = (draft.starts_at, draft.ends_at, draft.location, draft.online_url) != (
        before.starts_at, before.ends_at, before.location, before.online_url,
    )  # fmt: skip
    async with svc.db.transaction() as conn:
        await q.update_event(conn, event_id, {**_row_values(draft), "updated_at": svc.now()})
        await _move_up(svc, conn, event_id)
        if moved:
            await _tell_attendees(svc, conn, event_id, organizer, "warmline.event_changed")
        if not text_changed:
            await _publish(svc, conn, organizer, event_id)
    if text_changed:  # the post's Update carries the event as it now is, to followers
        await posts.edit_status(
            svc, organizer, event_id, posts.Draft(text=text, visibility=status.visibility)
        )
        async with svc.db.transaction() as conn:
            await _publish(svc, conn, organizer, event_id, followers=False)
    svc.wake.deliveries.set()
    return await get_event(svc, organizer, event_id)


async def cancel_event(svc: Services, organizer: AccountRow, event_id: int) -> EventView:
    """Cancel: the event stays, marked cancelled; attendees are told."""
    async with svc.db.read() as conn:
        event, _ = await _organised(conn, organizer, event_id)
    if event.cancelled_at is None:
        async with svc.db.transaction() as conn:
            await q.update_event(conn, event_id, {"cancelled_at": svc.now()})
            await _tell_attendees(svc, conn, event_id, organizer, "warmline.event_cancelled")
            await _publish(svc, conn, organizer, event_id)
        svc.wake.deliveries.set()
    return await get_event(svc, organizer, event_id)


async def _publish(
    svc: Services, conn: AsyncConnection, organizer: AccountRow, event_id: int,
    *, followers: bool = True,
) -> None:  # fmt: skip
    """Send an Update of the event as it now is to whoever has it: a public event's
    followers' servers (unless ``followers`` is off), and attendees elsewhere."""
    status = await statuses_q.get_status(conn, event_id)
    assert status is not None
    public = followers and status.visibility == "public"
    remote = [a for a in await _attendees_here_and_there(conn, event_id) if not a.is_local]
    if not public and not remote:
        return
    doc = await objects.note_document(svc, conn, status, organizer)
    stamp = int(svc.now().timestamp() * 1000)
    to = list(dict.fromkeys([*doc["to"], *(a.uri for a in remote if a.uri)]))
    update = ap.update(
        f"{doc['id']}#updates/{stamp}", doc["attributedTo"], doc, to=to, cc=doc["cc"]
    )
    await send(svc, conn, organizer, update, Recipients(followers=public, accounts=remote))


async def _attendees_here_and_there(conn: AsyncConnection, event_id: int) -> list[AccountRow]:
    answers = await q.participants(conn, event_id, ATTENDING)
    people = await accounts_q.get_accounts(conn, [a.account_id for a in answers])
    return [people[a.account_id] for a in answers if a.account_id in people]


async def _tell_attendees(
    svc: Services, conn: AsyncConnection, event_id: int, organizer: AccountRow, kind: str
) -> None:
    for who in await _attendees_here_and_there(conn, event_id):
        if who.is_local and who.id != organizer.id:
            await notify(svc, conn, who.id, kind, organizer.id, event_id)


# --- answering --------------------------------------------------------------------------


async def _answer(
    svc: Services, conn: AsyncConnection, status: StatusRow, account_id: int, state: str,
    uri: str | None = None,
) -> None:  # fmt: skip
    now = svc.now()
    await q.set_answer(
        conn,
        {"id": svc.db.new_id(), "event_id": status.id, "account_id": account_id,
         "state": state, "uri": uri, "created_at": now, "updated_at": now},
    )  # fmt: skip
    if status.local:  # a remote event's counts are what its server says
        await q.recount(conn, status.id)


def _place_for(event: EventRow, current: str | None, is_organizer: bool) -> str:
    """What "going" becomes at our own event for someone whose answer is ``current``."""
    if current == GOING:
        return GOING
    if event.approval_required and not is_organizer and current != PENDING:
        return PENDING
    if current == PENDING:
        return PENDING
    return WAITLISTED if event.is_full() else GOING


async def rsvp(svc: Services, me: AccountRow, event_id: int, answer: str) -> EventView:
    """Answer an event: going (perhaps waitlisted or pending), maybe or not going.

    At another server's event, "going" is pending until its organiser's server
    accepts the Join."""
    if answer not in ANSWERS:
        raise ValidationError(f"status must be one of {', '.join(ANSWERS)}", field="status")
    async with svc.db.transaction() as conn:
        event, status, organizer = await _load(conn, me, event_id)
        if event.cancelled_at is not None:
            raise ValidationError("This event was cancelled")
        if organizer.is_local:
            await apply_answer(svc, conn, event, status, organizer, me, answer)
        else:
            await _answer_elsewhere(svc, conn, status, organizer, me, answer)
        view = await views_in(conn, me, [event_id])
    svc.wake.deliveries.set()
    return view[0]


async def apply_answer(
    svc: Services, conn: AsyncConnection, event: EventRow, status: StatusRow,
    organizer: AccountRow, who: AccountRow, answer: str, uri: str | None = None,
) -> str:  # fmt: skip
    """``who`` (here or elsewhere; ``uri`` their Join) answers our member's event;
    the answer it became. Someone elsewhere who gets a place is sent an Accept."""
    current = await q.get_participant(conn, event.id, who.id)
    before = current.state if current else None
    state = _place_for(event, before, who.id == organizer.id) if answer == GOING else answer
    if state == before and (uri is None or current is None or current.uri == uri):
        return state
    await _answer(svc, conn, status, who.id, state, uri)
    if before == GOING and state != GOING:
        await _move_up(svc, conn, event.id)
    if state in (GOING, MAYBE, PENDING, WAITLISTED) and state != before:
        await notify(svc, conn, organizer.id, "warmline.event_rsvp", who.id, event.id)
    if state == GOING and not who.is_local:
        await _tell_participant(svc, conn, status, organizer, who, "Accept")
    return state


async def _answer_elsewhere(
    svc: Services, conn: AsyncConnection, status: StatusRow, organizer: AccountRow,
    me: AccountRow, answer: str,
) -> None:  # fmt: skip
    """Our member answers another server's event: Join, TentativeAccept or Leave."""
    current = await q.get_participant(conn, status.id, me.id)
    before = current.state if current else None
    event_uri, me_uri = status.uri or "", objects.account_uri(svc, me)
    to = Recipients(accounts=[organizer])

    def fresh(kind: str) -> str:
        return svc.urls.activity(me.username, kind, svc.db.new_id())

    if answer == GOING:
        if before in (GOING, PENDING):
            return
        uri = fresh("join")
        await _answer(svc, conn, status, me.id, PENDING, uri)
        await send(svc, conn, me, wl_events.join(uri, me_uri, event_uri, organizer.uri or ""), to)
        return
    if before in (GOING, PENDING, WAITLISTED):
        leave = wl_events.leave(fresh("leave"), me_uri, event_uri, organizer.uri or "")
        await send(svc, conn, me, leave, to)
    await _answer(svc, conn, status, me.id, answer)
    if answer == MAYBE and before != MAYBE:
        maybe = wl_events.tentative_accept(fresh("maybe"), me_uri, event_uri, organizer.uri or "")
        await send(svc, conn, me, maybe, to)


async def refuse_join(
    svc: Services, conn: AsyncConnection, status: StatusRow, organizer: AccountRow,
    who: AccountRow, join_id: str,
) -> None:  # fmt: skip
    """Reject a Join from elsewhere to an event its sender may not join (nothing stored)."""
    doc = wl_events.answer_join(
        "Reject", svc.urls.activity(organizer.username, "reject", svc.db.new_id()),
        objects.account_uri(svc, organizer), join_id, who.uri or "",
        objects.status_uri(svc, status, organizer),
    )  # fmt: skip
    await send(svc, conn, organizer, doc, Recipients(accounts=[who]))


async def _tell_participant(
    svc: Services, conn: AsyncConnection, status: StatusRow, organizer: AccountRow,
    who: AccountRow, kind: str,
) -> None:  # fmt: skip
    """Accept or Reject the Join of ``who``, a participant on another server."""
    answer = await q.get_participant(conn, status.id, who.id)
    if answer is None or not answer.uri or who.is_local:
        return
    doc = wl_events.answer_join(
        kind, svc.urls.activity(organizer.username, kind.lower(), svc.db.new_id()),
        objects.account_uri(svc, organizer), answer.uri, who.uri or "",
        objects.status_uri(svc, status, organizer),
    )  # fmt: skip
    await send(svc, conn, organizer, doc, Recipients(accounts=[who]))


async def _move_up(svc: Services, conn: AsyncConnection, event_id: int) -> None:
    """Give freed places to the waiting list, oldest first; each is told."""
    event = await q.get_event(conn, event_id)
    status = await statuses_q.get_status(conn, event_id)
    assert event is not None and status is not None
    free = None if event.capacity is None else event.capacity - event.participants_count
    waiting = await q.participants(conn, event_id, (WAITLISTED,))
    moved = waiting if free is None else waiting[: max(free, 0)]
    if not moved:
        return
    organizer = await accounts_q.get_account(conn, status.account_id)
    assert organizer is not None
    people = await accounts_q.get_accounts(conn, [a.account_id for a in moved])
    for answer in moved:
        await q.set_state(conn, answer.id, GOING, svc.now())
        await notify(
            svc, conn, answer.account_id, "warmline.event_confirmed", organizer.id, event_id
        )
        who = people.get(answer.account_id)
        if who is not None and not who.is_local:
            await _tell_participant(svc, conn, status, organizer, who, "Accept")
    await q.recount(conn, event_id)


async def decide(
    svc: Services, organizer: AccountRow, event_id: int, account_id: int, *, approve: bool
) -> ParticipantRow:
    """The organiser approves (going, or waitlisted when full) or declines a pending answer."""
    async with svc.db.transaction() as conn:
        event, status = await _organised(conn, organizer, event_id)
        answer = await q.get_participant(conn, event_id, account_id)
        if answer is None or answer.state != PENDING:
            raise NotFound("No request to attend from this account")
        state = (WAITLISTED if event.is_full() else GOING) if approve else NOT_GOING
        await q.set_state(conn, answer.id, state, svc.now())
        await q.recount(conn, event_id)
        who = await accounts_q.get_account(conn, account_id)
        if approve and who is not None and who.is_local:
            await notify(svc, conn, account_id, "warmline.event_confirmed", organizer.id, event_id)
        if who is not None and state != WAITLISTED:
            await _tell_participant(svc, conn, status, organizer, who,
                                    "Accept" if approve else "Reject")  # fmt: skip
        found = await q.get_participant(conn, event_id, account_id)
    svc.wake.deliveries.set()
    assert found is not None
    return found


# --- who is coming, and inviting ------------------------------------------------------------


async def attendees(
    svc: Services, viewer: AccountRow | None, event_id: int, state: str = GOING
) -> list[tuple[AccountRow, str]]:
    """Who answered ``state`` (pending ones: the organiser only), people the viewer
    is connected with first, then in the order they answered."""
    async with svc.db.read() as conn:
        event, status, _ = await _load(conn, viewer, event_id)
        if state == PENDING and (viewer is None or viewer.id != status.account_id):
            raise Forbidden("Only the organiser sees who waits for approval")
        answers = await q.participants(conn, event.id, (state,))
        people = await accounts_q.get_accounts(conn, [a.account_id for a in answers])
        known: set[int] = set()
        if viewer is not None and answers:
            known = await connections_q.connected_among(
                conn, viewer.id, [a.account_id for a in answers]
            )
    listed = [(people[a.account_id], a.state) for a in answers if a.account_id in people]
    return sorted(listed, key=lambda pair: pair[0].id not in known)


async def invite(svc: Services, me: AccountRow, event_id: int, account_ids: list[int]) -> list[int]:
    """Invite connections (the organiser's, or an attendee's own); the ids newly invited."""
    if not account_ids:
        raise ValidationError("Choose whom to invite", field="account_ids")
    if len(account_ids) > MAX_INVITES:
        raise ValidationError(f"At most {MAX_INVITES} at a time", field="account_ids")
    async with svc.db.transaction() as conn:
        event, _, organizer = await _load(conn, me, event_id)
        answer = await q.get_participant(conn, event_id, me.id)
        if me.id != organizer.id and (answer is None or answer.state not in ATTENDING):
            raise Forbidden("Only the organiser and those attending may invite")
        if event.cancelled_at is not None:
            raise ValidationError("This event was cancelled")
        connected = await connections_q.connected_among(conn, me.id, account_ids)
        strangers = [a for a in account_ids if a not in connected]
        if strangers:
            raise ValidationError("You can invite your connections only", field="account_ids")
        fresh = await q.add_invites(conn, event_id, account_ids, me.id, svc.now())
        people = await accounts_q.get_accounts(conn, fresh)
        elsewhere = [people[i] for i in fresh if i in people and not people[i].is_local]
        for account_id in fresh:
            if account_id in people and people[account_id].is_local:
                await notify(svc, conn, account_id, "warmline.event_invite", me.id, event_id)
        if elsewhere:
            await _send_invite(svc, conn, me, event_id, organizer, elsewhere)
    svc.wake.deliveries.set()
    return fresh


async def _send_invite(
    svc: Services, conn: AsyncConnection, me: AccountRow, event_id: int,
    organizer: AccountRow, invitees: list[AccountRow],
) -> None:  # fmt: skip
    """An ``Invite`` to connections elsewhere. The organiser's own embeds the Event
    (its server may not show it to strangers); anyone else's names it by id."""
    status = await statuses_q.get_status(conn, event_id)
    assert status is not None
    if me.id == organizer.id:
        event_doc: Any = await objects.note_document(svc, conn, status, organizer)
    else:
        event_doc = objects.status_uri(svc, status, organizer)
    targets = [a.uri or "" for a in invitees]
    doc = wl_events.invite(
        svc.urls.activity(me.username, "invite", svc.db.new_id()),
        objects.account_uri(svc, me), event_doc, targets,
    )  # fmt: skip
    await send(svc, conn, me, doc, Recipients(accounts=invitees))


# --- lists --------------------------------------------------------------------------------


SCOPES = ("mine", "network", "local")


async def upcoming(
    svc: Services, viewer: AccountRow | None, scope: str, *, limit: int = 20, offset: int = 0
) -> list[EventView]:
    """Events not over yet, soonest first: ``mine`` (organised or answered),
    ``network`` (organised or attended by connections and people followed),
    ``local`` (public events of this instance)."""
    if scope not in SCOPES:
        raise ValidationError(f"scope must be one of {', '.join(SCOPES)}", field="scope")
    if scope != "local" and viewer is None:
        raise Forbidden("This list is for signed-in members")
    now = svc.now()
    async with svc.db.read() as conn:
        if scope == "local":
            ids = await q.upcoming(conn, now, local_only=True, public_only=True, limit=limit,
                                   offset=offset)  # fmt: skip
        elif scope == "mine":
            assert viewer is not None
            ids = await q.upcoming(conn, now, mine_of=viewer.id, limit=limit, offset=offset)
        else:
            assert viewer is not None
            ids = await q.upcoming(conn, now, network_of=viewer.id, limit=limit, offset=offset)
    return await views(svc, viewer, ids)


async def calendar_of(svc: Services, me: AccountRow) -> list[EventView]:
    """What a member's calendar feed lists: events they organise or answered
    (going, maybe, waiting), from 30 days back, cancelled ones too (marked)."""
    async with svc.db.read() as conn:
        ids = await q.upcoming(
            conn, svc.now() - timedelta(days=30), mine_of=me.id, limit=500, with_cancelled=True
        )
    return await views(svc, me, ids)


# --- reminders --------------------------------------------------------------------------

REMIND_BEFORE = timedelta(hours=24)


async def send_reminders(svc: Services) -> int:
    """Remind members here who are going (or maybe) of events starting within a day,
    once each; how many were reminded."""
    now = svc.now()
    async with svc.db.transaction() as conn:
        due = await q.due_reminders(conn, now, now + REMIND_BEFORE)
        for reminder in due:
            await notify(
                svc, conn, reminder.account_id, "warmline.event_reminder",
                reminder.organizer_id, reminder.event_id,
            )  # fmt: skip
        await q.mark_reminded(conn, [r.answer_id for r in due], now)
    return len(due)
