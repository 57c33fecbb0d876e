"""The inbox door: what a peer's POST must pass before anything is stored.

A fake remote server runs on its own loopback port and serves its actors (with
their public keys); the Warmline app (dev mode, domain a.test, workers off) is
driven over real HTTP with requests signed for its public URL, exactly as a
peer signs them. Every refusal must say why in a JSON ``error`` and leave no
trace: no inbox item, no status.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from fakepeer import AS2, FakePeer, RemoteActor, fake_peer
from sqlalchemy import func, select

from federation import keys as fkeys
from federation.httpsig import sign_cavage
from federation.rfc9421 import sign_rfc9421
from server.app import create_app
from server.appkeys import CONFIG, DB, SERVICES
from server.config import Config
from server.services import domain_blocks, member_admin, members, timelines
from server.services.errors import NotFound
from server.services.inbox_owners import TRUST_SECONDS, InboxOwners
from server.store import accounts as accounts_q
from server.store import stats as stats_q
from server.store import statuses as statuses_q
from server.store.accounts import AccountRow
from server.store.statuses import Page
from server.store.tables import inbox_items, statuses
from server.workers.inbox import InboxWorker

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
ALICE = "http://a.test/users/alice"
_serial = itertools.count(1)


# --- a fake remote server ---------------------------------------------------------------


@pytest.fixture
async def peer() -> AsyncIterator[FakePeer]:
    async with fake_peer() as fake:
        yield fake


@pytest.fixture
async def warmline(
    aiohttp_client: Any, make_config: Callable[..., Config], database_url: str
) -> TestClient:
    """Warmline at a.test (dev mode: it may fetch loopback), member alice, workers off;
    on SQLite and on PostgreSQL."""
    config = make_config(domain="a.test", database_url=database_url)
    client = await aiohttp_client(create_app(config, workers=False))
    await members.create_member(client.app[DB], "alice", display_name="Alice Archer")
    return client


# --- activities ----------------------------------------------------------------------


def note_by(actor: RemoteActor, text: str = "Hello @alice", **changes: Any) -> dict[str, Any]:
    """A public Note by ``actor`` that mentions alice."""
    note = {
        "id": f"{actor.origin}/notes/{next(_serial)}",
        "type": "Note",
        "attributedTo": actor.id,
        "content": f"<p>{text}</p>",
        "published": "2024-05-01T10:00:00Z",
        "to": [PUBLIC],
        "cc": [f"{actor.id}/followers", ALICE],
        "tag": [{"type": "Mention", "href": ALICE, "name": "@alice@a.test"}],
    }
    note.update(changes)
    return note


def activity(actor: RemoteActor, kind: str, obj: Any, **changes: Any) -> dict[str, Any]:
    doc = {
        "@context": AS_CONTEXT,
        "id": f"{actor.origin}/activities/{next(_serial)}",
        "type": kind,
        "actor": actor.id,
        "object": obj,
    }
    doc.update(changes)
    return doc


def create_note(actor: RemoteActor, **changes: Any) -> dict[str, Any]:
    note = note_by(actor, **changes)
    return activity(actor, "Create", note, to=note["to"], cc=note["cc"])


def encode(doc: Any) -> bytes:
    return json.dumps(doc).encode()


# --- delivering -----------------------------------------------------------------------


def signed_headers(
    client: TestClient,
    actor: RemoteActor,
    path: str,
    body: bytes,
    *,
    scheme: str = "cavage",
    at: datetime | None = None,
    private_key: Any = None,
) -> dict[str, str]:
    """Headers for a POST of ``body`` to ``path``, signed for Warmline's public URL."""
    url = client.app[CONFIG].base_url + path
    headers = {"Host": "a.test", "Content-Type": AS2}
    if scheme == "cavage":
        sign, key_id, key = sign_cavage, actor.key_id, actor.rsa
    elif scheme == "rfc9421":
        sign, key_id, key = sign_rfc9421, actor.key_id, actor.rsa
    else:  # rfc9421-ed25519
        sign, key_id, key = sign_rfc9421, actor.ed25519_key_id, actor.ed25519
    added = sign("POST", url, headers, body, key_id=key_id, private_key=private_key or key, now=at)
    return {**headers, **added}


