"""Federation services end to end: posting, follows, reactions, and the delivery queue.

One Warmline app (dev mode, domain a.test, workers off: the tests run the
queues by hand, one batch at a time) with members alice and bob, and fake
remote servers on loopback ports that serve their actors and WebFinger, record
every POST to their inboxes and answer with whatever status the test sets.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select, update

from federation import keys as fkeys
from federation.httpsig import parse_request_signature, sign_cavage, verify_parsed
from federation.validate import validate
from server.app import create_app
from server.appkeys import DB, SERVICES
from server.config import Config, with_overrides
from server.services import domain_blocks, graph, interactions, members, posts, timelines
from server.services.context import Services
from server.services.posts import Draft
from server.store import accounts as accounts_q
from server.store import graph as graph_q
from server.store import queues
from server.store import statuses as statuses_q
from server.store.accounts import AccountRow
from server.store.statuses import Page, StatusRow
from server.store.tables import activities, deliveries
from server.workers.delivery import DeliveryWorker
from server.workers.inbox import InboxWorker

AS2 = "application/activity+json"
AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
BASE = "http://a.test"
ALICE = f"{BASE}/users/alice"
ALICE_FOLLOWERS = f"{ALICE}/followers"
_serial = itertools.count(1)


# --- fake remote servers --------------------------------------------------------------


@dataclass
class RemoteActor:
    id: str
    key: Any

    @property
    def origin(self) -> str:
        return self.id.split("/users/", 1)[0]

    @property
    def name(self) -> str:
        return self.id.rsplit("/", 1)[1]


@dataclass
class Received:
    """A POST that reached the peer."""

    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def doc(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Peer:
    """A remote server: serves actors and WebFinger, records POSTs to its inboxes."""

    server: TestServer | None = None
    actors: dict[str, RemoteActor] = field(default_factory=dict)
    notes: dict[str, dict[str, Any]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    display_names: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, list[str]] = field(default_factory=dict)  # name -> alsoKnownAs
    answer: int = 202
    slow_types: frozenset[str] = frozenset()  # activity types answered after a pause

    @property
    def origin(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}"

    @property
    def host(self) -> str:
        return self.origin.removeprefix("http://")

    def add(self, name: str) -> RemoteActor:
        actor = RemoteActor(f"{self.origin}/users/{name}", fkeys.generate_rsa())
        self.actors[name] = actor
        return actor

    def posted(self) -> list[tuple[str, str]]:
        """(inbox path, activity type) of every POST received, in order."""
        return [(r.path, r.doc["type"]) for r in self.received]

    async def actor_document(self, request: web.Request) -> web.Response:
        actor = self.actors.get(request.match_info["name"])
        if actor is None:
            raise web.HTTPNotFound()
        doc = {
            "@context": [AS_CONTEXT, "https://w3id.org/security/v1"],
            "id": actor.id,
            "type": "Person",
            "preferredUsername": actor.name,
            "name": self.display_names.get(actor.name, ""),
            "inbox": f"{actor.id}/inbox",
            "followers": f"{actor.id}/followers",
            "endpoints": {"sharedInbox": f"{self.origin}/inbox"},
            "publicKey": {
                "id": f"{actor.id}#main-key",
                "owner": actor.id,
                "publicKeyPem": fkeys.public_key_to_pem(actor.key),
            },
        }
        if actor.name in self.aliases:
            doc["alsoKnownAs"] = self.aliases[actor.name]
        return web.json_response(doc, content_type=AS2)

    def publish(self, author: RemoteActor, text: str) -> dict[str, Any]:
        """A public note by ``author``, served at its id."""
        key = str(next(_serial))
        note = {
            "@context": AS_CONTEXT,
            "id": f"{self.origin}/notes/{key}",
            "type": "Note",
            "attributedTo": author.id,
            "content": f"<p>{text}</p>",
            "to": [PUBLIC],
        }
        self.notes[key] = note
        return note

    async def note_document(self, request: web.Request) -> web.Response:
        note = self.notes.get(request.match_info["key"])
        if note is None:
            raise web.HTTPNotFound()
        return web.json_response(note, content_type=AS2)

    async def webfinger(self, request: web.Request) -> web.Response:
        name = request.query.get("resource", "").removeprefix("acct:").split("@", 1)[0]
        actor = self.actors.get(name)
        if actor is None:
            raise web.HTTPNotFound()
        link = {"rel": "self", "type": AS2, "href": actor.id}
        jrd = {"subject": f"acct:{name}@{self.host}", "links": [link]}
        return web.json_response(jrd, content_type="application/jrd+json")

    async def inbox(self, request: web.Request) -> web.Response:
        body = await request.read()
        if json.loads(body).get("type") in self.slow_types:
            await asyncio.sleep(0.3)  # a busy peer: what came after may arrive first
        self.received.append(Received(request.path, dict(request.headers), body))
        return web.Response(status=self.answer)


@pytest.fixture
async def make_peer() -> AsyncIterator[Callable[[], Awaitable[Peer]]]:
    started: list[TestServer] = []

    async def make() -> Peer:
        peer = Peer()
        app = web.Application()
        app.router.add_get("/users/{name}", peer.actor_document)
        app.router.add_get("/notes/{key}", peer.note_document)
        app.router.add_get("/.well-known/webfinger", peer.webfinger)
        app.router.add_post("/inbox", peer.inbox)
        app.router.add_post("/users/{name}/inbox", peer.inbox)
        peer.server = TestServer(app, host="127.0.0.1")
        await peer.server.start_server()
        started.append(peer.server)
        return peer

    yield make
    for server in started:
        await server.close()


@pytest.fixture
async def peer(make_peer: Callable[[], Awaitable[Peer]]) -> Peer:
    return await make_peer()


# --- the Warmline app -------------------------------------------------------------------


@dataclass
class Warmline:
    client: TestClient
    alice: AccountRow
    bob: AccountRow

    @property
    def svc(self) -> Services:
        return self.client.app[SERVICES]

    async def run_deliveries(self) -> int:
        return await DeliveryWorker(self.svc, self.svc.http).run_once()

    async def run_inbox(self) -> int:
        return await InboxWorker(self.svc).run_once()

    async def refresh(self, account: AccountRow) -> AccountRow:
        async with self.svc.db.read() as conn:
            row = await accounts_q.get_account(conn, account.id)
        assert row is not None
        return row

    async def status(self, status_id: int) -> StatusRow:
        async with self.svc.db.read() as conn:
            row = await statuses_q.get_status(conn, status_id)
        assert row is not None
        return row

    async def deliveries(self) -> list[dict[str, Any]]:
        """Every queued delivery with its activity's type and payload, oldest first."""
        d, a = deliveries.c, activities.c
        query = (
            select(
                d.inbox_url,
                d.host,
                d.state,
                d.attempts,
                d.next_attempt_at,
                d.last_status,
                d.last_error,
                a.type,
                a.payload,
            )
            .join_from(deliveries, activities, a.id == d.activity_id)
            .order_by(d.id)
        )
        async with self.svc.db.read() as conn:
            return [dict(row) for row in (await conn.execute(query)).mappings()]

    async def sent(self, kind: str) -> list[dict[str, Any]]:
        """The activities of ``kind`` our members sent (stored for delivery), oldest first."""
        query = select(activities.c.payload).where(activities.c.type == kind)
        async with self.svc.db.read() as conn:
            result = await conn.execute(query.order_by(activities.c.id))
            return [json.loads(payload) for payload in result.scalars()]

    async def last_sent(self, kind: str) -> dict[str, Any]:
        found = await self.sent(kind)
        assert found, f"no {kind} was queued"
        return found[-1]

    async def remote_account(self, actor: RemoteActor) -> AccountRow:
        return await self.svc.remote.fetch_actor(actor.id)

    async def deliver(self, actor: RemoteActor, doc: dict[str, Any]) -> None:
        """``actor``'s server POSTs ``doc``, signed, to our shared inbox; we process it."""
        body = json.dumps(doc).encode()
        headers = {"Host": "a.test", "Content-Type": AS2}
        headers |= sign_cavage(
            "POST",
            f"{BASE}/inbox",
            headers,
            body,
            key_id=f"{actor.id}#main-key",
            private_key=actor.key,
        )
        resp = await self.client.post("/inbox", data=body, headers=headers)
        assert resp.status == 202, await resp.text()
        assert await self.run_inbox() == 1

    async def remote_follows(self, actor: RemoteActor, target: AccountRow) -> None:
        """``actor`` follows a member (accepted at once), and our Accept goes out."""
        target_uri = f"{BASE}/users/{target.username}"
        await self.deliver(actor, remote_activity(actor, "Follow", target_uri))


