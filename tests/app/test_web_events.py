"""Events in a browser without JavaScript: making one through the form (a refusal
keeps what was typed, its message next to the field), answering with the buttons
(a full event's waiting list, the organiser approving), inviting connections,
changing and cancelling, the lists, the home page's box, a post of an event in a
timeline, and what a visitor may see (a connections-only event is a 404)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from webclient import Browser
from webpeople import (
    People,
    SignedIn,
    connect,
    people,
    signed_in_fixture,  # noqa: F401  (the signed_in fixture)
    text_of,
)

from server.appkeys import DB, SERVICES
from server.services import events
from server.services.events import EventDraft, Location
from server.store import interactions as interactions_q
from server.store.accounts import AccountRow
from server.store.statuses import Page

BREAKFAST = {
    "title": "Supply-chain breakfast",
    "description": "Coffee and logistics talk, first Friday of the month.",
    "start_date": "2099-03-06", "start_time": "08:00", "end_date": "", "end_time": "09:30",
    "timezone": "Europe/Paris", "place_name": "Café du Port", "street": "3 quai Fernand Crouton",
    "postal_code": "69002", "locality": "Lyon", "region": "", "country": "France",
    "latitude": "45.75", "longitude": "4.83", "online_url": "", "capacity": "",
    "visibility": "public",
}  # fmt: skip


@pytest.fixture
async def crowd(client: TestClient) -> People:
    """ann, bea, cal and dan; ann is connected with bea and cal, dan with no one."""
    found = await people(client, "ann", "bea", "cal", "dan")
    svc = client.app[SERVICES]
    await connect(svc, found["ann"], found["bea"])
    await connect(svc, found["ann"], found["cal"])
    return found


async def organised(
    client: TestClient, who: AccountRow, title: str = "Breakfast", **fields: Any
) -> int:
    """An event made through the service (the form has its own tests)."""
    draft = EventDraft(
        title=title, starts_at=datetime(2099, 3, 6, 7, 0, tzinfo=UTC), timezone="Europe/Paris",
        location=Location(name="Café du Port", locality="Lyon"), **fields,
    )  # fmt: skip
    made = await events.create_event(client.app[SERVICES], who, draft)
    return made.event.id


async def answer(browser: Browser, event_id: int, value: str, status: int = 303) -> Any:
    await browser.get(f"/events/{event_id}")
    return await browser.post(f"/events/{event_id}/rsvp", {"answer": value}, status=status)


async def flash_after(browser: Browser, resp: Any) -> str:
    """The page a form's answer sends the browser to, in words."""
    return text_of(await browser.get(resp.headers["Location"]))


async def notified(client: TestClient, who: AccountRow) -> list[str]:
    async with client.app[DB].read() as conn:
        rows = await interactions_q.list_notifications(conn, who.id, Page())
    return [n.type for n in rows]


def field_value(page: str, name: str) -> str:
    """The value an ``<input name=...>`` of the page shows."""
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page)
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0)) if tag else None
    return value.group(1) if value else ""


# --- making one ---------------------------------------------------------------------------