async def deliver(
    client: TestClient,
    actor: RemoteActor,
    doc: Any,
    *,
    path: str = "/inbox",
    **signing: Any,
) -> ClientResponse:
    """POST ``doc`` as ``actor`` would: JSON, signed by the actor's key."""
    body = encode(doc)
    return await client.post(
        path, data=body, headers=signed_headers(client, actor, path, body, **signing)
    )


async def refused(resp: ClientResponse, status: int) -> str:
    """Check the refusal's status and its JSON ``error``; return the error text."""
    assert resp.status == status, await resp.text()
    assert resp.content_type == "application/json"
    answer = await resp.json()
    assert isinstance(answer.get("error"), str) and answer["error"]
    return answer["error"]


# --- what was stored --------------------------------------------------------------------


async def stored_counts(client: TestClient) -> tuple[int, int]:
    """(inbox items, statuses)."""
    async with client.app[DB].read() as conn:
        items = (await conn.execute(select(func.count()).select_from(inbox_items))).scalar_one()
        posts = (await conn.execute(select(func.count()).select_from(statuses))).scalar_one()
    return int(items), int(posts)


@asynccontextmanager
async def nothing_stored(client: TestClient) -> AsyncIterator[None]:
    """Whatever the block sends may be refused, but must store no inbox item, no status."""
    before = await stored_counts(client)
    yield
    assert await stored_counts(client) == before


async def inbox_rows(client: TestClient) -> list[dict[str, Any]]:
    columns = [
        inbox_items.c[name] for name in ("activity_uri", "activity_type", "actor_uri", "state")
    ]
    async with client.app[DB].read() as conn:
        result = await conn.execute(select(*columns).order_by(inbox_items.c.id))
        return [dict(row) for row in result.mappings()]


async def process_inbox(client: TestClient) -> int:
    return await InboxWorker(client.app[SERVICES]).run_once()


async def member(client: TestClient, username: str = "alice") -> AccountRow:
    return await members.get_member(client.app[DB], username)


async def status_by_uri(client: TestClient, uri: str) -> statuses_q.StatusRow | None:
    async with client.app[DB].read() as conn:
        return await statuses_q.get_status_by_uri(conn, uri)


# --- accepted deliveries ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/inbox", "/users/alice/inbox"])
async def test_a_signed_note_mentioning_alice_is_stored_then_shown_to_her(
    warmline: TestClient, peer: FakePeer, path: str
) -> None:
    # Given a remote author
    bob = peer.add("bob")
    doc = create_note(bob, text="Hello @alice, shall we talk?")

    # When the peer delivers a Create(Note) that mentions alice
    resp = await deliver(warmline, bob, doc, path=path)

    # Then it is stored once, unprocessed, before the 202
    assert resp.status == 202, await resp.text()
    assert await inbox_rows(warmline) == [
        {
            "activity_uri": doc["id"],
            "activity_type": "Create",
            "actor_uri": bob.id,
            "state": "pending",
        }
    ]
    assert await stored_counts(warmline) == (1, 0)

    # And once the inbox worker has run, the post exists and alice was told
    assert await process_inbox(warmline) == 1
    status = await status_by_uri(warmline, doc["object"]["id"])
    assert status is not None and not status.local
    assert "shall we talk?" in status.content and status.visibility == "public"
    alice = await member(warmline)
    notes = await timelines.notifications(warmline.app[SERVICES], alice, Page())
    assert [(n.type, n.status_id) for n in notes] == [("mention", status.id)]
    assert [row["state"] for row in await inbox_rows(warmline)] == ["done"]


async def test_the_same_activity_delivered_twice_is_stored_once(
    warmline: TestClient, peer: FakePeer
) -> None:
    bob = peer.add("bob")
    doc = create_note(bob)

    first = await deliver(warmline, bob, doc)
    again = await deliver(warmline, bob, doc, path="/users/alice/inbox")

    assert (first.status, again.status) == (202, 202)
    assert len(await inbox_rows(warmline)) == 1
    await process_inbox(warmline)
    assert await stored_counts(warmline) == (1, 1)


async def test_many_deliveries_at_once_are_each_stored_once(
    warmline: TestClient, peer: FakePeer
) -> None:
    """Concurrent deliveries share commits (group commit), redeliveries among
    them included: each activity is stored exactly once."""
    bob = peer.add("bob")
    await deliver(warmline, bob, create_note(bob))  # bob's key is fetched once
    docs = [create_note(bob) for _ in range(30)]
    twice = docs[:10]

    answers = await asyncio.gather(
        *(deliver(warmline, bob, doc) for doc in [*docs, *reversed(twice)])
    )

    assert [a.status for a in answers] == [202] * 40
    stored = [row["activity_uri"] for row in await inbox_rows(warmline)]
    assert sorted(stored[1:]) == sorted(doc["id"] for doc in docs)


