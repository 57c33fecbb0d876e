"""Making, changing and cancelling an event from a page: ``/events/new``,
``/events/{id}/edit`` (the same form, filled from ``events.draft_of``) and
``/events/{id}/cancel`` (a confirmation first).

The form has a field for each part of an ``EventDraft``: the start and end as a
date and a time in the time zone chosen beside them (an IANA name; a datalist
offers common ones, and without a choice the browser's zone is put in by
``static/js/app.js``), the place, the online link, the capacity, who may see it
and whether the organiser approves each answer. This module only reads what was
typed into a draft; every rule is the service's, and a refusal comes back as the
same page with its message next to the field it names, everything typed kept.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from typing import Any

from aiohttp import web
from multidict import MultiDict

from server import ids
from server.appkeys import SERVICES
from server.services import events, groups, posts
from server.services.errors import Forbidden, ServiceError, ValidationError
from server.services.events import EventDraft, EventView, Location
from server.store.accounts import AccountRow
from server.store.statuses import Page
from server.web.events import NO_EVENT, visible_event
from server.web.eventtime import zone_of
from server.web.eventviews import card
from server.web.forms import FormState
from server.web.responses import page, redirect
from server.web.routing import Form, PageRoutes, form_of, path_id
from server.web.session import member

routes = PageRoutes()
PLACE_FIELDS = ("street", "locality", "region", "postal_code", "country")
# The service's field names that are not the form's.
FIELDS = {"name": "place_name", "location": "place_name", "status": ""}
GROUPS_OFFERED = 100  # the member's groups the form offers to post an event in
COMMON_ZONES = (
    "UTC", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Brussels",
    "Europe/Amsterdam", "Europe/Berlin", "Europe/Madrid", "Europe/Rome", "Europe/Zurich",
    "Europe/Vienna", "Europe/Stockholm", "Europe/Oslo", "Europe/Copenhagen", "Europe/Warsaw",
    "Europe/Prague", "Europe/Budapest", "Europe/Athens", "Europe/Helsinki", "Europe/Kyiv",
    "Europe/Istanbul", "Africa/Lagos", "Africa/Cairo", "Africa/Nairobi", "Africa/Johannesburg",
    "Asia/Dubai", "Asia/Kolkata", "Asia/Singapore", "Asia/Shanghai", "Asia/Hong_Kong",
    "Asia/Tokyo", "Asia/Seoul", "Australia/Perth", "Australia/Sydney", "Pacific/Auckland",
    "America/St_Johns", "America/Halifax", "America/New_York", "America/Toronto",
    "America/Chicago", "America/Mexico_City", "America/Denver", "America/Phoenix",
    "America/Los_Angeles", "America/Vancouver", "America/Anchorage", "Pacific/Honolulu",
    "America/Bogota", "America/Lima", "America/Santiago", "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
)  # fmt: skip


# --- what was typed, as a draft -------------------------------------------------------------


def _day(text: str, field: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        message = f"The day it {what} must be a date (2027-03-05)"
        raise ValidationError(message, field=field) from None


def _hour(text: str, field: str, what: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"The time it {what} must be a time (18:30)", field=field) from None


def _moment(form: Form, prefix: str, zone_name: str, same_day: str = "") -> datetime | None:
    """``{prefix}_date`` and ``{prefix}_time`` in the zone chosen; an end given as a
    time only is on the day it starts (``same_day``)."""
    field, what = ("starts_at", "starts") if prefix == "start" else ("ends_at", "ends")
    day_text = form.text(f"{prefix}_date").strip() or (
        same_day if form.text(f"{prefix}_time").strip() else ""
    )
    hour_text = form.text(f"{prefix}_time").strip()
    if not day_text and not hour_text:
        if prefix == "start":
            raise ValidationError("Give the day and the time it starts", field=field)
        return None
    if not hour_text:
        raise ValidationError(f"Give the time it {what}", field=field)
    day, hour = _day(day_text, field, what), _hour(hour_text, field, what)
    return datetime.combine(day, hour, tzinfo=zone_of(zone_name))  # the service checks the zone


def _number(form: Form, name: str) -> float | None:
    text = form.text(name).strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValidationError(f"{name.title()} must be a number (45.75)", field=name) from None


def _capacity(form: Form) -> int | None:
    text = form.text("capacity").strip()
    if not text:
        return None
    if not text.lstrip("-").isdigit() or len(text) > 9:
        raise ValidationError("Capacity must be a whole number (or empty: no limit)",
                              field="capacity")  # fmt: skip
    return int(text)


def _group(form: Form) -> int | None:
    text = form.text("group_id").strip()
    if not text:
        return None
    found = ids.parse(text)
    if found is None:
        raise ValidationError("Choose one of your groups", field="group_id")
    return found


def read_draft(form: Form, before: EventDraft | None = None) -> EventDraft:
    """The draft the form describes; on an edit, what the form cannot change stays."""
    zone_name = form.text("timezone").strip() or "UTC"
    starts_at = _moment(form, "start", zone_name)
    assert starts_at is not None
    place = Location(
        form.text("place_name"),
        *(form.text(name) for name in PLACE_FIELDS),
        latitude=_number(form, "latitude"),
        longitude=_number(form, "longitude"),
    )
    return EventDraft(
        title=form.text("title"),
        starts_at=starts_at,
        description=form.text("description").strip(),
        ends_at=_moment(form, "end", zone_name, same_day=form.text("start_date").strip()),
        timezone=zone_name,
        location=place,
        online_url=form.text("online_url"),
        capacity=_capacity(form),
        audience=before.audience if before else form.text("visibility", "public"),
        approval_required=form.flag("approval_required"),
        group_id=before.group_id if before else _group(form),
    )


def form_values(draft: EventDraft) -> MultiDict[Any]:
    """A draft as the form shows it, times in the event's zone."""
    zone = zone_of(draft.timezone)
    values: MultiDict[Any] = MultiDict(
        title=draft.title, description=draft.description, timezone=draft.timezone,
        online_url=draft.online_url or "", visibility=draft.audience,
        capacity="" if draft.capacity is None else str(draft.capacity),
        approval_required="1" if draft.approval_required else "",
    )  # fmt: skip
    for prefix, moment in (("start", draft.starts_at), ("end", draft.ends_at)):
        local = moment.astimezone(zone) if moment is not None else None
        values[f"{prefix}_date"] = local.date().isoformat() if local else ""
        values[f"{prefix}_time"] = local.strftime("%H:%M") if local else ""
    place = draft.location or Location()
    values["place_name"] = place.name or ""
    for name in PLACE_FIELDS:
        values[name] = getattr(place, name) or ""
    for name in ("latitude", "longitude"):
        number = getattr(place, name)
        values[name] = "" if number is None else f"{number:g}"
    return values


