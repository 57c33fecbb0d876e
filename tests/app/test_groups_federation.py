# ruff: noqa: F811  (pytest fixtures imported from test_federation_services)
"""Groups with other software, through the real inbox (FEP-1b12).

The documents are the real ones in tests/fixtures (lemmy/, guppe/), moved onto
fake peers on loopback ports: each peer serves the fixture's actor document
(its key swapped for one the test signs with) and the posts it "hosts", and
records what we POST to it. Everything arrives signed at our shared inbox and
is applied by the inbox worker, as in production.

- A member joins a Lemmy community (Follow out, Lemmy's Accept back); the
  community's Announce(Create(Page)) lists the post, fetched from its origin,
  and boosts it into her feed (once); featuring and unfeaturing it (Add and
  Remove with a target) leave it listed; an announced Update is read again
  from the origin; an announced moderator's Delete takes it out of the list
  and the boost out of her feed; an embedded Create naming a post elsewhere
  is not believed.
- A Guppe group announces a Note by id: listed.
- A Lemmy user joins one of our groups, and posts to it with ``audience``:
  redistributed; a non-member's post is not; a banned account is refused.
- Every Group actor in the fixtures reads as a group through the API.

Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from apiclient import Member, member
from sqlalchemy import select

from federation import keys as fkeys
from federation.jsonld import compact_inbound
from federation.validate import validate
from server.services import group_moderation, groups
from server.services.groups import GroupDraft
from server.services.remote import parse_actor
from server.store import graph as graph_q
from server.store.tables import inbox_items
from tests.app.test_federation_services import (  # noqa: F401 (fixtures)
    ALICE,
    BASE,
    PUBLIC,
    Peer,
    RemoteActor,
    Warmline,
    make_peer,
    peer,
    start_warmline,
    warmline,
)

FIXTURES = Path(__file__).parents[1] / "fixtures"
GROUPS = "/api/v1/warmline/groups"
AS2 = "application/activity+json"
# What Lemmy puts on everything it sends and serves (the fixtures' assets have
# none); join-lemmy.org's context is not bundled and reads as empty.
LEMMY_CONTEXT = ["https://join-lemmy.org/context.json", "https://www.w3.org/ns/activitystreams"]
# What activitypub-express (Guppe) puts on its documents.
APEX_CONTEXT = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]
_serial = itertools.count(1)


# --- a fake server serving fixture documents ------------------------------------------------


@dataclass
class DocPeer:
    """A server on a loopback port: serves whatever ``docs`` holds at each path,
    records every POST (to any inbox)."""

    server: TestServer | None = None
    docs: dict[str, dict[str, Any]] = field(default_factory=dict)
    fetched: list[str] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)

    @property
    def origin(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}"

    @property
    def host(self) -> str:
        return self.origin.removeprefix("http://")

    def serve(self, doc: dict[str, Any]) -> dict[str, Any]:
        """Serve ``doc`` at its id (which must be on this peer)."""
        assert doc["id"].startswith(self.origin + "/"), doc["id"]
        self.docs[doc["id"].removeprefix(self.origin)] = doc
        return doc

    def actor(self, doc: dict[str, Any]) -> RemoteActor:
        """Serve an actor document from a fixture with a key of our own making."""
        key = fkeys.generate_rsa()
        doc["publicKey"]["publicKeyPem"] = fkeys.public_key_to_pem(key)
        assert doc["publicKey"]["id"] == f"{doc['id']}#main-key"  # as Warmline.deliver signs
        self.serve(doc)
        return RemoteActor(doc["id"], key)

    def got(self, kind: str) -> list[dict[str, Any]]:
        return [doc for doc in self.received if doc.get("type") == kind]

    async def get(self, request: web.Request) -> web.Response:
        self.fetched.append(request.path)
        doc = self.docs.get(request.path)
        if doc is None:
            raise web.HTTPNotFound()
        return web.json_response(doc, content_type=AS2)

    async def post(self, request: web.Request) -> web.Response:
        self.received.append(json.loads(await request.read()))
        return web.Response(status=202)


@pytest.fixture
async def make_doc_peer() -> AsyncIterator[Callable[[], Awaitable[DocPeer]]]:
    started: list[TestServer] = []

    async def make() -> DocPeer:
        fake = DocPeer()
        app = web.Application()
        app.router.add_get("/{tail:.*}", fake.get)
        app.router.add_post("/{tail:.*}", fake.post)
        fake.server = TestServer(app, host="127.0.0.1")
        await fake.server.start_server()
        started.append(fake.server)
        return fake

    yield make
    for server in started:
        await server.close()


def fixture(name: str, moves: dict[str, str], context: list[str] | None = None) -> dict[str, Any]:
    """A fixture document with its hosts (``http`` or ``https``) moved: ``moves``
    maps an old host (or host and path prefix) to a new origin (or id)."""
    text = (FIXTURES / name).read_text()
    for old in sorted(moves, key=len, reverse=True):  # longer first: ds9.lemmy.ml before lemmy.ml
        text = re.sub(rf"https?://{re.escape(old)}(?=[/\"])", moves[old], text)
    doc = json.loads(text)
    if context is not None and "@context" not in doc:
        doc = {"@context": context, **doc}
    return doc


# --- Lemmy ----------------------------------------------------------------------------------


@dataclass
class Lemmy:
    """enterprise.lemmy.ml (the community and its user lemmy_beta, a moderator)
    and ds9.lemmy.ml (lemmy_alpha), as the Lemmy fixtures name them."""

    enterprise: DocPeer
    ds9: DocPeer
    community: RemoteActor
    beta: RemoteActor
    alpha: RemoteActor

    @property
    def moves(self) -> dict[str, str]:
        return {
            "enterprise.lemmy.ml/c/main": self.community.id,  # the activities' community
            "enterprise.lemmy.ml/u/main": self.community.id,  # (the asset's audience typo)
            "enterprise.lemmy.ml": self.enterprise.origin,
            "ds9.lemmy.ml": self.ds9.origin,
            "lemmy.ml": self.enterprise.origin,
        }

    def doc(self, name: str, **moves: str) -> dict[str, Any]:
        return fixture(f"lemmy/{name}", {**self.moves, **moves}, LEMMY_CONTEXT)


def lemmy_person(peer: DocPeer, name: str) -> RemoteActor:
    """lemmy/actor-person.json (picard), as ``name`` on ``peer``."""
    doc = fixture("lemmy/actor-person.json", {"enterprise.lemmy.ml": peer.origin}, LEMMY_CONTEXT)
    text = json.dumps(doc).replace("/u/picard", f"/u/{name}").replace('"picard"', f'"{name}"')
    return peer.actor(json.loads(text))


@pytest.fixture
async def lemmy(make_doc_peer: Callable[[], Awaitable[DocPeer]]) -> Lemmy:
    enterprise, ds9 = await make_doc_peer(), await make_doc_peer()
    moved = {"enterprise.lemmy.ml": enterprise.origin}
    community = enterprise.actor(fixture("lemmy/actor-group.json", moved, LEMMY_CONTEXT))
    beta, alpha = lemmy_person(enterprise, "lemmy_beta"), lemmy_person(ds9, "lemmy_alpha")
    return Lemmy(enterprise, ds9, community, beta, alpha)


def page(peer: DocPeer, author: RemoteActor, community: str, key: int, text: str) -> dict[str, Any]:
    """A Lemmy post as its server serves it (the Page of announce-create-page.json,
    with a body)."""
    return peer.serve(
        {
            "@context": LEMMY_CONTEXT,
            "type": "Page",
            "id": f"{peer.origin}/post/{key}",
            "attributedTo": author.id,
            "to": [community, PUBLIC],
            "name": f"post {key}",
            "content": f"<p>{text}</p>\n",
            "mediaType": "text/html",
            "source": {"content": text, "mediaType": "text/markdown"},
            "commentsEnabled": True,
            "sensitive": False,
            "stickied": False,
            "published": "2021-11-01T12:11:22.871846Z",
            "audience": community,
        }
    )


def announced(lemmy: Lemmy, inner: dict[str, Any]) -> dict[str, Any]:
    """The community announces ``inner`` (announce-create-page.json's envelope)."""
    envelope = lemmy.doc("announce-create-page.json")
    envelope["object"] = {k: v for k, v in inner.items() if k != "@context"}
    envelope["id"] = f"{lemmy.enterprise.origin}/activities/announce/{next(_serial)}"
    return envelope


async def deliver(w: Warmline, actor: RemoteActor, doc: dict[str, Any]) -> None:
    """Signed to our shared inbox and applied; the worker finished it without error."""
    await w.deliver(actor, doc)
    query = select(inbox_items.c.state, inbox_items.c.last_error).where(
        inbox_items.c.activity_uri == doc["id"]
    )
    async with w.svc.db.read() as conn:
        state, error = (await conn.execute(query)).one()
    assert (state, error) == ("done", None)


async def join_the_community(w: Warmline, lemmy: Lemmy, alice: Member) -> int:
    """alice joins the community; Lemmy's Accept comes back. The group's id."""
    group = await w.svc.remote.fetch_actor(lemmy.community.id)
    assert group.actor_type == "Group"
    joined = await alice.post(f"{GROUPS}/{group.id}/join")
    assert (joined["my_membership"], joined["local"]) == ("pending", False)
    follow = await w.last_sent("Follow")
    assert (follow["actor"], follow["object"]) == (ALICE, lemmy.community.id)
    await w.run_deliveries()
    assert [f["id"] for f in lemmy.enterprise.got("Follow")] == [follow["id"]]

    accept = lemmy.doc("accept-follow.json")
    accept["to"] = [ALICE]
    accept["object"].update(actor=ALICE, id=follow["id"])
    await deliver(w, lemmy.community, accept)
    view = await alice.get(f"{GROUPS}/{group.id}")
    assert (view["my_membership"], view["account"]["group"]) == ("member", True)
    return group.id


async def home(who: Member) -> list[tuple[str, str | None]]:
    """(booster or author acct, boosted post's uri) of each home timeline entry."""
    found = await who.get("/api/v1/timelines/home")
    return [(s["account"]["acct"], s["reblog"] and s["reblog"]["uri"]) for s in found]


async def test_a_member_joins_a_lemmy_community_and_reads_its_posts(
    warmline: Warmline, lemmy: Lemmy
) -> None:
    w = warmline
    alice = await member(w.client, "alice")
    group_id = await join_the_community(w, lemmy, alice)
    community_acct = f"tenforward@{lemmy.enterprise.host}"

    # The community announces the Create of lemmy_beta's post; the Page embedded
    # in it has no body: what shows is the post as its origin serves it.
    post = page(lemmy.enterprise, lemmy.beta, lemmy.community.id, 7, "Warp core is stable")
    announce = lemmy.doc("announce-create-page.json")
    assert announce["object"]["object"]["id"] == post["id"]
    assert "content" not in announce["object"]["object"]
    await deliver(w, lemmy.community, announce)
    assert "/post/7" in lemmy.enterprise.fetched

    assert await home(alice) == [(community_acct, post["id"])]
    listed = await alice.get(f"{GROUPS}/{group_id}/statuses")
    assert [s["uri"] for s in listed] == [post["id"]]
    assert listed[0]["account"]["acct"] == f"lemmy_beta@{lemmy.enterprise.host}"
    assert "Warp core is stable" in listed[0]["content"]
    assert "<strong>post 7</strong>" in listed[0]["content"]  # a Page's name is its title

    # The same post announced again (under a new id) is listed, and boosted, once.
    again = {**announce, "id": f"{announce['id']}-again"}
    await deliver(w, lemmy.community, again)
    assert len(await alice.get(f"{GROUPS}/{group_id}/statuses")) == 1
    assert await home(alice) == [(community_acct, post["id"])]

    # A moderator features the post, then unfeatures it (Lemmy announces the Add
    # and the Remove, both with the featured collection as target): it stays.
    for name in ("add-featured-post.json", "remove-featured-post.json"):
        step = lemmy.doc(name, **{"ds9.lemmy.ml/c/main": lemmy.community.id,
                                  "ds9.lemmy.ml": lemmy.enterprise.origin})  # fmt: skip
        assert step["target"] == f"{lemmy.community.id}/featured"
        step.update(actor=lemmy.beta.id, object=post["id"])
        lemmy.enterprise.serve(step)  # Lemmy serves its activities at their ids
        await deliver(w, lemmy.community, announced(lemmy, step))
        assert [s["uri"] for s in await alice.get(f"{GROUPS}/{group_id}/statuses")] == [
            post["id"]
        ], name
    assert not [p for p in lemmy.enterprise.fetched if "/activities/" in p]  # not taken for posts

    # lemmy_beta edits it; the community announces the Update (lemmy/update-page.json):
    # what shows is the post as its origin now serves it, not the embedded copy.
    post["content"] = "<p>Warp core is stable, and so is the coffee</p>\n"
    edit = lemmy.doc("update-page.json", **{"ds9.lemmy.ml": lemmy.enterprise.origin})
    edit["actor"] = edit["object"]["attributedTo"] = lemmy.beta.id
    edit["object"].update(id=post["id"], content="<p>Send your password to lemmy_beta</p>")
    await deliver(w, lemmy.community, announced(lemmy, edit))
    [shown] = await alice.get(f"{GROUPS}/{group_id}/statuses")
    assert "so is the coffee" in shown["content"] and "password" not in shown["content"]
    assert shown["edited_at"] is not None

    # A moderator removes it: Lemmy announces the moderator's Delete.
    removal = lemmy.doc("delete-remove-note-mod.json")
    assert removal["actor"] == lemmy.beta.id and removal["summary"] == "bad comment"
    removal["object"] = post["id"]
    await deliver(w, lemmy.community, announced(lemmy, removal))
    assert await alice.get(f"{GROUPS}/{group_id}/statuses") == []
    assert await home(alice) == []  # nor is the community's boost of it left in her feed
    # ...but it is still lemmy_beta's post: its origin still serves it.
    await alice.get(f"/api/v1/statuses/{shown['id']}")

    # An author deletes their own post; Lemmy sends the Delete to the community
    # only, which announces it (lemmy/delete-page.json): the origin answers 404,
    # so the post is deleted here too. A group alone could not make us believe it.
    second = page(lemmy.enterprise, lemmy.beta, lemmy.community.id, 8, "Shore leave rota")
    create = announced(lemmy, {**lemmy.doc("announce-create-page.json")["object"],
                               "id": f"{lemmy.enterprise.origin}/activities/create/8",
                               "actor": lemmy.beta.id, "object": second})  # fmt: skip
    await deliver(w, lemmy.community, create)
    [listed] = await alice.get(f"{GROUPS}/{group_id}/statuses")
    assert listed["uri"] == second["id"]
    deletion = lemmy.doc("delete-page.json", **{"ds9.lemmy.ml": lemmy.enterprise.host})
    deletion.update(actor=lemmy.beta.id, object=second["id"])
    del lemmy.enterprise.docs["/post/8"]
    await deliver(w, lemmy.community, announced(lemmy, deletion))
    assert await alice.get(f"{GROUPS}/{group_id}/statuses") == []
    await alice.get(f"/api/v1/statuses/{listed['id']}", status=404)

    # The moderator bans alice from the community (lemmy/block-user.json: a Block
    # with the community as target): not a block between the two of them.
    ban = lemmy.doc("block-user.json", **{"ds9.lemmy.ml": "a.test"})
    ban.update(actor=lemmy.beta.id, object=f"{BASE}/users/alice", target=lemmy.community.id)
    await deliver(w, lemmy.beta, ban)
    beta = await alice.get("/api/v2/search", params={"q": lemmy.beta.id, "resolve": "true"})
    [relation] = await alice.get(
        "/api/v1/accounts/relationships", params={"id[]": beta["accounts"][0]["id"]}
    )
    assert (relation["blocked_by"], relation["blocking"]) == (False, False)


async def test_an_announced_create_is_not_believed_about_a_post_elsewhere(
    warmline: Warmline, lemmy: Lemmy, make_doc_peer: Callable[[], Awaitable[DocPeer]]
) -> None:
    w = warmline
    alice = await member(w.client, "alice")
    group_id = await join_the_community(w, lemmy, alice)
    elsewhere = await make_doc_peer()
    mallory = lemmy_person(elsewhere, "mallory")
    real = page(elsewhere, mallory, lemmy.community.id, 1, "What mallory really wrote")

    # The embedded Create puts words in a post on another server: the post is
    # fetched from its own origin, and what that origin says is what shows.
    create = lemmy.doc("create-page.json", **{"ds9.lemmy.ml": elsewhere.origin})
    create["actor"] = create["object"]["attributedTo"] = mallory.id
    create["object"].update(id=real["id"], content="<p>Send your password to mallory</p>")
    await deliver(w, lemmy.community, announced(lemmy, create))
    listed = await alice.get(f"{GROUPS}/{group_id}/statuses")
    assert [s["uri"] for s in listed] == [real["id"]]
    assert "What mallory really wrote" in listed[0]["content"]
    assert "password" not in listed[0]["content"]

    # A post its origin does not serve is not shown at all.
    create = lemmy.doc("create-page.json", **{"ds9.lemmy.ml": elsewhere.origin})
    create["actor"] = create["object"]["attributedTo"] = mallory.id
    create["object"]["id"] = f"{elsewhere.origin}/post/404"
    create["id"] = f"{elsewhere.origin}/activities/create/{next(_serial)}"
    await deliver(w, lemmy.community, announced(lemmy, create))
    assert "/post/404" in elsewhere.fetched
    assert [s["uri"] for s in await alice.get(f"{GROUPS}/{group_id}/statuses")] == [real["id"]]
    assert [uri for _, uri in await home(alice)] == [real["id"]]


# --- Guppe ----------------------------------------------------------------------------------


async def test_a_guppe_group_announces_a_note_by_id(
    warmline: Warmline, make_doc_peer: Callable[[], Awaitable[DocPeer]], peer: Peer
) -> None:
    w = warmline
    gup = await make_doc_peer()
    group_actor = gup.actor(fixture("guppe/actor-group.json", {"gup.pe": gup.origin}))
    erin = peer.add("erin")  # on a Mastodon-like server
    note = peer.publish(erin, "Anyone going to the meetup? @bernie2020")
    alice = await member(w.client, "alice")
    group = await w.svc.remote.fetch_actor(group_actor.id)
    assert (group.actor_type, group.username) == ("Group", "Bernie2020")
    await alice.post(f"{GROUPS}/{group.id}/join")
    follow = await w.last_sent("Follow")
    await w.run_deliveries()
    assert [f["id"] for f in gup.got("Follow")] == [follow["id"]]

    # As Guppe (activitypub-express) answers and shares: the Accept names the
    # Follow by id; the Announce names the post by id, to the group's followers.
    accept = {"@context": APEX_CONTEXT, "type": "Accept", "id": f"{gup.origin}/s/accept-1",
              "actor": group_actor.id, "to": [ALICE], "object": follow["id"]}  # fmt: skip
    await deliver(w, group_actor, accept)
    assert (await alice.get(f"{GROUPS}/{group.id}"))["my_membership"] == "member"
    share = {"@context": APEX_CONTEXT, "type": "Announce", "id": f"{gup.origin}/s/share-1",
             "actor": group_actor.id, "object": note["id"],
             "to": [f"{group_actor.id}/followers", PUBLIC], "cc": erin.id,
             "published": "2024-05-01T10:00:00.000Z"}  # fmt: skip
    await deliver(w, group_actor, share)

    listed = await alice.get(f"{GROUPS}/{group.id}/statuses")
    assert [(s["uri"], s["account"]["acct"]) for s in listed] == [(note["id"], f"erin@{peer.host}")]
    assert await home(alice) == [(f"Bernie2020@{gup.host}", note["id"])]
    # Guppe takes its share back: out of the group, and out of her feed.
    undo = {"@context": APEX_CONTEXT, "type": "Undo", "id": f"{gup.origin}/s/undo-1",
            "actor": group_actor.id, "object": share["id"]}  # fmt: skip
    await deliver(w, group_actor, undo)
    assert await alice.get(f"{GROUPS}/{group.id}/statuses") == []
    assert await home(alice) == []


# --- a Lemmy user in one of our groups ------------------------------------------------------


async def test_a_lemmy_user_joins_and_posts_in_our_group(
    warmline: Warmline, lemmy: Lemmy, make_doc_peer: Callable[[], Awaitable[DocPeer]]
) -> None:
    w = warmline
    made = await groups.create_group(w.svc, w.alice, GroupDraft("logistics"))
    ours = f"{BASE}/users/logistics"
    here = {"enterprise.lemmy.ml/c/main": ours}

    # lemmy_alpha (ds9) joins, as lemmy/follow.json: Accept goes back from the group.
    follow = lemmy.doc("follow.json", **here)
    assert (follow["actor"], follow["object"], follow["to"]) == (lemmy.alpha.id, ours, [ours])
    await deliver(w, lemmy.alpha, follow)
    accept = await w.last_sent("Accept")
    assert (accept["actor"], accept["object"]["id"]) == (ours, follow["id"])
    await w.run_deliveries()
    assert [a["object"]["id"] for a in lemmy.ds9.got("Accept")] == [follow["id"]]
    members = await (await w.client.get(f"{GROUPS}/{made.account.id}/members")).json()
    assert f"lemmy_alpha@{lemmy.ds9.host}" in [m["account"]["acct"] for m in members]

    # Then posts in it, as lemmy/create-page.json: to the group and Public, with
    # the group as FEP-1b12's audience. The group boosts it to its followers.
    create = lemmy.doc("create-page.json", **here)
    assert create["object"]["audience"] == ours and ours in create["object"]["to"]
    await deliver(w, lemmy.alpha, create)
    listed = await (await w.client.get(f"{GROUPS}/{made.account.id}/statuses")).json()
    assert [s["uri"] for s in listed] == [create["object"]["id"]]
    boosts = [d for d in await w.deliveries() if d["type"] == "Announce"]
    assert [d["inbox_url"] for d in boosts] == [f"{lemmy.ds9.origin}/inbox"]
    share = json.loads(boosts[0]["payload"])
    assert (share["actor"], share["object"]) == (ours, create["object"]["id"])
    assert f"{ours}/followers" in share["to"] + share["cc"]
    alice = await member(w.client, "alice")  # the owner reads it through the group's boost
    assert await home(alice) == [("logistics", create["object"]["id"])]

    # Named only as the post's FEP-1b12 ``audience`` (to Public, nothing in cc), as well.
    second = lemmy.doc("create-page.json", **here)
    second["object"].update(id=f"{lemmy.ds9.origin}/post/2", to=[PUBLIC])
    second["id"] = f"{lemmy.ds9.origin}/activities/create/{next(_serial)}"
    second["to"], second["cc"] = [PUBLIC], []
    await deliver(w, lemmy.alpha, second)
    listed = await (await w.client.get(f"{GROUPS}/{made.account.id}/statuses")).json()
    assert [s["uri"] for s in listed] == [second["object"]["id"], create["object"]["id"]]
    assert len([d for d in await w.deliveries() if d["type"] == "Announce"]) == 2

    # A non-member's post addressed to the group is not redistributed.
    beta_post = lemmy.doc("create-page.json", **here, **{"ds9.lemmy.ml": lemmy.enterprise.origin})
    beta_post["actor"] = beta_post["object"]["attributedTo"] = lemmy.beta.id
    beta_post["object"]["id"] = f"{lemmy.enterprise.origin}/post/99"
    beta_post["id"] = f"{lemmy.enterprise.origin}/activities/create/{next(_serial)}"
    await deliver(w, lemmy.beta, beta_post)
    listed = await (await w.client.get(f"{GROUPS}/{made.account.id}/statuses")).json()
    assert [s["uri"] for s in listed] == [second["object"]["id"], create["object"]["id"]]
    assert len([d for d in await w.deliveries() if d["type"] == "Announce"]) == 2

    # Banned, lemmy_beta's Follow is answered with Reject, and nothing is stored.
    beta_here = await w.svc.remote.fetch_actor(lemmy.beta.id)
    await group_moderation.remove_member(
        w.svc, w.alice, made.account.id, beta_here.id, ban=True, reason="spam"
    )
    join = lemmy.doc("follow.json", **here, **{"ds9.lemmy.ml": lemmy.enterprise.origin})
    join["actor"] = lemmy.beta.id
    join["id"] = f"{lemmy.enterprise.origin}/activities/follow/{next(_serial)}"
    await deliver(w, lemmy.beta, join)
    reject = await w.last_sent("Reject")
    assert (reject["actor"], reject["object"]["id"], reject["to"]) == (
        ours, join["id"], [lemmy.beta.id],
    )  # fmt: skip
    async with w.svc.db.read() as conn:
        assert await graph_q.get_follow(conn, beta_here.id, made.account.id) is None


# --- every Group actor in the fixtures, as the API shows it --------------------------------

GROUP_ACTORS = re.search(
    r"^- Group \(\d+\): (.+)$", (FIXTURES / "README.md").read_text(), re.MULTILINE
)


def group_fixtures() -> list[str]:
    assert GROUP_ACTORS is not None
    return [name.strip() for name in GROUP_ACTORS.group(1).split(",")]


async def test_every_group_actor_in_the_fixtures_is_a_group_account(warmline: Warmline) -> None:
    """Stored as fetched actors are, each is an Account with ``"group": true``
    and a group of the groups API."""
    w = warmline
    alice = await member(w.client, "alice")
    names = group_fixtures()
    assert len(names) == 11
    for name in names:
        raw = json.loads((FIXTURES / name).read_text())
        validate("actor", raw)
        account = await w.svc.remote.store(parse_actor(compact_inbound(raw), datetime.now(UTC)))
        entity = await alice.get(f"/api/v1/accounts/{account.id}")
        assert (entity["group"], entity["bot"], entity["uri"]) == (True, False, raw["id"]), name
        shown = await alice.get(f"{GROUPS}/{account.id}")
        assert (shown["local"], shown["my_membership"]) == (False, None), name
