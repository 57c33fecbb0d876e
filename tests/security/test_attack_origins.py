# ruff: noqa: F811  (fixtures imported from attackkit)
"""Attack suite: origin and authorship. A verified signer may speak only for
itself and its own objects.

Each case asserts the status (4xx, never 5xx) and that no row of any table
changed. Where the door may accept an activity whose wrongness only the
handler can see (an object id on the signer's own server that belongs to
another account there), the case runs the inbox worker and asserts that
nothing but the raw inbox log changed.

Already in tests/app/test_inbox_door.py (inbox items and statuses only):
test_a_create_of_an_object_on_another_origin_is_refused,
test_a_create_of_a_note_attributed_to_someone_else_is_refused,
test_an_accept_of_a_follow_we_never_sent_is_refused,
test_an_undo_of_another_actors_follow_is_refused,
test_an_activity_with_two_types_is_still_origin_checked,
test_a_note_with_two_types_is_still_origin_checked. The every-table versions
of the first two are here.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from fakepeer import FakePeer, RemoteActor

from federation import keys as fkeys
from server.appkeys import DB, SERVICES
from server.services import graph, posts
from server.services.posts import Draft
from server.store import accounts as accounts_q
from server.store.tables import follows
from tests.app.test_inbox_door import (
    ALICE,
    activity,
    create_note,
    deliver,
    encode,
    member,
    note_by,
    process_inbox,
    signed_headers,
    status_by_uri,
)
from tests.security.attackkit import (  # noqa: F401 (fixtures)
    cavage_headers,
    known,
    nothing_changed,
    peer,
    public_url,
    refused_4xx,
    warmline,
)

# Tables a refused-by-the-handler activity may touch: only the raw inbox log.
INBOX_LOG = ("inbox_items",)


async def handled_without_effect(client: TestClient, resp: Any) -> None:
    """Refused at the door (4xx), or accepted and then ignored by the worker."""
    assert resp.status < 500, await resp.text()
    assert resp.status in (202, 401, 403), await resp.text()
    await process_inbox(client)


async def stored_note(client: TestClient, author: RemoteActor, **changes: Any) -> dict[str, Any]:
    """A note by ``author`` that Warmline stored (delivered and processed)."""
    doc = create_note(author, **changes)
    assert (await deliver(client, author, doc)).status == 202
    await process_inbox(client)
    assert await status_by_uri(client, doc["object"]["id"]) is not None
    return doc["object"]


# --- Create: ids and authorship ----------------------------------------------------------


@pytest.mark.parametrize(
    "object_id",
    ["https://elsewhere.test/notes/1", "http://a.test/users/alice/statuses/1", "http://a.test/x"],
    ids=["another-server", "our-member", "our-origin"],
)
async def test_a_create_of_an_object_on_another_origin_changes_nothing(
    warmline: TestClient, peer: FakePeer, object_id: str
) -> None:
    bob = peer.add("bob")
    await known(warmline, bob)
    async with nothing_changed(warmline):
        await refused_4xx(await deliver(warmline, bob, create_note(bob, id=object_id)), 403)


async def test_an_activity_id_on_another_origin_is_refused(
    warmline: TestClient, peer: FakePeer
) -> None:
    bob = peer.add("bob")
    await known(warmline, bob)
    doc = create_note(bob, id=f"{peer.origin}/notes/x")
    doc["id"] = "https://elsewhere.test/activities/1"
    async with nothing_changed(warmline):
        await refused_4xx(await deliver(warmline, bob, doc), 403)


@pytest.mark.parametrize(
    "attributed",
    ["carol", "embedded carol", "alice (ours)"],
)
async def test_a_note_attributed_to_someone_else_changes_nothing(
    warmline: TestClient, peer: FakePeer, attributed: str
) -> None:
    bob, carol = peer.add("bob"), peer.add("carol")
    await known(warmline, bob, carol)
    value: Any = {
        "carol": carol.id,
        "embedded carol": {"id": carol.id, "type": "Person"},
        "alice (ours)": ALICE,
    }[attributed]
    doc = create_note(bob, attributedTo=value)
    async with nothing_changed(warmline):
        await refused_4xx(await deliver(warmline, bob, doc), 403)


async def test_a_co_authored_note_is_stored_as_the_signers(
    warmline: TestClient, peer: FakePeer
) -> None:
    """attributedTo [carol, bob] signed by bob: never shown as carol's."""
    bob, carol = peer.add("bob"), peer.add("carol")
    await known(warmline, bob, carol)
    doc = create_note(bob, attributedTo=[carol.id, bob.id])
    resp = await deliver(warmline, bob, doc)
    assert resp.status in (202, 403), await resp.text()
    await process_inbox(warmline)
    status = await status_by_uri(warmline, doc["object"]["id"])
    if status is not None:
        async with warmline.app[DB].read() as conn:
            author = await accounts_q.get_account(conn, status.account_id)
        assert author is not None and author.uri == bob.id


# --- embedded objects that claim more than the signer may say -------------------------


