"""federation.events: Events as Mobilizon and Gancio send them, ours, and hostile ones.

Every document is read the way the server reads it: compact_inbound() first,
then read_event().
"""

from __future__ import annotations

import copy
import json
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from fuzzing import (  # noqa: F401 (the fixture leaves no JSON-LD state)
    FIXTURES,
    FUZZ,
    FUZZ_LIGHT,
    _leave_no_jsonld_state,
    json_objects,
    json_values,
    mutated,
    outcome,
)
from hypothesis import given
from hypothesis import strategies as st

from federation.activities import NoteInfo, create, note
from federation.errors import JsonLdError
from federation.events import EventInfo, ParsedEvent, Place, event, read_event
from federation.jsonld import WARMLINE_OUTPUT_CONTEXT, compact_inbound, compact_with_pyld
from federation.jsonld_contexts import (
    EVENT_OUTPUT_CONTEXT,
    EVENT_TERMS,
    INBOUND_FILE,
    read_bundled,
)
from federation.jsonld_fast import try_fast_path
from federation.validate import validate
from federation.vocab import AS_PUBLIC

UTC_PLUS_1 = timezone(timedelta(hours=1))
FIELDS = ParsedEvent.__slots__


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def read(doc: dict[str, Any]) -> ParsedEvent | None:
    return read_event(compact_inbound(doc))


# Gancio's Create(Event) @context (lesion/gancio server/federation/helpers.js @dea1bd9e);
# Gancio's location fixtures are Place objects alone, so they travel in an Event like this.
GANCIO_CONTEXT = [
    "https://www.w3.org/ns/activitystreams",
    "https://w3id.org/security/v1",
    {
        "toot": "http://joinmastodon.org/ns#",
        "schema": "http://schema.org#",
        "ProperyValue": "schema:PropertyValue",
        "value": "schema:value",
        "discoverable": "toot:discoverable",
        "Hashtag": "https://www.w3.org/ns/activitystreams#Hashtag",
        "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
        "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
    },
]


def gancio_event(location: Any) -> dict[str, Any]:
    """A Create(Event) shaped as Gancio's Event.toAP() builds it, around ``location``."""
    return {
        "@context": GANCIO_CONTEXT,
        "id": "http://localhost:13120/federation/m/1#create",
        "type": "Create",
        "actor": "http://localhost:13120/federation/u/relay",
        "object": {
            "id": "http://localhost:13120/federation/m/1",
            "type": "Event",
            "name": "Fediverse meetup",
            "url": "http://localhost:13120/event/fediverse-meetup",
            "startTime": "2025-02-01T18:00:00.000+01:00",
            "endTime": "2025-02-01T20:00:00.000+01:00",
            "location": location,
            "attachment": [],
            "tag": [],
            "attributedTo": "http://localhost:13120/federation/u/relay",
            "to": [AS_PUBLIC],
            "content": "<p>Come along</p>",
        },
    }


def read_gancio(location: Any) -> ParsedEvent | None:
    return read_event(compact_inbound(gancio_event(location))["object"])


# --- Mobilizon --------------------------------------------------------------------------------


def test_mobilizon_event() -> None:
    doc = load("mobilizon/event.json")
    parsed = read(doc)
    assert parsed == ParsedEvent(
        name="Caledonian scottish dance class",
        start=datetime(2022, 12, 11, 19, 0, tzinfo=UTC),
        end=datetime(2022, 12, 11, 21, 0, tzinfo=UTC),
        timezone="Europe/London",
        place=Place(
            name="The Kenn Centre",
            street="Devon Expressway",
            locality="Teignbridge",
            region="England",
            postal_code="EX6 7TW",
            country="United Kingdom",
            latitude=50.66881615,
            longitude=-3.537739788359949,
        ),
        online_url=None,
        join_mode="free",
        capacity=None,  # Mobilizon's 0: no limit
        participants=0,
        cancelled=False,
    )


