# ruff: noqa: F811  (pytest fixtures imported from test_federation_services)
"""Silent mentions: a member named in a post's ``to``/``cc`` without a ``Mention``
tag (as Pleroma, Misskey, GoToSocial and others address people) is mentioned.

The documents are real servers' Create activities (tests/fixtures), moved onto a
fake peer and addressed to alice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from server.services import blocks, conversations, posts, timelines
from server.services.errors import NotFound
from server.store import statuses as statuses_q
from server.store.statuses import Page, StatusRow
from tests.app.test_federation_services import (  # noqa: F401 (fixtures)
    ALICE,
    ALICE_FOLLOWERS,
    PUBLIC,
    Peer,
    RemoteActor,
    Warmline,
    make_peer,
    peer,
    start_warmline,
    warmline,
)


def rehomed(
    fixtures_dir: Path, name: str, origin: str, peer: Peer, user: str
) -> tuple[RemoteActor, dict[str, Any]]:
    """Fixture ``name``, sent by ``origin``'s ``user``, as ``peer`` sends it."""
    actor = peer.add(user)
    text = (fixtures_dir / name).read_text().replace(origin, peer.origin)
    return actor, json.loads(text)


def address(doc: dict[str, Any], *, to: list[str], cc: list[str]) -> dict[str, Any]:
    """The Create and its Note addressed alike, with no Mention tag anywhere."""
    for part in (doc, doc["object"]):
        part["to"], part["cc"] = to, cc
    doc["object"]["tag"] = [t for t in doc["object"].get("tag", []) if t.get("type") != "Mention"]
    return doc


async def mentions_of(w: Warmline, member: Any) -> list[tuple[int, int | None]]:
    found = await timelines.notifications(w.svc, member, Page(), types=["mention"])
    return [(n.from_account_id, n.status_id) for n in found]


async def stored(w: Warmline, uri: str) -> StatusRow | None:
    async with w.svc.db.read() as conn:
        return await statuses_q.get_status_by_uri(conn, uri)


async def test_a_direct_message_only_in_to_reaches_the_member(
    warmline: Warmline, peer: Peer, fixtures_dir: Path
) -> None:
    w = warmline
    # Given a Pleroma direct message to alice, her actor only in ``to``, no tag
    sender, doc = rehomed(
        fixtures_dir, "pleroma/create-note.json", "https://greenish.red", peer, "nutomic"
    )
    doc = address(doc, to=[ALICE], cc=[])
    doc["directMessage"] = True

    await w.deliver(sender, doc)

    # Then it is stored as a direct message, and alice is told and can read it
    status = await stored(w, doc["object"]["id"])
    assert status is not None and status.visibility == "direct"
    author = await w.remote_account(sender)
    assert await mentions_of(w, w.alice) == [(author.id, status.id)]
    assert (await posts.visible_status(w.svc, w.alice, status.id)).id == status.id
    assert [s.id for s in await timelines.home(w.svc, w.alice, Page())] == [status.id]
    (talk,) = await conversations.conversations(w.svc, w.alice, Page())
    assert talk.last_status.id == status.id and talk.participants == [author.id]
    # And bob neither sees nor hears of it
    with pytest.raises(NotFound):
        await posts.visible_status(w.svc, w.bob, status.id)
    assert await mentions_of(w, w.bob) == []
    assert await conversations.conversations(w.svc, w.bob, Page()) == []


async def test_a_public_post_with_the_member_in_cc_notifies_her(
    warmline: Warmline, peer: Peer, fixtures_dir: Path
) -> None:
    w = warmline
    # Given a public Misskey note that names alice in ``cc`` without tagging her
    sender, doc = rehomed(
        fixtures_dir, "misskey/create-note.json", "https://mk.absturztau.be", peer, "8ozbzjs3o8"
    )
    followers = f"{sender.id}/followers"
    doc = address(doc, to=[PUBLIC], cc=[followers, ALICE])

    await w.deliver(sender, doc)

    status = await stored(w, doc["object"]["id"])
    assert status is not None and status.visibility == "public"
    author = await w.remote_account(sender)
    assert await mentions_of(w, w.alice) == [(author.id, status.id)]
    assert await mentions_of(w, w.bob) == []


async def test_a_followers_only_post_with_the_member_in_cc_is_visible_to_her(
    warmline: Warmline, peer: Peer, fixtures_dir: Path
) -> None:
    w = warmline
    # Given a GoToSocial followers-only post by someone alice does not follow,
    # with alice in ``cc``
    sender, doc = rehomed(
        fixtures_dir,
        "gotosocial/create-note-followers-only.json",
        "http://localhost:8080",
        peer,
        "the_mighty_zork",
    )
    doc = address(doc, to=[f"{sender.id}/followers"], cc=[ALICE])

    await w.deliver(sender, doc)

    status = await stored(w, doc["object"]["id"])
    assert status is not None and status.visibility == "private"
    assert (await posts.visible_status(w.svc, w.alice, status.id)).id == status.id
    with pytest.raises(NotFound):
        await posts.visible_status(w.svc, w.bob, status.id)
    author = await w.remote_account(sender)
    assert await mentions_of(w, w.alice) == [(author.id, status.id)]


async def test_a_member_tagged_and_addressed_is_mentioned_once(
    warmline: Warmline, peer: Peer
) -> None:
    w = warmline
    sender = peer.add("dave")
    note = {
        "id": f"{peer.origin}/notes/tagged",
        "type": "Note",
        "attributedTo": sender.id,
        "content": "<p>@alice hello</p>",
        "to": [ALICE],
        "cc": [],
        "tag": [{"type": "Mention", "href": ALICE, "name": "@alice@a.test"}],
    }
    create = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{peer.origin}/activities/tagged",
        "type": "Create",
        "actor": sender.id,
        "to": [ALICE],
        "object": note,
    }

    await w.deliver(sender, create)

    status = await stored(w, note["id"])
    assert status is not None
    assert len(await mentions_of(w, w.alice)) == 1


async def test_a_members_followers_collection_names_no_one(warmline: Warmline, peer: Peer) -> None:
    # A stranger's post addressed to alice's followers collection (not to alice)
    # mentions nobody: nobody here follows the stranger, so it is not kept.
    w = warmline
    sender = peer.add("mallory")
    note = {
        "id": f"{peer.origin}/notes/collection",
        "type": "Note",
        "attributedTo": sender.id,
        "content": "<p>to her followers</p>",
        "to": [ALICE_FOLLOWERS],
    }
    create = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{peer.origin}/activities/collection",
        "type": "Create",
        "actor": sender.id,
        "to": [ALICE_FOLLOWERS],
        "object": note,
    }

    await w.deliver(sender, create)

    assert await stored(w, note["id"]) is None
    assert await mentions_of(w, w.alice) == []


async def test_a_blocked_sender_silently_mentioning_a_member_is_not_heard(
    warmline: Warmline, peer: Peer
) -> None:
    w = warmline
    sender = peer.add("spammer")
    await blocks.block(w.svc, w.alice, await w.remote_account(sender), on=True)
    note = {
        "id": f"{peer.origin}/notes/blocked",
        "type": "Note",
        "attributedTo": sender.id,
        "content": "<p>psst</p>",
        "to": [ALICE],
    }
    create = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{peer.origin}/activities/blocked",
        "type": "Create",
        "actor": sender.id,
        "to": [ALICE],
        "object": note,
    }

    await w.deliver(sender, create)

    assert await mentions_of(w, w.alice) == []
    assert await timelines.home(w.svc, w.alice, Page()) == []
    assert await conversations.conversations(w.svc, w.alice, Page()) == []
