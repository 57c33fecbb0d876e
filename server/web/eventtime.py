"""When an event is, in words, in the event's own time zone (not the reader's).

An event in Lyon at 08:00 says 08:00 and "Europe/Paris" to everyone: it is a
place people go to, and the organiser chose the zone. ``When`` holds the words
and the machine-readable start for ``<time datetime=...>``; ``EventChip`` is
the little box a post of an event shows in timelines (``views.PostView.event``).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from babel.dates import format_date, format_time

from server.store.events import EventRow
from server.web.templating import LOCALE


@dataclass(frozen=True, slots=True)
class When:
    machine: str  # the start, ISO 8601 with its offset
    day: str  # "Friday 5 March 2027"
    short_day: str  # "Fri 5 Mar 2027"
    hours: str  # "08:00 – 09:30", or "08:00" without an end, or across days
    zone: str  # "Europe/Paris", "America/New York": the IANA name, its underscores spaces
    offset: str  # "UTC+01:00"
    month: str  # "Mar", for the calendar leaf of a card
    day_number: str  # "5"

    @property
    def text(self) -> str:
        """All of it on one line: "Fri 5 Mar 2027, 08:00 – 09:30 (Europe/Paris)"."""
        return f"{self.short_day}, {self.hours} ({self.zone})"


def zone_of(name: str) -> tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return UTC  # a zone this system lacks (the service checked it when it was set)


def _offset(moment: datetime) -> str:
    delta = moment.utcoffset()
    minutes = int(delta.total_seconds() // 60) if delta is not None else 0
    sign = "-" if minutes < 0 else "+"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def when(starts_at: datetime, ends_at: datetime | None, timezone: str) -> When:
    zone = zone_of(timezone)
    start = starts_at.astimezone(zone)
    hours = format_time(start, "HH:mm", locale=LOCALE)
    if ends_at is not None:
        end = ends_at.astimezone(zone)
        if end.date() == start.date():
            hours += " – " + format_time(end, "HH:mm", locale=LOCALE)
        else:
            until = format_date(end.date(), "EEE d MMM y", locale=LOCALE)
            hours += f" – {until}, " + format_time(end, "HH:mm", locale=LOCALE)
    return When(
        machine=start.isoformat(timespec="minutes"),
        day=format_date(start.date(), "EEEE d MMMM y", locale=LOCALE),
        short_day=format_date(start.date(), "EEE d MMM y", locale=LOCALE),
        hours=hours,
        zone=timezone.replace("_", " "),
        offset=_offset(start),
        month=format_date(start.date(), "MMM", locale=LOCALE),
        day_number=str(start.day),
    )


def when_of(event: EventRow) -> When:
    return when(event.starts_at, event.ends_at, event.timezone)


@dataclass(frozen=True, slots=True)
class EventChip:
    """What a post of an event shows in a timeline: its title and date, a link."""

    id: int
    path: str
    title: str
    when: When
    cancelled: bool


def chip(event: EventRow) -> EventChip:
    return EventChip(
        id=event.id,
        path=f"/events/{event.id}",
        title=event.title,
        when=when_of(event),
        cancelled=event.cancelled_at is not None,
    )
