"""The Fedify peer works on its own: two peers federate over loopback.

This proves the harness (signatures both ways, WebFinger over http, Accept,
fan-out to followers) before Warmline is involved.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.interop


async def test_follow_accept_and_post_between_two_fedify_peers(fedify_peer_factory) -> None:
    alice = await fedify_peer_factory("alice")
    bob = await fedify_peer_factory("bob")

    # bob follows alice (WebFinger over http, then a signed Follow)
    follow = await bob.follow(alice.handle)
    assert follow["actor"] == alice.actor_url

    # alice auto-accepts: she records bob as a follower, bob gets the Accept
    await alice.wait_follower(bob.actor_url)
    accepted = await bob.wait_following(alice.actor_url)
    assert accepted["follow"] == follow["id"]
    accept = await bob.wait_received("Accept")
    assert accept["actor"] == alice.actor_url
    assert accept["object"] == follow["id"]
    assert accept["raw"]["object"]["type"] == "Follow"  # the Follow is embedded

    received_follow = await alice.wait_received("Follow")
    assert received_follow["id"] == follow["id"]
    assert received_follow["signature"]["scheme"] == "rfc9421"  # Fedify's first knock
    assert received_follow["signature"]["key_id"].startswith(bob.actor_url)

    # alice posts to her followers: bob gets the Create, on his shared inbox
    post = await alice.post("<p>Hello, Bob!</p>")
    create = await bob.wait_received("Create", lambda a: a["id"] == post["id"])
    assert create["actor"] == alice.actor_url
    assert create["object"] == post["object"]
    assert create["object_type"] == "Note"
    assert create["content"] == "<p>Hello, Bob!</p>"
    assert create["inbox"] == "shared"

    # bob likes the note: the Like goes to its author, found by fetching the note
    like = await bob.like(post["object"])
    liked = await alice.wait_received("Like", lambda a: a["id"] == like["id"])
    assert liked["object"] == post["object"]

    # bob unfollows: alice drops him
    await bob.undo(follow["id"])
    undo = await alice.wait_received("Undo")
    assert undo["object"] == follow["id"]
    await alice.wait_until(
        lambda: _lacks(alice.followers(), bob.actor_url), "bob to leave alice's followers"
    )

    assert await alice.errors() == []
    assert await bob.errors() == []


async def test_mention_reaches_a_non_follower(fedify_peer_factory) -> None:
    alice = await fedify_peer_factory("alice")
    carol = await fedify_peer_factory("carol")

    post = await alice.post(
        "<p>Hi @carol</p>", to_followers=False, mention=carol.handle, immediate=True
    )
    create = await carol.wait_received("Create", lambda a: a["id"] == post["id"])
    assert create["inbox"] == "personal"
    tags = create["raw"]["object"]["tag"]
    tags = tags if isinstance(tags, list) else [tags]
    assert any(t["type"] == "Mention" and t["href"] == carol.actor_url for t in tags)


async def test_peer_serves_webfinger_and_actor(fedify_peer) -> None:
    session = fedify_peer.session
    async with session.get(
        f"{fedify_peer.base_url}/.well-known/webfinger",
        params={"resource": f"acct:{fedify_peer.handle}"},
    ) as response:
        assert response.status == 200
        jrd = await response.json(content_type=None)
    self_link = next(link for link in jrd["links"] if link["rel"] == "self")
    assert self_link["href"] == fedify_peer.actor_url

    async with session.get(
        fedify_peer.actor_url, headers={"Accept": "application/activity+json"}
    ) as response:
        assert response.status == 200
        actor = await response.json(content_type=None)
    assert actor["type"] == "Person"
    assert actor["inbox"] == fedify_peer.inbox_url
    assert actor["endpoints"]["sharedInbox"] == fedify_peer.shared_inbox_url
    assert "BEGIN PUBLIC KEY" in actor["publicKey"]["publicKeyPem"]
    multikeys = actor["assertionMethod"]
    assert len(multikeys) == 2  # RSA and Ed25519
    assert {k["type"] for k in multikeys} == {"Multikey"}

    info = await fedify_peer.info()
    assert info["fedify"].split(".")[0] in {"1", "2"}
    assert info["node"].startswith("v22.")


async def test_unsigned_post_to_the_inbox_is_refused(fedify_peer) -> None:
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "http://127.0.0.1:1/activities/forged",
        "type": "Like",
        "actor": "http://127.0.0.1:1/users/mallory",
        "object": fedify_peer.actor_url,
    }
    async with fedify_peer.session.post(
        fedify_peer.inbox_url,
        json=activity,
        headers={"Content-Type": "application/activity+json"},
    ) as response:
        assert response.status == 401
    assert await fedify_peer.received() == []


async def _lacks(followers_call, actor_url: str) -> bool:
    return all(f["id"] != actor_url for f in await followers_call)