def test_mobilizon_2019_event() -> None:
    parsed = read(load("mobilizon/event-2019.json"))
    assert parsed is not None
    assert parsed.name == "Mobilizon Launching Party"
    assert parsed.start == datetime(2019, 12, 18, 13, 0, tzinfo=UTC)
    assert parsed.end == datetime(2019, 12, 18, 14, 0, tzinfo=UTC)
    assert parsed.timezone is None and parsed.participants is None and parsed.capacity is None
    assert (parsed.join_mode, parsed.cancelled, parsed.online_url) == ("free", False, None)
    # The Place is sc:Place, its coordinates in sc:geo; streetAddress " " and postalCode null
    # read as absent. Mobilizon 2019 sent latitude and longitude swapped (Nantes is at 47.2 N,
    # 1.5 W); both values are in range, so they are read as sent.
    assert parsed.place == Place(
        name="Cour du Château des Ducs de Bretagne",
        locality="Nantes",
        region="Pays de la Loire",
        country="France",
        latitude=-1.54939699141711,
        longitude=47.21617415,
    )


@pytest.mark.parametrize("name", ["mobilizon/event.json", "mobilizon/event-2019.json"])
def test_mobilizon_terms_compact_to_plain_keys(name: str) -> None:
    compact = compact_inbound(load(name))
    for key in ("startTime", "endTime", "location", "joinMode", "maximumAttendeeCapacity"):
        assert key in compact, key
    assert compact["status"] == "CONFIRMED"
    assert compact["location"]["type"] == "Place"
    assert compact["location"]["address"]["type"] == "PostalAddress"
    assert "addressLocality" in compact["location"]["address"]
    unread = {  # Mobilizon terms events.py has no use for keep their IRIs
        "http://schema.org#category",
        "http://schema.org#identifier",
        "http://schema.org#inLanguage",
        "https://joinmobilizon.org/ns#anonymousParticipationEnabled",
        "https://joinmobilizon.org/ns#repliesModerationOption",
        "https://joinpeertube.org/ns#commentsEnabled",
    }
    assert {key for key in compact if ":" in key} <= unread


def test_mobilizon_group_location_is_read_as_location() -> None:
    compact = compact_inbound(load("mobilizon/actor-group-live.json"))
    assert compact["location"]["address"]["addressLocality"] == "Lyon"


# --- Gancio ------------------------------------------------------------------------------------


def test_gancio_place_with_postal_address() -> None:
    parsed = read_gancio(load("gancio/place-postal-address.json"))
    assert parsed is not None
    assert parsed.place == Place(
        name="Location with a postal address",
        street="15 Fediverse Street",
        locality="Fediverse Town",
        region="Steiermark",
        postal_code="8010",
        country="Austria",
    )
    assert parsed.online_url is None
    assert parsed.start == datetime(2025, 2, 1, 17, 0, tzinfo=UTC)
    assert parsed.end == datetime(2025, 2, 1, 19, 0, tzinfo=UTC)


def test_gancio_place_with_a_string_address() -> None:
    parsed = read_gancio(load("gancio/place-string-address.json"))
    assert parsed is not None
    assert parsed.place == Place(
        name="Location with a simple string address", street="Simple string address"
    )


def test_gancio_virtual_location() -> None:
    parsed = read_gancio(load("gancio/place-virtual.json"))
    assert parsed is not None
    assert parsed.place is None
    assert parsed.online_url == "https://virtual.location.org"


def test_gancio_mixed_locations_take_the_first_of_each() -> None:
    parsed = read_gancio(load("gancio/location-multiple-mixed.json"))
    assert parsed is not None
    assert parsed.place == Place(name="Location with a name")
    assert parsed.online_url == "https://virtual.location.org"


def test_fep_8a8e_virtual_location_and_hybrid_list() -> None:
    location = [
        {"type": "VirtualLocation", "name": "BBB", "url": "https://bbb.example.com/room-1"},
        {"type": "Place", "name": "Fediverse University", "address": "15 Fediverse Street"},
        {"type": "VirtualLocation", "name": "Live", "url": "https://peertube.example.com/live"},
    ]
    parsed = read_gancio(location)
    assert parsed is not None
    assert parsed.place == Place(name="Fediverse University", street="15 Fediverse Street")
    assert parsed.online_url == "https://bbb.example.com/room-1"