async def test_an_announce_embedding_another_servers_note_does_not_store_its_content(
    warmline: TestClient, peer: FakePeer
) -> None:
    """The embedded copy is not trusted: the note is fetched from its own
    origin (here one the server may not contact), so nothing of it is kept."""
    bob = peer.add("bob")
    await known(warmline, bob)
    fake = {
        "id": "https://elsewhere.test/notes/forged",
        "type": "Note",
        "attributedTo": "https://elsewhere.test/users/ceo",
        "content": "<p>We are bankrupt</p>",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    }
    doc = activity(bob, "Announce", fake, to=fake["to"])
    async with nothing_changed(warmline, ignore=INBOX_LOG):
        await handled_without_effect(warmline, await deliver(warmline, bob, doc))
    assert await status_by_uri(warmline, fake["id"]) is None


async def test_an_announce_embedding_a_forged_note_of_a_neighbour_is_not_trusted(
    warmline: TestClient, peer: FakePeer
) -> None:
    """Same server as the signer, another author: the copy is not stored as carol's."""
    bob, carol = peer.add("bob"), peer.add("carol")
    await known(warmline, bob, carol)
    fake = note_by(carol, text="I resign", id=f"{peer.origin}/notes/forged-by-bob")
    doc = activity(bob, "Announce", fake, to=fake["to"])
    resp = await deliver(warmline, bob, doc)
    await handled_without_effect(warmline, resp)
    assert await status_by_uri(warmline, fake["id"]) is None  # the peer serves no such note


# --- Update, Delete, Undo, Accept by the wrong party ----------------------------------


async def test_an_update_of_someone_elses_note_is_refused(
    warmline: TestClient, peer: FakePeer
) -> None:
    carol, mallory = peer.add("carol"), peer.add("mallory")
    await known(warmline, mallory)
    note = await stored_note(warmline, carol, text="The meeting is at 10")
    changed = {**note, "content": "<p>The meeting is cancelled</p>"}
    async with nothing_changed(warmline):
        await refused_4xx(await deliver(warmline, mallory, activity(mallory, "Update", changed)))


async def test_an_update_of_a_neighbours_note_without_attribution_changes_nothing(
    warmline: TestClient, peer: FakePeer
) -> None:
    """Same origin, no attributedTo: the door cannot tell, the handler must."""
    carol, mallory = peer.add("carol"), peer.add("mallory")
    await known(warmline, mallory)
    note = await stored_note(warmline, carol, text="The meeting is at 10")
    changed = {k: v for k, v in note.items() if k != "attributedTo"}
    changed["content"] = "<p>The meeting is cancelled</p>"
    async with nothing_changed(warmline, ignore=INBOX_LOG):
        resp = await deliver(warmline, mallory, activity(mallory, "Update", changed))
        await handled_without_effect(warmline, resp)


@pytest.mark.parametrize("whom", ["carol (same server)", "alice (ours)"])
async def test_an_update_of_another_actor_is_refused(
    warmline: TestClient, peer: FakePeer, whom: str
) -> None:
    carol, mallory = peer.add("carol"), peer.add("mallory")
    await known(warmline, mallory, carol)
    target = carol.id if whom.startswith("carol") else ALICE
    person = {"id": target, "type": "Person", "name": "Hacked", "inbox": f"{mallory.id}/inbox"}
    async with nothing_changed(warmline):
        await refused_4xx(await deliver(warmline, mallory, activity(mallory, "Update", person)))


@pytest.mark.parametrize("shape", ["by id", "tombstone"])
async def test_a_delete_of_a_neighbours_note_changes_nothing(
    warmline: TestClient, peer: FakePeer, shape: str
) -> None:
    carol, mallory = peer.add("carol"), peer.add("mallory")
    await known(warmline, mallory)
    note = await stored_note(warmline, carol)
    obj: Any = note["id"] if shape == "by id" else {"id": note["id"], "type": "Tombstone"}
    async with nothing_changed(warmline, ignore=INBOX_LOG):
        resp = await deliver(warmline, mallory, activity(mallory, "Delete", obj))
        await handled_without_effect(warmline, resp)
    assert await status_by_uri(warmline, note["id"]) is not None


async def test_a_delete_of_a_neighbour_account_changes_nothing(
    warmline: TestClient, peer: FakePeer
) -> None:
    carol, mallory = peer.add("carol"), peer.add("mallory")
    await known(warmline, carol, mallory)
    await stored_note(warmline, carol)
    async with nothing_changed(warmline, ignore=INBOX_LOG):
        resp = await deliver(warmline, mallory, activity(mallory, "Delete", carol.id))
        await handled_without_effect(warmline, resp)


@pytest.mark.parametrize("what", ["alice's post", "alice"])
async def test_a_delete_of_something_of_ours_is_refused(
    warmline: TestClient, peer: FakePeer, what: str
) -> None:
    svc = warmline.app[SERVICES]
    alice = await member(warmline)
    status = await posts.create_status(svc, alice, Draft("mine", visibility="public"))
    from server.services.objects import status_uri

    target = status_uri(svc, status, alice) if what == "alice's post" else ALICE
    bob = peer.add("bob")
    await known(warmline, bob)
    async with nothing_changed(warmline):
        await refused_4xx(await deliver(warmline, bob, activity(bob, "Delete", target)), 403)


