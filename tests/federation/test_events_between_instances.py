"""An event across three real instances.

alice (A) organises a breakfast for two (herself and one more). bob (B) follows
her, so the event reaches his home timeline as a post; carol (C) finds it by
its address. Both answer "going": the Join from B gets the place (A accepts
it), carol's waits on A's waiting list. When bob cannot go after all (Leave),
carol moves up and C hears of it (Accept). alice moves the breakfast and then
cancels it: the Updates reach carol on C, who is told each time.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from fedapi import Api, eventually, start_member

pytestmark = pytest.mark.slow
EVENTS = "/api/v1/warmline/events"
BREAKFAST = {
    "title": "Supply-chain breakfast",
    "description": "Coffee and logistics talk.",
    "starts_at": "2027-03-05T08:00:00+01:00",
    "ends_at": "2027-03-05T09:30:00+01:00",
    "timezone": "Europe/Paris",
    "location": {"name": "Café du Port", "locality": "Lyon", "country": "France"},
    "capacity": 2,
}


async def test_an_event_answered_from_two_other_instances(server_process: Any) -> None:
    a, alice_token = start_member(server_process, "a", "alice")
    b, bob_token = start_member(server_process, "b", "bob")
    c, carol_token = start_member(server_process, "c", "carol")
    async with aiohttp.ClientSession() as session:
        alice = Api(session, a.base_url, alice_token, f"alice@{a.domain}")
        bob = Api(session, b.base_url, bob_token, f"bob@{b.domain}")
        carol = Api(session, c.base_url, carol_token, f"carol@{c.domain}")
        alice_at_b = await bob.find(alice.handle)
        await bob.post(f"/api/v1/accounts/{alice_at_b['id']}/follow")

        async def followed() -> bool:
            return (await bob.relationship(alice_at_b["id"]))["following"]

        await eventually(followed, "bob follows alice")
        event = await alice.post(EVENTS, json=BREAKFAST)

        # The event reaches bob's home timeline as a post, and B knows it as an event.
        async def at_b() -> Any:
            home = await bob.get("/api/v1/timelines/home")
            return next((s for s in home if s["uri"] == event["uri"]), None)

        post = await eventually(at_b, "the event's post reaches B")
        bobs = await bob.get(f"{EVENTS}/{post['id']}")
        assert (bobs["title"], bobs["timezone"]) == ("Supply-chain breakfast", "Europe/Paris")
        assert bobs["starts_at"] == "2027-03-05T07:00:00.000Z"
        assert bobs["location"]["locality"] == "Lyon" and bobs["capacity"] == 2

        # bob is going: pending until A accepts his Join.
        answered = await bob.post(f"{EVENTS}/{bobs['id']}/rsvp", json={"status": "going"})
        assert answered["my_rsvp"] == "pending"

        async def bob_going() -> bool:
            return (await bob.get(f"{EVENTS}/{bobs['id']}"))["my_rsvp"] == "going"

        await eventually(bob_going, "A accepts bob's Join")
        going_at_a = await alice.get(f"{EVENTS}/{event['id']}/attendees")
        assert {g["account"]["acct"] for g in going_at_a} == {"alice", bob.handle}

        # carol finds it by its address; the event is full: she waits on A's list.
        carols = await carol.post(f"{EVENTS}/resolve", json={"uri": event["uri"]})
        assert carols["title"] == "Supply-chain breakfast"
        await carol.post(f"{EVENTS}/{carols['id']}/rsvp", json={"status": "going"})

        async def carol_waiting() -> bool:
            at_a = await alice.get(f"{EVENTS}/{event['id']}")
            return at_a["waitlist_count"] == 1

        await eventually(carol_waiting, "carol's Join waits on A's waiting list")
        assert (await carol.get(f"{EVENTS}/{carols['id']}"))["my_rsvp"] == "pending"

        # bob cannot go: carol moves up, and C hears of it.
        await bob.post(f"{EVENTS}/{bobs['id']}/rsvp", json={"status": "not_going"})

        async def carol_going() -> bool:
            return (await carol.get(f"{EVENTS}/{carols['id']}"))["my_rsvp"] == "going"

        await eventually(carol_going, "A moves carol up and accepts her Join")
        assert "warmline.event_confirmed" in await carol.notification_types()
        at_a = await alice.get(f"{EVENTS}/{event['id']}")
        assert (at_a["participants_count"], at_a["waitlist_count"]) == (2, 0)

        # alice moves it a week later: the Update reaches carol, who is told.
        await alice.call(
            "PATCH", f"{EVENTS}/{event['id']}",
            json={"starts_at": "2027-03-12T08:00:00+01:00", "ends_at": "2027-03-12T09:30:00+01:00"},
        )  # fmt: skip

        async def moved() -> bool:
            found = await carol.get(f"{EVENTS}/{carols['id']}")
            return found["starts_at"] == "2027-03-12T07:00:00.000Z"

        await eventually(moved, "the new time reaches C")
        assert "warmline.event_changed" in await carol.notification_types()

        await alice.call("DELETE", f"{EVENTS}/{event['id']}")

        async def cancelled() -> bool:
            return (await carol.get(f"{EVENTS}/{carols['id']}"))["cancelled"]

        await eventually(cancelled, "the cancellation reaches C")
        assert "warmline.event_cancelled" in await carol.notification_types()