async def test_an_event_made_through_the_form(
    client: TestClient, signed_in: SignedIn, crowd: People
) -> None:
    ann = await signed_in("ann")
    form = await ann.get("/events/new")
    assert 'action="/events"' in form and 'name="csrf_token"' in form
    assert 'list="zones"' in form and "data-browser-zone" in form  # the browser's zone, with JS
    assert '<option value="Europe/Paris">' in form and field_value(form, "timezone") == "UTC"
    for name in ("start_date", "start_time", "end_date", "end_time", "place_name", "capacity",
                 "latitude", "online_url", "approval_required"):  # fmt: skip
        assert f'name="{name}"' in form, name
    assert form.count('name="visibility" value=') == 3

    resp = await ann.post("/events", BREAKFAST)
    event_id = int(resp.headers["Location"].removeprefix("/events/"))
    words = await flash_after(ann, resp)
    assert "Your event is posted." in words
    assert "Supply-chain breakfast" in words and "Organised by Ann" in words
    assert "Friday 6 March 2099, 08:00 – 09:30" in words
    assert "Europe/Paris time (UTC+01:00)" in words
    assert "Café du Port" in words and "69002 Lyon" in words and "France" in words
    assert "Coffee and logistics talk" in words and "1 going" in words
    assert "You are organising this event." in words and "Edit the event" in words
    page = await ann.get(f"/events/{event_id}")
    assert "https://www.openstreetmap.org/?mlat=45.75&amp;mlon=4.83#map=17/45.75/4.83" in page
    assert f'href="/events/{event_id}.ics"' in page
    assert "<iframe" not in page and "<script>" not in page  # a plain link, nothing embedded
    made = await events.get_event(client.app[SERVICES], crowd["ann"], event_id)
    assert made.event.starts_at.astimezone(UTC).hour == 7 and made.event.timezone == "Europe/Paris"
    assert made.event.ends_at is not None and made.event.ends_at.astimezone(UTC).hour == 8

    calendar = await ann.client.get(f"/events/{event_id}.ics")
    assert calendar.status == 200 and calendar.content_type == "text/calendar"
    assert "SUMMARY:Supply-chain breakfast" in await calendar.text()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"title": ""}, "title", "An event needs a title"),
        ({"start_date": "", "start_time": ""}, "starts_at", "Give the day and the time it starts"),
        ({"start_date": "next friday"}, "starts_at", "must be a date"),
        ({"end_time": "07:00"}, "ends_at", "An event must end after it starts"),
        ({"timezone": "Mars/Olympus"}, "timezone", "is not a time zone"),
        ({"latitude": "north"}, "latitude", "Latitude must be a number"),
        ({"latitude": "123"}, "latitude", "between -90 and 90"),
        ({"longitude": ""}, "latitude", "give both latitude and longitude"),
        ({"capacity": "0"}, "capacity", "capacity must be at least 1"),
        ({"capacity": "a dozen"}, "capacity", "whole number"),
        ({"online_url": "javascript:alert(1)"}, "online_url", "http(s) link"),
        ({"visibility": "everyone"}, "visibility", "visibility must be one of"),
    ],
)
async def test_a_refused_form_keeps_what_was_typed(
    client: TestClient, signed_in: SignedIn, change: dict[str, str], field: str, message: str
) -> None:
    await people(client, "ann")
    ann = await signed_in("ann")
    await ann.get("/events/new")
    page = (await ann.post("/events", {**BREAKFAST, **change}, status=422)).body_text
    error = re.search(rf'<p class="field-error" id="error-{field}">.*?<span>(.*?)</span>', page)
    assert error is not None, page
    assert message.lower() in error.group(1).lower()
    assert f'href="#field-{field}"' in page and f'id="field-{field}"' in page
    assert "data-browser-zone" not in page  # the zone typed stays as typed
    kept = {**BREAKFAST, **change}
    for name in ("title", "place_name", "locality", "start_time", "timezone", "capacity"):
        assert field_value(page, name) == kept[name].replace("&", "&amp;"), name
    assert "Coffee and logistics talk, first Friday of the month.</textarea>" in page
    assert await events.upcoming(client.app[SERVICES], None, "local") == []


# --- answering ----------------------------------------------------------------------------


