"""Warmline extension routes: events and RSVPs (``/api/v1/warmline/events``).

Bodies are JSON or forms, like the rest of the API. Times are ISO 8601 with an
offset; ``location`` is an object (JSON) or ``location[name]``... fields (forms).
An event's id is the id of the post that carries it.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import replace
from datetime import datetime
from typing import Any

from aiohttp import web

from server.api import auth, params
from server.api.entities import Presenter, date
from server.api.responses import ok
from server.appkeys import SERVICES
from server.services import calendar, events, objects
from server.services.errors import ValidationError
from server.services.events import EventDraft, EventView, Location
from server.store.accounts import AccountRow

routes = web.RouteTableDef()
BASE = "/api/v1/warmline/events"
ID = r"{id:\d+}"
PAGE = 20


# --- reading what was sent ----------------------------------------------------------------


def _moment(body: params.Params, name: str, *, required: bool = False) -> datetime | None:
    value = params.optional_text(body, name)
    if not value:
        if required:
            raise ValidationError(f"{name} is required", field=name)
        return None
    try:
        found = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(
            f"{name} must be an ISO 8601 time with an offset (2027-03-01T18:00:00+01:00)",
            field=name,
        ) from None
    if found.tzinfo is None:
        raise ValidationError(f"{name} needs a UTC offset (+01:00, Z)", field=name)
    return found


def _location_fields(body: params.Params) -> dict[str, Any]:
    """``location`` as a JSON object, or the form's ``location[name]`` fields."""
    nested = body.get("location")
    if nested is not None and not isinstance(nested, dict):
        raise ValidationError("location must be an object", field="location")
    if nested is not None:
        return dict(nested)
    return {
        key[len("location[") : -1]: value
        for key, value in body.items()
        if key.startswith("location[") and key.endswith("]")
    }


def _location(body: params.Params) -> Location | None:
    fields = _location_fields(body)
    texts = {}
    for name in ("name", "street", "locality", "region", "postal_code", "country"):
        value = fields.get(name)
        if value is not None and not isinstance(value, str):
            raise ValidationError(f"location.{name} must be text", field=f"location.{name}")
        texts[name] = value or None
    numbers = {}
    for name in ("latitude", "longitude"):
        value = fields.get(name)
        number = None
        if value not in (None, ""):
            try:
                if isinstance(value, bool):
                    raise ValueError
                number = float(value)
            except (TypeError, ValueError):
                number = None
            if number is None or not math.isfinite(number):
                raise ValidationError(f"location.{name} must be a number", field=f"location.{name}")
        numbers[name] = number
    found = Location(**texts, **numbers)
    return None if found == Location() else found


def _draft(body: params.Params, before: EventDraft | None = None) -> EventDraft:
    """The draft a body describes; on an edit (``before``), what it leaves out stays."""
    readers: dict[str, Any] = {
        "title": lambda: params.text(body, "title"),
        "starts_at": lambda: _moment(body, "starts_at", required=True),
        "description": lambda: params.text(body, "description"),
        "ends_at": lambda: _moment(body, "ends_at"),
        "timezone": lambda: params.text(body, "timezone", "UTC"),
        "online_url": lambda: params.optional_text(body, "online_url"),
        "capacity": lambda: params.integer(body, "capacity"),
        "visibility": lambda: params.text(body, "visibility", "public"),
        "approval_required": lambda: params.boolean(body, "approval_required"),
        "group_id": lambda: params.identifier(body, "group_id"),
    }
    fields = {"visibility": "audience"}  # the API's name -> the draft's
    changes = {
        fields.get(name, name): read()
        for name, read in readers.items()
        if before is None or name in body
    }
    if before is None or any(key.startswith("location") for key in body):
        changes["location"] = _location(body)
    if before is None:
        return EventDraft(**changes)
    return replace(before, **changes)


# --- the Event entity ---------------------------------------------------------------------


def entity(presenter: Presenter, view: EventView) -> dict[str, Any]:
    event, status = view.event, view.status
    place = events.location_of(event)
    return {
        "id": str(event.id),
        "uri": objects.status_uri(presenter.svc, status, view.organizer),
        "url": objects.status_url(presenter.svc, status, view.organizer),
        "title": event.title,
        "description": status.content,
        "starts_at": date(event.starts_at),
        "ends_at": date(event.ends_at) if event.ends_at else None,
        "timezone": event.timezone,
        "location": None if place is None else dataclasses.asdict(place),
        "online_url": event.online_url,
        "capacity": event.capacity,
        "visibility": event.audience,
        "approval_required": event.approval_required,
        "group_id": str(event.group_id) if event.group_id else None,
        "organizer": presenter.account(view.organizer),
        "participants_count": event.participants_count,
        "waitlist_count": event.waitlist_count,
        "my_rsvp": view.my_rsvp,
        "cancelled": event.cancelled_at is not None,
        "created_at": date(status.created_at),
        "updated_at": date(event.updated_at),
    }


async def entities_of(
    request: web.Request, viewer: AccountRow | None, found: list[EventView]
) -> Any:
    svc = request.app[SERVICES]
    presenter = await Presenter(svc, viewer).load(account_ids=[v.organizer.id for v in found])
    return [entity(presenter, view) for view in found]


# --- routes -----------------------------------------------------------------------------


