"""Events from other servers, and answers to ours.

- A ``Create``/``Update`` of an ``Event`` (Mobilizon, Gancio, Warmline) is stored
  as a post (``notes.store_note``) with its event row (``store_event_row``).
- ``Join``, ``TentativeAccept`` and ``Leave`` (or ``Undo`` of a Join) from
  someone elsewhere answer one of our members' events: applied as a member's
  answer would be (``events.apply_answer``); a Join to an event they may not
  see, or one that was cancelled, is answered with a ``Reject``.
- ``Accept`` or ``Reject`` of a Join one of our members sent: going, or not.
  Only the event's own server may answer it (``answer_to_join``, at the door).
- ``Invite`` of our members by one of their connections elsewhere: invited, and told.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncConnection

from federation import events as fevents
from federation import participation as wl
from federation.client import same_origin
from federation.vocab import get_id, get_ids, has_type
from server.services import events, search
from server.services.context import Services
from server.services.errors import Forbidden
from server.services.inbound import notes
from server.services.notify import notify
from server.store import accounts as accounts_q
from server.store import connections as connections_q
from server.store import events as q
from server.store import statuses as statuses_q
from server.store.accounts import AccountRow
from server.store.statuses import StatusRow


async def store_event_row(
    svc: Services, conn: AsyncConnection, status: StatusRow, obj: dict[str, Any]
) -> None:
    """Write (or rewrite) the event row of a remote Event post (``notes`` made it
    one only if ``read_event`` reads it). Our members who answered it are told
    when it is cancelled, or its time or place changes."""
    parsed = fevents.read_event(obj)
    if parsed is None:
        return
    now, place = svc.now(), parsed.place or fevents.Place()
    values = {
        "title": parsed.name[:200] or "Event",
        "starts_at": parsed.start,
        "ends_at": parsed.end if parsed.end and parsed.end > parsed.start else None,
        "timezone": parsed.timezone if events.known_zone(parsed.timezone or "") else "UTC",
        "place_name": place.name, "street": place.street, "locality": place.locality,
        "region": place.region, "postal_code": place.postal_code, "country": place.country,
        "latitude": place.latitude, "longitude": place.longitude,
        "online_url": parsed.online_url,
        "capacity": parsed.capacity,
        "audience": "public" if status.visibility in ("public", "unlisted") else "connections",
        "approval_required": parsed.join_mode == "restricted",
        "participants_count": parsed.participants or 0,
        "updated_at": now,
    }  # fmt: skip
    before = await q.get_event(conn, status.id)
    if before is None:
        cancelled = now if parsed.cancelled else None
        await q.insert_event(conn, {"status_id": status.id, **values, "cancelled_at": cancelled})
        return
    if parsed.cancelled and before.cancelled_at is None:
        values["cancelled_at"] = now
    await q.update_event(conn, status.id, values)
    if "cancelled_at" in values:
        kind = "warmline.event_cancelled"
    elif _where_and_when(before) != (
        values["starts_at"], values["ends_at"], place.name, place.street, parsed.online_url,
    ):  # fmt: skip
        kind = "warmline.event_changed"
    else:
        return
    for answer in await q.participants(conn, status.id, q.ATTENDING):
        await notify(svc, conn, answer.account_id, kind, status.account_id, status.id)


def _where_and_when(event: q.EventRow) -> tuple[Any, ...]:
    return event.starts_at, event.ends_at, event.place_name, event.street, event.online_url


# --- answers to our members' events ----------------------------------------------------------


async def _our_event(
    conn: AsyncConnection, status_id: int | None
) -> tuple[q.EventRow, StatusRow, AccountRow] | None:
    """One of our members' events, by its post's id (None if it is no such event)."""
    event = await q.get_event(conn, status_id) if status_id else None
    status = await statuses_q.get_status(conn, status_id) if event and status_id else None
    organizer = await accounts_q.get_account(conn, status.account_id) if status else None
    if event is None or status is None or organizer is None or not status.local:
        return None
    return (event, status, organizer) if status.deleted_at is None else None


async def on_participation(svc: Services, doc: dict[str, Any], actor: str) -> None:
    """A Join, TentativeAccept or Leave of one of our members' events."""
    answer = wl.read_answer(doc)
    if answer is None or svc.urls.local_status_id(answer.event) is None:
        return
    who = await svc.remote.fetch_actor(actor)
    state = {wl.JOIN: q.GOING, wl.TENTATIVE_ACCEPT: q.MAYBE, wl.LEAVE: q.NOT_GOING}[answer.kind]
    async with svc.db.transaction() as conn:
        found = await _our_event(conn, svc.urls.local_status_id(answer.event))
        if found is None:
            return
        event, status, organizer = found
        if answer.kind == wl.JOIN and await q.get_participant_by_uri(conn, answer.id):
            return  # a redelivery
        allowed = await events.may_see(conn, who, event, status) and event.cancelled_at is None
        if not allowed and answer.kind == wl.JOIN:
            await events.refuse_join(svc, conn, status, organizer, who, answer.id)
        elif allowed:
            uri = answer.id if answer.kind == wl.JOIN else None
            await events.apply_answer(svc, conn, event, status, organizer, who, state, uri)
    svc.wake.deliveries.set()