def remote_activity(actor: RemoteActor, kind: str, obj: Any, **extra: Any) -> dict[str, Any]:
    return {
        "@context": AS_CONTEXT,
        "id": f"{actor.origin}/activities/{next(_serial)}",
        "type": kind,
        "actor": actor.id,
        "object": obj,
        **extra,
    }


StartWarmline = Callable[..., Awaitable[Warmline]]


@pytest.fixture
def start_warmline(
    aiohttp_client: Any, make_config: Callable[..., Config], database_url: str
) -> StartWarmline:
    """Start Warmline with members alice and bob (on SQLite and on PostgreSQL);
    keyword arguments change federation settings."""

    async def start(**federation: Any) -> Warmline:
        config = make_config(domain="a.test", database_url=database_url)
        if federation:
            config = with_overrides(config, federation=replace(config.federation, **federation))
        client = await aiohttp_client(create_app(config, workers=False))
        db = client.app[DB]
        alice = await members.create_member(db, "alice", display_name="Alice Archer")
        bob = await members.create_member(db, "bob", display_name="Bob Baker")
        return Warmline(client, alice, bob)

    return start


@pytest.fixture
async def warmline(start_warmline: StartWarmline) -> Warmline:
    return await start_warmline()


async def post(w: Warmline, text: str, visibility: str = "public", **extra: Any) -> StatusRow:
    return await posts.create_status(w.svc, w.alice, Draft(text, visibility=visibility, **extra))


async def follower_on(w: Warmline, peer: Peer, name: str = "erin") -> RemoteActor:
    """A remote account on ``peer`` that follows alice; the Accept has gone out."""
    actor = peer.add(name)
    await w.remote_follows(actor, w.alice)
    await w.run_deliveries()
    peer.received.clear()
    return actor


# --- posting ---------------------------------------------------------------------------


async def test_a_post_renders_mentions_and_hashtags_as_links(warmline: Warmline) -> None:
    status = await post(warmline, "Welcome @bob to #Warmline!")

    assert status.content == (
        '<p>Welcome <span class="h-card" translate="no"><a href="http://a.test/@bob" '
        'class="u-url mention">@<span>bob</span></a></span> to '
        '<a href="http://a.test/tags/warmline" class="mention hashtag" rel="tag">'
        "#<span>Warmline</span></a>!</p>"
    )
    note = (await warmline.last_sent("Create"))["object"]
    assert {"type": "Mention", "href": f"{BASE}/users/bob", "name": "@bob@a.test"} in note["tag"]
    assert {"type": "Hashtag", "href": f"{BASE}/tags/warmline", "name": "#warmline"} in note["tag"]


async def test_a_public_post_reaches_follower_feeds_and_mentioned_members(
    warmline: Warmline,
) -> None:
    # Given bob follows alice
    await graph.follow(warmline.svc, warmline.bob, warmline.alice)

    # When alice posts, mentioning bob
    status = await post(warmline, "Thanks @bob!")

    # Then the post is in both home feeds, and bob is told he was mentioned
    for reader in (warmline.alice, warmline.bob):
        feed = await timelines.home(warmline.svc, reader, Page())
        assert [s.id for s in feed] == [status.id]
    bobs = await timelines.notifications(warmline.svc, warmline.bob, Page(), types=["mention"])
    assert [(n.from_account_id, n.status_id) for n in bobs] == [(warmline.alice.id, status.id)]


