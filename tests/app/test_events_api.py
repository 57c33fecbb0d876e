"""Events through the API: create, see, answer (with the waiting list and
approval), invite, change, cancel, list, and the iCalendar file.

Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import icalendar
from aiohttp.test_utils import TestClient
from apiclient import Member, member

from server.appkeys import DB, SERVICES
from server.services import account_moderation, events
from server.store import interactions as interactions_q
from server.store.statuses import Page

EVENTS = "/api/v1/warmline/events"
AS2 = "application/activity+json"
MEETUP = {
    "title": "Supply-chain breakfast",
    "description": "Coffee and #logistics talk, first Friday of the month.",
    "starts_at": "2027-03-05T08:00:00+01:00",
    "ends_at": "2027-03-05T09:30:00+01:00",
    "timezone": "Europe/Paris",
    "location": {
        "name": "Café du Port", "street": "3 quai Fernand Crouton", "locality": "Lyon",
        "postal_code": "69002", "country": "France", "latitude": 45.75, "longitude": 4.83,
    },
}  # fmt: skip


async def connect(a: Member, b: Member) -> None:
    await a.post("/api/v1/warmline/connections", json={"account_id": b.id})
    await b.post("/api/v1/warmline/connections", json={"account_id": a.id})


async def notified(client: TestClient, who: Member) -> list[str]:
    async with client.app[DB].read() as conn:
        rows = await interactions_q.list_notifications(conn, int(who.id), Page())
    return [n.type for n in rows]


async def patch(who: Member, path: str, body: dict[str, Any], status: int = 200) -> Any:
    resp = await who.client.patch(path, json=body, headers={"Authorization": f"Bearer {who.token}"})
    assert resp.status == status, await resp.text()
    return await resp.json()


async def test_a_member_creates_an_event_and_anyone_can_read_it(start: Any) -> None:
    client = await start()
    alice = await member(client, "alice")
    made = await alice.post(EVENTS, json={**MEETUP, "capacity": 12})
    assert made["title"] == "Supply-chain breakfast"
    assert made["starts_at"] == "2027-03-05T07:00:00.000Z"
    assert made["ends_at"] == "2027-03-05T08:30:00.000Z"
    assert made["timezone"] == "Europe/Paris"
    assert made["location"]["locality"] == "Lyon" and made["location"]["latitude"] == 45.75
    assert made["organizer"]["username"] == "alice"
    assert (made["participants_count"], made["waitlist_count"], made["my_rsvp"]) == (1, 0, "going")
    assert made["capacity"] == 12 and made["visibility"] == "public" and not made["cancelled"]
    assert "#logistics" in made["description"] or "logistics" in made["description"]
    # Anonymous readers see a public event; its post is on alice's profile.
    anonymous = await client.get(f"{EVENTS}/{made['id']}")
    assert anonymous.status == 200 and (await anonymous.json())["my_rsvp"] is None
    statuses = await alice.get(f"/api/v1/accounts/{alice.id}/statuses")
    assert [s["id"] for s in statuses] == [made["id"]]
    # Apps show a post's content only: an event's starts with what, when and where.
    assert statuses[0]["content"].startswith(
        "<p><strong>Supply-chain breakfast</strong><br>"
        "Fri 5 Mar 2027, 08:00 (Europe/Paris) · Café du Port</p>"
    )
    # Its ActivityPub document is an Event.
    doc = await (await client.get(made["uri"].replace("http://a.test", ""),
                                  headers={"Accept": AS2})).json()  # fmt: skip
    assert doc["type"] == "Event" and doc["name"] == "Supply-chain breakfast"
    assert doc["startTime"].startswith("2027-03-05T07:00:00")


async def test_what_an_organiser_gets_wrong_is_a_422_naming_the_field(start: Any) -> None:
    client = await start()
    alice = await member(client, "alice")
    wrong = [
        ({"title": ""}, "title"),
        ({"starts_at": "next friday"}, "starts_at"),
        ({"starts_at": "2027-03-05T08:00:00"}, "starts_at"),  # no offset
        ({"ends_at": "2027-03-05T07:00:00+01:00"}, "ends_at"),  # before the start
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"visibility": "everyone"}, "visibility"),
        ({"capacity": 0}, "capacity"),
        ({"online_url": "javascript:alert(1)"}, "online_url"),
        ({"location": {"latitude": 123, "longitude": 4}}, "latitude"),
        ({"location": "Lyon"}, "location"),
        ({"title": "x" * 201}, "title"),
    ]
    for change, field in wrong:
        body = await alice.post(EVENTS, json={**MEETUP, **change}, status=422)
        assert field in str(body), (change, body)
    missing = await alice.post(EVENTS, json={"title": "No time"}, status=422)
    assert "starts_at" in str(missing)
    assert await alice.get(f"/api/v1/accounts/{alice.id}/statuses") == []


async def test_a_full_event_has_a_waiting_list_that_moves_up(start: Any) -> None:
    client = await start()
    alice, bob, carol = [await member(client, n) for n in ("alice", "bob", "carol")]
    event = await alice.post(EVENTS, json={**MEETUP, "capacity": 2})
    rsvp = f"{EVENTS}/{event['id']}/rsvp"
    assert (await bob.post(rsvp, json={"status": "going"}))["my_rsvp"] == "going"
    waiting = await carol.post(rsvp, json={"status": "going"})
    assert (waiting["my_rsvp"], waiting["participants_count"], waiting["waitlist_count"]) == (
        "waitlisted", 2, 1,
    )  # fmt: skip
    # Bob cannot make it: carol moves up and is told.
    left = await bob.post(rsvp, json={"status": "not_going"})
    assert (left["participants_count"], left["waitlist_count"]) == (2, 0)
    assert (await carol.get(f"{EVENTS}/{event['id']}"))["my_rsvp"] == "going"
    assert "warmline.event_confirmed" in await notified(client, carol)
    assert "warmline.event_rsvp" in await notified(client, alice)
    going = await carol.get(f"{EVENTS}/{event['id']}/attendees")
    assert {a["account"]["username"] for a in going} == {"alice", "carol"}
    # A maybe takes no place.
    maybe = await bob.post(rsvp, json={"status": "maybe"})
    assert (maybe["my_rsvp"], maybe["participants_count"]) == ("maybe", 2)
    await bob.post(rsvp, json={"status": "definitely"}, status=422)


async def test_with_approval_the_organiser_decides(start: Any) -> None:
    client = await start()
    alice, bob = await member(client, "alice"), await member(client, "bob")
    event = await alice.post(EVENTS, json={**MEETUP, "approval_required": True})
    answer = await bob.post(f"{EVENTS}/{event['id']}/rsvp", json={"status": "going"})
    assert (answer["my_rsvp"], answer["participants_count"]) == ("pending", 1)
    # Only the organiser sees who waits.
    await bob.get(f"{EVENTS}/{event['id']}/attendees?status=pending", status=403)
    pending = await alice.get(f"{EVENTS}/{event['id']}/attendees?status=pending")
    assert [p["account"]["username"] for p in pending] == ["bob"]
    await bob.post(f"{EVENTS}/{event['id']}/participants/{bob.id}/approve", status=403)
    decided = await alice.post(f"{EVENTS}/{event['id']}/participants/{bob.id}/approve")
    assert decided["status"] == "going"
    assert (await bob.get(f"{EVENTS}/{event['id']}"))["my_rsvp"] == "going"
    await alice.post(f"{EVENTS}/{event['id']}/participants/{bob.id}/reject", status=404)


async def test_who_may_see_an_event_for_connections_or_the_invited(start: Any) -> None:
    client = await start()
    alice, bob, carol, dave = [await member(client, n) for n in ("alice", "bob", "carol", "dave")]
    await connect(alice, bob)
    await connect(alice, carol)
    private = await alice.post(EVENTS, json={**MEETUP, "visibility": "connections"})
    invited = await alice.post(EVENTS, json={**MEETUP, "visibility": "invited"})
    await bob.get(f"{EVENTS}/{private['id']}")
    for outsider in (dave,):
        await outsider.get(f"{EVENTS}/{private['id']}", status=404)
    assert (await client.get(f"{EVENTS}/{private['id']}")).status == 404
    await bob.get(f"{EVENTS}/{invited['id']}", status=404)
    # Not a public post: no timeline shows it.
    assert await dave.get(f"/api/v1/accounts/{alice.id}/statuses") == []

    sent = await alice.post(f"{EVENTS}/{invited['id']}/invite", json={"account_ids": [bob.id]})
    assert sent == {"invited": [bob.id]}
    assert (await bob.get(f"{EVENTS}/{invited['id']}"))["my_rsvp"] is None
    assert "warmline.event_invite" in await notified(client, bob)
    # Only connections can be invited; carol is not bob's connection.
    refused = await alice.post(
        f"{EVENTS}/{invited['id']}/invite", json={"account_ids": [dave.id]}, status=422
    )
    assert "connections" in refused["error"]
    await bob.post(f"{EVENTS}/{invited['id']}/rsvp", json={"status": "going"})
    await bob.post(f"{EVENTS}/{invited['id']}/invite", json={"account_ids": [carol.id]}, status=422)
    await carol.get(f"{EVENTS}/{invited['id']}", status=404)


async def test_changes_and_cancellation_reach_the_attendees(start: Any) -> None:
    client = await start()
    alice, bob = await member(client, "alice"), await member(client, "bob")
    event = await alice.post(EVENTS, json=MEETUP)
    await bob.post(f"{EVENTS}/{event['id']}/rsvp", json={"status": "going"})
    await patch(bob, f"{EVENTS}/{event['id']}", {"title": "Mine now"}, status=403)
    renamed = await patch(alice, f"{EVENTS}/{event['id']}", {"title": "Breakfast club"})
    assert renamed["title"] == "Breakfast club" and renamed["location"]["locality"] == "Lyon"
    assert "warmline.event_changed" not in await notified(client, bob)
    moved = await patch(
        alice, f"{EVENTS}/{event['id']}", {"starts_at": "2027-03-12T08:00:00+01:00",
                                           "ends_at": "2027-03-12T09:00:00+01:00"},
    )  # fmt: skip
    assert moved["starts_at"] == "2027-03-12T07:00:00.000Z"
    assert "warmline.event_changed" in await notified(client, bob)
    described = await patch(alice, f"{EVENTS}/{event['id']}", {"description": "Now with tea"})
    assert "Now with tea" in described["description"]

    cancelled = await alice.delete(f"{EVENTS}/{event['id']}")
    assert cancelled["cancelled"] is True
    assert "warmline.event_cancelled" in await notified(client, bob)
    await bob.post(f"{EVENTS}/{event['id']}/rsvp", json={"status": "going"}, status=422)
    await patch(alice, f"{EVENTS}/{event['id']}", {"title": "Back on"}, status=422)


async def test_lists_of_upcoming_events(start: Any) -> None:
    client = await start()
    alice, bob, carol = [await member(client, n) for n in ("alice", "bob", "carol")]
    await connect(alice, bob)
    later = await alice.post(EVENTS, json={**MEETUP, "starts_at": "2027-06-01T08:00:00+00:00",
                                           "ends_at": None})  # fmt: skip
    sooner = await carol.post(EVENTS, json={**MEETUP, "title": "Carol's"})
    past = await carol.post(
        EVENTS, json={**MEETUP, "starts_at": "2020-01-01T08:00:00+00:00",
                      "ends_at": "2020-01-01T09:00:00+00:00"},
    )  # fmt: skip
    assert [e["id"] for e in await bob.get(f"{EVENTS}?scope=local")] == [
        sooner["id"], later["id"],
    ]  # fmt: skip
    assert past["id"] not in [e["id"] for e in await bob.get(f"{EVENTS}?scope=local")]
    assert [e["id"] for e in await bob.get(f"{EVENTS}?scope=network")] == [later["id"]]
    assert await bob.get(f"{EVENTS}?scope=mine") == []
    await bob.post(f"{EVENTS}/{sooner['id']}/rsvp", json={"status": "maybe"})
    assert [e["id"] for e in await bob.get(f"{EVENTS}?scope=mine")] == [sooner["id"]]
    page = await client.get(f"{EVENTS}?scope=local&limit=1")
    assert "offset=1" in page.headers["Link"]
    assert (await client.get(f"{EVENTS}?scope=mine")).status == 403
    assert (await client.get(f"{EVENTS}?scope=everything")).status == 422


async def test_an_event_as_an_icalendar_file(start: Any) -> None:
    client = await start()
    alice = await member(client, "alice")
    event = await alice.post(EVENTS, json={**MEETUP, "online_url": "https://meet.example/x"})
    resp = await client.get(f"{EVENTS}/{event['id']}.ics")
    assert resp.status == 200 and resp.content_type == "text/calendar"
    calendar = icalendar.Calendar.from_ical(await resp.read())
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["summary"]) == "Supply-chain breakfast"
    assert str(vevent["uid"]) == event["uri"]
    start_at = vevent.decoded("dtstart")
    assert str(start_at.tzinfo) == "Europe/Paris" and start_at.hour == 8
    assert "Café du Port" in str(vevent["location"]) and "Lyon" in str(vevent["location"])
    assert "https://meet.example/x" in str(vevent["description"])
    assert calendar.walk("VTIMEZONE"), "a calendar needs the zone's rules to read TZID"
    assert str(vevent["status"]) == "CONFIRMED"


async def test_a_private_calendar_feed_of_ones_events(start: Any) -> None:
    client = await start()
    alice, bob = await member(client, "alice"), await member(client, "bob")
    event = await alice.post(EVENTS, json=MEETUP)
    other = await alice.post(EVENTS, json={**MEETUP, "title": "Not for bob"})
    await bob.post(f"{EVENTS}/{event['id']}/rsvp", json={"status": "maybe"})
    url = (await bob.post(f"{EVENTS}/feed"))["url"]
    assert url.startswith("http://a.test/calendar/") and url.endswith(".ics")
    path = url.removeprefix("http://a.test")
    resp = await client.get(path)  # a calendar app: no token
    assert resp.status == 200 and resp.content_type == "text/calendar"
    calendar = icalendar.Calendar.from_ical(await resp.read())
    assert [str(v["summary"]) for v in calendar.walk("VEVENT")] == ["Supply-chain breakfast"]
    assert other["id"] not in (await resp.text())
    # A new URL ends the old one.
    await bob.post(f"{EVENTS}/feed")
    assert (await client.get(path)).status == 404
    assert (await client.get("/calendar/not-a-token.ics")).status == 404


async def test_members_going_are_reminded_a_day_before_once(start: Any) -> None:
    client = await start()
    svc = client.app[SERVICES]
    alice, bob, carol = [await member(client, n) for n in ("alice", "bob", "carol")]
    soon = (svc.now() + timedelta(hours=3)).isoformat()
    later = (svc.now() + timedelta(days=3)).isoformat()
    event = await alice.post(EVENTS, json={**MEETUP, "starts_at": soon, "ends_at": None})
    await alice.post(EVENTS, json={**MEETUP, "starts_at": later, "ends_at": None})
    await bob.post(f"{EVENTS}/{event['id']}/rsvp", json={"status": "going"})
    await carol.post(f"{EVENTS}/{event['id']}/rsvp", json={"status": "not_going"})
    assert await events.send_reminders(svc) == 2  # alice (organising) and bob
    assert "warmline.event_reminder" in await notified(client, bob)
    assert "warmline.event_reminder" not in await notified(client, carol)
    assert await events.send_reminders(svc) == 0


async def test_no_event_across_a_block_nor_of_a_suspended_organiser(start: Any) -> None:
    client = await start()
    alice, bob = await member(client, "alice"), await member(client, "bob")
    event = await alice.post(EVENTS, json=MEETUP)
    await alice.post(f"/api/v1/accounts/{bob.id}/block")
    await bob.get(f"{EVENTS}/{event['id']}", status=404)
    await bob.post(f"{EVENTS}/{event['id']}/rsvp", json={"status": "going"}, status=404)
    await alice.post(f"/api/v1/accounts/{bob.id}/unblock")
    await bob.get(f"{EVENTS}/{event['id']}")
    await account_moderation.act(client.app[SERVICES], None, int(alice.id), "suspend")
    await bob.get(f"{EVENTS}/{event['id']}", status=404)
    assert (await client.get(f"{EVENTS}?scope=local")).status == 200
    assert await bob.get(f"{EVENTS}?scope=local") == []