@pytest.mark.parametrize("scheme", ["rfc9421", "rfc9421-ed25519"])
async def test_an_rfc9421_signed_delivery_is_accepted(
    warmline: TestClient, peer: FakePeer, scheme: str
) -> None:
    bob = peer.add("bob")
    doc = create_note(bob)

    resp = await deliver(warmline, bob, doc, scheme=scheme)

    assert resp.status == 202, await resp.text()
    assert [row["activity_uri"] for row in await inbox_rows(warmline)] == [doc["id"]]


async def test_a_body_that_arrives_in_pieces_is_read_whole(
    warmline: TestClient, peer: FakePeer
) -> None:
    """A slow network (or a proxy) hands the body over in several chunks."""
    bob = peer.add("bob")
    doc = create_note(bob, text="word " * 4000)
    body = encode(doc)
    headers = signed_headers(warmline, bob, "/inbox", body)

    async def trickle() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 4096):
            yield body[start : start + 4096]
            await asyncio.sleep(0.02)  # the network is slow, not the test

    resp = await warmline.post("/inbox", data=trickle(), headers=headers)

    assert resp.status == 202, await resp.text()


# --- refused: who signed it --------------------------------------------------------------


async def test_an_unsigned_delivery_is_refused(warmline: TestClient, peer: FakePeer) -> None:
    bob = peer.add("bob")
    body = encode(create_note(bob))

    async with nothing_stored(warmline):
        resp = await warmline.post("/inbox", data=body, headers={"Content-Type": AS2})
        error = await refused(resp, 401)

    assert "not signed" in error


async def test_a_signature_by_a_key_the_actor_does_not_have_is_refused(
    warmline: TestClient, peer: FakePeer
) -> None:
    # Given a forger who names bob's key id but signs with a key of their own
    bob = peer.add("bob")
    forged = fkeys.generate_rsa()

    async with nothing_stored(warmline):
        resp = await deliver(warmline, bob, create_note(bob), private_key=forged)
        error = await refused(resp, 401)

    assert "does not verify" in error


async def test_forged_signatures_do_not_make_us_refetch_the_actor_every_time(
    warmline: TestClient, peer: FakePeer
) -> None:
    bob = peer.add("bob")
    forged = fkeys.generate_rsa()

    for _ in range(5):
        await refused(await deliver(warmline, bob, create_note(bob), private_key=forged), 401)

    assert len(peer.fetched) <= 2


async def test_a_delivery_signed_for_another_server_is_refused(
    warmline: TestClient, peer: FakePeer
) -> None:
    # Given a delivery bob signed for b.test's inbox
    bob = peer.add("bob")
    body = encode(create_note(bob))
    headers = {"Host": "b.test", "Content-Type": AS2}
    headers |= sign_cavage(
        "POST", "http://b.test/inbox", headers, body, key_id=bob.key_id, private_key=bob.rsa
    )

    # When it is replayed at our inbox
    async with nothing_stored(warmline):
        resp = await warmline.post("/inbox", data=body, headers=headers)
        error = await refused(resp, 401)

    assert "not this server" in error


async def test_a_replayed_delivery_signed_long_ago_is_refused(
    warmline: TestClient, peer: FakePeer
) -> None:
    bob = peer.add("bob")
    window = warmline.app[CONFIG].federation.signature_window
    long_ago = datetime.now(UTC) - timedelta(seconds=window + 60)

    async with nothing_stored(warmline):
        resp = await deliver(warmline, bob, create_note(bob), at=long_ago)
        error = await refused(resp, 401)

    assert "too old" in error


async def test_a_body_changed_after_signing_is_refused(
    warmline: TestClient, peer: FakePeer
) -> None:
    # Given a delivery signed for one body
    bob = peer.add("bob")
    doc = create_note(bob, text="I owe you nothing")
    headers = signed_headers(warmline, bob, "/inbox", encode(doc))
    # When someone on the way changes the text
    doc["object"]["content"] = "<p>I owe you 1000 EUR</p>"

    async with nothing_stored(warmline):
        resp = await warmline.post("/inbox", data=encode(doc), headers=headers)
        error = await refused(resp, 401)

    assert "digest" in error.lower()