async def test_rsvp_buttons_and_a_full_events_waiting_list(
    client: TestClient, signed_in: SignedIn, crowd: People
) -> None:
    event_id = await organised(client, crowd["ann"], capacity=2)
    bea, cal = await signed_in("bea"), await signed_in("cal")
    page = await bea.get(f"/events/{event_id}")
    assert page.count(f'action="/events/{event_id}/rsvp"') == 3
    assert 'aria-pressed="false"><svg class="icon" aria-hidden="true" focusable="false">' in page
    assert "1 going · 2 places" in text_of(page)

    words = await flash_after(bea, await answer(bea, event_id, "going"))
    assert "You are going. See you there!" in words and "2 going · 2 places · Full" in words
    page = await bea.get(f"/events/{event_id}")
    assert re.search(r'value="going">\s*<button class="button primary" type="submit" '
                     r'aria-pressed="true"', page)  # fmt: skip

    words = await flash_after(cal, await answer(cal, event_id, "going"))
    assert "The event is full: you are on the waiting list" in words
    assert "1 on the waiting list" in words
    assert (await events.get_event(client.app[SERVICES], crowd["cal"], event_id)).my_rsvp == (
        "waitlisted"
    )
    # Bea can't make it after all: cal moves up and is told.
    words = await flash_after(bea, await answer(bea, event_id, "not_going"))
    assert "You said you can't go." in words
    words = text_of(await cal.get(f"/events/{event_id}"))
    assert "You are going." in words and "on the waiting list" not in words
    assert "warmline.event_confirmed" in await notified(client, crowd["cal"])
    words = await flash_after(bea, await answer(bea, event_id, "maybe"))
    assert "You said maybe." in words and "Maybe 1" in words
    refused = await answer(bea, event_id, "perhaps", status=422)
    assert "Status must be one of going, maybe, not_going" in text_of(refused.body_text)


async def test_the_organiser_approves_or_declines(
    client: TestClient, signed_in: SignedIn, crowd: People
) -> None:
    event_id = await organised(client, crowd["ann"], approval_required=True)
    ann, bea, cal = await signed_in("ann"), await signed_in("bea"), await signed_in("cal")
    assert "asks the organiser for a place" in text_of(await bea.get(f"/events/{event_id}"))
    words = await flash_after(bea, await answer(bea, event_id, "going"))
    assert "You asked to come: the organiser will say yes or no." in words
    assert "the organiser has not answered yet" in words and "1 person asks" not in words
    await answer(cal, event_id, "going")

    page = await ann.get(f"/events/{event_id}")
    assert "2 people ask to come" in text_of(page)
    bea_id, cal_id = crowd["bea"].id, crowd["cal"].id
    assert f'action="/events/{event_id}/requests/{bea_id}/approve"' in page
    # Only the organiser decides.
    await bea.get(f"/events/{event_id}")
    refused = await bea.post(f"/events/{event_id}/requests/{cal_id}/approve", status=403)
    assert "Only the organiser may change this event" in text_of(refused.body_text)

    resp = await ann.post(f"/events/{event_id}/requests/{bea_id}/approve")
    assert "Approved: they are going and are told." in await flash_after(ann, resp)
    resp = await ann.post(f"/events/{event_id}/requests/{cal_id}/decline")
    words = await flash_after(ann, resp)
    assert "Declined." in words and "ask to come" not in words and "2 going" in words
    assert "You are going." in text_of(await bea.get(f"/events/{event_id}"))
    again = await ann.post(f"/events/{event_id}/requests/{cal_id}/approve", status=404)
    assert "No request to attend from this account" in text_of(again.body_text)
    assert "Breakfast" in text_of(again.body_text)  # the event's page, saying why


# --- inviting -----------------------------------------------------------------------------


