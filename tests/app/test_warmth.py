"""Reasons to talk: events several connections are going to, groups where people
one knows are active, connections who changed jobs (here, and elsewhere through
an actor's Update), with their thresholds (one person is not a reason), privacy
(an event one may not see, a job change told only to connections), dismissals,
congratulating in a direct message, the home page's box and the API.

Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from apiclient import member as api_member
from fakepeer import AS2, AS_CONTEXT, RemoteActor, fake_peer
from webpeople import (
    People,
    SignedIn,
    connect,
    people,
    signed_in_fixture,  # noqa: F401  (the signed_in fixture)
    text_of,
)

from federation.httpsig import sign_cavage
from server.app import create_app
from server.appkeys import CONFIG, DB, SERVICES
from server.config import Config
from server.services import actors, blocks, events, graph, groups, posts, warmth
from server.services.events import EventDraft
from server.services.groups import GroupDraft
from server.services.job_changes import new_position
from server.services.members import ProfileChanges
from server.services.posts import Draft
from server.services.warmth import EventReason, GroupReason, JobChangeReason
from server.store import accounts as accounts_q
from server.store import connections as connections_q
from server.store import statuses as statuses_q
from server.store.accounts import AccountRow
from server.workers.inbox import InboxWorker

WARMTH = "/api/v1/warmline/warmth"
SOON = datetime(2099, 3, 6, 7, 0, tzinfo=UTC)


@pytest.fixture
async def crowd(client: TestClient) -> People:
    """ann is connected with bea, cal and dan; eve with no one."""
    found = await people(client, "ann", "bea", "cal", "dan", "eve")
    svc = client.app[SERVICES]
    for name in ("bea", "cal", "dan"):
        await connect(svc, found["ann"], found[name])
    return found


async def reasons(client: TestClient, who: AccountRow, **kw: Any) -> list[Any]:
    return await warmth.suggestions(client.app[SERVICES], who, **kw)


def kinds(found: list[Any]) -> list[tuple[str, int]]:
    return [(r.kind, r.subject_id) for r in found]


async def organised(
    client: TestClient, who: AccountRow, title: str, *, days: int = 0, **fields: Any
) -> int:
    draft = EventDraft(title=title, starts_at=SOON + timedelta(days=days), **fields)
    return (await events.create_event(client.app[SERVICES], who, draft)).event.id


async def logistics(client: TestClient, owner: AccountRow) -> AccountRow:
    draft = GroupDraft("logistics", "Logistics people")
    return (await groups.create_group(client.app[SERVICES], owner, draft)).account


def role(title: str, organization: str, start: str, end: str | None = None) -> dict[str, Any]:
    return {"title": title, "organization": organization, "start": start, "end": end}


def months_ago(n: int) -> str:
    today = datetime.now(UTC).date()
    year, month = divmod(today.year * 12 + today.month - 1 - n, 12)
    return f"{year:04d}-{month + 1:02d}"


async def new_job(client: TestClient, who: AccountRow, *entries: dict[str, Any]) -> AccountRow:
    changes = ProfileChanges(experience=list(entries))
    return await actors.change_profile(client.app[SERVICES], who.username, changes)


# --- noticing a change of job --------------------------------------------------------------


def test_what_counts_as_a_change_of_job() -> None:
    today = date(2027, 6, 15)
    engineer = role("Engineer", "Acme", "2019-04")
    cto = role("CTO", "Acme", "2027-05")
    assert new_position([engineer], [cto, {**engineer, "end": "2027-04"}], today) == (
        "CTO", "Acme")  # fmt: skip
    assert new_position([engineer], [engineer], today) is None  # saved again
    assert new_position([engineer], [{**engineer, "title": " engineer "}], today) is None
    # A first profile lists jobs held for years: not news; nor an old job added later.
    assert new_position([], [engineer], today) is None
    assert new_position([engineer], [role("Advisor", "Beta", "2020-01"), engineer], today) is None
    assert new_position([], [role("CTO", "Acme", "")], today) is None
    # Without a start, on a profile that had experience: a change. A new start too.
    assert new_position([engineer], [role("CTO", "Acme", "")], today) == ("CTO", "Acme")
    assert new_position([], [cto], today) == ("CTO", "Acme")
    # Leaving a job for none is not a new job.
    assert new_position([engineer], [{**engineer, "end": "2027-05"}], today) is None


async def test_a_connection_who_changed_jobs(
    client: TestClient, crowd: People, signed_in: SignedIn
) -> None:
    svc = client.app[SERVICES]
    bea = await new_job(client, crowd["bea"], role("Engineer", "Acme", "2019-04"))
    assert await reasons(client, crowd["ann"]) == []  # a first profile is not news
    bea = await new_job(
        client, bea, role("CTO", "Acme", months_ago(1)),
        role("Engineer", "Acme", "2019-04", months_ago(1)),
    )  # fmt: skip
    [found] = await reasons(client, crowd["ann"])
    assert isinstance(found, JobChangeReason)
    assert (found.account.id, found.title, found.organization) == (bea.id, "CTO", "Acme")
    # Only to her connections: eve (a stranger) and bea herself are told nothing.
    assert await reasons(client, crowd["eve"]) == []
    assert await reasons(client, bea) == []

    ann = await signed_in("ann")
    home = await ann.get("/")
    assert "Reasons to talk" in home and "Bea is now CTO at Acme" in text_of(home)
    assert f'href="/warmth/congratulate/{bea.id}"' in home
    visit = await client.get(f"/warmth/congratulate/{bea.id}", allow_redirects=False)
    assert visit.status == 303 and visit.headers["Location"].startswith("/signin")
    page = await ann.get(f"/warmth/congratulate/{bea.id}")
    words = text_of(page)
    assert "Congratulate Bea" in words and "only Bea (@bea@a.test) and you see it" in words
    assert "Congratulations on your new role as CTO at Acme! Wishing" in page  # ready, editable
    assert '<textarea id="field-status" name="status"' in page
    eve = await signed_in("eve")
    await eve.get(f"/warmth/congratulate/{bea.id}", status=404)
    refused = await eve.post(f"/warmth/congratulate/{bea.id}", {"status": "Hi"}, status=404)
    assert "no new job to congratulate" in text_of(refused.body_text)

    # An empty message is refused, with the form again.
    refused = await ann.post(f"/warmth/congratulate/{bea.id}", {"status": "  "}, status=422)
    assert "Write a few words first" in text_of(refused.body_text)
    message = "Well deserved, Bea! Coffee next week?"
    sent = await ann.post(f"/warmth/congratulate/{bea.id}", {"status": message})
    assert sent.headers["Location"] == "/"
    assert "Your message is on its way to Bea." in text_of(await ann.get("/"))
    again = await ann.post(f"/warmth/congratulate/{bea.id}", {"status": message})
    assert "You wrote to Bea already." in text_of(await ann.get(again.headers["Location"]))
    # One direct message, to bea alone; and the suggestion is put away.
    async with client.app[DB].read() as conn:
        written = await statuses_q.live_statuses_of(conn, crowd["ann"].id)
        mentioned = await statuses_q.mentioned_accounts(conn, [s.id for s in written])
    assert [(s.visibility, s.source_text) for s in written] == [
        ("direct", f"@bea {message}")]  # fmt: skip
    assert mentioned[written[0].id] == [bea.id]
    assert await reasons(client, crowd["ann"]) == []
    assert "Reasons to talk" not in await ann.get("/")  # no empty box
    await ann.get(f"/warmth/congratulate/{bea.id}")  # still there to write again, by hand

    # cal (connected now) puts it away; a later change is suggested again.
    await connect(svc, crowd["cal"], bea)
    assert kinds(await reasons(client, crowd["cal"])) == [("job_change", bea.id)]
    await warmth.dismiss(svc, crowd["cal"], "job_change", bea.id)
    assert await reasons(client, crowd["cal"]) == []
    await new_job(client, bea, role("CEO", "Beta", months_ago(0)),
                  role("CTO", "Acme", months_ago(1), months_ago(0)))  # fmt: skip
    [found] = await reasons(client, crowd["cal"])
    assert (found.kind, found.title, found.organization) == ("job_change", "CEO", "Beta")
    # A change is suggested for 30 days.
    svc.clock = lambda: datetime.now(UTC) + timedelta(days=31)
    assert await reasons(client, crowd["cal"]) == []


async def test_a_change_taken_back_is_not_suggested(client: TestClient, crowd: People) -> None:
    bea = await new_job(client, crowd["bea"], role("Engineer", "Acme", "2019-04"))
    bea = await new_job(client, bea, role("CTO", "Acme", months_ago(0)))
    assert kinds(await reasons(client, crowd["ann"])) == [("job_change", bea.id)]
    await new_job(client, bea, role("Engineer", "Acme", "2019-04"))  # a slip, put right
    assert await reasons(client, crowd["ann"]) == []


# --- events -------------------------------------------------------------------------------


async def test_an_event_two_connections_are_going_to(client: TestClient, crowd: People) -> None:
    svc = client.app[SERVICES]
    ann, bea, cal, dan = (crowd[n] for n in ("ann", "bea", "cal", "dan"))
    event_id = await organised(client, crowd["eve"], "Harbour tour")
    await events.rsvp(svc, bea, event_id, "going")
    assert await reasons(client, ann) == []  # one connection is not a reason
    await events.rsvp(svc, cal, event_id, "maybe")
    assert await reasons(client, ann) == []  # maybe is not going
    await events.rsvp(svc, cal, event_id, "going")
    await events.rsvp(svc, dan, event_id, "going")
    [found] = await reasons(client, ann)
    assert isinstance(found, EventReason) and found.event.event.id == event_id
    assert found.going == 3 and [a.username for a in found.people] == ["bea", "cal", "dan"]
    assert found.event.organizer.username == "eve" and found.event.my_rsvp is None
    # Not to those going; not once answered, even "not going"; nor after it ends.
    assert await reasons(client, bea) == []
    await events.rsvp(svc, ann, event_id, "not_going")
    assert await reasons(client, ann) == []


async def test_an_event_one_may_not_see_is_not_suggested(client: TestClient, crowd: People) -> None:
    svc = client.app[SERVICES]
    ann, bea, cal, eve = (crowd[n] for n in ("ann", "bea", "cal", "eve"))
    await connect(svc, eve, bea)
    await connect(svc, eve, cal)
    private = await organised(client, eve, "Eve's dinner", audience="connections")
    public = await organised(client, eve, "Eve's open day", days=1)
    for event_id in (private, public):
        await events.rsvp(svc, bea, event_id, "going")
        await events.rsvp(svc, cal, event_id, "going")
    assert kinds(await reasons(client, ann)) == [("event", public)]
    # Connected with eve, ann may see her dinner: both are suggested, soonest first.
    await connect(svc, ann, eve)
    assert kinds(await reasons(client, ann, limit=10)) == [("event", private), ("event", public)]
    # Never across a block; a dismissed one no more; one the page shows already, neither.
    await blocks.block(svc, eve, ann, on=True)
    assert await reasons(client, ann) == []
    await blocks.block(svc, eve, ann, on=False)
    await connect(svc, ann, eve)
    await warmth.dismiss(svc, ann, "event", private)
    assert kinds(await reasons(client, ann)) == [("event", public)]
    assert await reasons(client, ann, exclude_events=[public]) == []
    cancelled = await events.cancel_event(svc, eve, public)
    assert cancelled.event.cancelled_at is not None and await reasons(client, ann) == []


# --- groups -------------------------------------------------------------------------------


async def test_a_group_where_people_one_knows_are_active(client: TestClient, crowd: People) -> None:
    svc = client.app[SERVICES]
    ann, bea, eve = crowd["ann"], crowd["bea"], crowd["eve"]
    group = (
        await groups.create_group(svc, bea, GroupDraft("logistics", "Logistics people"))
    ).account
    await groups.join(svc, eve, group.id)
    await posts.create_status(svc, bea, Draft("Who ships to Rotterdam?", group_id=group.id))
    assert await reasons(client, ann) == []  # one person is not a reason
    await posts.create_status(svc, eve, Draft("We do, weekly.", group_id=group.id))
    assert await reasons(client, ann) == []  # eve: ann neither knows nor follows her
    await graph.follow(svc, ann, eve)  # following counts as knowing
    [found] = await reasons(client, ann)
    assert isinstance(found, GroupReason) and found.group.id == group.id
    assert found.active == 2 and [a.username for a in found.people] == ["eve", "bea"]
    # Not to its members; a post older than 30 days does not count.
    assert await reasons(client, eve) == []
    svc.clock = lambda: datetime.now(UTC) + timedelta(days=31)
    assert await reasons(client, ann) == []
    svc.clock = lambda: datetime.now(UTC)
    await warmth.dismiss(svc, ann, "group", group.id)
    assert await reasons(client, ann) == []
    dan = crowd["dan"]
    await graph.follow(svc, dan, eve)
    await connect(svc, dan, bea)
    assert kinds(await reasons(client, dan)) == [("group", group.id)]
    await groups.join(svc, dan, group.id)
    assert await reasons(client, dan) == []


# --- the home page and the API --------------------------------------------------------------


async def test_the_home_page_box_mixes_them_and_shows_each_event_once(
    client: TestClient, crowd: People, signed_in: SignedIn
) -> None:
    svc = client.app[SERVICES]
    ann, bea, cal, eve = (crowd[n] for n in ("ann", "bea", "cal", "eve"))
    assert "Reasons to talk" not in await (await signed_in("ann")).get("/")
    soon = [await organised(client, bea, f"Soon {n}", days=n) for n in range(3)]
    later = await organised(client, eve, "Harbour tour", days=10)
    for event_id in [*soon, later]:
        await events.rsvp(svc, cal, event_id, "going")
    await events.rsvp(svc, bea, later, "going")
    group = (
        await groups.create_group(svc, bea, GroupDraft("logistics", "Logistics people"))
    ).account
    await groups.join(svc, cal, group.id)
    for who in (bea, cal):
        await posts.create_status(svc, who, Draft("Ports and trucks", group_id=group.id))
    await new_job(client, cal, role("Engineer", "Acme", "2019-04"))
    await new_job(client, cal, role("CTO", "Acme", months_ago(0)))

    browser = await signed_in("ann")
    home = await browser.get("/")
    box = home[home.index('id="warmth"') : home.index("</section>", home.index('id="warmth"'))]
    words = text_of(box)
    assert "Cal is now CTO at Acme" in words and "New role" in words
    # The three soonest are the events box's; the fourth, two connections going, a reason.
    assert "Harbour tour" in words and "Cal and Bea are going" in words
    assert all(f"Soon {n}" not in words for n in range(3)) and "Soon 0" in text_of(home)
    assert home.count(f'href="/events/{later}"') == 1
    assert f'action="/events/{later}/rsvp"' in box and "I'm going too" in words
    assert "Logistics people" in words and "2 people you know are active here" in words
    assert f'action="/groups/{group.id}/join"' in box and 'href="/@logistics"' in box
    assert box.count('action="/warmth/dismiss"') == 3 and "Not now" in words
    # Joining from the box, then putting the event away.
    joined = await browser.post(f"/groups/{group.id}/join", {})
    assert joined.headers["Location"] == "/@logistics"
    resp = await browser.post("/warmth/dismiss", {"kind": "event", "subject_id": str(later)})
    assert "that suggestion is put away" in text_of(await browser.get(resp.headers["Location"]))
    home = text_of(await browser.get("/"))
    assert "Harbour tour" not in home and "Logistics people" not in home
    assert "Cal is now CTO at Acme" in home
    # Going, from the box, answers the event (and comes back to its page).
    await browser.post("/warmth/dismiss", {"kind": "event", "subject_id": "x"})  # ignored
    await warmth.dismiss(svc, ann, "job_change", cal.id)
    assert "Reasons to talk" not in await browser.get("/")


async def test_going_from_the_box(client: TestClient, crowd: People, signed_in: SignedIn) -> None:
    svc = client.app[SERVICES]
    event_id = await organised(client, crowd["eve"], "Harbour tour")
    for name in ("bea", "cal"):
        await events.rsvp(svc, crowd[name], event_id, "going")
    assert kinds(await reasons(client, crowd["ann"])) == [("event", event_id)]
    browser = await signed_in("ann")
    await browser.get("/")
    resp = await browser.post(f"/events/{event_id}/rsvp", {"answer": "going"})
    assert resp.headers["Location"] == f"/events/{event_id}"
    assert await reasons(client, crowd["ann"]) == []


async def test_the_api_lists_and_dismisses_them(client: TestClient, crowd: People) -> None:
    svc = client.app[SERVICES]
    event_id = await organised(client, crowd["eve"], "Harbour tour")
    for name in ("bea", "cal"):
        await events.rsvp(svc, crowd[name], event_id, "going")
    await new_job(client, crowd["dan"], role("Engineer", "Acme", "2019-04"))
    await new_job(client, crowd["dan"], role("CTO", "Acme", months_ago(0)))
    ann = await api_member(client, "ann")
    found = await ann.get(WARMTH)
    dan_id = crowd["dan"].id
    assert [(r["type"], r["id"]) for r in found] == [
        ("job_change", f"job_change:{dan_id}"), ("event", f"event:{event_id}")]  # fmt: skip
    job, event = found
    assert job["account"]["username"] == "dan" and (job["title"], job["organization"]) == (
        "CTO", "Acme")  # fmt: skip
    assert job["changed_at"].endswith("Z")
    assert event["event"]["id"] == str(event_id) and event["event"]["title"] == "Harbour tour"
    assert event["connections_going"] == 2
    assert [a["username"] for a in event["accounts"]] == ["bea", "cal"]
    assert [r["type"] for r in await ann.get(WARMTH, params={"limit": "1"})] == ["job_change"]
    await ann.post(f"{WARMTH}/event/{event_id}/dismiss")
    assert [r["type"] for r in await ann.get(WARMTH)] == ["job_change"]
    await ann.post(f"{WARMTH}/job_change/{crowd['dan'].id}/dismiss")
    assert await ann.get(WARMTH) == []
    assert (await client.get(WARMTH)).status == 401
    refused = await ann.post(f"{WARMTH}/birthday/1/dismiss", status=422)
    assert "kind must be one of job_change, event, group" in refused["error"]


# --- a connection elsewhere -----------------------------------------------------------------


async def deliver(client: TestClient, actor: RemoteActor, doc: dict[str, Any]) -> Any:
    """POST ``doc`` to the shared inbox as ``actor`` would, signed with its key."""
    body = json.dumps(doc).encode()
    headers = {"Host": "a.test", "Content-Type": AS2}
    url = client.app[CONFIG].base_url + "/inbox"
    signed = sign_cavage("POST", url, headers, body, key_id=actor.key_id, private_key=actor.rsa)
    return await client.post("/inbox", data=body, headers={**headers, **signed})


@pytest.fixture
async def quiet(
    aiohttp_client: Any, make_config: Callable[..., Config], migrated_database_url: str
) -> TestClient:
    """Warmline at a.test with its workers off (the test runs the inbox by hand)."""
    config = make_config(domain="a.test", database_url=migrated_database_url)
    return await aiohttp_client(create_app(config, workers=False))


async def test_a_remote_connection_changes_jobs_in_an_actor_update(quiet: TestClient) -> None:
    svc = quiet.app[SERVICES]
    found = await people(quiet, "ann", "eve")
    ann = found["ann"]
    async with fake_peer() as peer:
        rita = peer.add("rita")
        context = [AS_CONTEXT, "https://w3id.org/security/v1", "https://w3id.org/warmline/v1"]

        def profile(*entries: dict[str, Any]) -> dict[str, Any]:
            return {"@context": context, "name": "Rita Rossi",
                    "experience": [{"type": "Experience", **e} for e in entries]}  # fmt: skip

        rita.extra = profile({"title": "Buyer", "organization": "Port Co", "startDate": "2018-01"})
        account = await svc.remote.fetch_actor(rita.id)
        async with svc.db.transaction() as conn:
            await connections_q.insert_connection(conn, ann.id, account.id, "", svc.now())
        assert await reasons(quiet, ann) == []  # a first sight is not a change

        rita.extra = profile(
            {"title": "Head of Procurement", "organization": "Harbor Freight",
             "startDate": months_ago(0)},
            {"title": "Buyer", "organization": "Port Co", "startDate": "2018-01",
             "endDate": months_ago(1)},
        )  # fmt: skip
        update = {"@context": AS_CONTEXT, "id": f"{rita.id}#updates/1", "type": "Update",
                  "actor": rita.id, "object": {"id": rita.id, "type": "Person"}}  # fmt: skip
        assert (await deliver(quiet, rita, update)).status == 202
        assert await InboxWorker(svc).run_once() == 1
    [change] = await reasons(quiet, ann)
    assert isinstance(change, JobChangeReason) and change.account.id == account.id
    assert (change.title, change.organization) == ("Head of Procurement", "Harbor Freight")
    assert await reasons(quiet, found["eve"]) == []  # not her connection
    # Congratulating someone elsewhere: a direct message addressed to them alone.
    sent = await warmth.congratulate(svc, ann, account.id, "Congratulations, Rita!")
    assert sent is not None and sent.visibility == "direct"
    async with svc.db.read() as conn:
        assert (await statuses_q.mentioned_accounts(conn, [sent.id]))[sent.id] == [account.id]
        stored = await accounts_q.get_account(conn, account.id)
    assert stored is not None and stored.experience[0]["title"] == "Head of Procurement"