async def _liked_by(client: TestClient, actor: RemoteActor) -> dict[str, Any]:
    """``actor`` likes a post of alice's; returns the Like."""
    svc = client.app[SERVICES]
    alice = await member(client)
    status = await posts.create_status(svc, alice, Draft("like me", visibility="public"))
    from server.services.objects import status_uri

    like = activity(actor, "Like", status_uri(svc, status, alice))
    assert (await deliver(client, actor, like)).status == 202
    await process_inbox(client)
    return like


@pytest.mark.parametrize("shape", ["embedded", "by id"])
async def test_an_undo_of_a_neighbours_like_changes_nothing(
    warmline: TestClient, peer: FakePeer, shape: str
) -> None:
    carol, mallory = peer.add("carol"), peer.add("mallory")
    await known(warmline, carol, mallory)
    like = await _liked_by(warmline, carol)
    undone: Any = like if shape == "embedded" else like["id"]
    async with nothing_changed(warmline, ignore=INBOX_LOG):
        resp = await deliver(warmline, mallory, activity(mallory, "Undo", undone))
        if shape == "embedded":
            await refused_4xx(resp, 403)
        else:
            await handled_without_effect(warmline, resp)


async def _alice_follows(client: TestClient, actor: RemoteActor) -> str:
    """alice asks to follow ``actor`` (pending); returns the Follow's id."""
    svc = client.app[SERVICES]
    alice = await member(client)
    target = await svc.remote.fetch_actor(actor.id)
    row = await graph.follow(svc, alice, target)
    assert row.state == "pending"
    return row.uri


@pytest.mark.parametrize("kind", ["Accept", "Reject"])
@pytest.mark.parametrize("shape", ["by id", "embedded"])
async def test_an_answer_to_our_follow_by_the_wrong_party_changes_nothing(
    warmline: TestClient, peer: FakePeer, kind: str, shape: str
) -> None:
    bob, mallory = peer.add("bob"), peer.add("mallory")
    await known(warmline, mallory)
    follow_id = await _alice_follows(warmline, bob)
    follow = {"id": follow_id, "type": "Follow", "actor": ALICE, "object": bob.id}
    answered: Any = follow_id if shape == "by id" else follow
    async with nothing_changed(warmline):
        await refused_4xx(await deliver(warmline, mallory, activity(mallory, kind, answered)))
    async with warmline.app[DB].read() as conn:
        from sqlalchemy import select

        states = (await conn.execute(select(follows.c.state))).scalars().all()
    assert states == ["pending"]


# --- a remote that claims to be one of ours ---------------------------------------------


async def test_a_remote_signer_claiming_to_be_a_local_actor_is_refused(
    warmline: TestClient, peer: FakePeer
) -> None:
    bob = peer.add("bob")
    await known(warmline, bob)
    doc = activity(bob, "Create", note_by(bob))
    doc["actor"] = ALICE
    doc["object"]["attributedTo"] = ALICE
    doc["object"]["id"] = "http://a.test/users/alice/statuses/999"
    doc["id"] = "http://a.test/users/alice/statuses/999/activity"
    async with nothing_changed(warmline):
        await refused_4xx(await deliver(warmline, bob, doc), 401)


async def test_a_forged_signature_with_a_local_key_id_is_refused(
    warmline: TestClient, peer: FakePeer
) -> None:
    bob = peer.add("bob")
    doc = activity(bob, "Create", note_by(bob))
    doc["actor"] = ALICE
    doc["object"]["attributedTo"] = ALICE
    body = encode(doc)
    headers = cavage_headers(
        public_url(warmline, "/inbox"),
        body,
        key_id=f"{ALICE}#main-key",
        private_key=fkeys.generate_rsa(),
    )
    async with nothing_changed(warmline):
        await refused_4xx(await warmline.post("/inbox", data=body, headers=headers), 401)
    assert peer.fetched == []


@pytest.mark.parametrize("actor_named", ["alice", "the signer"])
async def test_a_peer_document_claiming_a_local_id_is_refused(
    warmline: TestClient, peer: FakePeer, actor_named: str
) -> None:
    """mallory's document at the peer says its id is alice's (on our origin)."""
    mallory = peer.add("mallory")
    mallory.extra = {"id": ALICE}
    doc = create_note(mallory)
    if actor_named == "alice":
        doc["actor"] = ALICE
        doc["object"]["attributedTo"] = ALICE
    body = encode(doc)
    async with nothing_changed(warmline):
        resp = await warmline.post(
            "/inbox", data=body, headers=signed_headers(warmline, mallory, "/inbox", body)
        )
        await refused_4xx(resp, 401)
    alice = await member(warmline)
    assert alice.domain is None and alice.display_name == "Alice Archer"