async def test_inviting_connections(client: TestClient, signed_in: SignedIn, crowd: People) -> None:
    event_id = await organised(client, crowd["ann"], "Board dinner", audience="invited")
    ann, bea = await signed_in("ann"), await signed_in("bea")
    await bea.get(f"/events/{event_id}", status=404)
    page = await ann.get(f"/events/{event_id}")
    assert "Only for the people invited" in text_of(page)
    assert f'name="account_ids" type="checkbox" value="{crowd["bea"].id}"' in page
    assert f'value="{crowd["cal"].id}"' in page and f'value="{crowd["dan"].id}"' not in page

    refused = await ann.post(f"/events/{event_id}/invite", {}, status=422)
    assert '<p class="field-error" id="error-account_ids">' in refused.body_text
    assert "Choose whom to invite" in refused.body_text and "<details open>" in refused.body_text
    stranger = {"account_ids": [str(crowd["dan"].id)]}
    refused = await ann.post(f"/events/{event_id}/invite", stranger, status=422)
    assert "You can invite your connections only" in refused.body_text

    sent = {"account_ids": [str(crowd["bea"].id)]}
    resp = await ann.post(f"/events/{event_id}/invite", sent)
    assert "Invited 1 person; they are told." in await flash_after(ann, resp)
    assert "warmline.event_invite" in await notified(client, crowd["bea"])
    words = text_of(await bea.get(f"/events/{event_id}"))
    assert "Board dinner" in words and "You are invited. Will you go?" in words
    assert "Invite connections" not in words  # not before answering
    await answer(bea, event_id, "going")
    page = await bea.get(f"/events/{event_id}")
    assert "Invite connections" in page and f'value="{crowd["ann"].id}"' not in page  # going
    resp = await ann.post(f"/events/{event_id}/invite", sent)
    assert "They were invited already." in await flash_after(ann, resp)


# --- changing and cancelling --------------------------------------------------------------


async def test_the_organiser_edits_the_event(
    client: TestClient, signed_in: SignedIn, crowd: People
) -> None:
    ann, bea = await signed_in("ann"), await signed_in("bea")
    await ann.get("/events/new")
    resp = await ann.post("/events", {**BREAKFAST, "capacity": "12"})
    event_id = int(resp.headers["Location"].removeprefix("/events/"))
    await answer(bea, event_id, "going")
    await bea.get(f"/events/{event_id}/edit", status=403)
    assert "Edit the event" not in await bea.get(f"/events/{event_id}")

    form = await ann.get(f"/events/{event_id}/edit")
    assert f'action="/events/{event_id}/edit"' in form
    for name, value in (("title", "Supply-chain breakfast"), ("start_date", "2099-03-06"),
                        ("start_time", "08:00"), ("end_date", "2099-03-06"),
                        ("end_time", "09:30"), ("timezone", "Europe/Paris"), ("capacity", "12"),
                        ("locality", "Lyon"), ("latitude", "45.75")):  # fmt: skip
        assert field_value(form, name) == value, name
    assert 'name="visibility"' not in form and "cannot be changed" in form
    assert "data-browser-zone" not in form

    changed = {**BREAKFAST, "start_date": "2099-03-13", "end_date": "", "end_time": "10:00",
               "title": "Breakfast, a week later", "capacity": "12"}  # fmt: skip
    refused = await ann.post(f"/events/{event_id}/edit", {**changed, "end_time": "07:30"}, 422)
    assert 'id="error-ends_at"' in refused.body_text
    assert field_value(refused.body_text, "title") == "Breakfast, a week later"
    resp = await ann.post(f"/events/{event_id}/edit", changed)
    words = await flash_after(ann, resp)
    assert "Your changes are saved." in words and "Breakfast, a week later" in words
    assert "Friday 13 March 2099, 08:00 – 10:00" in words
    assert "warmline.event_changed" in await notified(client, crowd["bea"])


async def test_the_organiser_cancels_after_confirming(
    client: TestClient, signed_in: SignedIn, crowd: People
) -> None:
    event_id = await organised(client, crowd["ann"])
    ann, bea = await signed_in("ann"), await signed_in("bea")
    await answer(bea, event_id, "going")
    await bea.get(f"/events/{event_id}/cancel", status=403)
    confirm = text_of(await ann.get(f"/events/{event_id}/cancel"))
    assert "Cancel “Breakfast”?" in confirm and "This cannot be undone." in confirm
    unconfirmed = await ann.post(f"/events/{event_id}/cancel", {})
    assert unconfirmed.headers["Location"] == f"/events/{event_id}/cancel"
    assert (await events.get_event(client.app[SERVICES], None, event_id)).event.cancelled_at is None

    resp = await ann.post(f"/events/{event_id}/cancel", {"confirm": "1"})
    words = await flash_after(ann, resp)
    assert "The event is cancelled" in words and "This event was cancelled." in words
    assert "Edit the event" not in words and "Invite connections" not in words
    assert "warmline.event_cancelled" in await notified(client, crowd["bea"])
    page = await bea.get(f"/events/{event_id}")
    assert "This event was cancelled." in text_of(page) and "/rsvp" not in page
    refused = await bea.post(f"/events/{event_id}/rsvp", {"answer": "going"}, status=422)
    assert "This event was cancelled" in text_of(refused.body_text)
    # Once cancelled, it cannot be changed: the form says why.
    await ann.get(f"/events/{event_id}/edit")
    refused = await ann.post(f"/events/{event_id}/edit", BREAKFAST, status=422)
    assert "it cannot be changed" in text_of(refused.body_text)