@routes.post(BASE)
async def create(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:statuses")
    body = await params.body(request)
    view = await events.create_event(request.app[SERVICES], me.account, _draft(body))
    return ok((await entities_of(request, me.account, [view]))[0])


@routes.get(BASE)
async def listing(request: web.Request) -> web.Response:
    scope = params.text(request.query, "scope", "mine")
    me = await auth.optional(request, "read:statuses")
    viewer = me.account if me else None
    limit = params.limit(request.query, default=PAGE, maximum=40)
    offset = min(max(params.integer(request.query, "offset", 0) or 0, 0), 10_000)
    found = await events.upcoming(request.app[SERVICES], viewer, scope, limit=limit, offset=offset)
    headers = {}
    if len(found) == limit:  # perhaps more: the next page
        url = request.url.update_query(offset=offset + limit)
        headers["Link"] = f'<{url}>; rel="next"'
    return ok(await entities_of(request, viewer, found), headers=headers or None)


@routes.post(f"{BASE}/resolve")
async def resolve(request: web.Request) -> web.Response:
    """An event on any server, by its ActivityPub id or page: fetched and stored."""
    me = await auth.required(request, "read:statuses")
    body = await params.body(request)
    uri = params.text(body, "uri").strip()
    if not uri.startswith(("https://", "http://")):
        raise ValidationError("uri must be an event's http(s) address", field="uri")
    svc = request.app[SERVICES]
    view = await events.resolve(svc, me.account, uri)
    return ok((await entities_of(request, me.account, [view]))[0])


@routes.get(f"{BASE}/{ID}")
async def show(request: web.Request) -> web.Response:
    me = await auth.optional(request, "read:statuses")
    viewer = me.account if me else None
    view = await events.get_event(request.app[SERVICES], viewer, params.path_id(request))
    return ok((await entities_of(request, viewer, [view]))[0])


@routes.patch(f"{BASE}/{ID}")
async def change(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:statuses")
    svc = request.app[SERVICES]
    event_id = params.path_id(request)
    current = await events.get_event(svc, me.account, event_id)
    body = await params.body(request)
    before = events.draft_of(current.event, current.status)
    view = await events.update_event(svc, me.account, event_id, _draft(body, before))
    return ok((await entities_of(request, me.account, [view]))[0])


@routes.delete(f"{BASE}/{ID}")
async def cancel(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:statuses")
    view = await events.cancel_event(request.app[SERVICES], me.account, params.path_id(request))
    return ok((await entities_of(request, me.account, [view]))[0])


@routes.post(f"{BASE}/{ID}/rsvp")
async def rsvp(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:statuses")
    body = await params.body(request)
    answer = params.text(body, "status")
    view = await events.rsvp(request.app[SERVICES], me.account, params.path_id(request), answer)
    return ok((await entities_of(request, me.account, [view]))[0])


@routes.get(f"{BASE}/{ID}/attendees")
async def attendees(request: web.Request) -> web.Response:
    me = await auth.optional(request, "read:statuses")
    viewer = me.account if me else None
    svc = request.app[SERVICES]
    state = params.text(request.query, "status", "going")
    if state not in (*events.ANSWERS, "waitlisted", "pending"):
        raise ValidationError("status must be going, maybe, not_going, waitlisted or pending",
                              field="status")  # fmt: skip
    found = await events.attendees(svc, viewer, params.path_id(request), state)
    presenter = await Presenter(svc, viewer).load(account_ids=[a.id for a, _ in found])
    return ok([{"account": presenter.account(a), "status": s} for a, s in found])


@routes.post(f"{BASE}/{ID}/invite")
async def invite(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:statuses")
    body = await params.body(request)
    wanted = []
    for value in params.strings(body, "account_ids"):
        found = params.identifier({"id": value}, "id")
        if found is None:
            raise ValidationError("account_ids must be ids", field="account_ids")
        wanted.append(found)
    fresh = await events.invite(request.app[SERVICES], me.account, params.path_id(request), wanted)
    return ok({"invited": [str(i) for i in fresh]})


@routes.post(f"{BASE}/{ID}/participants/{{account_id:\\d+}}/{{decision:approve|reject}}")
async def decide(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:statuses")
    account_id = params.path_id(request, "account_id")
    approve = request.match_info["decision"] == "approve"
    row = await events.decide(
        request.app[SERVICES], me.account, params.path_id(request), account_id, approve=approve
    )
    return ok({"account_id": str(row.account_id), "status": row.state})


@routes.get(f"{BASE}/{{id:\\d+}}.ics")
async def ics(request: web.Request) -> web.Response:
    me = await auth.optional(request, "read:statuses")
    viewer = me.account if me else None
    svc = request.app[SERVICES]
    view = await events.get_event(svc, viewer, params.path_id(request))
    body = calendar.ics(svc, [view], name=view.event.title)
    return web.Response(
        body=body,
        content_type="text/calendar",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="event-{view.event.id}.ics"'},
    )


@routes.post(f"{BASE}/feed")
async def new_feed(request: web.Request) -> web.Response:
    """A new private calendar feed URL of the caller's events (the old one ends)."""
    me = await auth.required(request, "read:statuses")
    return ok({"url": await calendar.new_feed(request.app[SERVICES], me.account)})


@routes.get("/calendar/{token:[A-Za-z0-9_-]{1,100}}.ics")
async def feed(request: web.Request) -> web.Response:
    """A member's calendar feed: the URL is the key (calendar apps send no token)."""
    body = await calendar.feed(request.app[SERVICES], request.match_info["token"])
    return web.Response(body=body, content_type="text/calendar", charset="utf-8")
