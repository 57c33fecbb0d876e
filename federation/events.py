"""Events (AS2 ``Event``): the builder of ours and the reader of everyone's.

What is sent follows Mobilizon, the software most event readers are written
against, and FEP-8a8e where it agrees: ``startTime``/``endTime``, ``timezone``
(IANA), ``location`` a ``Place`` with ``address`` a ``PostalAddress`` and
``latitude``/``longitude``, ``joinMode``, ``participantCount``,
``maximumAttendeeCapacity``/``remainingAttendeeCapacity``, ``isOnline``, and
``ical:status`` with ``status`` (Mobilizon 4+ sends both, older versions read
only the first). The online address is an ``attachment`` Link named "Website",
the one place Mobilizon looks; it is not put in ``location``, since Mobilizon
fails on a ``location`` list. The ``@context`` is ``EVENT_OUTPUT_CONTEXT``: ours
plus one object of event terms. Times keep their offset, to the second.

:func:`read_event` takes what ``jsonld.compact_inbound`` returns, where every
sender's spelling (Mobilizon's ``sc:``/``mz:``/``ical:`` terms, schema.org with
``#`` or ``/``, FEP-8a8e's IRIs, undefined plain names) has become these keys:
``name``, ``startTime``, ``endTime``, ``timezone``, ``location`` (items typed
``Place`` or ``VirtualLocation``, with ``address``: a string or a
``PostalAddress`` with ``streetAddress``, ``addressLocality``, ``addressRegion``,
``postalCode``, ``addressCountry``; ``latitude``/``longitude``, or Mobilizon
2019's ``geo``), ``joinMode``, ``participantCount``, ``maximumAttendeeCapacity``,
``remainingAttendeeCapacity``, ``isOnline``, ``status`` (ical:status),
``eventStatus`` (FEP-8a8e), ``externalParticipationUrl`` and, on a Join,
``participationMessage``. Anything odd reads as absent; nothing raises.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urlsplit

from federation.jsonld_contexts import EVENT_OUTPUT_CONTEXT

_JOIN_MODES: Final = ("free", "restricted", "invite")
_READ_JOIN_MODES: Final = frozenset({*_JOIN_MODES, "external", "none"})  # FEP-8a8e adds two
_NAME_MAX: Final = 200
_PART_MAX: Final = 200
_URL_MAX: Final = 2000
_TIME_MAX: Final = 64  # longer is not a date-time
_COUNT_MAX: Final = 1_000_000_000  # above this a count is noise
_ITEMS_MAX: Final = 50  # items of a list worth looking at
_ONLINE_LINK: Final = "Website"  # Mobilizon's name for an event's online address
_CONTROLS: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NOT_IN_URL: Final = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")
_TIMEZONE: Final = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]{0,40}(?:/[A-Za-z0-9_+\-]{1,40}){0,3}")


@dataclass(frozen=True, slots=True)
class Place:
    name: str | None = None
    street: str | None = None
    locality: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class EventInfo:
    """What an Event adds to the Note fields (federation.activities.note builds those)."""

    name: str
    start: datetime  # aware
    end: datetime | None
    timezone: str | None  # IANA name
    place: Place | None
    online_url: str | None
    join_mode: str  # "free", "restricted" (approval) or "invite"
    capacity: int | None  # None: no limit
    participants: int  # participantCount (going)
    cancelled: bool


def event(note_doc: dict[str, Any], info: EventInfo) -> dict[str, Any]:
    """A copy of a Note document (from federation.activities.note) as an Event.

    Raises ValueError for a naive time, an unknown join mode, a negative count or
    an online URL that is not http(s). Coordinates are sent only as a pair.
    """
    _check(info)
    doc = {key: copy.deepcopy(value) for key, value in note_doc.items() if key != "@context"}
    if "@context" in note_doc:  # an embedded object (with_context=False) stays without
        doc = {"@context": EVENT_OUTPUT_CONTEXT, **doc}
    status = "CANCELLED" if info.cancelled else "CONFIRMED"
    place = info.place if info.place and info.place != Place() else None
    doc.update(
        {
            "type": "Event",
            "name": info.name,
            "startTime": _iso(info.start),
            "joinMode": info.join_mode,
            "participantCount": info.participants,
            "isOnline": place is None and info.online_url is not None,
            "ical:status": status,
            "status": status,
        }
    )
    if info.end is not None:
        doc["endTime"] = _iso(info.end)
    if info.timezone:
        doc["timezone"] = info.timezone
    if place is not None:
        doc["location"] = _place_doc(place)
    if info.capacity:
        doc["maximumAttendeeCapacity"] = info.capacity
        doc["remainingAttendeeCapacity"] = max(info.capacity - info.participants, 0)
    if info.online_url:
        link = {"type": "Link", "href": info.online_url, "mediaType": "text/html"}
        doc["attachment"] = [*_listed(doc.get("attachment")), link | {"name": _ONLINE_LINK}]
    return doc


@dataclass(frozen=True, slots=True)
class ParsedEvent:
    name: str
    start: datetime
    end: datetime | None
    timezone: str | None
    place: Place | None
    online_url: str | None
    join_mode: str
    capacity: int | None
    participants: int | None
    cancelled: bool


def read_event(obj: Mapping[str, Any]) -> ParsedEvent | None:
    """An Event object as compact_inbound returns it; None when it has no usable startTime.

    Times come back in UTC (a time without offset is read as UTC); an ``endTime``
    before the start is dropped. ``join_mode`` is free, restricted, invite,
    external or none (missing or unknown: free, Mobilizon's default); a capacity
    of 0 means no limit (Mobilizon). The place is the first physical location,
    the online URL the first virtual one's, else Mobilizon's "Website" link.
    """
    if not isinstance(obj, Mapping):
        return None
    start = _moment(obj.get("startTime"))
    if start is None:
        return None
    end = _moment(obj.get("endTime"))
    locations = list(_items(obj.get("location")))
    name = _text(obj.get("name"), _NAME_MAX) or _text(_map_value(obj.get("nameMap")), _NAME_MAX)
    mode = _text(obj.get("joinMode"), 20)
    capacity = _count(obj.get("maximumAttendeeCapacity"))
    return ParsedEvent(
        name=name or "",
        start=start,
        end=end if end is not None and end >= start else None,
        timezone=_timezone(obj.get("timezone")),
        place=next(filter(None, map(_place, locations)), None),
        online_url=_online_url(locations, obj.get("attachment")),
        join_mode=mode.lower() if mode and mode.lower() in _READ_JOIN_MODES else "free",
        capacity=capacity or None,
        participants=_count(obj.get("participantCount")),
        cancelled=_cancelled(obj),
    )


# --- building ------------------------------------------------------------------------------


def _check(info: EventInfo) -> None:
    for moment in (info.start, info.end):
        if moment is not None and moment.utcoffset() is None:
            raise ValueError("event times must be timezone-aware")
    if info.join_mode not in _JOIN_MODES:
        raise ValueError(f"unknown join mode {info.join_mode!r}")
    if info.participants < 0 or (info.capacity is not None and info.capacity < 0):
        raise ValueError("counts cannot be negative")
    if info.online_url is not None and _url(info.online_url) != info.online_url:
        raise ValueError("the online URL must be an http(s) URL")


def _iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def _place_doc(place: Place) -> dict[str, Any]:
    doc: dict[str, Any] = {"type": "Place"}
    if place.name:
        doc["name"] = place.name
    parts = {
        "streetAddress": place.street,
        "addressLocality": place.locality,
        "addressRegion": place.region,
        "postalCode": place.postal_code,
        "addressCountry": place.country,
    }
    if any(parts.values()):
        doc["address"] = {"type": "PostalAddress"} | {k: v for k, v in parts.items() if v}
    if place.latitude is not None and place.longitude is not None:
        doc["latitude"] = float(place.latitude)  # Mobilizon takes floats only
        doc["longitude"] = float(place.longitude)
    return doc


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


# --- reading -------------------------------------------------------------------------------


def _items(value: Any) -> Iterator[Any]:
    """The first items of a scalar-or-list value (Nones skipped)."""
    for item in value[:_ITEMS_MAX] if isinstance(value, list) else [value]:
        if item is not None:
            yield item


def _first(value: Any, kind: type | tuple[type, ...]) -> Any:
    return next((item for item in _items(value) if isinstance(item, kind)), None)


def _text(value: Any, limit: int) -> str | None:
    """One line of text, whitespace collapsed, at most ``limit`` characters."""
    found = _first(value, str)
    if found is None:
        return None
    return " ".join(_CONTROLS.sub(" ", found[: limit * 4]).split())[:limit] or None


def _map_value(value: Any) -> Any:
    return next(iter(value.values()), None) if isinstance(value, Mapping) else None


def _types(obj: Mapping[str, Any]) -> set[str]:
    return {kind for kind in _items(obj.get("type")) if isinstance(kind, str)}


def _moment(value: Any) -> datetime | None:
    found = _first(value, str)
    if found is None or len(found) > _TIME_MAX:
        return None
    try:
        moment = datetime.fromisoformat(found.strip())
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _timezone(value: Any) -> str | None:
    found = _text(value, 64)
    return found if found and _TIMEZONE.fullmatch(found) else None


def _count(value: Any) -> int | None:
    found = _first(value, (int, float, str))
    if isinstance(found, str):
        found = int(found) if found.isascii() and found.isdigit() and len(found) <= 12 else None
    elif isinstance(found, float):
        found = int(found) if found.is_integer() and abs(found) <= _COUNT_MAX else None
    if isinstance(found, bool) or not isinstance(found, int) or not 0 <= found <= _COUNT_MAX:
        return None
    return found


def _number(value: Any) -> float | None:
    found = _first(value, (int, float, str))
    if isinstance(found, bool) or (isinstance(found, str) and len(found) > 32):
        return None
    try:
        number = float(found) if found is not None else None
    except (ValueError, OverflowError):
        return None
    return number if number is not None and math.isfinite(number) else None


def _url(value: Any) -> str | None:
    """An absolute http(s) URL from a string, a Link (``href``) or an object (``id``)."""
    for item in _items(value):
        found = (item.get("href") or item.get("id")) if isinstance(item, Mapping) else item
        if not isinstance(found, str) or len(found) > _URL_MAX or _NOT_IN_URL.search(found):
            continue
        try:
            parts = urlsplit(found)
            host = parts.hostname
        except ValueError:
            continue
        if parts.scheme in ("http", "https") and host:
            return found
    return None


def _is_virtual(location: Mapping[str, Any]) -> bool:
    """FEP-8a8e's VirtualLocation, or Gancio's Place whose address is one."""
    if "VirtualLocation" in _types(location):
        return True
    address = _first(location.get("address"), Mapping)
    return address is not None and (
        "VirtualLocation" in _types(address) or ("url" in address and not _postal(address))
    )


def _postal(address: Mapping[str, Any]) -> dict[str, str | None]:
    country = _first(address.get("addressCountry"), (str, Mapping))
    if isinstance(country, Mapping):  # schema.org allows a Country object
        country = country.get("name")
    return {
        "street": _text(address.get("streetAddress"), _PART_MAX),
        "locality": _text(address.get("addressLocality"), _PART_MAX),
        "region": _text(address.get("addressRegion"), _PART_MAX),
        "postal_code": _text(address.get("postalCode"), _PART_MAX),
        "country": _text(country, _PART_MAX),
    }


def _place(location: Any) -> Place | None:
    """A physical location as a Place; None for a virtual or empty one."""
    if isinstance(location, str):  # a bare name (FEP-8a8e forbids it; Mobilizon reads it)
        return None if _url(location) else Place(name=_text(location, _NAME_MAX))
    if not isinstance(location, Mapping) or _is_virtual(location):
        return None
    address = _first(location.get("address"), (str, Mapping))
    parts = _postal(address) if isinstance(address, Mapping) else {}
    if isinstance(address, str):
        parts["street"] = _text(address, _PART_MAX)
    latitude, longitude = _coordinates(location)
    name = _text(location.get("name"), _NAME_MAX)
    place = Place(name=name, latitude=latitude, longitude=longitude, **parts)
    return place if place != Place() else None


def _coordinates(location: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """Latitude and longitude, on the Place or in its ``geo`` (Mobilizon 2019); a pair or none."""
    for holder in (location, _first(location.get("geo"), Mapping)):
        if holder is None:
            continue
        latitude, longitude = _number(holder.get("latitude")), _number(holder.get("longitude"))
        if latitude is None or longitude is None:
            continue
        if -90 <= latitude <= 90 and -180 <= longitude <= 180:
            return latitude, longitude
    return None, None


def _online_url(locations: list[Any], attachment: Any) -> str | None:
    for location in locations:
        if isinstance(location, Mapping) and _is_virtual(location):
            address = _first(location.get("address"), Mapping)
            found = _url(location.get("url")) or (_url(address.get("url")) if address else None)
            if found:
                return found
    for item in _items(attachment):
        if isinstance(item, Mapping) and _text(item.get("name"), 20) == _ONLINE_LINK:
            found = _url(item.get("href"))
            if found and "Link" in _types(item):
                return found
    return None


def _cancelled(obj: Mapping[str, Any]) -> bool:
    """ical:status CANCELLED (under either key), or FEP-8a8e's EventCancelled."""
    statuses = [*_items(obj.get("status")), *_items(obj.get("ical:status"))]
    if any(isinstance(value, str) and value.strip().upper() == "CANCELLED" for value in statuses):
        return True
    for value in _items(obj.get("eventStatus")):
        found = value.get("id") if isinstance(value, Mapping) else value
        if isinstance(found, str) and re.split(r"[/#:]", found)[-1].lower() == "eventcancelled":
            return True
    return False
