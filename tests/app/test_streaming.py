"""Streaming over WebSocket and server-sent events, as Mastodon clients use it."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from apiclient import Member, member
from streamclient import WS, connect, event, hub, receive, subscribed

from server.appkeys import DB, SERVICES
from server.services import tokens
from server.services.stream import StatusEvent
from server.store import tokens as token_queries


@pytest.fixture
async def trio(start: Any) -> tuple[Member, Member, Member]:
    """alice posts, bob follows her, carol does not."""
    client = await start()
    alice, bob, carol = [await member(client, n) for n in ("alice", "bob", "carol")]
    await bob.post(f"/api/v1/accounts/{alice.id}/follow")
    return alice, bob, carol


async def test_health(start: Any) -> None:
    client = await start()
    resp = await client.get("/api/v1/streaming/health")
    assert resp.status == 200 and await resp.text() == "OK"


@pytest.mark.parametrize("how", ["header", "query", "protocol"])
async def test_websocket_token_methods(trio: tuple[Member, Member, Member], how: str) -> None:
    alice, bob, _ = trio
    async with await connect(bob, "user", how) as ws:
        if how == "protocol":
            assert ws.protocol == bob.token
        await subscribed(bob.client, ("user",))
        posted = await alice.post("/api/v1/statuses", data={"status": "Hello followers"})
        stream, name, status = await event(ws)
        assert (stream, name) == (["user"], "update")
        assert status["id"] == posted["id"] and status["account"]["id"] == alice.id
        assert status["content"] == posted["content"]


async def test_bad_or_missing_token_is_refused_before_upgrade(start: Any) -> None:
    client = await start()
    await member(client, "alice")
    for params in ({"stream": "user", "access_token": "nope"}, {"stream": "user"}):
        with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
            await client.ws_connect(WS, params=params)
        assert caught.value.status == 401
    upgrade = {"Upgrade": "websocket", "Connection": "Upgrade", "Authorization": "Bearer nope"}
    resp = await client.get(WS, params={"stream": "public"}, headers=upgrade)
    assert resp.status == 401 and "error" in await resp.json()
    resp = await client.get("/api/v1/streaming/user")
    assert resp.status == 401 and "error" in await resp.json()
    resp = await client.get("/api/v1/streaming/nowhere")
    assert resp.status == 404 and "error" in await resp.json()
    resp = await client.get(WS, params={"stream": "nonsense"})
    assert resp.status == 400 and (await resp.json())["error"] == "Unknown stream type"


async def test_scopes(trio: tuple[Member, Member, Member]) -> None:
    _, bob, _ = trio
    db = bob.client.app[DB]
    only_notes = await tokens.create_token(db, "bob", scopes="read:notifications")
    h = {"Authorization": f"Bearer {only_notes}"}
    resp = await bob.client.get("/api/v1/streaming/user", headers=h)
    assert resp.status == 401 and "scopes" in (await resp.json())["error"]
    resp = await bob.client.get("/api/v1/streaming/user/notification", headers=h)
    assert resp.status == 200
    resp.close()


async def test_each_stream_gets_what_it_should(trio: tuple[Member, Member, Member]) -> None:
    alice, bob, carol = trio
    client = alice.client
    async with (
        await connect(bob, "user") as bob_home,
        await connect(carol, "user") as carol_home,
        await connect(carol, "public") as public,
        await client.ws_connect(WS, params={"stream": "public:local"}) as anonymous,
        await connect(carol, "hashtag", tag="Intro") as tagged,
        await connect(carol, "hashtag:local", tag="intro") as tagged_local,
    ):
        await subscribed(client, ("user",), ("public",), ("public:local",), ("hashtag", "intro"))
        await subscribed(client, ("hashtag:local", "intro"))
        secret = await alice.post(
            "/api/v1/statuses", data={"status": "Followers only #intro", "visibility": "private"}
        )
        await alice.post(
            "/api/v1/statuses", data={"status": "Unlisted #intro", "visibility": "unlisted"}
        )
        public_post = await alice.post("/api/v1/statuses", data={"status": "Everyone #intro"})
        # bob follows alice: the private one, the unlisted one, then the public one
        home = [(await event(bob_home))[2]["id"] for _ in range(3)]
        assert home[0] == secret["id"] and home[2] == public_post["id"]
        for ws, stream in (
            (public, ["public"]),
            (anonymous, ["public:local"]),
            (tagged, ["hashtag", "intro"]),
            (tagged_local, ["hashtag:local", "intro"]),
        ):
            got_stream, name, status = await event(ws)  # the first is the public post
            assert (got_stream, name, status["id"]) == (stream, "update", public_post["id"])
        # carol does not follow alice: nothing in her home stream until she is mentioned
        mention = await alice.post("/api/v1/statuses", data={"status": "Hi @carol"})
        stream, name, note = await event(carol_home)
        assert (stream, name) == (["user"], "notification")
        assert note["type"] == "mention" and note["status"]["id"] == mention["id"]


async def test_direct_post_reaches_only_who_may_see_it(
    trio: tuple[Member, Member, Member],
) -> None:
    alice, bob, carol = trio
    async with await connect(bob, "user") as bob_home, await connect(carol, "public") as public:
        await subscribed(alice.client, ("user",), ("public",))
        dm = await alice.post(
            "/api/v1/statuses", data={"status": "@carol private word", "visibility": "direct"}
        )
        after = await alice.post("/api/v1/statuses", data={"status": "Afterwards"})
        assert (await event(bob_home))[2]["id"] == after["id"]  # bob was not mentioned
        assert (await event(public))[2]["id"] == after["id"]
        assert dm["visibility"] == "direct"


async def test_notifications_stream(trio: tuple[Member, Member, Member]) -> None:
    alice, bob, carol = trio
    async with await connect(alice, "user:notification") as ws:
        await subscribed(alice.client, ("user:notification",))
        await carol.post(f"/api/v1/accounts/{alice.id}/follow")
        posted = await alice.post("/api/v1/statuses", data={"status": "Something"})
        await bob.post(f"/api/v1/statuses/{posted['id']}/favourite")
        first, second = await event(ws), await event(ws)
        assert first[:2] == (["user:notification"], "notification")
        assert first[2]["type"] == "follow" and first[2]["account"]["id"] == carol.id
        assert second[2]["type"] == "favourite" and second[2]["status"]["id"] == posted["id"]


async def test_edit_and_delete(trio: tuple[Member, Member, Member]) -> None:
    alice, bob, _ = trio
    posted = await alice.post("/api/v1/statuses", data={"status": "First words"})
    async with await connect(bob, "user") as ws:
        await subscribed(bob.client, ("user",))
        await alice.put(f"/api/v1/statuses/{posted['id']}", data={"status": "Better words"})
        stream, name, status = await event(ws)
        assert (stream, name, status["id"]) == (["user"], "status.update", posted["id"])
        assert "Better words" in status["content"] and status["edited_at"]
        await alice.delete(f"/api/v1/statuses/{posted['id']}")
        assert await event(ws) == (["user"], "delete", posted["id"])


async def test_boost_reaches_followers(trio: tuple[Member, Member, Member]) -> None:
    alice, bob, carol = trio
    posted = await carol.post("/api/v1/statuses", data={"status": "Worth sharing"})
    async with await connect(bob, "user") as ws:
        await subscribed(bob.client, ("user",))
        boost = await alice.post(f"/api/v1/statuses/{posted['id']}/reblog")
        _, name, status = await event(ws)
        assert name == "update" and status["id"] == boost["id"]
        assert status["reblog"]["id"] == posted["id"]


async def test_subscribe_unsubscribe_and_errors(trio: tuple[Member, Member, Member]) -> None:
    alice, _, carol = trio
    async with await connect(carol) as ws:
        await ws.send_json({"type": "subscribe", "stream": "public"})
        await subscribed(alice.client, ("public",))
        one = await alice.post("/api/v1/statuses", data={"status": "One"})
        assert (await event(ws))[2]["id"] == one["id"]
        await ws.send_json({"type": "unsubscribe", "stream": "public"})
        await ws.send_json({"type": "subscribe", "stream": "hashtag", "tag": "later"})
        await subscribed(alice.client, ("hashtag", "later"))
        await alice.post("/api/v1/statuses", data={"status": "Two"})
        three = await alice.post("/api/v1/statuses", data={"status": "Three #later"})
        assert await event(ws) == (["hashtag", "later"], "update", _Same(three["id"]))
        for bad, error in (
            ({"type": "subscribe", "stream": "everything"}, "Unknown stream type"),
            ({"type": "subscribe", "stream": "hashtag"}, "No tag for stream provided"),
            ({"type": "dance"}, "Unknown message type"),
        ):
            await ws.send_json(bad)
            assert await receive(ws) == {"error": error, "status": 400}
        await ws.send_str("not json")
        assert (await receive(ws))["status"] == 400
    async with alice.client.ws_connect(WS) as anonymous:
        await anonymous.send_json({"type": "subscribe", "stream": "user"})
        assert await receive(anonymous) == {"error": "Missing access token", "status": 401}
    async with await connect(carol, "nonsense") as ws:
        assert await receive(ws) == {"error": "Unknown stream type", "status": 400}


class _Same:
    """Equal to a Status entity with this id."""

    def __init__(self, status_id: str) -> None:
        self.status_id = status_id

    def __eq__(self, other: object) -> bool:
        return isinstance(other, dict) and other.get("id") == self.status_id


async def read_sse(resp: aiohttp.ClientResponse, wanted: int) -> list[tuple[str, str]]:
    """Events as an SSE client parses them: ``(event, data)``; comments are kept as
    ``("", comment)``."""
    found: list[tuple[str, str]] = []
    name, data = "message", []
    while len(found) < wanted:
        line = (await asyncio.wait_for(resp.content.readline(), 5)).decode().rstrip("\n")
        if line.startswith(":"):
            found.append(("", line[1:]))
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
        elif line == "" and data:
            found.append((name, "\n".join(data)))
            name, data = "message", []
    return found


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/streaming/public", {}),
        ("/api/v1/streaming/public/local", {}),
        ("/api/v1/streaming/hashtag", {"tag": "sse"}),
        ("/api/v1/streaming", {"stream": "user"}),
    ],
)
async def test_server_sent_events(
    trio: tuple[Member, Member, Member], path: str, params: dict[str, str]
) -> None:
    alice, bob, _ = trio
    h = {"Authorization": f"Bearer {bob.token}", "Accept": "text/event-stream"}
    async with bob.client.get(path, params=params, headers=h) as resp:
        assert resp.status == 200 and resp.content_type == "text/event-stream"
        assert await read_sse(resp, 1) == [("", ")")]
        posted = await alice.post("/api/v1/statuses", data={"status": "Over SSE #sse"})
        [(name, data)] = await read_sse(resp, 1)
        assert name == "update" and json.loads(data)["id"] == posted["id"]
        await alice.delete(f"/api/v1/statuses/{posted['id']}")
        assert await read_sse(resp, 1) == [("delete", posted["id"])]


async def test_sse_notifications_and_heartbeat(trio: tuple[Member, Member, Member]) -> None:
    alice, bob, carol = trio
    hub(alice.client).heartbeat = 0.05
    h = {"Authorization": f"Bearer {alice.token}"}
    async with alice.client.get("/api/v1/streaming/user/notification", headers=h) as resp:
        assert await read_sse(resp, 2) == [("", ")"), ("", "thump")]
        await carol.post(f"/api/v1/accounts/{alice.id}/follow")
        events = [e for e in await read_sse(resp, 3) if e[0]]
        while not events:
            events = [e for e in await read_sse(resp, 1) if e[0]]
        name, data = events[0]
        assert name == "notification" and json.loads(data)["type"] == "follow"
    assert bob.id


async def test_a_client_that_falls_behind_is_dropped(trio: tuple[Member, Member, Member]) -> None:
    alice, _, carol = trio
    hub(alice.client).queue_size = 2
    async with await connect(carol, "public") as ws:
        await subscribed(alice.client, ("public",))
        for n in range(10):  # faster than anyone can send: the queue overflows
            hub(alice.client).publish(
                StatusEvent("delete", n, True, True, frozenset(), frozenset())
            )
        messages = []
        while (message := await ws.receive(timeout=5)).type == aiohttp.WSMsgType.TEXT:
            messages.append(message)
        assert message.type == aiohttp.WSMsgType.CLOSE
        assert ws.close_code == aiohttp.WSCloseCode.TRY_AGAIN_LATER
        assert len(messages) <= 2
    for _ in range(200):  # the server side ends too
        if not hub(alice.client).subscriptions:
            break
        await asyncio.sleep(0.01)
    assert not hub(alice.client).subscriptions


async def test_nothing_is_published_for_a_rolled_back_transaction(start: Any) -> None:
    client = await start()
    svc = client.app[SERVICES]
    with svc.stream.subscribe(None) as sub:
        sub.streams.add(("public",))
        seen = StatusEvent("delete", 1, True, True, frozenset(), frozenset())
        with pytest.raises(RuntimeError):
            async with svc.db.transaction() as conn:
                svc.stream.after_commit(conn, seen)
                raise RuntimeError("rolled back")
        assert sub.queue.empty()
        async with svc.db.transaction() as conn:
            svc.stream.after_commit(conn, seen)
            assert sub.queue.empty()  # not before the commit
        assert sub.queue.get_nowait() == (("public",), seen)


async def test_streams_end_when_the_server_stops(trio: tuple[Member, Member, Member]) -> None:
    """An open stream must not hold a stopping server up: it is closed as going away."""
    ann, _, _ = trio
    ws = await connect(ann, "user")
    await subscribed(ann.client, ("user",))
    hub(ann.client).close_all()
    message = await asyncio.wait_for(ws.receive(), 5)
    assert message.type == aiohttp.WSMsgType.CLOSE
    assert message.data == aiohttp.WSCloseCode.GOING_AWAY
    assert not hub(ann.client).subscriptions or all(
        s.closing for s in hub(ann.client).subscriptions
    )


async def test_a_revoked_token_ends_its_open_streams(trio: tuple[Member, Member, Member]) -> None:
    alice, bob, _ = trio
    # Also the WebSocket ping interval: a pong later than half of it drops the
    # connection, so not so short that a busy machine misses it.
    hub(alice.client).heartbeat = 0.5
    db = alice.client.app[DB]
    grant = await tokens.grant_for(db, bob.token)
    h = {"Authorization": f"Bearer {bob.token}"}
    async with (
        await connect(bob, "user") as ws,
        bob.client.get("/api/v1/streaming/user", headers=h) as sse,
    ):
        await subscribed(bob.client, ("user",))
        async with db.transaction() as conn:
            await token_queries.revoke_token(conn, grant.token_id, datetime.now(UTC))
        while (message := await ws.receive(timeout=5)).type == aiohttp.WSMsgType.TEXT:
            pass
        assert message.type == aiohttp.WSMsgType.CLOSE
        assert ws.close_code == aiohttp.WSCloseCode.POLICY_VIOLATION
        assert message.extra == "access token revoked"
        await asyncio.wait_for(sse.read(), 5)  # the event stream ends too
    for _ in range(200):
        if not hub(alice.client).subscriptions:
            break
        await asyncio.sleep(0.01)
    assert not hub(alice.client).subscriptions
