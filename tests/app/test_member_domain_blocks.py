# ruff: noqa: F811  (pytest fixtures imported from test_federation_services)
"""A member's own blocks of whole servers: Mastodon's ``/api/v1/domain_blocks``.

One Warmline app (a.test, workers off) with alice and bob, and a fake peer
(127.0.0.1:port) that serves its actors and records what we deliver.
"""

from __future__ import annotations

from typing import Any

from apiclient import member

from server.services import graph, interactions, member_domain_blocks, posts
from server.services.posts import Draft
from server.services.stream import load_exclusions
from server.store import accounts as accounts_q
from server.store import interactions as interactions_q
from server.store.statuses import Page
from tests.app.test_federation_services import (  # noqa: F401 (fixtures)
    ALICE,
    Peer,
    Warmline,
    make_peer,
    peer,
    remote_activity,
    remote_post,
    start_warmline,
    warmline,
)

API = "/api/v1/domain_blocks"


async def test_a_member_blocks_lists_and_unblocks_servers(warmline: Warmline) -> None:
    alice = await member(warmline.client, "alice")
    assert await alice.get(API) == []

    assert await alice.post(API, data={"domain": "HTTPS://Spam.Example/some/path"}) == {}
    assert await alice.post(API, json={"domain": "bücher.example"}) == {}
    assert await alice.post(API, json={"domain": "spam.example"}) == {}  # twice: one block
    assert await alice.get(API) == ["xn--bcher-kva.example", "spam.example"]

    # Paged as Mastodon pages: a Link header to the next (older) page.
    resp = await warmline.client.get(f"{API}?limit=1", headers=alice._h())
    assert await resp.json() == ["xn--bcher-kva.example"]
    assert 'rel="next"' in resp.headers["Link"]
    next_url = resp.headers["Link"].split(">")[0].lstrip("<")
    resp = await warmline.client.get(next_url.split("a.test", 1)[1], headers=alice._h())
    assert await resp.json() == ["spam.example"]

    resp = await warmline.client.delete(API, json={"domain": "spam.example"}, headers=alice._h())
    assert resp.status == 200 and await resp.json() == {}
    assert await alice.get(API) == ["xn--bcher-kva.example"]
    # The member's list is theirs alone.
    bob = await member(warmline.client, "bob")
    assert await bob.get(API) == []


async def test_nonsense_and_this_server_are_refused_in_words(warmline: Warmline) -> None:
    alice = await member(warmline.client, "alice")
    for domain, words in [
        ("a.test", "You cannot block the server you are on"),
        ("https://A.TEST/@bob", "You cannot block the server you are on"),
        ("", "Name the server to block"),
        ("not a domain", "not a domain name"),
        ("localhost", "not a domain name"),
    ]:
        answer = await alice.post(API, status=422, json={"domain": domain})
        assert words in answer["error"], (domain, answer)
    assert await alice.get(API) == []
    resp = await warmline.client.post(API, json={"domain": "spam.example"})
    assert resp.status == 401