async def test_an_activity_signed_by_one_actor_in_the_name_of_another_is_refused(
    warmline: TestClient, peer: FakePeer
) -> None:
    # Given mallory signs a note that claims to be carol's
    mallory, carol = peer.add("mallory"), peer.add("carol")
    doc = create_note(carol)

    async with nothing_stored(warmline):
        resp = await deliver(warmline, mallory, doc)
        error = await refused(resp, 401)

    assert mallory.id in error and carol.id in error


# --- refused: what the signer may say ---------------------------------------------------


async def test_a_create_of_an_object_on_another_origin_is_refused(
    warmline: TestClient, peer: FakePeer
) -> None:
    bob = peer.add("bob")
    doc = create_note(bob, id="https://elsewhere.test/notes/1")

    async with nothing_stored(warmline):
        resp = await deliver(warmline, bob, doc)
        await refused(resp, 403)


async def test_a_create_of_a_note_attributed_to_someone_else_is_refused(
    warmline: TestClient, peer: FakePeer
) -> None:
    bob, carol = peer.add("bob"), peer.add("carol")
    doc = create_note(bob, attributedTo=carol.id)

    async with nothing_stored(warmline):
        resp = await deliver(warmline, bob, doc)
        error = await refused(resp, 403)

    assert "attributed to someone else" in error


async def test_an_accept_of_a_follow_we_never_sent_is_refused(
    warmline: TestClient, peer: FakePeer
) -> None:
    bob = peer.add("bob")
    made_up = {"id": f"{ALICE}#follows/123", "type": "Follow", "actor": ALICE, "object": bob.id}

    async with nothing_stored(warmline):
        resp = await deliver(warmline, bob, activity(bob, "Accept", made_up))
        error = await refused(resp, 403)

    assert "answers nothing we sent" in error


@pytest.mark.parametrize("shape", ["by id", "embedded"])
async def test_an_undo_of_another_actors_follow_is_refused(
    warmline: TestClient, peer: FakePeer, shape: str
) -> None:
    # Given carol follows alice
    carol, mallory = peer.add("carol"), peer.add("mallory")
    follow = activity(carol, "Follow", ALICE)
    assert (await deliver(warmline, carol, follow)).status == 202
    await process_inbox(warmline)

    # When mallory, on the same server, tries to undo carol's follow
    undone = (
        follow["id"]
        if shape == "by id"
        else {k: follow[k] for k in ("id", "type", "actor", "object")}
    )
    async with nothing_stored(warmline):
        resp = await deliver(warmline, mallory, activity(mallory, "Undo", undone))
        await refused(resp, 403)

    # Then carol still follows alice
    alice = await member(warmline)
    async with warmline.app[DB].read() as conn:
        counts = (await stats_q.get_stats(conn, [alice.id]))[alice.id]
    assert (counts.followers, counts.following) == (1, 0)


# --- refused: the shape of the request ------------------------------------------------


async def test_a_body_over_the_cap_is_refused_before_anything_else(
    warmline: TestClient, peer: FakePeer
) -> None:
    bob = peer.add("bob")
    cap = warmline.app[CONFIG].federation.max_inbox_bytes
    doc = create_note(bob, text="x" * cap)

    async with nothing_stored(warmline):
        resp = await deliver(warmline, bob, doc)
        await refused(resp, 413)


async def test_a_body_over_the_cap_without_a_length_is_refused(
    warmline: TestClient, peer: FakePeer
) -> None:
    bob = peer.add("bob")
    cap = warmline.app[CONFIG].federation.max_inbox_bytes
    body = encode(create_note(bob, text="x" * cap))

    async def chunked() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    async with nothing_stored(warmline):
        resp = await warmline.post(
            "/inbox", data=chunked(), headers=signed_headers(warmline, bob, "/inbox", body)
        )
        await refused(resp, 413)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"this is not JSON", "not valid JSON"),
        (b"\xff\xfe{}", "not valid JSON"),
        (b'[{"type": "Create"}]', "must be a JSON object"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
    ids=["text", "bad utf-8", "array", "deeply nested"],
)
async def test_a_body_that_is_not_a_json_object_is_refused(
    warmline: TestClient, peer: FakePeer, body: bytes, expected: str
) -> None:
    bob = peer.add("bob")

    async with nothing_stored(warmline):
        resp = await warmline.post(
            "/inbox", data=body, headers=signed_headers(warmline, bob, "/inbox", body)
        )
        error = await refused(resp, 400)

    assert expected in error


