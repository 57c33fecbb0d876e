"""Connections and introductions between members of one instance (the API and the rules).

Across instances the same services run; tests/federation/test_introductions.py
drives them over real HTTP between three processes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from apiclient import Member, member
from sqlalchemy import update

from server.appkeys import DB
from server.store.tables import introductions

W = "/api/v1/warmline"


@pytest.fixture
async def trio(start: Any) -> tuple[Member, Member, Member]:
    client = await start()
    return await member(client, "ann"), await member(client, "bea"), await member(client, "cal")


async def connect(a: Member, b: Member, note: str = "we worked together") -> None:
    sent = await a.post(f"{W}/connections", json={"account_id": b.id, "note": note})
    await b.post(f"{W}/connection_requests/{sent['id']}/accept")


async def kinds(m: Member) -> list[str]:
    return [n["type"] for n in await m.get("/api/v1/notifications?warmline=true")]


# --- connections ------------------------------------------------------------------------


async def test_request_accept_list_and_remove(trio: tuple[Member, Member, Member]) -> None:
    ann, bea, _ = trio
    sent = await ann.post(f"{W}/connections", json={"account_id": bea.id, "note": "met at PyCon"})
    assert sent["state"] == "pending" and sent["direction"] == "outgoing"
    assert sent["account"]["id"] == bea.id and sent["note"] == "met at PyCon"
    incoming = await bea.get(f"{W}/connection_requests?direction=incoming")
    assert [r["id"] for r in incoming] == [sent["id"]]
    outgoing = await ann.get(f"{W}/connection_requests?direction=outgoing")
    assert [r["id"] for r in outgoing] == [sent["id"]]
    assert "warmline.connection_request" in await kinds(bea)
    note = (await bea.get("/api/v1/notifications?warmline=true"))[0]
    assert note["warmline"]["subject_id"] == sent["id"]

    answered = await bea.post(f"{W}/connection_requests/{sent['id']}/accept")
    assert answered["state"] == "accepted"
    assert "warmline.connection_accepted" in await kinds(ann)
    mine = await ann.get(f"{W}/connections")
    assert [(c["account"]["id"], c["note"]) for c in mine] == [(bea.id, "met at PyCon")]
    assert [c["account"]["id"] for c in await bea.get(f"{W}/connections")] == [ann.id]
    assert await bea.get(f"{W}/connection_requests?direction=incoming") == []

    await ann.delete(f"{W}/connections/{bea.id}")
    assert await ann.get(f"{W}/connections") == []
    assert await bea.get(f"{W}/connections") == []
    error = await ann.delete(f"{W}/connections/{bea.id}", status=404)
    assert "not connected" in error["error"]


async def test_decline_withdraw_and_refusals(trio: tuple[Member, Member, Member]) -> None:
    ann, bea, cal = trio
    sent = await ann.post(f"{W}/connections", json={"account_id": bea.id})
    again = await ann.post(f"{W}/connections", json={"account_id": bea.id})
    assert again["id"] == sent["id"]  # one pending request per pair
    declined = await bea.post(f"{W}/connection_requests/{sent['id']}/decline")
    assert declined["state"] == "declined"
    error = await bea.post(f"{W}/connection_requests/{sent['id']}/accept", status=409)
    assert "declined" in error["error"]
    assert await ann.get(f"{W}/connections") == []

    sent = await ann.post(f"{W}/connections", json={"account_id": cal.id})
    await cal.post(f"{W}/connection_requests/{sent['id']}/withdraw", status=404)  # not theirs
    await bea.post(f"{W}/connection_requests/{sent['id']}/accept", status=404)  # not theirs
    withdrawn = await ann.post(f"{W}/connection_requests/{sent['id']}/withdraw")
    assert withdrawn["state"] == "withdrawn"
    await cal.post(f"{W}/connection_requests/{sent['id']}/accept", status=409)

    assert (
        "yourself"
        in (await ann.post(f"{W}/connections", json={"account_id": ann.id}, status=422))["error"]
    )
    assert "account_id" in (await ann.post(f"{W}/connections", json={}, status=422))["error"]
    assert (
        "500"
        in (
            await ann.post(
                f"{W}/connections", json={"account_id": cal.id, "note": "x" * 501}, status=422
            )
        )["error"]
    )
    await ann.post(f"{W}/connections", json={"account_id": "99999"}, status=404)
    await ann.get(f"{W}/connection_requests?direction=sideways", status=422)
    await ann.post(f"{W}/connection_requests/1/accept", status=404)


async def test_crossed_requests_connect(trio: tuple[Member, Member, Member]) -> None:
    ann, bea, _ = trio
    await ann.post(f"{W}/connections", json={"account_id": bea.id})
    answered = await bea.post(f"{W}/connections", json={"account_id": ann.id})
    assert answered["state"] == "accepted"
    assert [c["account"]["id"] for c in await ann.get(f"{W}/connections")] == [bea.id]
    again = await ann.post(f"{W}/connections", json={"account_id": bea.id}, status=409)
    assert "already connected" in again["error"]


async def test_connections_visibility(trio: tuple[Member, Member, Member], start: Any) -> None:
    ann, bea, cal = trio
    await connect(ann, bea)
    # Default: visible to connections only.
    assert len(await bea.get(f"{W}/connections?account_id={ann.id}")) == 1
    error = await cal.get(f"{W}/connections?account_id={ann.id}", status=403)
    assert "not visible" in error["error"]


async def test_blocks_stop_connections(trio: tuple[Member, Member, Member]) -> None:
    ann, bea, _ = trio
    await connect(ann, bea)
    relation = await bea.post(f"/api/v1/accounts/{ann.id}/block")
    assert relation["blocking"] is True
    assert await ann.get(f"{W}/connections") == []  # blocking ends the connection
    await ann.post(f"{W}/connections", json={"account_id": bea.id}, status=403)
    await bea.post(f"/api/v1/accounts/{ann.id}/unblock")
    await ann.post(f"{W}/connections", json={"account_id": bea.id})


# --- introductions -------------------------------------------------------------------------


@pytest.fixture
async def linked(trio: tuple[Member, Member, Member]) -> tuple[Member, Member, Member]:
    """ann and cal are both connected to bea, not to each other."""
    ann, bea, cal = trio
    await connect(ann, bea)
    await connect(bea, cal)
    return trio


async def ask(ann: Member, bea: Member, cal: Member, status: int = 200) -> Any:
    body = {"target_account_id": cal.id, "via_account_id": bea.id, "reason": "hiring in Lyon"}
    return await ann.post(f"{W}/introductions", json=body, status=status)


async def test_introduction_accepted(linked: tuple[Member, Member, Member]) -> None:
    ann, bea, cal = linked
    asked = await ask(ann, bea, cal)
    assert asked["state"] == "requested" and asked["role"] == "requester"
    assert "warmline.introduction_request" in await kinds(bea)
    assert await cal.get(f"{W}/introductions?role=target") == []  # not forwarded yet
    await cal.get(f"{W}/introductions/{asked['id']}", status=404)

    forwarded = await bea.post(
        f"{W}/introductions/{asked['id']}/forward", json={"note": "Cal, meet Ann"}
    )
    assert forwarded["state"] == "forwarded" and forwarded["note"] == "Cal, meet Ann"
    assert (await ann.get(f"{W}/introductions/{asked['id']}"))["state"] == "requested"
    assert "warmline.introduction_forwarded" in await kinds(cal)
    seen = await cal.get(f"{W}/introductions?role=target")
    assert [(i["id"], i["reason"], i["note"]) for i in seen] == [
        (asked["id"], "hiring in Lyon", "Cal, meet Ann")
    ]

    accepted = await cal.post(f"{W}/introductions/{asked['id']}/accept")
    assert accepted["state"] == "accepted"
    assert (await ann.get(f"{W}/introductions/{asked['id']}"))["state"] == "accepted"
    assert "warmline.introduction_accepted" in await kinds(ann)
    assert "warmline.introduction_accepted" in await kinds(bea)
    assert cal.id in [c["account"]["id"] for c in await ann.get(f"{W}/connections")]
    # The introducer opened a direct conversation with both.
    status_id = accepted["conversation_status_id"]
    status = await bea.get(f"/api/v1/statuses/{status_id}")
    assert status["visibility"] == "direct"
    assert {m["id"] for m in status["mentions"]} == {ann.id, cal.id}
    assert "Cal, meet Ann" in status["content"]
    await cal.post(f"{W}/introductions/{asked['id']}/accept", status=409)


async def test_declined_by_the_target_reads_as_not_now(
    linked: tuple[Member, Member, Member],
) -> None:
    ann, bea, cal = linked
    asked = await ask(ann, bea, cal)
    await bea.post(f"{W}/introductions/{asked['id']}/forward", json={"note": ""})
    declined = await cal.post(f"{W}/introductions/{asked['id']}/decline")
    assert declined["state"] == "declined"
    mine = await ann.get(f"{W}/introductions/{asked['id']}")
    assert mine["state"] == "declined" and "declined_by" not in mine and "note" not in mine
    assert (await bea.get(f"{W}/introductions/{asked['id']}"))["declined_by"] == "target"
    told = [
        n
        for n in await ann.get("/api/v1/notifications?warmline=true")
        if n["type"] == "warmline.introduction_declined"
    ]
    assert [n["account"]["id"] for n in told] == [bea.id]  # from the introducer, never the target
    assert cal.id not in [c["account"]["id"] for c in await ann.get(f"{W}/connections")]


async def test_declined_by_the_introducer_never_reaches_the_target(
    linked: tuple[Member, Member, Member],
) -> None:
    ann, bea, cal = linked
    asked = await ask(ann, bea, cal)
    await bea.post(f"{W}/introductions/{asked['id']}/decline")
    assert (await ann.get(f"{W}/introductions/{asked['id']}"))["state"] == "declined"
    assert await cal.get(f"{W}/introductions?role=target") == []
    assert not any(k.startswith("warmline.introduction") for k in await kinds(cal))
    told = [
        n
        for n in await ann.get("/api/v1/notifications?warmline=true")
        if n["type"] == "warmline.introduction_declined"
    ]
    assert [n["account"]["id"] for n in told] == [bea.id]
    await bea.post(f"{W}/introductions/{asked['id']}/forward", json={"note": ""}, status=409)


async def test_withdrawn_and_expired(linked: tuple[Member, Member, Member]) -> None:
    ann, bea, cal = linked
    asked = await ask(ann, bea, cal)
    await bea.post(f"{W}/introductions/{asked['id']}/forward", json={"note": ""})
    withdrawn = await ann.post(f"{W}/introductions/{asked['id']}/withdraw")
    assert withdrawn["state"] == "withdrawn"
    assert "warmline.introduction_withdrawn" in await kinds(cal)
    await cal.post(f"{W}/introductions/{asked['id']}/accept", status=409)

    asked = await ask(ann, bea, cal)
    db = ann.client.app[DB]
    async with db.transaction() as conn:
        past = datetime.now(UTC) - timedelta(seconds=1)
        await conn.execute(
            update(introductions)
            .where(introductions.c.id == int(asked["id"]))
            .values(expires_at=past)
        )
    assert (await ann.get(f"{W}/introductions/{asked['id']}"))["state"] == "expired"
    error = await bea.post(
        f"{W}/introductions/{asked['id']}/forward", json={"note": ""}, status=409
    )
    assert "expired" in error["error"]
    await ann.post(f"{W}/introductions/{asked['id']}/withdraw", status=409)


async def test_introduction_rules(linked: tuple[Member, Member, Member], start: Any) -> None:
    ann, bea, cal = linked
    dan = await member(ann.client, "dan")
    # Only through a connection, only to the introducer's connections, three distinct people.
    assert "your connections" in (await ask(ann, dan, cal, status=422))["error"]
    assert "their connections" in (await ask(ann, bea, dan, status=422))["error"]
    assert "three" in (await ask(ann, bea, ann, status=422))["error"]
    body = {"target_account_id": cal.id, "via_account_id": bea.id}
    assert "reason" in (await ann.post(f"{W}/introductions", json=body, status=422))["error"]
    await ann.get(f"{W}/introductions?role=bystander", status=422)
    # Only the party whose turn it is may act.
    asked = await ask(ann, bea, cal)
    await ann.post(f"{W}/introductions/{asked['id']}/forward", json={"note": ""}, status=404)
    await cal.post(f"{W}/introductions/{asked['id']}/accept", status=404)
    await dan.get(f"{W}/introductions/{asked['id']}", status=404)
    await bea.post(f"{W}/introductions/{asked['id']}/accept", status=404)
    # A block between any two of them stops it.
    await cal.post(f"/api/v1/accounts/{ann.id}/block")
    assert "not possible" in (await ask(ann, bea, cal, status=403))["error"]


async def test_one_open_request_per_requester_target_and_introducer(
    linked: tuple[Member, Member, Member],
) -> None:
    ann, bea, cal = linked
    asked = await ask(ann, bea, cal)
    again = await ask(ann, bea, cal, status=409)
    assert "already asked bea for this introduction" in again["error"]
    await ann.post(f"{W}/introductions/{asked['id']}/withdraw")
    await ask(ann, bea, cal)  # withdrawn: asking again is fine


async def test_daily_cap(linked: tuple[Member, Member, Member], start: Any) -> None:
    ann, bea, cal = linked
    for _ in range(10):
        asked = await ask(ann, bea, cal)
        await ann.post(f"{W}/introductions/{asked['id']}/withdraw")
    error = await ask(ann, bea, cal, status=429)
    assert "10 introductions a day" in error["error"]


async def test_target_can_turn_introductions_off(linked: tuple[Member, Member, Member]) -> None:
    ann, bea, cal = linked
    db = ann.client.app[DB]
    from server.store.tables import accounts

    async with db.transaction() as conn:
        await conn.execute(
            update(accounts).where(accounts.c.id == int(cal.id)).values(accepts_introductions=False)
        )
    assert "does not accept introductions" in (await ask(ann, bea, cal, status=422))["error"]


async def test_the_connections_collection(trio: tuple[Member, Member, Member]) -> None:
    ann, bea, cal = trio
    await connect(ann, bea)
    await connect(ann, cal)
    accept = {"Accept": "application/activity+json"}
    resp = await ann.client.get("/users/ann/connections", headers=accept)
    hidden = await resp.json()
    assert hidden["totalItems"] == 2 and "first" not in hidden  # connections-only by default
    resp = await ann.client.patch(
        "/api/v1/accounts/update_credentials",
        json={"warmline": {"connections_visibility": "public"}},
        headers={"Authorization": f"Bearer {ann.token}"},
    )
    assert resp.status == 200, await resp.text()
    # Anyone may now list them, through the API and as ActivityPub.
    listed = await cal.get(f"{W}/connections?account_id={ann.id}")
    assert {c["account"]["id"] for c in listed} == {bea.id, cal.id}
    collection = await (await ann.client.get("/users/ann/connections", headers=accept)).json()
    first = collection["first"].removeprefix("http://a.test")
    page = await (await ann.client.get(first, headers=accept)).json()
    assert sorted(page["orderedItems"]) == ["http://a.test/users/bea", "http://a.test/users/cal"]
    assert (await ann.client.get("/users/ann/connections?page=x", headers=accept)).status == 400
    actor = await (await ann.client.get("/users/ann", headers=accept)).json()
    assert actor["connections"] == "http://a.test/users/ann/connections"


async def test_the_profile_page_shows_the_professional_profile(
    trio: tuple[Member, Member, Member],
) -> None:
    ann, bea, _ = trio
    await connect(ann, bea)
    profile = {
        "headline": "Builds <teams>",
        "industry": "Software",
        "open_to": ["hiring", "mentoring"],
        "experience": [{"title": "CTO", "organization": "Example & Co", "start": "2020-01"}],
        "education": [{"school": "INSA Lyon", "degree": "MSc", "field": "CS"}],
        "skills": ["Python", "Hiring"],
        "links": [{"name": "Blog", "url": "https://ann.example/blog"}],
    }
    resp = await ann.client.patch(
        "/api/v1/accounts/update_credentials",
        json={"warmline": profile},
        headers={"Authorization": f"Bearer {ann.token}"},
    )
    assert resp.status == 200, await resp.text()
    await bea.post(f"{W}/endorsements", json={"account_id": ann.id, "skill": "python"})
    rec = await bea.post(
        f"{W}/recommendations", json={"account_id": ann.id, "text": "Kind <b>and</b> sharp"}
    )
    await ann.post(f"{W}/recommendations/{rec['id']}/approve")

    page = await (await ann.client.get("/@ann", headers={"Accept": "text/html"})).text()
    for shown in (
        "Builds &lt;teams&gt;",
        "Software",
        "<strong>Open to</strong> Hiring, Mentoring",
        "CTO",
        "Example &amp; Co",
        "INSA Lyon",
        "MSc, CS",
        "Python",
        "Endorsed by 1",
        'href="https://ann.example/blog"',
        "Kind &lt;b&gt;and&lt;/b&gt; sharp",
    ):
        assert shown in page, shown


async def test_notifications_get_dismiss_clear_and_warmline_types_on_request(
    trio: tuple[Member, Member, Member],
) -> None:
    ann, bea, _ = trio
    await ann.post(f"{W}/connections", json={"account_id": bea.id})
    await ann.post(f"/api/v1/accounts/{bea.id}/follow")
    # Standard clients see only the standard types...
    assert [n["type"] for n in await bea.get("/api/v1/notifications")] == ["follow"]
    # ...Warmline's come when asked for, by name or all at once.
    named = await bea.get("/api/v1/notifications?types[]=warmline.connection_request")
    assert [n["type"] for n in named] == ["warmline.connection_request"]
    both = await bea.get("/api/v1/notifications?warmline=true")
    assert sorted(n["type"] for n in both) == ["follow", "warmline.connection_request"]
    only = await bea.get("/api/v1/notifications?warmline=true&exclude_types[]=follow")
    assert [n["type"] for n in only] == ["warmline.connection_request"]

    one = both[0]
    assert (await bea.get(f"/api/v1/notifications/{one['id']}"))["id"] == one["id"]
    await ann.get(f"/api/v1/notifications/{one['id']}", status=404)  # not hers
    await ann.post(f"/api/v1/notifications/{one['id']}/dismiss", status=404)
    await bea.post(f"/api/v1/notifications/{one['id']}/dismiss")
    await bea.get(f"/api/v1/notifications/{one['id']}", status=404)
    assert len(await bea.get("/api/v1/notifications?warmline=true")) == 1
    await bea.post("/api/v1/notifications/clear")
    assert await bea.get("/api/v1/notifications?warmline=true") == []