async def undo_join(svc: Services, named: str, actor: str) -> bool:
    """An Undo of a Join: a Leave. False when ``named`` is no Join we know."""
    async with svc.db.transaction() as conn:
        answer = await q.get_participant_by_uri(conn, named)
        who = await accounts_q.get_account(conn, answer.account_id) if answer else None
        if answer is None or who is None or who.uri != actor:
            return False
        found = await _our_event(conn, answer.event_id)
        if found is not None:
            event, status, organizer = found
            await events.apply_answer(svc, conn, event, status, organizer, who, q.NOT_GOING)
    svc.wake.deliveries.set()
    return True


# --- answers to our members' Joins ------------------------------------------------------


async def answer_to_join(
    conn: AsyncConnection, doc: dict[str, Any], actor: str, answered: str
) -> bool | None:
    """At the door: an Accept/Reject of a Join must come from the event's server."""
    answer = await q.get_participant_by_uri(conn, answered)
    if answer is None:
        return None
    status = await statuses_q.get_status(conn, answer.event_id)
    member = await accounts_q.get_account(conn, answer.account_id)
    if status is None or status.local or member is None or not member.is_local:
        raise Forbidden(f"{doc.get('type')} refused: that Join was not sent to you")
    if urlsplit(status.uri or "").netloc.lower() != urlsplit(actor).netloc.lower():
        raise Forbidden(f"{doc.get('type')} refused: only the event's server answers a Join")
    return True


async def undo_of_join(
    conn: AsyncConnection, doc: dict[str, Any], actor: str, undone: str
) -> bool | None:
    """At the door: an Undo of a Join must be its sender's."""
    answer = await q.get_participant_by_uri(conn, undone)
    if answer is None:
        return None
    who = await accounts_q.get_account(conn, answer.account_id)
    if who is None or who.uri != actor:
        raise Forbidden("an Undo may only undo the actor's own Join")
    return True


async def on_answer(svc: Services, doc: dict[str, Any], actor: str, named: str) -> bool:
    """Accept or Reject of a Join one of our members sent; False when it is not one."""
    async with svc.db.transaction() as conn:
        answer = await q.get_participant_by_uri(conn, named)
        if answer is None:
            return False
        status = await statuses_q.get_status(conn, answer.event_id)
        if status is None or status.local:
            return True
        accepted = doc.get("type") == "Accept"
        if answer.state in (q.PENDING, q.GOING, q.WAITLISTED):
            await q.set_state(conn, answer.id, q.GOING if accepted else q.NOT_GOING, svc.now())
            if accepted and answer.state != q.GOING:
                await notify(
                    svc, conn, answer.account_id, "warmline.event_confirmed", status.account_id,
                    status.id,
                )  # fmt: skip
    return True


# --- invitations from elsewhere ------------------------------------------------------------


async def on_invite(svc: Services, doc: dict[str, Any], actor: str) -> None:
    """An ``Invite`` of our members to an event by one of their connections elsewhere.

    The event is ours, one we have, one embedded by its own server (the organiser
    inviting: its id must be on the signer's origin), or fetched from its origin.
    Only members connected with the inviter are invited; the rest is ignored."""
    obj = doc.get("object")
    event_uri = get_id(obj)
    names = [
        svc.urls.local_username(t) for t in get_ids(doc.get("target")) or get_ids(doc.get("to"))
    ]
    if not event_uri or not any(names):
        return
    inviter = await svc.remote.fetch_actor(actor)
    async with svc.db.read() as conn:
        members = []
        for name in dict.fromkeys(n for n in names if n):
            member = await accounts_q.get_local_account(conn, name)
            if member is not None and await connections_q.are_connected(
                conn, member.id, inviter.id
            ):
                members.append(member)
    if not members:  # nothing is fetched or stored for an invitation nobody may get
        return
    status = await _invited_to(svc, obj, event_uri, inviter)
    if status is None or status.object_type != "Event":
        return
    async with svc.db.transaction() as conn:
        for member in members:
            if await q.add_invites(conn, status.id, [member.id], inviter.id, svc.now()):
                await notify(svc, conn, member.id, "warmline.event_invite", inviter.id, status.id)


async def _invited_to(
    svc: Services, obj: Any, event_uri: str, inviter: AccountRow
) -> StatusRow | None:
    local_id = svc.urls.local_status_id(event_uri)
    async with svc.db.read() as conn:
        if local_id is not None:
            return await statuses_q.get_status(conn, local_id)
        known = await statuses_q.get_status_by_uri(conn, event_uri)
    if known is not None:
        return known
    embedded = isinstance(obj, dict) and has_type(obj, "Event")
    if (
        embedded
        and same_origin(event_uri, inviter.uri or "")
        and get_id(obj.get("attributedTo")) == inviter.uri
    ):
        return await notes.store_note(svc, obj, inviter, force=True)
    return await search.status_by_url(svc, event_uri, resolve=True)