# --- lists, the home page, timelines -------------------------------------------------------


async def test_the_lists_and_the_home_box(
    client: TestClient, signed_in: SignedIn, crowd: People
) -> None:
    svc = client.app[SERVICES]
    ann, cal, dan = await signed_in("ann"), await signed_in("cal"), await signed_in("dan")
    assert "Events your connections are going to" not in await ann.get("/")
    assert "Nothing coming up for you yet" in text_of(await ann.get("/events"))
    event_id = await organised(client, crowd["bea"], "Bea's launch party")
    await events.rsvp(svc, crowd["cal"], event_id, "going")
    await events.rsvp(svc, crowd["dan"], event_id, "going")

    network = text_of(await ann.get("/events?scope=network"))
    assert "Bea's launch party" in network and "3 going" in network
    assert "2 people you know are going" in network  # bea and cal; dan is not ann's connection
    assert "Fri 6 Mar 2099, 08:00 Europe/Paris time (UTC+01:00)" in network
    assert "Café du Port, Lyon" in network and "Organised by Bea" in network
    home = await ann.get("/")
    assert "Events your connections are going to" in home and f'href="/events/{event_id}"' in home
    assert "2 people you know are going" in text_of(home)
    assert "Events your connections are going to" not in await dan.get("/")  # no network

    mine = text_of(await cal.get("/events"))
    assert "Bea's launch party" in mine and "You're going" in mine
    local = await dan.get("/events?scope=local")
    assert "Bea's launch party" in text_of(local)
    assert 'aria-current="page">On this server' in local
    assert "Bea's launch party" not in text_of(await ann.get("/events"))  # not ann's own
    # The event's post, in a timeline, links to its page.
    profile = await ann.get("/@bea")
    assert f'class="event-in-post" href="/events/{event_id}"' in profile
    assert "See the event" in profile


async def test_a_visitor_sees_public_events_only(
    client: TestClient, signed_in: SignedIn, crowd: People, browsers: Any
) -> None:
    public = await organised(client, crowd["ann"], "Open breakfast")
    private = await organised(client, crowd["ann"], "Connections' dinner", audience="connections")
    visitor = await browsers()
    listing = text_of(await visitor.get("/events"))
    assert "Open breakfast" in listing and "Connections' dinner" not in listing
    assert "Your network" not in listing and "New event" not in listing
    page = await visitor.get(f"/events/{public}")
    assert "Sign in to answer" in text_of(page) and "/rsvp" not in page
    missing = await visitor.get(f"/events/{private}", status=404)
    assert "There is no such event here" in text_of(missing) and "Error 404" in missing
    assert "Traceback" not in missing
    assert (await visitor.client.get(f"/events/{private}.ics")).status == 404
    resp = await visitor.client.post(f"/events/{public}/rsvp", data={"answer": "going"},
                                     allow_redirects=False)  # fmt: skip
    assert resp.status in (303, 403)  # off to sign in, or refused without a token
    dan = await signed_in("dan")
    await dan.get(f"/events/{private}", status=404)
    bea = await signed_in("bea")
    assert "For Ann's connections" in text_of(await bea.get(f"/events/{private}"))
    assert "Connections' dinner" not in text_of(await bea.get("/events?scope=local"))
    assert "Connections' dinner" in text_of(await bea.get("/events?scope=network"))