async def test_an_activity_without_a_type_is_refused_with_a_readable_reason(
    warmline: TestClient, peer: FakePeer
) -> None:
    bob = peer.add("bob")
    doc = create_note(bob)
    del doc["type"]

    async with nothing_stored(warmline):
        resp = await deliver(warmline, bob, doc)
        await refused(resp, 400)
        answer = await resp.json()

    assert any("type" in line for line in [answer["error"], *answer.get("details", [])])


async def test_an_activity_with_a_bad_actor_iri_is_refused_with_a_readable_reason(
    warmline: TestClient, peer: FakePeer
) -> None:
    bob = peer.add("bob")
    doc = create_note(bob)
    doc["actor"] = "javascript:alert(1)"

    async with nothing_stored(warmline):
        resp = await deliver(warmline, bob, doc)
        await refused(resp, 400)
        answer = await resp.json()

    assert any("not an absolute http(s) URI" in line for line in answer["details"])


async def test_the_inbox_of_a_member_we_do_not_have_is_not_found(
    warmline: TestClient, peer: FakePeer
) -> None:
    bob = peer.add("bob")

    async with nothing_stored(warmline):
        resp = await deliver(warmline, bob, create_note(bob), path="/users/nobody/inbox")
        await refused(resp, 404)


async def test_a_member_created_after_a_404_gets_deliveries_at_once(
    warmline: TestClient, peer: FakePeer
) -> None:
    bob = peer.add("bob")
    resp = await deliver(warmline, bob, create_note(bob), path="/users/carol/inbox")
    await refused(resp, 404)

    await members.create_member(warmline.app[DB], "carol")

    resp = await deliver(warmline, bob, create_note(bob), path="/users/Carol/inbox")
    assert resp.status == 202, await resp.text()


async def test_the_inbox_of_a_member_deleted_here_is_gone_at_once(
    warmline: TestClient, peer: FakePeer
) -> None:
    # The door remembers the inboxes it found (no read per delivery) ...
    bob = peer.add("bob")
    resp = await deliver(warmline, bob, create_note(bob), path="/users/alice/inbox")
    assert resp.status == 202, await resp.text()

    # ... but forgets alice's when this process deletes her
    await member_admin.delete_member(warmline.app[SERVICES], "alice")

    async with nothing_stored(warmline):
        resp = await deliver(warmline, bob, create_note(bob), path="/users/alice/inbox")
        await refused(resp, 410)


async def test_an_inbox_found_is_trusted_for_a_few_seconds_only(
    warmline: TestClient,
) -> None:
    """Another process deleting a member: its inbox is refused once the door
    looks again, at most TRUST_SECONDS later."""
    now = [1000.0]
    owners = InboxOwners(warmline.app[DB], clock=lambda: now[0])
    await owners.check("alice")

    await member_admin.delete_member(warmline.app[SERVICES], "alice")  # not this cache's process

    now[0] += TRUST_SECONDS - 1
    await owners.check("ALICE")  # still trusted: accepted as the shared inbox would
    now[0] += 1
    with pytest.raises(members.MemberDeleted):
        await owners.check("alice")
    with pytest.raises(NotFound):
        await owners.check("nobody")


# --- refused: who we talk to ------------------------------------------------------------


async def block(client: TestClient, host: str) -> None:
    await domain_blocks.block(client.app[SERVICES], host, severity="suspend")


async def test_a_delivery_from_a_blocked_host_is_refused(
    warmline: TestClient, peer: FakePeer
) -> None:
    bob = peer.add("bob")
    await block(warmline, peer.host)

    async with nothing_stored(warmline):
        resp = await deliver(warmline, bob, create_note(bob))
        error = await refused(resp, 403)

    assert "blocked" in error


async def test_a_blocked_host_is_not_contacted_to_check_its_signature(
    warmline: TestClient, peer: FakePeer
) -> None:
    bob = peer.add("bob")
    await block(warmline, peer.host)

    resp = await deliver(warmline, bob, create_note(bob))

    await refused(resp, 403)
    assert peer.fetched == []