async def test_a_direct_message_stays_out_of_follower_feeds(warmline: Warmline) -> None:
    await graph.follow(warmline.svc, warmline.bob, warmline.alice)

    await post(warmline, "Just a note to myself", visibility="direct")

    assert await timelines.home(warmline.svc, warmline.bob, Page()) == []


@pytest.mark.parametrize(
    ("visibility", "to", "cc", "delivered_to_followers"),
    [
        ("public", [PUBLIC], [ALICE_FOLLOWERS, "DAVE"], True),
        ("unlisted", [ALICE_FOLLOWERS], [PUBLIC, "DAVE"], True),
        ("private", [ALICE_FOLLOWERS], ["DAVE"], True),
        ("direct", ["DAVE"], [], False),
    ],
)
async def test_a_post_is_addressed_and_delivered_by_its_visibility(
    warmline: Warmline,
    make_peer: Callable[[], Awaitable[Peer]],
    visibility: str,
    to: list[str],
    cc: list[str],
    delivered_to_followers: bool,
) -> None:
    # Given erin (on one server) follows alice, and dave is on another server
    followers_server, daves_server = await make_peer(), await make_peer()
    await follower_on(warmline, followers_server, "erin")
    dave = daves_server.add("dave")

    # When alice posts, mentioning dave by his handle (resolved with WebFinger)
    await post(warmline, f"Hello @dave@{daves_server.host}", visibility=visibility)

    # Then the Create is addressed the Mastodon way
    create = await warmline.last_sent("Create")
    expected = {"to": to, "cc": cc}
    for key in expected:
        expected[key] = [dave.id if x == "DAVE" else x for x in expected[key]]
    assert {"to": create["to"], "cc": create.get("cc", [])} == expected
    assert {"to": create["object"]["to"], "cc": create["object"]["cc"]} == expected
    # And it goes to dave's server always, to the followers' server unless direct
    inboxes = {d["inbox_url"] for d in await warmline.deliveries() if d["type"] == "Create"}
    wanted = {f"{daves_server.origin}/inbox"}
    if delivered_to_followers:
        wanted.add(f"{followers_server.origin}/inbox")
    assert inboxes == wanted


async def test_an_unresolvable_handle_stays_plain_text(warmline: Warmline, peer: Peer) -> None:
    status = await post(warmline, f"Hi @nobody@{peer.host}")

    assert status.content == f"<p>Hi @nobody@{peer.host}</p>"


async def test_an_edit_sends_an_update_with_the_new_text(warmline: Warmline, peer: Peer) -> None:
    await follower_on(warmline, peer)
    status = await post(warmline, "First draft")

    edited = await posts.edit_status(warmline.svc, warmline.alice, status.id, Draft("Final text"))

    assert edited.edited_at is not None and "Final text" in edited.content
    update = await warmline.last_sent("Update")
    assert update["actor"] == ALICE
    assert update["object"]["id"] == f"{ALICE}/statuses/{status.id}"
    assert update["object"]["content"] == "<p>Final text</p>"
    assert "updated" in update["object"]
    await warmline.run_deliveries()
    assert peer.posted() == [("/inbox", "Create"), ("/inbox", "Update")]


async def test_a_deleted_post_goes_out_as_a_delete_and_answers_410(
    warmline: Warmline, peer: Peer
) -> None:
    await follower_on(warmline, peer)
    status = await post(warmline, "Oops")
    note_id = f"{ALICE}/statuses/{status.id}"

    await posts.delete_status(warmline.svc, warmline.alice, status.id)

    delete = await warmline.last_sent("Delete")
    assert delete["actor"] == ALICE and delete["object"] == {"id": note_id, "type": "Tombstone"}
    resp = await warmline.client.get(f"/users/alice/statuses/{status.id}", headers={"Accept": AS2})
    assert resp.status == 410
    tombstone = await resp.json(content_type=None)
    assert tombstone["id"] == note_id and tombstone["type"] == "Tombstone"
    assert await timelines.home(warmline.svc, warmline.alice, Page()) == []


async def test_a_deleted_post_leaves_the_outbox(warmline: Warmline) -> None:
    status = await post(warmline, "Something I regret")
    await posts.delete_status(warmline.svc, warmline.alice, status.id)

    page = await get_as2(warmline, "/users/alice/outbox?page=true")

    assert page["orderedItems"] == []


# --- follows ---------------------------------------------------------------------------


async def test_following_a_remote_account_waits_for_its_accept(
    warmline: Warmline, peer: Peer
) -> None:
    # Given dave on another server
    dave = peer.add("dave")
    dave_account = await warmline.remote_account(dave)

    # When alice follows him, a Follow goes to his inbox and the follow is pending
    row = await graph.follow(warmline.svc, warmline.alice, dave_account)
    assert row.state == graph_q.PENDING
    follow = await warmline.last_sent("Follow")
    assert (follow["actor"], follow["object"], follow["id"]) == (ALICE, dave.id, row.uri)
    assert await warmline.run_deliveries() == 1
    assert peer.posted() == [("/inbox", "Follow")]

    # When his server answers with an Accept that embeds the Follow
    await warmline.deliver(dave, remote_activity(dave, "Accept", peer.received[0].doc))

    # Then the follow is accepted
    async with warmline.svc.db.read() as conn:
        accepted = await graph_q.get_follow(conn, warmline.alice.id, dave_account.id)
    assert accepted is not None and accepted.state == graph_q.ACCEPTED