@pytest.mark.parametrize(
    "name",
    [
        "gancio/place-postal-address.json",
        "gancio/place-string-address.json",
        "gancio/place-virtual.json",
        "gancio/location-multiple-mixed.json",
    ],
)
def test_gancio_events_take_the_fast_path_and_it_agrees_with_pyld(name: str) -> None:
    doc = gancio_event(load(name))
    fast = try_fast_path(doc)
    assert fast is not None
    assert fast == compact_with_pyld(doc)


# --- one key for every spelling ---------------------------------------------------------------

SCHEMA_SPELLINGS = ["http://schema.org#", "https://schema.org/", "http://schema.org/"]


@pytest.mark.parametrize("schema", [*SCHEMA_SPELLINGS, "https://schema.org#"])
def test_every_spelling_of_schema_org_compacts_to_the_same_keys(schema: str) -> None:
    doc = {
        "@context": [
            "https://www.w3.org/ns/activitystreams",
            {
                "sc": schema,
                "location": {"@id": "sc:location", "@type": "sc:Place"},
                "address": {"@id": "sc:address", "@type": "sc:PostalAddress"},
                "streetAddress": "sc:streetAddress",
                "postalCode": "sc:postalCode",
                "maximumAttendeeCapacity": "sc:maximumAttendeeCapacity",
                "latitude": "sc:latitude",
                "longitude": "sc:longitude",
            },
        ],
        "id": "https://e.example/events/1",
        "type": "Event",
        "name": "Meetup",
        "startTime": "2025-05-01T18:00:00Z",
        "maximumAttendeeCapacity": 40,
        "location": {
            "type": "sc:Place",
            "name": "Hall",
            "latitude": 50.5,
            "longitude": 4.25,
            "address": {
                "type": "sc:PostalAddress",
                "streetAddress": "1 Main St",
                "postalCode": "1000",
            },
        },
    }
    compact = compact_inbound(doc)
    assert compact["maximumAttendeeCapacity"] == 40
    assert compact["location"] == {
        "type": "Place",
        "name": "Hall",
        "latitude": 50.5,
        "longitude": 4.25,
        "address": {"type": "PostalAddress", "streetAddress": "1 Main St", "postalCode": "1000"},
    }
    parsed = read_event(compact)
    assert parsed is not None and parsed.capacity == 40
    assert parsed.place == Place(
        "Hall", "1 Main St", postal_code="1000", latitude=50.5, longitude=4.25
    )


def test_full_iri_keys_of_either_spelling_compact_alike() -> None:
    doc = {
        "id": "https://e.example/events/2",
        "type": "Event",
        "name": "Meetup",
        "startTime": "2025-05-01T18:00:00Z",
        "https://schema.org/maximumAttendeeCapacity": 12,
        "http://schema.org#location": {"type": "Place", "name": "Hall"},
    }
    compact = compact_inbound(doc)
    assert compact["maximumAttendeeCapacity"] == 12
    assert compact["location"] == {"type": "Place", "name": "Hall"}


def test_fep_8a8e_terms_compact_to_mobilizon_keys() -> None:
    doc = {
        "@context": [
            "https://www.w3.org/ns/activitystreams",
            {
                "timezone": "http://www.w3.org/2006/time#timezone",
                "joinMode": "https://w3id.org/fep/8a8e/joinMode",
                "eventStatus": {"@id": "https://w3id.org/fep/8a8e/eventStatus", "@type": "@vocab"},
            },
        ],
        "id": "https://e.example/events/3",
        "type": "Event",
        "name": "New years party",
        "startTime": "2014-12-31T23:00:00+01:00",
        "endTime": "2015-01-01T04:00:00+01:00",
        "timezone": "Europe/Rome",
        "joinMode": "restricted",
        "eventStatus": "https://w3id.org/fep/8a8e/EventCancelled",
    }
    compact = compact_inbound(doc)
    assert (compact["timezone"], compact["joinMode"]) == ("Europe/Rome", "restricted")
    parsed = read_event(compact)
    assert parsed is not None
    assert (parsed.timezone, parsed.join_mode, parsed.cancelled) == (
        "Europe/Rome",
        "restricted",
        True,
    )
    assert parsed.start == datetime(2014, 12, 31, 22, 0, tzinfo=UTC)


