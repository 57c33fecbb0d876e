"""Events: the upcoming ones (``/events``), an event's page (``/events/{id}``) and its
calendar file (``/events/{id}.ics``).

The list has three tabs, the service's scopes: "Yours" (``mine``: organised or
answered), "Your network" (``network``) and "On this server" (``local``, the
only one a visitor sees). An event's page says everything about it, in its own
time zone; it has the RSVP buttons, who is going (the viewer's connections
first), for the organiser the requests waiting for approval, the checklist to
invite connections, and the links to change or cancel it. The forms are in
``event_form.py``, the actions in ``event_actions.py``; every rule (who may
see, answer, invite, change) is the service's (``services/events.py``): an
event the viewer may not see is a 404 like one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web
from markupsafe import Markup

from server.appkeys import SERVICES
from server.services import calendar, connections, events, groups
from server.services.context import Services
from server.services.errors import NotFound
from server.services.events import EventView
from server.store.accounts import AccountRow
from server.web.eventviews import address_lines, card, cards, known_going
from server.web.forms import FormState
from server.web.network import page_number
from server.web.responses import page
from server.web.routing import PageRoutes, path_id
from server.web.session import viewer
from server.web.views import PersonView, person

routes = PageRoutes()
PAGE_SIZE = 20
LISTED = 60  # people shown in each list of an event's page
NO_EVENT = "There is no such event here, or it is not shown to you"
TABS = ("mine", "network", "local")


async def visible_event(svc: Services, me: AccountRow | None, event_id: int) -> EventView:
    """The event as ``me`` sees it; a 404 in words when they may not."""
    try:
        return await events.get_event(svc, me, event_id)
    except NotFound:
        raise NotFound(NO_EVENT) from None


# --- the list ------------------------------------------------------------------------------


@routes.get("/events")
async def listing(request: web.Request) -> web.Response:
    session = await viewer(request)
    me = session.account if session else None
    svc = request.app[SERVICES]
    scope = request.query.get("scope", "mine")
    if me is None or scope not in TABS:
        scope = "local" if me is None else "mine"
    number = page_number(request)
    found = await events.upcoming(
        svc, me, scope, limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE
    )
    return await page(
        request,
        "events/list.html",
        scope=scope,
        events=await cards(svc, me, found[:PAGE_SIZE]),
        page_number=number,
        more=len(found) > PAGE_SIZE,
    )


# --- an event's page ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Attendee:
    person: PersonView
    known: bool  # a connection of the viewer's


@dataclass(frozen=True, slots=True)
class EventPage:
    """Everything the page of one event shows (besides its card)."""

    description: Markup
    address: list[str]
    map_url: str  # OpenStreetMap: a plain link, nothing loaded from it
    online_url: str
    post_path: str  # the post that carries it (replies, boosts), when others may see it
    is_organizer: bool
    may_invite: bool
    going: list[Attendee]
    maybe: list[Attendee]
    waiting: list[Attendee]  # the waiting list: the organiser's to see
    pending: list[Attendee]  # asking to come: the organiser's to decide


def _description(view: EventView) -> Markup:
    """The post's text, unless it only says the title (an event posted without a
    description is a post of its title)."""
    content = Markup(view.status.content)
    return Markup("") if content.striptags().strip() == view.event.title else content


def map_url(view: EventView) -> str:
    event = view.event
    if event.latitude is not None and event.longitude is not None:
        lat, lon = f"{event.latitude:.6g}", f"{event.longitude:.6g}"
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
    place = events.location_of(event)
    words = ", ".join(p for p in [place.name, *address_lines(place)] if p) if place else ""
    if not words:
        return ""
    return "https://www.openstreetmap.org/search?" + urlencode({"query": words}, quote_via=quote)


async def _people(
    svc: Services, me: AccountRow | None, event_id: int, state: str, known: set[int]
) -> list[Attendee]:
    found = await events.attendees(svc, me, event_id, state)
    return [Attendee(person(svc, a), a.id in known) for a, _ in found[:LISTED]]


async def _attendees(
    svc: Services, me: AccountRow | None, view: EventView, friends: list[AccountRow]
) -> dict[str, list[Attendee]]:
    known = {a.id for a in friends}
    mine = me is not None and me.id == view.organizer.id
    lists = {state: [] for state in ("going", "maybe", "waiting", "pending")}
    lists["going"] = await _people(svc, me, view.event.id, events.GOING, known)
    lists["maybe"] = await _people(svc, me, view.event.id, events.MAYBE, known)
    if mine:
        lists["waiting"] = await _people(svc, me, view.event.id, events.WAITLISTED, known)
        lists["pending"] = await _people(svc, me, view.event.id, events.PENDING, known)
    return lists


async def invitable(
    svc: Services, me: AccountRow, lists: dict[str, list[Attendee]]
) -> list[PersonView]:
    """The member's connections, but those who already answered."""
    answered = {a.person.id for group in lists.values() for a in group}
    found = await connections.visible_connections(svc, me, me, limit=events.MAX_INVITES, offset=0)
    return [person(svc, c.peer) for c in found if c.peer.id not in answered]