async def test_unfollowing_a_remote_account_sends_an_undo_of_the_follow(
    warmline: Warmline, peer: Peer
) -> None:
    dave = await warmline.remote_account(peer.add("dave"))
    row = await graph.follow(warmline.svc, warmline.alice, dave)

    await graph.unfollow(warmline.svc, warmline.alice, dave)

    undo = await warmline.last_sent("Undo")
    assert undo["actor"] == ALICE
    assert {k: undo["object"][k] for k in ("id", "type", "object")} == {
        "id": row.uri,
        "type": "Follow",
        "object": dave.uri,
    }
    (relation,) = await graph.relationships(warmline.svc, warmline.alice, [dave.id])
    assert not relation.following and not relation.requested
    await warmline.run_deliveries()
    assert peer.posted() == [("/inbox", "Follow"), ("/inbox", "Undo")]


async def test_one_inbox_gets_its_activities_in_the_order_they_were_sent(
    warmline: Warmline, peer: Peer
) -> None:
    """A Follow and its Undo go out in one batch: however slowly the peer takes
    the Follow, the Undo is not sent before it (else the peer keeps the follow)."""
    dave = await warmline.remote_account(peer.add("dave"))
    peer.slow_types = frozenset({"Follow"})
    await graph.follow(warmline.svc, warmline.alice, dave)
    await graph.unfollow(warmline.svc, warmline.alice, dave)
    assert await warmline.run_deliveries() == 2
    assert peer.posted() == [("/inbox", "Follow"), ("/inbox", "Undo")]


async def test_a_remote_follow_of_an_open_member_is_accepted_at_once(
    warmline: Warmline, peer: Peer
) -> None:
    erin = peer.add("erin")

    await warmline.remote_follows(erin, warmline.alice)

    accept = await warmline.last_sent("Accept")
    assert accept["actor"] == ALICE and accept["object"]["actor"] == erin.id
    await warmline.run_deliveries()
    assert peer.posted() == [("/inbox", "Accept")]
    notes = await timelines.notifications(warmline.svc, warmline.alice, Page())
    assert [n.type for n in notes] == ["follow"]


async def test_following_a_locked_member_is_a_request_until_authorized(
    warmline: Warmline,
) -> None:
    # Given bob approves his followers by hand
    await members.update_profile(warmline.svc.db, "bob", members.ProfileChanges(locked=True))
    bob = await warmline.refresh(warmline.bob)

    # When alice follows him, it is a request, and he is told
    row = await graph.follow(warmline.svc, warmline.alice, bob)
    assert row.state == graph_q.PENDING
    requests = await graph.related_accounts(
        warmline.svc, bob, Page(), direction="followers", state=graph_q.PENDING
    )
    assert [a.id for _, a in requests] == [warmline.alice.id]

    # When he authorizes it, alice follows him
    await graph.answer_request(warmline.svc, bob, warmline.alice.id, accept=True)
    (relation,) = await graph.relationships(warmline.svc, warmline.alice, [bob.id])
    assert relation.following and not relation.requested
    notes = await timelines.notifications(warmline.svc, bob, Page())
    assert [n.type for n in notes] == ["follow", "follow_request"]
    assert await warmline.sent("Follow") == []  # local follows need no activity


async def test_a_remote_follow_request_to_a_locked_member_is_accepted_when_authorized(
    warmline: Warmline, peer: Peer
) -> None:
    await members.update_profile(warmline.svc.db, "alice", members.ProfileChanges(locked=True))
    erin = peer.add("erin")

    await warmline.remote_follows(erin, warmline.alice)
    assert await warmline.sent("Accept") == []

    erin_account = await warmline.remote_account(erin)
    alice = await warmline.refresh(warmline.alice)
    await graph.answer_request(warmline.svc, alice, erin_account.id, accept=True)

    accept = await warmline.last_sent("Accept")
    assert accept["object"]["actor"] == erin.id and accept["object"]["object"] == ALICE


async def test_a_refused_remote_follow_request_sends_a_reject(
    warmline: Warmline, peer: Peer
) -> None:
    await members.update_profile(warmline.svc.db, "alice", members.ProfileChanges(locked=True))
    erin = peer.add("erin")
    await warmline.remote_follows(erin, warmline.alice)

    erin_account = await warmline.remote_account(erin)
    alice = await warmline.refresh(warmline.alice)
    await graph.answer_request(warmline.svc, alice, erin_account.id, accept=False)

    reject = await warmline.last_sent("Reject")
    assert reject["actor"] == ALICE and reject["object"]["actor"] == erin.id
    (relation,) = await graph.relationships(warmline.svc, alice, [erin_account.id])
    assert not relation.followed_by and not relation.requested_by


# --- favourites and boosts ---------------------------------------------------------------


async def remote_post(w: Warmline, author: RemoteActor) -> StatusRow:
    """A public note by ``author`` that mentions alice, delivered and processed."""
    note = {
        "id": f"{author.origin}/notes/{next(_serial)}",
        "type": "Note",
        "attributedTo": author.id,
        "content": "<p>Hello @alice</p>",
        "to": [PUBLIC],
        "cc": [ALICE],
        "tag": [{"type": "Mention", "href": ALICE}],
    }
    await w.deliver(author, remote_activity(author, "Create", note, to=[PUBLIC]))
    async with w.svc.db.read() as conn:
        status = await statuses_q.get_status_by_uri(conn, note["id"])
    assert status is not None
    return status


async def test_a_reply_to_a_remote_post_goes_to_its_author(warmline: Warmline, peer: Peer) -> None:
    dave = peer.add("dave")
    status = await remote_post(warmline, dave)

    reply = await post(warmline, "Glad to hear it", in_reply_to_id=status.id)

    note = (await warmline.last_sent("Create"))["object"]
    assert note["inReplyTo"] == status.uri and dave.id in note["cc"]
    assert (await warmline.status(status.id)).replies_count == 1
    assert reply.in_reply_to_account_id == status.account_id
    await warmline.run_deliveries()
    assert peer.posted() == [("/inbox", "Create")]


