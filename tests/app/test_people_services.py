"""The reads behind My network, notifications and search, at the service level:
people search, where a member stands with others, what waits for them, the faces
of mutual connections, and what a page of notifications is about."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from sqlalchemy import update
from webpeople import connect, people

from server.appkeys import DB, SERVICES
from server.services import (
    connections,
    graph,
    introductions,
    members,
    network,
    notices,
    search,
    timelines,
)
from server.services.members import ProfileChanges
from server.store.statuses import Page
from server.store.tables import accounts


async def test_people_search_matches_every_word_and_ranks_names_first(client: TestClient) -> None:
    db, svc = client.app[DB], client.app[SERVICES]
    await people(client, "ann", "annika", "bob", "cat")
    await members.update_profile(db, "ann", ProfileChanges(display_name="Ann Berg"))
    await members.update_profile(db, "bob", ProfileChanges(skills=["Ann arbor planning"]))
    await members.update_profile(
        db, "cat", ProfileChanges(headline="Works with Ann", location="Oslo")
    )
    found = [a.username for a in await search.people(svc, "ann")]
    assert found == ["ann", "annika", "bob", "cat"]
    assert [a.username for a in await search.people(svc, "ann oslo")] == ["cat"]
    assert [a.username for a in await search.people(svc, "ANN  BERG")] == ["ann"]
    assert await search.people(svc, "   ") == []
    assert [a.username for a in await search.people(svc, "ann", limit=2, offset=2)] == [
        "bob",
        "cat",
    ]
    # LIKE's wildcards are plain characters here.
    assert await search.people(svc, "a%n") == [] and await search.people(svc, "a_n") == []
    assert len(search.terms("a b c d e f g h")) == search.MAX_TERMS


async def test_people_search_leaves_out_the_suspended_and_remote(client: TestClient) -> None:
    db, svc = client.app[DB], client.app[SERVICES]
    await people(client, "gone", "here")
    await members.update_profile(db, "gone", ProfileChanges(location="Lisbon"))
    await members.update_profile(db, "here", ProfileChanges(location="Lisbon"))
    async with db.transaction() as conn:
        await conn.execute(
            update(accounts).where(accounts.c.username == "gone").values(suspended_at=svc.now())
        )
    assert [a.username for a in await search.people(svc, "lisbon")] == ["here"]
    assert await search.remote_people(svc, "here") == []


async def test_states_waiting_and_mutual_faces(client: TestClient) -> None:
    db, svc = client.app[DB], client.app[SERVICES]
    found = await people(client, "ann", "bea", "cal", "dan", "eve")
    ann, bea, cal, dan, eve = (found[n] for n in ("ann", "bea", "cal", "dan", "eve"))
    await connect(svc, ann, bea)
    await connect(svc, bea, cal)
    await connect(svc, ann, dan)
    await connect(svc, dan, cal)
    received = await connections.request(svc, eve, ann, "hi")
    await connections.request(svc, ann, cal, "")
    states = await connections.states(svc, ann, [bea.id, cal.id, eve.id, ann.id, 999])
    assert (states.of(bea.id), states.of(cal.id), states.of(eve.id)) == (
        "connected",
        "sent",
        "received",
    )
    assert states.received == {eve.id: received.id} and states.of(ann.id) == ""

    await introductions.request(svc, dan, bea, ann, "to meet Bea")
    await members.update_profile(db, "ann", ProfileChanges(locked=True))
    await graph.follow(svc, eve, await members.get_member(db, "ann"))
    waiting, connected = await network.frame(svc, ann)
    assert (waiting.connection_requests, waiting.follow_requests, waiting.introductions) == (
        1,
        1,
        1,
    )
    assert waiting.requests == 2 and connected == 2

    faces = await network.mutual_faces(svc, ann, [cal.id, eve.id])
    assert sorted(a.username for a in faces[cal.id]) == ["bea", "dan"] and eve.id not in faces
    # Someone who keeps their connections private is not shown as a mutual connection.
    await members.update_profile(db, "bea", ProfileChanges(connections_visibility="private"))
    faces = await network.mutual_faces(svc, ann, [cal.id])
    assert [a.username for a in faces[cal.id]] == ["dan"]


async def test_notices_load_what_each_notification_is_about(client: TestClient) -> None:
    svc = client.app[SERVICES]
    found = await people(client, "ann", "bea", "cal")
    ann, bea, cal = found["ann"], found["bea"], found["cal"]
    await connect(svc, ann, bea)
    await connect(svc, bea, cal)
    request = await connections.request(svc, cal, ann, "hello")
    intro = await introductions.request(svc, cal, ann, bea, "please")
    rows = await timelines.notifications(svc, bea, Page(limit=20), warmline=True)
    loaded = await notices.load(svc, bea, rows)
    assert loaded.introductions[intro.id][1] == "introducer"
    assert {n.type for n in loaded.rows} >= {"warmline.introduction_request"}
    rows = await timelines.notifications(svc, ann, Page(limit=20), warmline=True)
    loaded = await notices.load(svc, ann, rows)
    assert loaded.requests[request.id].note == "hello"
    assert {bea.id, cal.id} <= loaded.account_ids()
    # Another member's notifications are not theirs to load.
    assert (await notices.load(svc, cal, rows)).rows == []


async def test_skills_are_read_as_skills_not_as_json(client: TestClient) -> None:
    db, svc = client.app[DB], client.app[SERVICES]
    await people(client, "ann", "bob")
    await members.update_profile(db, "ann", ProfileChanges(skills=["Café owner", 'Say "hi"']))
    await members.update_profile(db, "bob", ProfileChanges(skills=["Go", "Rust"]))
    assert [a.username for a in await search.people(svc, "café")] == ["ann"]
    assert [a.username for a in await search.people(svc, "caf")] == ["ann"]
    assert [a.username for a in await search.people(svc, '"hi"')] == ["ann"]
    for json_text in ("u00e9", "e9", '", "', "[", "]", '"go"', "go,"):
        assert await search.people(svc, json_text) == [], json_text
    # A skill that is the query ranks before one that only contains it.
    await members.update_profile(db, "ann", ProfileChanges(skills=["Go-to-market"]))
    assert [a.username for a in await search.people(svc, "go")] == ["bob", "ann"]
