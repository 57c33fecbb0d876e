"""Events as templates show them: a card for lists, and the words for an answer.

``cards()`` shapes the service's ``EventView``s (``services/events.py``) for the
list (``/events``) and the home page's box: when (in the event's own zone, see
``eventtime.py``), where in one line, the organiser, how many are going and
which of them the viewer knows, and the viewer's own answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from server.services import connections, events
from server.services.context import Services
from server.services.events import EventView, Location
from server.store.accounts import AccountRow
from server.web.eventtime import When, when_of
from server.web.views import PersonView, person

FRIENDS_SHOWN = 3  # faces beside "K people you know are going"


@dataclass(frozen=True, slots=True)
class EventCard:
    id: int
    path: str  # /events/ID
    title: str
    when: When
    place: str  # one line: "Café du Port, Lyon"; "" when there is none
    online: bool
    organizer: PersonView
    going: int
    waitlist: int
    capacity: int | None
    friends: tuple[PersonView, ...]  # people the viewer is connected with who are going
    answer: str  # the viewer's: going, maybe, not_going, waitlisted, pending, or ""
    invited: bool
    cancelled: bool
    audience: str  # public, connections, invited


def place_line(place: Location | None) -> str:
    """A place in one line: its name and town (the page shows the whole address)."""
    if place is None:
        return ""
    parts = [place.name, place.locality or place.region or place.country]
    return ", ".join(dict.fromkeys(p for p in parts if p))


def address_lines(place: Location | None) -> list[str]:
    """The address as it is written on an envelope."""
    if place is None:
        return []
    town = " ".join(p for p in (place.postal_code, place.locality) if p)
    lines = [place.street, town, place.region, place.country]
    return [line for line in lines if line]


def card(svc: Services, view: EventView, friends: Sequence[AccountRow] = ()) -> EventCard:
    event = view.event
    return EventCard(
        id=event.id,
        path=f"/events/{event.id}",
        title=event.title,
        when=when_of(event),
        place=place_line(events.location_of(event)),
        online=bool(event.online_url),
        organizer=person(svc, view.organizer),
        going=event.participants_count,
        waitlist=event.waitlist_count,
        capacity=event.capacity,
        friends=tuple(person(svc, a) for a in friends),
        answer=view.my_rsvp or "",
        invited=view.invited,
        cancelled=event.cancelled_at is not None,
        audience=event.audience,
    )


async def known_going(
    svc: Services, viewer: AccountRow | None, view: EventView
) -> list[AccountRow]:
    """The people going whom ``viewer`` is connected with, found with the service's
    own functions (who is going, then which of them are connections): two reads an
    event. A batched read in the service would do for a whole page (issue 12)."""
    if viewer is None:
        return []
    going = [a for a, _ in await events.attendees(svc, viewer, view.event.id)]
    others = [a.id for a in going if a.id != viewer.id]
    if not others:
        return []
    connected = (await connections.states(svc, viewer, others)).connected
    return [a for a in going if a.id in connected]


async def cards(
    svc: Services, viewer: AccountRow | None, found: Sequence[EventView]
) -> list[EventCard]:
    return [card(svc, view, await known_going(svc, viewer, view)) for view in found]