async def test_favouriting_a_remote_post_sends_a_like_and_undo(
    warmline: Warmline, peer: Peer
) -> None:
    dave = peer.add("dave")
    status = await remote_post(warmline, dave)

    await interactions.favourite(warmline.svc, warmline.alice, status.id)
    assert (await warmline.status(status.id)).favourites_count == 1
    like = await warmline.last_sent("Like")
    assert (like["actor"], like["object"]) == (ALICE, status.uri)

    await interactions.unfavourite(warmline.svc, warmline.alice, status.id)
    assert (await warmline.status(status.id)).favourites_count == 0
    undo = await warmline.last_sent("Undo")
    assert undo["object"]["type"] == "Like" and undo["object"]["id"] == like["id"]

    await warmline.run_deliveries()
    assert peer.posted() == [("/inbox", "Like"), ("/inbox", "Undo")]


async def test_favouriting_twice_counts_once(warmline: Warmline) -> None:
    status = await post(warmline, "Like me")

    for _ in range(2):
        await interactions.favourite(warmline.svc, warmline.bob, status.id)

    assert (await warmline.status(status.id)).favourites_count == 1
    notes = await timelines.notifications(warmline.svc, warmline.alice, Page())
    assert [n.type for n in notes] == ["favourite"]
    assert await warmline.sent("Like") == []  # a local post: nobody else to tell


async def test_boosting_a_remote_post_sends_an_announce_and_undo(
    warmline: Warmline, peer: Peer, make_peer: Callable[[], Awaitable[Peer]]
) -> None:
    # Given erin (on another server) follows alice, and dave wrote a post
    followers_server = await make_peer()
    await follower_on(warmline, followers_server, "erin")
    dave = peer.add("dave")
    status = await remote_post(warmline, dave)

    # When alice boosts it, her followers and dave hear of it
    boost = await interactions.reblog(warmline.svc, warmline.alice, status.id)
    assert boost.reblog_of_id == status.id
    assert (await warmline.status(status.id)).reblogs_count == 1
    announce = await warmline.last_sent("Announce")
    assert (announce["actor"], announce["object"]) == (ALICE, status.uri)
    assert announce["to"] == [PUBLIC] and dave.id in announce["cc"]

    # When she takes it back
    await interactions.unreblog(warmline.svc, warmline.alice, status.id)
    assert (await warmline.status(status.id)).reblogs_count == 0
    undo = await warmline.last_sent("Undo")
    assert undo["object"]["id"] == announce["id"]

    await warmline.run_deliveries()
    assert peer.posted() == [("/inbox", "Announce"), ("/inbox", "Undo")]
    assert followers_server.posted() == [("/inbox", "Announce"), ("/inbox", "Undo")]


async def alice_follows(w: Warmline, actor: RemoteActor) -> None:
    """Alice follows ``actor``, whose server accepts."""
    await graph.follow(w.svc, w.alice, await w.remote_account(actor))
    follow = await w.last_sent("Follow")
    await w.deliver(actor, remote_activity(actor, "Accept", follow))


async def test_a_boost_by_someone_alice_follows_brings_the_post_from_its_own_server(
    warmline: Warmline, peer: Peer, make_peer: Callable[[], Awaitable[Peer]]
) -> None:
    # Given alice follows erin, and dave (elsewhere) wrote a post
    erin = peer.add("erin")
    await alice_follows(warmline, erin)
    daves_server = await make_peer()
    note = daves_server.publish(daves_server.add("dave"), "The real text")

    # When erin boosts it, embedding a copy that says something else
    forged = {**note, "content": "<p>Words put in dave's mouth</p>"}
    await warmline.deliver(erin, remote_activity(erin, "Announce", forged, to=[PUBLIC]))

    # Then alice's home feed has erin's boost of the post as dave's server serves it
    (boost,) = await timelines.home(warmline.svc, warmline.alice, Page())
    assert boost.reblog_of_id is not None
    original = await warmline.status(boost.reblog_of_id)
    assert original.uri == note["id"] and "The real text" in original.content


async def test_a_remote_like_of_a_members_post_counts_and_notifies(
    warmline: Warmline, peer: Peer
) -> None:
    status = await post(warmline, "Like me")
    dave = peer.add("dave")
    like = remote_activity(dave, "Like", f"{ALICE}/statuses/{status.id}")

    await warmline.deliver(dave, like)
    assert (await warmline.status(status.id)).favourites_count == 1

    await warmline.deliver(dave, remote_activity(dave, "Undo", like))
    assert (await warmline.status(status.id)).favourites_count == 0


async def test_when_a_post_is_deleted_its_boosts_go_too(warmline: Warmline) -> None:
    # Given bob boosted alice's post, so it is in his home feed
    status = await post(warmline, "Soon to be gone")
    boost = await interactions.reblog(warmline.svc, warmline.bob, status.id)
    assert [s.id for s in await timelines.home(warmline.svc, warmline.bob, Page())] == [boost.id]

    # When alice deletes it
    await posts.delete_status(warmline.svc, warmline.alice, status.id)

    # Then the boost (which would show the deleted text) is gone as well
    assert await timelines.home(warmline.svc, warmline.bob, Page()) == []
    assert (await warmline.status(boost.id)).deleted_at is not None


async def test_when_a_remote_post_is_deleted_local_boosts_of_it_go_too(
    warmline: Warmline, peer: Peer
) -> None:
    dave = peer.add("dave")
    status = await remote_post(warmline, dave)
    boost = await interactions.reblog(warmline.svc, warmline.alice, status.id)

    delete = {"id": status.uri, "type": "Tombstone"}
    await warmline.deliver(dave, remote_activity(dave, "Delete", delete))

    assert (await warmline.status(status.id)).deleted_at is not None
    assert await timelines.home(warmline.svc, warmline.alice, Page()) == []
    assert (await warmline.status(boost.id)).deleted_at is not None


# --- the delivery worker -----------------------------------------------------------------