def test_fep_8a8e_documents_with_unbundled_contexts_keep_plain_names() -> None:
    doc = {
        "@context": [
            "https://w3id.org/fep/8a8e",
            "https://schema.org",
            "https://www.w3.org/ns/activitystreams",
        ],
        "id": "https://e.example/events/4",
        "type": "Event",
        "name": "Workshop",
        "startTime": "2025-01-01T10:00:00-08:00",
        "joinMode": "external",
        "externalParticipationUrl": "https://tickets.example/1",
        "maximumAttendeeCapacity": 100,
        "eventStatus": "EventCancelled",
        "location": {"type": "VirtualLocation", "name": "Jitsi", "url": "https://jitsi.example/w"},
    }
    parsed = read(doc)
    assert parsed is not None
    assert (parsed.join_mode, parsed.capacity, parsed.cancelled) == ("external", 100, True)
    assert parsed.online_url == "https://jitsi.example/w"
    assert compact_inbound(doc)["externalParticipationUrl"] == "https://tickets.example/1"


def test_a_mobilizon_join_keeps_its_participation_message() -> None:
    join = {
        "@context": load("mobilizon/event.json")["@context"],
        "id": "https://mobilizon.example/join/event/8d2f",
        "type": "Join",
        "actor": "https://mobilizon.example/@alice",
        "object": "https://warm.example/events/1",
        "participationMessage": "See you there",
    }
    assert compact_inbound(join)["participationMessage"] == "See you there"


def test_event_terms_of_the_output_context_mean_what_inbound_terms_say() -> None:
    inbound = read_bundled(INBOUND_FILE)["@context"]
    for term, definition in EVENT_TERMS.items():
        assert inbound[term] == definition, term


# --- ours: build, compact, read back ----------------------------------------------------------


def note_doc(**changes: Any) -> dict[str, Any]:
    info = NoteInfo(
        id="https://warm.example/events/7",
        type="Note",
        attributed_to="https://warm.example/users/alice",
        content_html="<p>Breakfast and introductions.</p>",
        url="https://warm.example/events/7",
        published=datetime(2025, 2, 1, 9, 0, tzinfo=UTC),
        to=[AS_PUBLIC],
        cc=["https://warm.example/users/alice/followers"],
    )
    return note(info, **changes)


INFO = EventInfo(
    name="Founders' breakfast",
    start=datetime(2025, 3, 6, 8, 30, tzinfo=UTC_PLUS_1),
    end=datetime(2025, 3, 6, 10, 0, tzinfo=UTC_PLUS_1),
    timezone="Europe/Paris",
    place=Place(
        name="Café des Arts",
        street="1 rue de Rivoli",
        locality="Paris",
        region="Île-de-France",
        postal_code="75001",
        country="France",
        latitude=48.8606,
        longitude=2.3376,
    ),
    online_url="https://meet.example/founders",
    join_mode="restricted",
    capacity=30,
    participants=4,
    cancelled=False,
)


def same(parsed: ParsedEvent | None, info: EventInfo) -> bool:
    return parsed is not None and all(getattr(parsed, f) == getattr(info, f) for f in FIELDS)


