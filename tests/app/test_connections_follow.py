# ruff: noqa: F811  (pytest fixtures imported from test_federation_services)
"""Connecting means following each other; ending a connection ends the follows.

Locally and with a remote Warmline peer (a fake server that speaks the
vocabulary) or a plain ActivityPub account (the fallback: a follow back is a
yes). See the docstring of server/services/connections.py for the rules.
"""

from __future__ import annotations

from typing import Any

from federation import relations as wl
from server.services import connections, graph, introductions, members, posts, timelines
from server.services.posts import Draft
from server.store import accounts as accounts_q
from server.store import connections as connections_q
from server.store import graph as graph_q
from server.store import interactions as interactions_q
from server.store.accounts import AccountRow
from server.store.statuses import Page
from tests.app.test_federation_services import (  # noqa: F401 (fixtures)
    BASE,
    Peer,
    Warmline,
    make_peer,
    peer,
    remote_activity,
    start_warmline,
    warmline,
)


async def follow_state(w: Warmline, follower: AccountRow, target: AccountRow) -> str | None:
    async with w.svc.db.read() as conn:
        row = await graph_q.get_follow(conn, follower.id, target.id)
    return row.state if row else None


async def kinds(w: Warmline, account: AccountRow) -> list[str]:
    async with w.svc.db.read() as conn:
        rows = await interactions_q.list_notifications(
            conn, account.id, Page(), include_warmline=True
        )
    return sorted(n.type for n in rows)


async def home_texts(w: Warmline, account: AccountRow) -> list[str]:
    return [s.content for s in await timelines.home(w.svc, account, Page())]


async def lock(w: Warmline, account: AccountRow) -> AccountRow:
    return await members.update_profile(
        w.svc.db, account.username, members.ProfileChanges(locked=True)
    )


async def test_a_local_connection_makes_both_follow_each_other(warmline: Warmline) -> None:
    w = warmline
    bob = await lock(w, w.bob)  # approves followers by hand: the connection is his yes
    sent = await connections.request(w.svc, w.alice, bob, "we met at PyCon")
    assert await follow_state(w, w.alice, bob) is None  # a request is not a follow
    await connections.answer(w.svc, bob, sent.id, accept=True)
    assert await follow_state(w, w.alice, bob) == "accepted"
    assert await follow_state(w, bob, w.alice) == "accepted"
    # The connection's notifications say it; no "follow" besides.
    assert await kinds(w, w.alice) == ["warmline.connection_accepted"]
    assert await kinds(w, bob) == ["warmline.connection_request"]

    await posts.create_status(w.svc, bob, Draft("Hello from Bob"))
    await posts.create_status(w.svc, w.alice, Draft("Hello from Alice"))
    assert any("Hello from Bob" in t for t in await home_texts(w, w.alice))
    assert any("Hello from Alice" in t for t in await home_texts(w, bob))

    await connections.remove(w.svc, w.alice, bob)
    assert await follow_state(w, w.alice, bob) is None
    assert await follow_state(w, bob, w.alice) is None
    assert not any("Hello from Bob" in t for t in await home_texts(w, w.alice))
    assert not any("Hello from Alice" in t for t in await home_texts(w, bob))


async def test_a_waiting_follow_request_is_accepted_by_connecting(warmline: Warmline) -> None:
    w = warmline
    bob = await lock(w, w.bob)
    await graph.follow(w.svc, w.alice, bob)
    assert await follow_state(w, w.alice, bob) == "pending"
    # Crossed requests: bob asks alice to connect, alice asks back, which accepts.
    await connections.request(w.svc, bob, w.alice, "")
    await connections.request(w.svc, w.alice, bob, "")
    assert await follow_state(w, w.alice, bob) == "accepted"
    assert await follow_state(w, bob, w.alice) == "accepted"
    # The follow request came first; the connection's notice now says it all.
    assert "follow_request" not in await kinds(w, bob)
    assert "follow" not in await kinds(w, bob)


async def test_a_follow_that_overtook_the_connection_is_not_notified_twice(
    warmline: Warmline,
) -> None:
    """A peer's Follow can arrive before the Accept that made the connection (both
    travel through queues): its "followed you" goes once they are connected."""
    w = warmline
    await graph.follow(w.svc, w.bob, w.alice)
    assert await kinds(w, w.alice) == ["follow"]
    sent = await connections.request(w.svc, w.alice, w.bob, "")
    await connections.answer(w.svc, w.bob, sent.id, accept=True)
    assert await kinds(w, w.alice) == ["warmline.connection_accepted"]


async def test_follows_made_before_connecting_end_with_the_connection(
    warmline: Warmline,
) -> None:
    """As on LinkedIn: removing a connection also unfollows, both ways."""
    w = warmline
    await graph.follow(w.svc, w.alice, w.bob)
    sent = await connections.request(w.svc, w.alice, w.bob, "")
    await connections.answer(w.svc, w.bob, sent.id, accept=True)
    await connections.remove(w.svc, w.bob, w.alice)
    assert await follow_state(w, w.alice, w.bob) is None
    assert await follow_state(w, w.bob, w.alice) is None
    # Either may follow again: a follow is not a connection.
    await graph.follow(w.svc, w.alice, w.bob)
    assert await follow_state(w, w.alice, w.bob) == "accepted"