async def test_many_followers_on_one_server_get_one_post(warmline: Warmline, peer: Peer) -> None:
    # Given five accounts on one server, sharing its inbox, follow alice
    for name in ("erin", "fay", "gus", "hal", "ivy"):
        await follower_on(warmline, peer, name)

    # When alice posts
    await post(warmline, "Hello everyone")

    # Then one delivery, one POST, to the shared inbox
    assert [d["inbox_url"] for d in await warmline.deliveries() if d["type"] == "Create"] == [
        f"{peer.origin}/inbox"
    ]
    assert await warmline.run_deliveries() == 1
    assert peer.posted() == [("/inbox", "Create")]


async def test_a_delivered_post_carries_alices_valid_signature(
    warmline: Warmline, peer: Peer
) -> None:
    await follower_on(warmline, peer)
    await post(warmline, "Signed, sealed, delivered")

    await warmline.run_deliveries()

    (request,) = peer.received
    parsed = parse_request_signature(
        "POST", f"{peer.origin}{request.path}", request.headers, request.body
    )
    assert parsed.key_id == f"{ALICE}#main-key"
    async with warmline.svc.db.read() as conn:
        keys = {k.kind: k for k in await accounts_q.account_keys(conn, warmline.alice.id)}
    verify_parsed(parsed, fkeys.load_public_pem(keys["rsa"].public_pem))  # raises if wrong
    assert request.headers["Content-Type"] == AS2


async def only_delivery(w: Warmline, kind: str = "Create") -> dict[str, Any]:
    (found,) = [d for d in await w.deliveries() if d["type"] == kind]
    return found


async def test_a_server_error_leaves_the_delivery_pending_for_later(
    warmline: Warmline, peer: Peer
) -> None:
    await follower_on(warmline, peer)
    peer.answer = 500
    await post(warmline, "Are you there?")

    before = datetime.now(UTC)
    await warmline.run_deliveries()

    delivery = await only_delivery(warmline)
    assert (delivery["state"], delivery["attempts"], delivery["last_status"]) == ("pending", 1, 500)
    assert delivery["next_attempt_at"] > before + timedelta(seconds=30)
    assert await warmline.run_deliveries() == 0  # not due yet
    assert len(peer.received) == 1


async def test_an_inbox_that_is_gone_gets_no_more_tries(warmline: Warmline, peer: Peer) -> None:
    await follower_on(warmline, peer)
    peer.answer = 410
    await post(warmline, "Hello?")

    await warmline.run_deliveries()

    delivery = await only_delivery(warmline)
    assert (delivery["state"], delivery["attempts"], delivery["last_status"]) == ("dead", 1, 410)


async def block(w: Warmline, host: str) -> None:
    await domain_blocks.block(w.svc, host, severity="suspend")


async def test_nothing_is_queued_for_a_blocked_host(warmline: Warmline, peer: Peer) -> None:
    await follower_on(warmline, peer)
    await block(warmline, peer.host)

    await post(warmline, "Not for them")

    assert [d for d in await warmline.deliveries() if d["type"] == "Create"] == []


async def test_a_delivery_to_a_host_blocked_after_queueing_is_dropped(
    warmline: Warmline, peer: Peer
) -> None:
    await follower_on(warmline, peer)
    await post(warmline, "Not for them")
    await block(warmline, peer.host)

    await warmline.run_deliveries()

    delivery = await only_delivery(warmline)
    assert (delivery["state"], delivery["attempts"]) == ("dead", 0)
    assert "blocked" in delivery["last_error"]
    assert peer.received == []


async def test_a_failing_host_trips_the_circuit_and_later_posts_wait_without_trying(
    start_warmline: StartWarmline, peer: Peer
) -> None:
    # Given a server that fails, and a circuit that opens after 2 failures in a row
    warmline = await start_warmline(circuit_failures=2, circuit_open_seconds=3600)
    await follower_on(warmline, peer)
    peer.answer = 503

    # When two posts fail to reach it
    for text in ("one", "two"):
        await post(warmline, text)
        assert await warmline.run_deliveries() == 1
    assert len(peer.received) == 2

    # Then the next post is postponed until the circuit closes, with no attempt made
    await post(warmline, "three")
    assert await warmline.run_deliveries() == 1
    assert len(peer.received) == 2
    third = (await warmline.deliveries())[-1]
    assert (third["state"], third["attempts"]) == ("pending", 0)
    assert third["next_attempt_at"] > datetime.now(UTC) + timedelta(minutes=55)
    async with warmline.svc.db.read() as conn:
        state = (await queues.host_states(conn, [peer.host]))[peer.host]
    assert state.consecutive_failures == 2 and state.circuit_open_until is not None


async def make_due(w: Warmline) -> None:
    """Every pending delivery is due now (as if its wait had passed)."""
    async with w.svc.db.transaction() as conn:
        await conn.execute(
            update(deliveries)
            .where(deliveries.c.state == queues.PENDING)
            .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
        )


@dataclass
class BlackHole:
    """A server that accepts connections and never answers (a hung peer)."""

    server: asyncio.Server
    connections: int = 0

    @classmethod
    async def on(cls, port: int) -> BlackHole:
        hole = cls(server=None)  # type: ignore[arg-type]

        async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            hole.connections += 1
            await reader.read()  # until the client gives up and closes
            writer.close()

        hole.server = await asyncio.start_server(hold, "127.0.0.1", port)
        return hole


async def kill(peer: Peer, how: str) -> BlackHole | None:
    """Take ``peer`` down: its port refuses connections, or accepts and never answers."""
    assert peer.server is not None and peer.server.port is not None
    port = peer.server.port
    await peer.server.close()
    return await BlackHole.on(port) if how == "hung" else None