def _may_invite(me: AccountRow | None, view: EventView, is_organizer: bool) -> bool:
    """Whether to offer the checklist (the service decides when it is sent)."""
    if me is None or view.event.cancelled_at is not None:
        return False
    return is_organizer or (view.my_rsvp or "") in events.ATTENDING


async def _group_of(svc: Services, view: EventView) -> PersonView | None:
    """The group the event is in, if any (and still there)."""
    if view.event.group_id is None:
        return None
    try:
        return person(svc, await groups.get_group(svc, view.event.group_id))
    except NotFound:
        return None


async def event_page(
    request: web.Request,
    event_id: int,
    *,
    invite_form: FormState | None = None,
    error: str = "",
    http_status: int = 200,
) -> web.Response:
    """The page of an event; an action refused comes back here with its message
    (``error`` above, or next to the invite checklist in ``invite_form``)."""
    session = await viewer(request)
    me = session.account if session else None
    svc = request.app[SERVICES]
    view = await visible_event(svc, me, event_id)
    friends = await known_going(svc, me, view)
    lists = await _attendees(svc, me, view, friends)
    is_organizer = me is not None and me.id == view.organizer.id
    may_invite = _may_invite(me, view, is_organizer)
    organizer = person(svc, view.organizer)
    public = view.status.visibility == "public"  # others may open its post's page
    about = EventPage(
        description=_description(view),
        address=address_lines(events.location_of(view.event)),
        map_url=map_url(view),
        online_url=view.event.online_url or "",
        post_path=f"{organizer.path}/{view.status.id}" if public else "",
        is_organizer=is_organizer,
        may_invite=may_invite,
        **lists,
    )
    context: dict[str, Any] = {
        "event": card(svc, view, friends),
        "place_name": (events.location_of(view.event) or events.Location()).name or "",
        "about": about,
        "approval": view.event.approval_required,
        "invite_form": invite_form or FormState(),
        "invitable": await invitable(svc, me, lists) if may_invite and me else [],
        "error": error,
        "group": await _group_of(svc, view),
    }
    return await page(request, "events/event.html", http_status=http_status, **context)


@routes.get(r"/events/{event_id:\d+}")
async def show(request: web.Request) -> web.Response:
    return await event_page(request, path_id(request, "event_id", NO_EVENT))


@routes.get(r"/events/{event_id:\d+}.ics")
async def ics(request: web.Request) -> web.Response:
    """The event for a calendar app, as the signed-in member may see it (the API's
    ``.ics`` wants a token; a browser has its session)."""
    session = await viewer(request)
    svc = request.app[SERVICES]
    event_id = path_id(request, "event_id", NO_EVENT)
    view = await visible_event(svc, session.account if session else None, event_id)
    return web.Response(
        body=calendar.ics(svc, [view], name=view.event.title),
        content_type="text/calendar",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="event-{event_id}.ics"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