async def test_blocking_a_server_removes_followers_there_and_rejects_their_follow(
    warmline: Warmline, peer: Peer
) -> None:
    w = warmline
    erin = peer.add("erin")
    await w.remote_follows(erin, w.alice)
    erin_account = await w.remote_account(erin)
    dave = await w.remote_account(peer.add("dave"))
    await graph.follow(w.svc, w.alice, dave)
    await graph.follow(w.svc, w.bob, w.alice)

    alice = await member(w.client, "alice")
    await alice.post(API, json={"domain": peer.host})

    (erin_rel, dave_rel, bob_rel) = await graph.relationships(
        w.svc, w.alice, [erin_account.id, dave.id, w.bob.id]
    )
    assert not erin_rel.followed_by and not erin_rel.requested_by
    assert not dave_rel.following and not dave_rel.requested
    assert bob_rel.followed_by  # a member here is on no blocked server
    reject = await w.last_sent("Reject")
    assert reject["object"]["actor"] == erin.id and reject["object"]["type"] == "Follow"
    assert reject["actor"] == ALICE
    undo = await w.last_sent("Undo")
    assert undo["object"]["type"] == "Follow" and undo["object"]["object"] == dave.uri
    await w.run_deliveries()
    assert ("/inbox", "Reject") in peer.posted() or ("/users/erin/inbox", "Reject") in (
        peer.posted()
    )

    # The Relationship entity says so, for accounts there only.
    found = await alice.get(
        f"/api/v1/accounts/relationships?id[]={erin_account.id}&id[]={w.bob.id}"
    )
    assert [r["domain_blocking"] for r in found] == [True, False]

    # A new follow from there is refused with a Reject.
    await w.deliver(erin, remote_activity(erin, "Follow", ALICE))
    (erin_rel,) = await graph.relationships(w.svc, w.alice, [erin_account.id])
    assert not erin_rel.followed_by and not erin_rel.requested_by
    assert len(await w.sent("Reject")) == 2


async def _public_ids(w: Warmline, api: Any) -> list[str]:
    return [s["id"] for s in await api.get("/api/v1/timelines/public")]


async def test_posts_boosts_and_notifications_from_a_blocked_server_are_hidden(
    warmline: Warmline, peer: Peer
) -> None:
    w = warmline
    dave = peer.add("dave")
    early = await remote_post(w, dave)  # mentions alice: a notification
    await graph.follow(w.svc, w.alice, w.bob)  # bob's posts and boosts reach alice's home
    boost = await interactions.reblog(w.svc, w.bob, early.id)
    mine = await posts.create_status(w.svc, w.bob, Draft("Mine"))
    alice = await member(w.client, "alice")
    assert str(early.id) in await _public_ids(w, alice)
    assert str(boost.id) in [s["id"] for s in await alice.get("/api/v1/timelines/home")]
    async with w.svc.db.read() as conn:
        before = await interactions_q.list_notifications(conn, w.alice.id, Page())
    assert any(n.status_id == early.id for n in before)

    await alice.post(API, json={"domain": peer.host})

    assert str(early.id) not in await _public_ids(w, alice)
    assert str(mine.id) in await _public_ids(w, alice)
    home = [s["id"] for s in await alice.get("/api/v1/timelines/home")]
    assert str(boost.id) not in home
    notes = await alice.get("/api/v1/notifications")
    assert all(n["account"]["acct"] != f"dave@{peer.host}" for n in notes)
    # What comes later from there is not notified either.
    later = await remote_post(w, dave)
    assert all(n["status"]["id"] != str(later.id) for n in await alice.get("/api/v1/notifications"))
    # Others still see it; unblocking shows it again.
    bob = await member(w.client, "bob")
    assert str(later.id) in await _public_ids(w, bob)
    await alice.delete(f"{API}?domain={peer.host}")
    assert str(early.id) in await _public_ids(w, alice)


async def test_a_deleted_member_leaves_no_domain_blocks(warmline: Warmline) -> None:
    await member_domain_blocks.block(warmline.svc, warmline.bob, "spam.example")
    async with warmline.svc.db.transaction() as conn:
        await accounts_q.purge_member(conn, warmline.bob.id)
    assert await member_domain_blocks.all_domains(warmline.svc, warmline.bob) == []


async def test_streams_leave_out_accounts_on_a_blocked_server(
    warmline: Warmline, peer: Peer
) -> None:
    w = warmline
    dave = await w.remote_account(peer.add("dave"))
    await member_domain_blocks.block(w.svc, w.alice, peer.host)
    async with w.svc.db.read() as conn:
        exclusions = await load_exclusions(conn, w.alice.id, w.svc.now())
        others = await load_exclusions(conn, w.bob.id, w.svc.now())
    assert exclusions.hides([dave.id], w.svc.now())
    assert not exclusions.hides([w.bob.id], w.svc.now())
    assert not others.hides([dave.id], w.svc.now())