@pytest.mark.parametrize("how", ["refused", "hung"])
async def test_a_dead_host_is_tried_once_a_batch_and_its_other_deliveries_wait_untried(
    start_warmline: StartWarmline, make_peer: Callable[[], Awaitable[Peer]], how: str
) -> None:
    # Given followers on three healthy servers and on one that is down
    warmline = await start_warmline(fetch_timeout=0.5)
    healthy = [await make_peer() for _ in range(3)]
    dead = await make_peer()
    for peer in [*healthy, dead]:
        await follower_on(warmline, peer)
    dead_host = dead.host
    hole = await kill(dead, how)

    # When three posts go out in one batch
    for text in ("one", "two", "three"):
        await post(warmline, text)
    assert await warmline.run_deliveries() == 12

    # Then every healthy server has all three, in order
    for peer in healthy:
        assert [r.doc["object"]["content"] for r in peer.received] == [
            "<p>one</p>", "<p>two</p>", "<p>three</p>"
        ]  # fmt: skip
    # and the dead host was tried once: its other deliveries wait, no attempt counted,
    # all due again together (so they keep their order), at a first retry's time
    mine = [
        d for d in await warmline.deliveries() if (d["host"], d["type"]) == (dead_host, "Create")
    ]
    assert [(d["state"], d["attempts"]) for d in mine] == [
        ("pending", 1), ("pending", 0), ("pending", 0)
    ]  # fmt: skip
    assert mine[0]["last_status"] is None and mine[0]["last_error"]
    assert mine[1]["next_attempt_at"] == mine[2]["next_attempt_at"]
    assert all(d["next_attempt_at"] > datetime.now(UTC) + timedelta(seconds=30) for d in mine)
    if hole is not None:
        assert hole.connections == 1
        hole.server.close()
    # and the circuit breaker counted one failed batch
    async with warmline.svc.db.read() as conn:
        state = (await queues.host_states(conn, [dead_host]))[dead_host]
    assert (state.consecutive_failures, state.circuit_open_until) == (1, None)


async def test_a_dead_hosts_postponed_deliveries_arrive_in_order_when_it_returns(
    start_warmline: StartWarmline, make_peer: Callable[[], Awaitable[Peer]]
) -> None:
    # Given a host that was down when three posts went out
    warmline = await start_warmline()
    peer = await make_peer()
    await follower_on(warmline, peer)
    assert peer.server is not None and peer.server.port is not None
    port, app = peer.server.port, peer.server.app
    await kill(peer, "refused")
    for text in ("one", "two", "three"):
        await post(warmline, text)
    await warmline.run_deliveries()

    # When it is back and they are due again
    peer.server = TestServer(app, host="127.0.0.1", port=port)
    await peer.server.start_server()
    await make_due(warmline)
    assert await warmline.run_deliveries() == 3

    # Then it has all three, in the order they were sent, each sent once
    assert [r.doc["object"]["content"] for r in peer.received] == [
        "<p>one</p>", "<p>two</p>", "<p>three</p>"
    ]  # fmt: skip
    assert [(d["state"], d["attempts"]) for d in (await warmline.deliveries())[-3:]] == [
        ("sent", 2), ("sent", 1), ("sent", 1)
    ]  # fmt: skip
    await peer.server.close()


async def test_a_dead_host_still_trips_the_circuit_once_a_batch(
    start_warmline: StartWarmline, make_peer: Callable[[], Awaitable[Peer]]
) -> None:
    # Given a host that is down and a circuit that opens after 2 failed batches
    warmline = await start_warmline(circuit_failures=2, circuit_open_seconds=3600)
    peer = await make_peer()
    await follower_on(warmline, peer)
    host = peer.host
    await kill(peer, "refused")
    for text in ("one", "two", "three"):
        await post(warmline, text)

    # When two batches fail to reach it (one attempt each), and a third comes
    for _ in range(2):
        assert await warmline.run_deliveries() == 3
        await make_due(warmline)
    assert await warmline.run_deliveries() == 3

    # Then the third batch tried nothing: all wait for the circuit, two attempts in all
    mine = (await warmline.deliveries())[-3:]
    assert sum(d["attempts"] for d in mine) == 2
    assert all(d["next_attempt_at"] > datetime.now(UTC) + timedelta(minutes=55) for d in mine)
    async with warmline.svc.db.read() as conn:
        state = (await queues.host_states(conn, [host]))[host]
    assert state.consecutive_failures == 2 and state.circuit_open_until is not None


async def test_deliveries_still_queued_when_the_lease_runs_short_are_released_untried(
    start_warmline: StartWarmline, peer: Peer
) -> None:
    # Given a short lease (half of it left for requests to start) and a slow inbox
    warmline = await start_warmline(lease_seconds=1)
    await follower_on(warmline, peer)
    peer.slow_types = frozenset({"Create"})  # 0.3 s an answer: four take longer than 0.5 s
    texts = ["one", "two", "three", "four"]
    for text in texts:
        await post(warmline, text)

    # When one batch has gone
    assert await warmline.run_deliveries() == 4

    # Then what had not started is back in the queue: untried, unheld, due as before
    d = deliveries.c
    query = select(d.state, d.attempts, d.locked_until, d.next_attempt_at).order_by(d.id)
    async with warmline.svc.db.read() as conn:
        rows = (await conn.execute(query)).all()[-4:]
    waiting = [r for r in rows if r.state == "pending"]
    assert len(waiting) >= 2 and len(peer.received) == 4 - len(waiting)
    assert all(r.attempts == 0 and r.locked_until is None for r in waiting)
    assert all(r.next_attempt_at <= datetime.now(UTC) for r in waiting)

    # and later batches send the rest, in order, each once, with no attempt lost
    for _ in range(50):
        if len(peer.received) == 4:
            break
        await warmline.run_deliveries()
    assert [r.doc["object"]["content"] for r in peer.received] == [f"<p>{t}</p>" for t in texts]
    assert [(x["state"], x["attempts"]) for x in (await warmline.deliveries())[-4:]] == [
        ("sent", 1)
    ] * 4


# --- what we serve ---------------------------------------------------------------------


async def get_as2(w: Warmline, path: str, status: int = 200) -> dict[str, Any]:
    resp = await w.client.get(path, headers={"Accept": AS2})
    assert resp.status == status, await resp.text()
    return await resp.json(content_type=None)