def test_an_event_carries_mobilizon_names() -> None:
    doc = event(note_doc(), INFO)
    assert doc["@context"] == EVENT_OUTPUT_CONTEXT
    assert doc["type"] == "Event" and doc["name"] == "Founders' breakfast"
    assert doc["startTime"] == "2025-03-06T08:30:00+01:00"
    assert doc["endTime"] == "2025-03-06T10:00:00+01:00"
    assert doc["timezone"] == "Europe/Paris"
    assert doc["location"] == {
        "type": "Place",
        "name": "Café des Arts",
        "address": {
            "type": "PostalAddress",
            "streetAddress": "1 rue de Rivoli",
            "addressLocality": "Paris",
            "addressRegion": "Île-de-France",
            "postalCode": "75001",
            "addressCountry": "France",
        },
        "latitude": 48.8606,
        "longitude": 2.3376,
    }
    assert (doc["joinMode"], doc["participantCount"]) == ("restricted", 4)
    assert (doc["maximumAttendeeCapacity"], doc["remainingAttendeeCapacity"]) == (30, 26)
    assert doc["ical:status"] == doc["status"] == "CONFIRMED"
    assert doc["isOnline"] is False  # Mobilizon's isOnline: online only
    assert doc["attachment"] == [
        {
            "type": "Link",
            "href": "https://meet.example/founders",
            "mediaType": "text/html",
            "name": "Website",
        }
    ]
    assert doc["content"] == "<p>Breakfast and introductions.</p>"


def test_an_event_round_trips() -> None:
    assert same(read(event(note_doc(), INFO)), INFO)


def test_an_online_cancelled_event_without_limit_round_trips() -> None:
    info = EventInfo(
        "Webinar", datetime(2025, 4, 1, 15, 0, tzinfo=UTC), None, None, None,
        "https://meet.example/w?id=1", "free", None, 0, True,
    )  # fmt: skip
    doc = event(note_doc(), info)
    assert doc["isOnline"] is True and doc["status"] == "CANCELLED"
    assert "maximumAttendeeCapacity" not in doc and "location" not in doc
    assert same(read(doc), info)


def test_an_event_inside_a_create_reads_back() -> None:
    doc = event(note_doc(), INFO)
    wrapped = {**create(doc, "https://warm.example/events/7/create"), "@context": doc["@context"]}
    validate("activity", wrapped)
    assert same(read_event(compact_inbound(wrapped)["object"]), INFO)


def test_an_event_in_a_create_with_only_our_context_still_reads_back() -> None:
    """activities.create() gives the Create WARMLINE_OUTPUT_CONTEXT: the event terms are
    then undefined, and reach read_event under their plain names."""
    wrapped = create(event(note_doc(), INFO), "https://warm.example/events/7/create")
    assert same(read_event(compact_inbound(wrapped)["object"]), INFO)


def test_the_fast_path_vouches_for_our_event_terms_but_not_for_ical_status() -> None:
    doc = event(note_doc(), INFO)
    assert try_fast_path(doc) is None  # "ical:status" is a compact IRI: pyld's job
    del doc["ical:status"]
    fast = try_fast_path(doc)
    assert fast is not None and fast == compact_with_pyld(doc)


def test_an_event_validates_as_an_object() -> None:
    validate("object", event(note_doc(), INFO))


def test_notes_and_their_context_are_unchanged() -> None:
    before = copy.deepcopy(WARMLINE_OUTPUT_CONTEXT)
    plain = note_doc()
    original = copy.deepcopy(plain)
    event(plain, INFO)
    assert plain == original and plain["@context"] is WARMLINE_OUTPUT_CONTEXT
    assert before == WARMLINE_OUTPUT_CONTEXT
    assert (
        EVENT_OUTPUT_CONTEXT[: len(before)] == before
        and len(EVENT_OUTPUT_CONTEXT) == len(before) + 1
    )


def test_an_embedded_note_stays_without_context() -> None:
    doc = event(note_doc(with_context=False), INFO)
    assert "@context" not in doc and doc["type"] == "Event"


@pytest.mark.parametrize(
    "changes",
    [
        {"start": datetime(2025, 1, 1, 9, 0)},
        {"end": datetime(2025, 1, 1, 9, 0)},
        {"join_mode": "external"},
        {"participants": -1},
        {"online_url": "javascript:alert(1)"},
    ],
)
def test_event_refuses_what_it_cannot_send(changes: dict[str, Any]) -> None:
    fields = {f: getattr(INFO, f) for f in EventInfo.__slots__} | changes
    with pytest.raises(ValueError):
        event(note_doc(), EventInfo(**fields))