# --- the pages ------------------------------------------------------------------------------


async def _my_groups(request: web.Request, me: AccountRow) -> list[tuple[str, str]]:
    """The groups a new event may be posted in: the member's, as (id, name) choices."""
    found = await groups.my_groups(request.app[SERVICES], me, Page(limit=GROUPS_OFFERED))
    return [(str(v.account.id), v.account.display_name or v.account.username) for _, v in found]


async def form_page(
    request: web.Request, form: FormState, view: EventView | None = None, http_status: int = 200
) -> web.Response:
    svc = request.app[SERVICES]
    session = await member(request)
    return await page(
        request,
        "events/form.html",
        form=form,
        event=card(svc, view) if view else None,
        groups=[] if view else await _my_groups(request, session.account),
        zones=COMMON_ZONES,
        max_description=posts.MAX_CHARS,
        max_title=events.TITLE_CHARS,
        http_status=http_status,
    )


@routes.get("/events/new")
async def new_event(request: web.Request) -> web.Response:
    await member(request)
    values = MultiDict(timezone="UTC", visibility="public")
    group = ids.parse(request.query.get("group_id", ""))  # "Create an event in this group"
    if group is not None:
        values["group_id"] = str(group)
    return await form_page(request, FormState(values))


@routes.post("/events")
async def create(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    submitted = form_of(request)
    try:
        made = await events.create_event(
            request.app[SERVICES], session.account, read_draft(submitted)
        )
    except ServiceError as exc:
        form = FormState.of(submitted.fields).refused(exc, FIELDS)
        return await form_page(request, form, http_status=exc.status)
    raise redirect(request, f"/events/{made.event.id}", flash="Your event is posted.")


async def _organised(request: web.Request) -> tuple[AccountRow, EventView]:
    """The signed-in member and the event they organise (404 if they may not see
    it, 403 if it is someone else's)."""
    session = await member(request)
    event_id = path_id(request, "event_id", NO_EVENT)
    view = await visible_event(request.app[SERVICES], session.account, event_id)
    if view.organizer.id != session.account.id:
        raise Forbidden("Only the organiser may change this event")
    return session.account, view


@routes.get(r"/events/{event_id:\d+}/edit")
async def edit_page(request: web.Request) -> web.Response:
    _, view = await _organised(request)
    draft = events.draft_of(view.event, view.status)
    if draft.description == draft.title:  # posted without one: its post says the title
        draft = replace(draft, description="")
    values = form_values(draft)
    return await form_page(request, FormState(values), view)


@routes.post(r"/events/{event_id:\d+}/edit")
async def edit(request: web.Request) -> web.StreamResponse:
    me, view = await _organised(request)
    event_id, submitted = view.event.id, form_of(request)
    before = events.draft_of(view.event, view.status)
    try:
        draft = read_draft(submitted, before)
        await events.update_event(request.app[SERVICES], me, event_id, draft)
    except ServiceError as exc:
        form = FormState.of(submitted.fields).refused(exc, FIELDS)
        return await form_page(request, form, view, http_status=exc.status)
    raise redirect(request, f"/events/{event_id}", flash="Your changes are saved.")


@routes.get(r"/events/{event_id:\d+}/cancel")
async def cancel_page(request: web.Request) -> web.Response:
    _, view = await _organised(request)
    svc = request.app[SERVICES]
    return await page(request, "events/cancel.html", event=card(svc, view))


@routes.post(r"/events/{event_id:\d+}/cancel")
async def cancel(request: web.Request) -> web.StreamResponse:
    me, view = await _organised(request)
    event_id = view.event.id
    if not form_of(request).flag("confirm"):
        raise redirect(request, f"/events/{event_id}/cancel")
    await events.cancel_event(request.app[SERVICES], me, event_id)
    raise redirect(
        request, f"/events/{event_id}", flash="The event is cancelled; those coming were told."
    )