async def test_the_outbox_lists_public_posts_only(warmline: Warmline) -> None:
    public = await post(warmline, "For everyone")
    await post(warmline, "For followers", visibility="private")
    await post(warmline, "For bob @bob", visibility="direct")

    collection = await get_as2(warmline, "/users/alice/outbox")
    page = await get_as2(warmline, "/users/alice/outbox?page=true")

    assert collection["type"] == "OrderedCollection" and collection["totalItems"] == 1
    assert collection["first"] == f"{ALICE}/outbox?page=true"
    assert page["type"] == "OrderedCollectionPage" and page["partOf"] == f"{ALICE}/outbox"
    assert [(a["type"], a["object"]["id"]) for a in page["orderedItems"]] == [
        ("Create", f"{ALICE}/statuses/{public.id}")
    ]


async def test_the_followers_collection_pages_through_local_and_remote_followers(
    warmline: Warmline, peer: Peer
) -> None:
    erin = await follower_on(warmline, peer)
    await graph.follow(warmline.svc, warmline.bob, warmline.alice)

    collection = await get_as2(warmline, "/users/alice/followers")
    page = await get_as2(warmline, "/users/alice/followers?page=true")

    assert collection["totalItems"] == 2
    assert page["orderedItems"] == [f"{BASE}/users/bob", erin.id]


async def test_a_post_is_served_as_a_valid_note(warmline: Warmline) -> None:
    status = await post(warmline, "Hello #fediverse @bob", language="en")

    note = await get_as2(warmline, f"/users/alice/statuses/{status.id}")

    validate("object", note)
    assert note["id"] == f"{ALICE}/statuses/{status.id}" and note["type"] == "Note"
    assert note["attributedTo"] == ALICE and note["url"] == f"{BASE}/@alice/{status.id}"
    assert note["to"] == [PUBLIC] and note["contentMap"] == {"en": status.content}
    activity = await get_as2(warmline, f"/users/alice/statuses/{status.id}/activity")
    validate("activity", activity)
    assert activity["type"] == "Create" and activity["object"]["id"] == note["id"]


async def test_a_followers_only_post_is_not_served_to_anyone(warmline: Warmline) -> None:
    status = await post(warmline, "Only for followers", visibility="private")

    resp = await warmline.client.get(f"/users/alice/statuses/{status.id}", headers={"Accept": AS2})

    assert resp.status == 404


# --- incoming edits, threads and deletions -------------------------------------------------


def note_by(author: RemoteActor, text: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"{author.origin}/notes/{next(_serial)}",
        "type": "Note",
        "attributedTo": author.id,
        "content": f"<p>{text}</p>",
        "to": [PUBLIC],
        "cc": [f"{author.id}/followers"],
        **extra,
    }


async def test_a_reply_that_arrives_before_its_parent_joins_the_thread_later(
    warmline: Warmline, peer: Peer
) -> None:
    # Given alice follows erin
    erin = peer.add("erin")
    await alice_follows(warmline, erin)
    parent = note_by(erin, "first")
    reply = note_by(erin, "second", inReplyTo=parent["id"])

    # When the reply arrives first, then its parent
    await warmline.deliver(erin, remote_activity(erin, "Create", reply, to=[PUBLIC]))
    await warmline.deliver(erin, remote_activity(erin, "Create", parent, to=[PUBLIC]))

    # Then the thread is whole
    async with warmline.svc.db.read() as conn:
        first = await statuses_q.get_status_by_uri(conn, parent["id"])
        second = await statuses_q.get_status_by_uri(conn, reply["id"])
    assert first is not None and second is not None
    assert second.in_reply_to_id == first.id
    thread = await timelines.context(warmline.svc, warmline.alice, second.id)
    assert [s.id for s in thread.ancestors] == [first.id]


async def test_a_remote_edit_changes_the_post_and_marks_it_edited(
    warmline: Warmline, peer: Peer
) -> None:
    erin = peer.add("erin")
    await alice_follows(warmline, erin)
    note = note_by(erin, "draft")
    await warmline.deliver(erin, remote_activity(erin, "Create", note, to=[PUBLIC]))

    edited = {
        **note,
        "content": "<p>final <script>x</script></p>",
        "updated": "2026-11-26T12:00:00Z",
    }
    await warmline.deliver(erin, remote_activity(erin, "Update", edited, to=[PUBLIC]))

    async with warmline.svc.db.read() as conn:
        status = await statuses_q.get_status_by_uri(conn, note["id"])
    assert status is not None and status.content == "<p>final </p>"
    assert status.edited_at == datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


async def test_a_profile_update_is_read_from_the_actors_own_server(
    warmline: Warmline, peer: Peer
) -> None:
    erin = peer.add("erin")
    account = await warmline.remote_account(erin)
    assert account.display_name == ""
    peer.display_names[erin.name] = "Erin Example"

    # The Update embeds a different name: what counts is what erin's server serves.
    embedded = {
        "id": erin.id,
        "type": "Person",
        "name": "Not what the server says",
        "inbox": f"{erin.id}/inbox",
    }
    await warmline.deliver(erin, remote_activity(erin, "Update", embedded))

    assert (await warmline.refresh(account)).display_name == "Erin Example"


async def test_a_deleted_remote_account_takes_its_posts_and_follows_with_it(
    warmline: Warmline, peer: Peer
) -> None:
    erin = await follower_on(warmline, peer)
    await alice_follows(warmline, erin)
    status = await remote_post(warmline, erin)

    await warmline.deliver(erin, remote_activity(erin, "Delete", erin.id, to=[PUBLIC]))

    assert (await warmline.status(status.id)).deleted_at is not None
    assert await timelines.home(warmline.svc, warmline.alice, Page()) == []
    account = await warmline.remote_account(erin)
    assert account.suspended_at is not None
    async with warmline.svc.db.read() as conn:
        assert await graph_q.get_follow(conn, account.id, warmline.alice.id) is None
        assert await graph_q.get_follow(conn, warmline.alice.id, account.id) is None