# --- odd but legal shapes never crash the door ------------------------------------------


async def test_an_activity_with_two_types_is_still_origin_checked(
    warmline: TestClient, peer: FakePeer
) -> None:
    """AS2 allows several types; the origin checks must still apply (and not crash)."""
    bob = peer.add("bob")
    doc = create_note(bob, id="https://elsewhere.test/notes/1")
    doc["type"] = ["Create", "https://example.org/ns#Announcement"]

    async with nothing_stored(warmline):
        resp = await deliver(warmline, bob, doc)
        await refused(resp, 403)


async def test_a_note_with_two_types_is_still_origin_checked(
    warmline: TestClient, peer: FakePeer
) -> None:
    bob, carol = peer.add("bob"), peer.add("carol")
    doc = create_note(bob, attributedTo=carol.id)
    doc["object"]["type"] = ["Note", "https://example.org/ns#Memo"]

    async with nothing_stored(warmline):
        resp = await deliver(warmline, bob, doc)
        await refused(resp, 403)


async def test_a_note_with_an_extra_type_from_its_author_becomes_a_status(
    warmline: TestClient, peer: FakePeer
) -> None:
    bob = peer.add("bob")
    doc = create_note(bob)
    doc["object"]["type"] = ["Note", "https://example.org/ns#Memo"]

    assert (await deliver(warmline, bob, doc)).status == 202
    await process_inbox(warmline)

    assert await status_by_uri(warmline, doc["object"]["id"]) is not None
    assert [row["state"] for row in await inbox_rows(warmline)] == ["done"]


async def test_a_body_that_is_not_utf8_is_refused(warmline: TestClient, peer: FakePeer) -> None:
    bob = peer.add("bob")
    body = json.dumps(create_note(bob)).encode("utf-16")
    async with nothing_stored(warmline):
        resp = await warmline.post(
            "/inbox", data=body, headers=signed_headers(warmline, bob, "/inbox", body)
        )
        error = await refused(resp, 400)
    assert "JSON" in error


async def test_text_a_database_cannot_store_is_cleaned_from_what_is_stored(
    warmline: TestClient, peer: FakePeer
) -> None:
    """JSON may carry U+0000 and lone surrogates in any string; PostgreSQL text
    cannot hold the first, neither database the second. The activity is accepted
    and kept as signed; the note and its author are stored without NULs (lone
    surrogates become U+FFFD); the worker goes on to the next item."""
    bob = peer.add("bob")
    bob.extra = {
        "name": "Bob\u0000 Builder",
        "summary": "<p>Builds\u0000 things</p>",
        "attachment": [
            {"type": "PropertyValue", "name": "Site\u0000", "value": "bob\u0000.example"}
        ],
    }
    doc = create_note(bob, text="Hello\u0000 @alice \ud83d", summary="Spoiler\u0000 ahead")
    doc["object"]["tag"].append({"type": "Hashtag", "name": "#nul\u0000tag"})
    doc["object"]["url"] = doc["object"]["id"] + "/page\u0000"
    assert b"\\u0000" in encode(doc) and b"\\ud83d" in encode(doc)  # escaped, as peers send

    assert (await deliver(warmline, bob, doc)).status == 202
    async with warmline.app[DB].read() as conn:  # kept as signed: escapes are only text
        payload = (await conn.execute(select(inbox_items.c.payload))).scalar_one()
    assert payload == encode(doc).decode()
    after = create_note(bob, text="And then @alice")
    assert (await deliver(warmline, bob, after)).status == 202
    assert await process_inbox(warmline) == 2

    assert [row["state"] for row in await inbox_rows(warmline)] == ["done", "done"]
    status = await status_by_uri(warmline, doc["object"]["id"])
    assert status is not None and "Hello @alice \ufffd" in status.content
    assert status.spoiler_text == "Spoiler ahead"
    assert status.url == doc["object"]["id"] + "/page"
    assert await status_by_uri(warmline, after["object"]["id"]) is not None
    async with warmline.app[DB].read() as conn:
        author = await accounts_q.get_account(conn, status.account_id)
        tags = await statuses_q.status_tag_names(conn, [status.id])
    assert author is not None and author.display_name == "Bob Builder"
    assert "Builds things" in author.summary
    assert author.fields == [{"name": "Site", "value": "bob.example"}]
    assert tags[status.id] == ["nultag"]