clean_text = st.text(
    alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S"]), min_size=1, max_size=60
)
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)  # fixed offsets: a zoneinfo time in a fold never compares equal across zones (PEP 495)
aware_times = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2999, 1, 1), timezones=offsets
).map(lambda moment: moment.replace(microsecond=0))
places = st.builds(
    Place,
    name=st.none() | clean_text,
    street=st.none() | clean_text,
    locality=st.none() | clean_text,
    region=st.none() | clean_text,
    postal_code=st.none() | clean_text,
    country=st.none() | clean_text,
    latitude=st.just(None),
    longitude=st.just(None),
) | st.builds(
    Place,
    name=clean_text,
    latitude=st.floats(min_value=-90, max_value=90),
    longitude=st.floats(min_value=-180, max_value=180),
)


@FUZZ_LIGHT
@given(
    name=clean_text,
    start=aware_times,
    hours=st.none() | st.integers(min_value=0, max_value=72),
    zone=st.none() | st.sampled_from(["Europe/London", "America/Argentina/Buenos_Aires", "UTC"]),
    place=st.none() | places,
    online=st.none() | st.sampled_from(["https://meet.example/a", "http://x.example:8080/r?q=1"]),
    join_mode=st.sampled_from(["free", "restricted", "invite"]),
    capacity=st.none() | st.integers(min_value=1, max_value=10_000),
    participants=st.integers(min_value=0, max_value=10_000),
    cancelled=st.booleans(),
)
def test_round_trip_property(
    name: str, start: datetime, hours: int | None, zone: str | None, place: Place | None,
    online: str | None, join_mode: str, capacity: int | None, participants: int, cancelled: bool,
) -> None:  # fmt: skip
    if place == Place():
        place = None
    end = None if hours is None else start + timedelta(hours=hours)
    info = EventInfo(
        name, start, end, zone, place, online, join_mode, capacity, participants, cancelled
    )
    assert same(read(event(note_doc(), info)), info)


# --- hostile input ----------------------------------------------------------------------------


def minimal(**fields: Any) -> dict[str, Any]:
    return {"type": "Event", "name": "E", "startTime": "2025-01-01T10:00:00Z", **fields}


def test_no_usable_start_time_is_no_event() -> None:
    for start in (
        None,
        "",
        "tomorrow",
        1735725600,
        ["nope"],
        {"@value": 3},
        "2025-13-01T00:00:00Z",
    ):
        assert read_event(minimal(startTime=start)) is None
    assert read_event("Event") is None  # type: ignore[arg-type]
    assert read_event({"type": "Event"}) is None


def test_naive_and_offset_times() -> None:
    parsed = read_event(
        minimal(startTime="2025-01-01T10:00:00", endTime="2025-01-01T12:00:00-02:00")
    )
    assert parsed is not None
    assert parsed.start == datetime(2025, 1, 1, 10, 0, tzinfo=UTC)
    assert parsed.end == datetime(2025, 1, 1, 14, 0, tzinfo=UTC)
    assert parsed.start.tzinfo is UTC and parsed.end is not None and parsed.end.tzinfo is UTC


def test_an_end_before_the_start_is_dropped() -> None:
    parsed = read_event(minimal(endTime="2024-12-31T10:00:00Z"))
    assert parsed is not None and parsed.end is None


def test_lists_where_strings_belong() -> None:
    parsed = read_event(
        minimal(
            name=[{"x": 1}, "First name", "Second"],
            startTime=["2025-01-01T10:00:00Z", "2026-01-01T10:00:00Z"],
            timezone=[3, "Europe/Berlin"],
            joinMode=["INVITE"],
            location={
                "type": "Place",
                "name": ["Hall", "Other"],
                "address": [{"streetAddress": ["A st"]}],
            },
        )
    )
    assert parsed is not None
    assert (parsed.name, parsed.timezone, parsed.join_mode) == (
        "First name",
        "Europe/Berlin",
        "invite",
    )
    assert parsed.start == datetime(2025, 1, 1, 10, 0, tzinfo=UTC)
    assert parsed.place == Place(name="Hall", street="A st")


