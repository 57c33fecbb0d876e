"""Events as iCalendar (RFC 5545), with the well-kept ``icalendar`` library, and
members' private calendar feeds.

One VEVENT per event: its post's ActivityPub id as the UID (the same event
keeps its UID wherever it is fetched from), start and end in the event's own
time zone (with the VTIMEZONE a calendar needs to read them), the place as
text and GEO, the online link, CANCELLED when it was cancelled.

A member's feed (``/calendar/TOKEN.ics``) lists the events they organise or
answered (going, maybe, waiting) from 30 days back; calendar apps poll it. The
URL is the only key, so only its token's SHA-256 is stored, and asking for a
new URL ends the old one.
"""

from __future__ import annotations

import hashlib
import secrets
import zoneinfo
from collections.abc import Sequence
from typing import TYPE_CHECKING

from server.services import events, objects
from server.services.context import Services
from server.services.errors import NotFound
from server.services.events import EventView, location_of
from server.services.html import strip_html
from server.store import accounts as accounts_q
from server.store import events as events_q
from server.store.accounts import AccountRow

if TYPE_CHECKING:
    import icalendar


def _where(view: EventView) -> str:
    place = location_of(view.event)
    parts = [] if place is None else [
        place.name, place.street, " ".join(p for p in (place.postal_code, place.locality) if p),
        place.region, place.country,
    ]  # fmt: skip
    words = ", ".join(p for p in parts if p)
    return words or view.event.online_url or ""


def _vevent(svc: Services, view: EventView) -> icalendar.Event:
    import icalendar  # loaded by ics(), the only caller

    event, status, organizer = view.event, view.status, view.organizer
    zone = zoneinfo.ZoneInfo(event.timezone)
    url = objects.status_url(svc, status, organizer)
    item = icalendar.Event()
    item.add("uid", objects.status_uri(svc, status, organizer))
    item.add("dtstamp", svc.now())
    item.add("created", status.created_at)
    item.add("last-modified", event.updated_at)
    item.add("dtstart", event.starts_at.astimezone(zone))
    if event.ends_at is not None:
        item.add("dtend", event.ends_at.astimezone(zone))
    item.add("summary", event.title)
    about = strip_html(status.content)
    links = "\n\n".join(link for link in (event.online_url, url) if link)
    item.add("description", f"{about}\n\n{links}".strip())
    if where := _where(view):
        item.add("location", where)
    if event.latitude is not None and event.longitude is not None:
        item.add("geo", (event.latitude, event.longitude))
    item.add("url", url)
    item.add("status", "CANCELLED" if event.cancelled_at else "CONFIRMED")
    organizer_address = icalendar.vCalAddress(objects.profile_url(svc, organizer))
    organizer_address.params["cn"] = icalendar.vText(organizer.display_name or organizer.username)
    item.add("organizer", organizer_address)
    return item


def ics(svc: Services, views: Sequence[EventView], *, name: str) -> bytes:
    """A calendar of ``views`` (one event's file, or a member's feed)."""
    import icalendar  # here, not at the top: ~3 MiB resident that only calendar files use

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Warmline//Events//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for view in views:
        calendar.add_component(_vevent(svc, view))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def new_feed(svc: Services, me: AccountRow) -> str:
    """A new private feed URL for ``me``; the previous one stops working."""
    token = secrets.token_urlsafe(32)
    async with svc.db.transaction() as conn:
        await events_q.set_feed(conn, me.id, _digest(token), svc.now())
    return f"{svc.urls.base}/calendar/{token}.ics"


async def feed(svc: Services, token: str) -> bytes:
    """The calendar behind a feed URL's token (NotFound for one that is not, or no longer)."""
    async with svc.db.read() as conn:
        owner_id = await events_q.feed_owner(conn, _digest(token)) if token else None
        owner = await accounts_q.get_account(conn, owner_id) if owner_id else None
    if owner is None or owner.suspended_at is not None:
        raise NotFound("There is no calendar at this address")
    found = await events.calendar_of(svc, owner)
    return ics(svc, found, name=f"{owner.display_name or owner.username}: Warmline events")