async def _warmline_peer(w: Warmline, peer: Peer, name: str = "erin") -> tuple[Any, AccountRow]:
    actor = peer.add(name)
    account = await w.remote_account(actor)
    async with w.svc.db.transaction() as conn:
        await accounts_q.update_account(conn, account.id, {"warmline": True})
    return actor, await w.refresh(account)


async def _sent_types(w: Warmline, peer: Peer) -> list[str]:
    await w.run_deliveries()
    found = sorted(kind for _, kind in peer.posted())
    peer.received.clear()
    return found


async def test_a_remote_accept_makes_our_member_follow_and_trust_the_peer(
    warmline: Warmline, peer: Peer
) -> None:
    """alice (locked) asks erin elsewhere; erin's instance accepts and erin follows."""
    w = warmline
    alice = await lock(w, w.alice)
    erin_actor, erin = await _warmline_peer(w, peer)
    sent = await connections.request(w.svc, alice, erin, "hello")
    assert await _sent_types(w, peer) == ["Connect"]

    # erin's Follow may arrive before the Accept: alice asked, so it is welcome.
    alice_uri = f"{BASE}/users/alice"
    await w.deliver(erin_actor, remote_activity(erin_actor, "Follow", alice_uri))
    assert await follow_state(w, erin, alice) == "accepted"
    assert await _sent_types(w, peer) == ["Accept"]
    await w.deliver(erin_actor, remote_activity(erin_actor, "Accept", sent.uri))
    assert await follow_state(w, alice, erin) == "pending"  # until erin's instance accepts
    assert await _sent_types(w, peer) == ["Follow"]
    assert await kinds(w, alice) == ["warmline.connection_accepted"]  # no follow request

    # erin ends it: alice unfollows erin; erin's instance undoes erin's own follow.
    disconnect = wl.disconnect(f"{erin_actor.origin}/d/1", erin_actor.id, alice_uri)
    await w.deliver(erin_actor, disconnect)
    assert await follow_state(w, alice, erin) is None
    assert await follow_state(w, erin, alice) == "accepted"
    assert await _sent_types(w, peer) == ["Undo"]


async def test_removing_a_remote_connection_unfollows_and_disconnects(
    warmline: Warmline, peer: Peer
) -> None:
    w = warmline
    erin_actor, erin = await _warmline_peer(w, peer)
    sent = await connections.request(w.svc, w.alice, erin, "")
    await w.deliver(erin_actor, remote_activity(erin_actor, "Accept", sent.uri))
    await _sent_types(w, peer)
    await connections.remove(w.svc, w.alice, erin)
    assert await follow_state(w, w.alice, erin) is None
    assert await _sent_types(w, peer) == ["Disconnect", "Undo"]


async def test_an_accepted_request_from_a_remote_peer_follows_it(
    warmline: Warmline, peer: Peer
) -> None:
    w = warmline
    erin_actor, erin = await _warmline_peer(w, peer)
    connect = wl.connect(
        f"{erin_actor.origin}/c/1", erin_actor.id, f"{BASE}/users/alice", "hi Alice"
    )
    await w.deliver(erin_actor, connect)
    [request] = (await connections.requests(w.svc, w.alice, Page(), incoming=True)).requests
    await connections.answer(w.svc, w.alice, request.id, accept=True)
    assert await follow_state(w, w.alice, erin) == "pending"
    assert await _sent_types(w, peer) == ["Accept", "Follow"]


async def test_a_plain_activitypub_account_that_follows_back_is_connected_and_trusted(
    warmline: Warmline, peer: Peer
) -> None:
    """The fallback: a Follow and a message out; a follow back is a yes, welcome
    even though alice approves followers by hand. Removing it rejects their follow."""
    w = warmline
    alice = await lock(w, w.alice)
    mona_actor = peer.add("mona")
    mona = await w.remote_account(mona_actor)
    await connections.request(w.svc, alice, mona, "we met at FOSDEM")
    assert await _sent_types(w, peer) == ["Create", "Follow"]
    await w.deliver(mona_actor, remote_activity(mona_actor, "Follow", f"{BASE}/users/alice"))
    async with w.svc.db.read() as conn:
        assert await connections_q.are_connected(conn, alice.id, mona.id)
    assert await follow_state(w, mona, alice) == "accepted"
    assert await kinds(w, alice) == ["warmline.connection_accepted"]
    assert await _sent_types(w, peer) == ["Accept"]

    await connections.remove(w.svc, alice, mona)
    assert await follow_state(w, mona, alice) is None
    assert await follow_state(w, alice, mona) is None
    assert await _sent_types(w, peer) == ["Reject", "Undo"]


async def test_an_accepted_introduction_connects_and_follows(warmline: Warmline) -> None:
    w = warmline
    carol = await members.create_member(w.svc.db, "carol")
    for a, b in ((w.bob, w.alice), (w.alice, carol)):
        sent = await connections.request(w.svc, a, b, "")
        await connections.answer(w.svc, b, sent.id, accept=True)
    asked = await introductions.request(w.svc, w.bob, carol, w.alice, "hiring in Lyon")
    await introductions.forward(w.svc, w.alice, asked.id, "Carol, meet Bob")
    await introductions.accept(w.svc, carol, asked.id)
    assert await follow_state(w, w.bob, carol) == "accepted"
    assert await follow_state(w, carol, w.bob) == "accepted"