def test_huge_strings_are_cut() -> None:
    big = "word " * 100_000
    parsed = read_event(
        minimal(
            name=big,
            location={
                "name": big,
                "address": {"streetAddress": big, "addressCountry": {"name": big}},
            },
            attachment={
                "type": "Link",
                "name": "Website",
                "href": "https://x.example/" + "a" * 5000,
            },
            timezone="Europe/" + "A" * 10_000,
            startTime="2025-01-01T10:00:00Z" + " " * 10_000,
        )
    )
    assert parsed is None  # a 10 kB start time is not a time
    parsed = read_event(
        minimal(
            name=big,
            location={
                "name": big,
                "address": {"streetAddress": big, "addressCountry": {"name": big}},
            },
            attachment={
                "type": "Link",
                "name": "Website",
                "href": "https://x.example/" + "a" * 5000,
            },
            timezone="Europe/" + "A" * 10_000,
        )
    )
    assert parsed is not None
    assert len(parsed.name) == 200 and parsed.place is not None
    assert all(
        len(v) <= 200 for v in (parsed.place.name, parsed.place.street, parsed.place.country) if v
    )
    assert parsed.online_url is None and parsed.timezone is None


def test_control_characters_and_newlines_are_flattened() -> None:
    parsed = read_event(minimal(name="Line one\nline\x00two\u202e \t end"))
    assert parsed is not None and parsed.name == "Line one line two\u202e end"


@pytest.mark.parametrize(
    ("latitude", "longitude", "expected"),
    [
        (50.5, 4.25, (50.5, 4.25)),
        ("50.5", "4.25", (50.5, 4.25)),
        (90, -180, (90.0, -180.0)),
        (90.0001, 4.0, (None, None)),
        (50.0, 180.5, (None, None)),
        (10**400, 4.0, (None, None)),
        ("1e400", 4.0, (None, None)),
        ("NaN", 4.0, (None, None)),
        (True, 4.0, (None, None)),
        (50.0, None, (None, None)),
        ([50.0], [4.0], (50.0, 4.0)),
        ({"a": 1}, "east", (None, None)),
    ],
)
def test_coordinates_in_range_or_none(latitude: Any, longitude: Any, expected: tuple) -> None:
    parsed = read_event(
        minimal(location={"name": "P", "latitude": latitude, "longitude": longitude})
    )
    assert parsed is not None and parsed.place is not None
    assert (parsed.place.latitude, parsed.place.longitude) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(12, 12), (0, None), (-5, None), (True, None), (12.0, 12), (12.5, None), ("12", 12),
     ("1e9", None), (10**30, None), (float(10**20), None), (["7"], 7), ({"n": 1}, None)],
)  # fmt: skip
def test_capacities_and_counts(value: Any, expected: int | None) -> None:
    parsed = read_event(minimal(maximumAttendeeCapacity=value, participantCount=value))
    assert parsed is not None and parsed.capacity == expected
    assert parsed.participants == (0 if value == 0 else expected)


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "ftp://files.example/x", "https://", "http://[::1", "//x.example/a",
     "https://x.example/a b", "https://x.example/\x00", "mailto:a@b.example", 42],
)  # fmt: skip
def test_only_http_urls_are_online_urls(url: Any) -> None:
    doc = minimal(
        location={"type": "VirtualLocation", "url": url},
        attachment={"type": "Link", "name": "Website", "href": url},
    )
    parsed = read_event(doc)
    assert parsed is not None and parsed.online_url is None


def test_the_online_url_from_a_link_object_or_mobilizons_attachment() -> None:
    link = {"type": "Link", "href": "https://meet.example/x"}
    parsed = read_event(minimal(location={"type": "VirtualLocation", "url": link}))
    assert parsed is not None and parsed.online_url == "https://meet.example/x"
    other = {"type": "Link", "name": "Slides", "href": "https://slides.example/"}
    website = {"type": "Link", "name": "Website", "href": "https://meet.example/y"}
    parsed = read_event(minimal(attachment=[other, website]))
    assert parsed is not None and parsed.online_url == "https://meet.example/y"


@pytest.mark.parametrize(
    ("fields", "cancelled"),
    [
        ({"status": "CANCELLED"}, True),
        ({"status": ["CONFIRMED", "cancelled"]}, True),
        ({"ical:status": "CANCELLED"}, True),  # an undefined ical: prefix leaves the key as is
        ({"status": "TENTATIVE"}, False),
        ({"eventStatus": "https://schema.org/EventCancelled"}, True),
        ({"eventStatus": {"id": "https://w3id.org/fep/8a8e/EventCancelled"}}, True),
        ({"eventStatus": "EventScheduled"}, False),
        ({"status": {"x": "CANCELLED"}}, False),
    ],
)
def test_cancelled(fields: dict[str, Any], cancelled: bool) -> None:
    parsed = read_event(minimal(**fields))
    assert parsed is not None and parsed.cancelled is cancelled


def test_odd_location_values() -> None:
    for location in ("Town hall", ["Town hall"]):
        parsed = read_event(minimal(location=location))
        assert parsed is not None and parsed.place == Place(name="Town hall")
    for location in (42, "https://places.example/1", {}, [None, {}], {"type": "Place"}, True):
        parsed = read_event(minimal(location=location))
        assert parsed is not None and parsed.place is None


def check_parsed(parsed: ParsedEvent | None) -> None:
    if parsed is None:
        return
    assert isinstance(parsed.name, str) and len(parsed.name) <= 200
    assert parsed.start.tzinfo is UTC and (parsed.end is None or parsed.end >= parsed.start)
    assert parsed.join_mode in ("free", "restricted", "invite", "external", "none")
    assert parsed.capacity is None or 0 < parsed.capacity <= 1_000_000_000
    assert parsed.participants is None or 0 <= parsed.participants <= 1_000_000_000
    assert isinstance(parsed.cancelled, bool)
    url = parsed.online_url
    assert url is None or (url.startswith(("http://", "https://")) and len(url) <= 2000)
    place = parsed.place
    if place is not None:
        texts = (
            place.name,
            place.street,
            place.locality,
            place.region,
            place.postal_code,
            place.country,
        )
        assert all(t is None or (isinstance(t, str) and 0 < len(t) <= 200) for t in texts)
        assert (place.latitude is None) == (place.longitude is None)
        if place.latitude is not None and place.longitude is not None:
            assert -90 <= place.latitude <= 90 and -180 <= place.longitude <= 180
            assert math.isfinite(place.latitude) and math.isfinite(place.longitude)


event_values = st.fixed_dictionaries(
    {"type": st.just("Event"), "startTime": st.sampled_from(["2025-01-01T10:00Z", "2025-01-01"])},
    optional={
        key: json_values
        for key in ("name", "endTime", "timezone", "location", "joinMode", "participantCount",
                    "maximumAttendeeCapacity", "status", "ical:status", "eventStatus", "attachment")
    },
)  # fmt: skip


@FUZZ
@given(obj=json_objects | event_values)
def test_read_event_never_raises(obj: dict[str, Any]) -> None:
    check_parsed(read_event(obj))


_EVENTS = [load("mobilizon/event.json"), load("mobilizon/event-2019.json")] + [
    gancio_event(load(f"gancio/{name}.json"))
    for name in (
        "place-postal-address",
        "place-string-address",
        "place-virtual",
        "location-multiple-mixed",
    )
]


@FUZZ_LIGHT
@given(doc=mutated(_EVENTS))
def test_edited_real_events_read_or_are_refused(doc: dict[str, Any]) -> None:
    compact = outcome(JsonLdError, lambda: compact_inbound(doc))
    if compact is None:
        return
    check_parsed(read_event(compact))
    inner = compact.get("object")
    if isinstance(inner, dict):
        check_parsed(read_event(inner))


@FUZZ
@given(start=st.text(max_size=40))
def test_any_text_as_a_start_time(start: str) -> None:
    check_parsed(read_event(minimal(startTime=start)))
