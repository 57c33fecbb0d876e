# ruff: noqa: F811  (pytest fixtures imported from test_federation_services)
"""A member's block holds everywhere: whatever the blocked account does, by
ActivityPub or through the services here, never reaches the member (no
notification, nothing in their home feed); follows and connection requests are
refused; pending requests and introductions between the two end with the block;
searches leave the blocked out.

Alice blocks erin (on a peer) or bob (here); carol is a third member here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from federation import relations as wl
from server.services import (
    blocks,
    connections,
    endorsements,
    graph,
    interactions,
    introductions,
    members,
    posts,
    search,
    timelines,
)
from server.services.errors import Forbidden
from server.services.posts import Draft
from server.store import accounts as accounts_q
from server.store import connections as connections_q
from server.store import interactions as interactions_q
from server.store import introductions as intro_q
from server.store.accounts import AccountRow
from server.store.statuses import Page
from tests.app.test_federation_services import (  # noqa: F401 (fixtures)
    ALICE,
    BASE,
    PUBLIC,
    Peer,
    RemoteActor,
    Warmline,
    make_peer,
    peer,
    post,
    remote_activity,
    remote_post,
    start_warmline,
    warmline,
)

BLOCKED = "one of you has blocked the other"


async def notified(w: Warmline, account: AccountRow) -> list[tuple[str, int]]:
    """Every notification stored for ``account`` (Warmline's own kinds too)."""
    async with w.svc.db.read() as conn:
        rows = await interactions_q.list_notifications(conn, account.id, Page())
    return [(n.type, n.from_account_id) for n in rows]


async def home_uris(w: Warmline, account: AccountRow) -> list[str | None]:
    return [s.uri for s in await timelines.home(w.svc, account, Page())]


async def warmline_speaker(w: Warmline, actor: RemoteActor) -> AccountRow:
    account = await w.remote_account(actor)
    async with w.svc.db.transaction() as conn:
        await accounts_q.update_account(conn, account.id, {"warmline": True})
    return await w.refresh(account)


async def connect(w: Warmline, a: AccountRow, b: AccountRow) -> None:
    async with w.svc.db.transaction() as conn:
        await connections_q.insert_connection(conn, a.id, b.id, "", datetime.now(UTC))


def relation(doc: dict[str, Any]) -> dict[str, Any]:
    doc["@context"] = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/warmline/v1"]
    return doc


@pytest.fixture
async def erin(warmline: Warmline, peer: Peer) -> RemoteActor:
    """erin, on a peer that speaks Warmline, blocked by alice."""
    actor = peer.add("erin")
    account = await warmline_speaker(warmline, actor)
    await blocks.block(warmline.svc, warmline.alice, account, on=True)
    return actor


async def erin_account(w: Warmline, erin: RemoteActor) -> AccountRow:
    return await w.remote_account(erin)


# --- a remote blocked account, through ActivityPub ---------------------------------------


async def test_a_mention_from_a_blocked_account_does_not_reach_her(
    warmline: Warmline, erin: RemoteActor
) -> None:
    status = await remote_post(warmline, erin)  # mentions alice; stored all the same
    assert status.uri is not None
    assert await notified(warmline, warmline.alice) == []
    assert status.uri not in await home_uris(warmline, warmline.alice)


async def test_a_reply_from_a_blocked_account_does_not_reach_her(
    warmline: Warmline, erin: RemoteActor
) -> None:
    mine = await post(warmline, "What do you think?")
    reply = {
        "id": f"{erin.origin}/notes/reply-1",
        "type": "Note",
        "attributedTo": erin.id,
        "content": "<p>I think not</p>",
        "inReplyTo": f"{ALICE}/statuses/{mine.id}",
        "to": [PUBLIC],
    }
    await warmline.deliver(erin, remote_activity(erin, "Create", reply, to=[PUBLIC]))

    assert (await warmline.status(mine.id)).replies_count == 1  # stored for others
    assert await notified(warmline, warmline.alice) == []
    assert reply["id"] not in await home_uris(warmline, warmline.alice)


async def test_a_like_from_a_blocked_account_is_not_notified(
    warmline: Warmline, erin: RemoteActor
) -> None:
    mine = await post(warmline, "Like me")
    await warmline.deliver(erin, remote_activity(erin, "Like", f"{ALICE}/statuses/{mine.id}"))
    assert await notified(warmline, warmline.alice) == []


async def test_a_boost_from_a_blocked_account_is_not_notified(
    warmline: Warmline, erin: RemoteActor
) -> None:
    mine = await post(warmline, "Boost me")
    announce = remote_activity(erin, "Announce", f"{ALICE}/statuses/{mine.id}", to=[PUBLIC])
    await warmline.deliver(erin, announce)
    assert await notified(warmline, warmline.alice) == []


async def test_a_follow_from_a_blocked_account_is_rejected_unseen(
    warmline: Warmline, erin: RemoteActor
) -> None:
    await warmline.remote_follows(erin, warmline.alice)
    assert (await warmline.last_sent("Reject"))["object"]["actor"] == erin.id
    assert await notified(warmline, warmline.alice) == []
    (rel,) = await graph.relationships(
        warmline.svc, warmline.alice, [(await erin_account(warmline, erin)).id]
    )
    assert not rel.followed_by and not rel.requested_by


async def test_a_connection_request_from_a_blocked_account_is_rejected_unseen(
    warmline: Warmline, erin: RemoteActor
) -> None:
    connect_doc = wl.connect(f"{erin.origin}/connect/1", erin.id, ALICE, "hello Alice")
    await warmline.deliver(erin, connect_doc)

    reject = await warmline.last_sent("Reject")
    assert (reject["actor"], reject["object"], reject["to"]) == (
        ALICE,
        connect_doc["id"],
        [erin.id],
    )
    listed = await connections.requests(warmline.svc, warmline.alice, Page(), incoming=True)
    assert listed.requests == []
    assert await notified(warmline, warmline.alice) == []


async def test_an_introduction_request_from_a_blocked_account_is_declined_unseen(
    warmline: Warmline, erin: RemoteActor
) -> None:
    """erin asks alice (whom she was connected to) to introduce her to bob."""
    w = warmline
    await connect(w, w.alice, await erin_account(w, erin))  # as if left from before
    await connect(w, w.alice, w.bob)
    expires = datetime.now(UTC) + timedelta(days=7)
    doc = wl.request_introduction(
        f"{erin.origin}/intro/1", erin.id, ALICE, f"{BASE}/users/bob", "please", expires=expires
    )
    await w.deliver(erin, doc)

    async with w.svc.db.read() as conn:
        intro = await intro_q.get_by_uri(conn, doc["id"])
    assert intro is not None and intro.state == "declined"
    assert (await w.last_sent("Reject"))["object"] == doc["id"]  # "not now", as always
    assert await notified(w, w.alice) == [] and await notified(w, w.bob) == []


async def test_an_introduction_of_a_blocked_account_to_her_is_declined_unseen(
    warmline: Warmline, peer: Peer, erin: RemoteActor
) -> None:
    """dave (on the peer, connected to alice) introduces erin to alice."""
    w = warmline
    dave = peer.add("dave")
    await connect(w, w.alice, await warmline_speaker(w, dave))
    expires = datetime.now(UTC) + timedelta(days=7)
    doc = wl.introduce(
        f"{dave.origin}/introduce/1",
        dave.id,
        erin.id,
        ALICE,
        introduction=f"{erin.origin}/intro/2",
        reason="she asked",
        note="meet erin",
        expires=expires,
    )
    await w.deliver(dave, doc)

    async with w.svc.db.read() as conn:
        intro = await intro_q.get_by_uri(conn, doc["introduction"])
    assert intro is not None and intro.state == "declined"
    assert await notified(w, w.alice) == []


async def test_an_endorsement_from_a_blocked_account_does_not_reach_her(
    warmline: Warmline, erin: RemoteActor
) -> None:
    w = warmline
    async with w.svc.db.transaction() as conn:
        await accounts_q.update_account(conn, w.alice.id, {"skills": ["Design"]})
    await connect(w, w.alice, await erin_account(w, erin))  # only the block stands between
    await w.deliver(erin, relation(remote_activity(erin, "Endorse", ALICE, skill="Design")))
    await w.deliver(
        erin, relation(remote_activity(erin, "Recommend", ALICE, content="<p>Great</p>"))
    )

    alice = await w.refresh(w.alice)
    assert await endorsements.counts(w.svc, alice) == {"Design": 0}
    assert await notified(w, alice) == []


# --- a local blocked member, through the services ------------------------------------------


@pytest.fixture
async def blocked_bob(warmline: Warmline) -> AccountRow:
    await blocks.block(warmline.svc, warmline.alice, warmline.bob, on=True)
    return warmline.bob


async def test_a_blocked_members_mention_and_reply_are_silent(
    warmline: Warmline, blocked_bob: AccountRow
) -> None:
    w = warmline
    mine = await post(w, "Hello all")
    mention = await posts.create_status(
        w.svc, blocked_bob, Draft("Hey @alice", visibility="direct")
    )
    reply = await posts.create_status(w.svc, blocked_bob, Draft("No", in_reply_to_id=mine.id))

    assert reply.in_reply_to_id == mine.id  # stored for others
    assert await notified(w, w.alice) == []
    home = {s.id for s in await timelines.home(w.svc, w.alice, Page())}
    assert mention.id not in home and reply.id not in home


@pytest.mark.parametrize("action", ["favourite", "reblog"])
async def test_a_blocked_member_cannot_like_or_boost_her_posts(
    warmline: Warmline, blocked_bob: AccountRow, action: str
) -> None:
    mine = await post(warmline, "Mine")
    with pytest.raises(Forbidden, match=BLOCKED):
        await getattr(interactions, action)(warmline.svc, blocked_bob, mine.id)
    assert await notified(warmline, warmline.alice) == []
    status = await warmline.status(mine.id)
    assert (status.favourites_count, status.reblogs_count) == (0, 0)


async def test_she_cannot_like_the_blocked_members_posts_either(
    warmline: Warmline, blocked_bob: AccountRow
) -> None:
    theirs = await posts.create_status(warmline.svc, blocked_bob, Draft("Bob's"))
    with pytest.raises(Forbidden, match=BLOCKED):
        await interactions.favourite(warmline.svc, warmline.alice, theirs.id)


async def test_a_blocked_member_cannot_follow_or_ask_to_connect(
    warmline: Warmline, blocked_bob: AccountRow
) -> None:
    with pytest.raises(Forbidden, match=BLOCKED):
        await graph.follow(warmline.svc, blocked_bob, warmline.alice)
    with pytest.raises(Forbidden, match=BLOCKED):
        await connections.request(warmline.svc, blocked_bob, warmline.alice, "hi")
    assert await notified(warmline, warmline.alice) == []


async def test_a_blocked_member_cannot_ask_her_for_or_through_an_introduction(
    warmline: Warmline, blocked_bob: AccountRow
) -> None:
    w = warmline
    carol = await members.create_member(w.svc.db, "carol")
    await connect(w, blocked_bob, carol)
    await connect(w, carol, w.alice)
    with pytest.raises(Forbidden, match="not possible"):  # alice as the target
        await introductions.request(w.svc, blocked_bob, w.alice, carol, "please")
    dan = await members.create_member(w.svc.db, "dan")
    await connect(w, w.alice, dan)
    await connect(w, blocked_bob, w.alice)  # as if left from before
    with pytest.raises(Forbidden, match="not possible"):  # alice as the introducer
        await introductions.request(w.svc, blocked_bob, dan, w.alice, "please")
    assert await notified(w, w.alice) == []


async def test_a_blocked_member_cannot_endorse_or_recommend_her(
    warmline: Warmline, blocked_bob: AccountRow
) -> None:
    from server.services import recommendations

    w = warmline
    await connect(w, blocked_bob, w.alice)
    alice = await w.refresh(w.alice)
    with pytest.raises(Forbidden, match=BLOCKED):
        await endorsements.endorse(w.svc, blocked_bob, alice, "Design")
    with pytest.raises(Forbidden, match=BLOCKED):
        await recommendations.recommend(w.svc, blocked_bob, alice, "Great")
    assert await notified(w, alice) == []


# --- what a block ends -------------------------------------------------------------------


async def test_a_block_clears_her_notifications_from_them(warmline: Warmline) -> None:
    w = warmline
    mine = await post(w, "Like me")
    await interactions.favourite(w.svc, w.bob, mine.id)
    assert await notified(w, w.alice) == [("favourite", w.bob.id)]
    await blocks.block(w.svc, w.alice, w.bob, on=True)
    assert await notified(w, w.alice) == []


async def test_a_block_ends_pending_connection_requests_both_ways(
    warmline: Warmline, peer: Peer
) -> None:
    w = warmline
    theirs = await connections.request(w.svc, w.bob, w.alice, "hi")
    await blocks.block(w.svc, w.alice, w.bob, on=True)
    async with w.svc.db.read() as conn:
        assert (await connections_q.get_request(conn, theirs.id)).state == "declined"  # type: ignore[union-attr]
    assert await notified(w, w.alice) == [] and await notified(w, w.bob) == []

    # with a remote Warmline account: hers is withdrawn (Undo), theirs declined (Reject)
    erin_actor, dave_actor = peer.add("erin"), peer.add("dave")
    erin = await warmline_speaker(w, erin_actor)
    dave = await warmline_speaker(w, dave_actor)
    mine = await connections.request(w.svc, w.alice, erin, "")
    connect_doc = wl.connect(f"{dave_actor.origin}/connect/9", dave_actor.id, ALICE, "hello")
    await w.deliver(dave_actor, connect_doc)

    await blocks.block(w.svc, w.alice, erin, on=True)
    await blocks.block(w.svc, w.alice, dave, on=True)

    async with w.svc.db.read() as conn:
        assert (await connections_q.get_request(conn, mine.id)).state == "withdrawn"  # type: ignore[union-attr]
        daves = await connections_q.get_request_by_uri(conn, connect_doc["id"])
    assert daves is not None and daves.state == "declined"
    assert (await w.last_sent("Undo"))["object"] == mine.uri
    assert (await w.last_sent("Reject"))["object"] == connect_doc["id"]


async def test_an_incoming_block_ends_pending_requests_sending_nothing(
    warmline: Warmline, peer: Peer
) -> None:
    w = warmline
    erin_actor = peer.add("erin")
    erin = await warmline_speaker(w, erin_actor)
    mine = await connections.request(w.svc, w.alice, erin, "")
    sent = len(await w.deliveries())

    await w.deliver(erin_actor, remote_activity(erin_actor, "Block", ALICE))

    async with w.svc.db.read() as conn:
        assert (await connections_q.get_request(conn, mine.id)).state == "declined"  # type: ignore[union-attr]
    assert len(await w.deliveries()) == sent


async def intro_between(w: Warmline) -> tuple[AccountRow, int]:
    """bob asks carol to introduce him to alice: carol's turn."""
    carol = await members.create_member(w.svc.db, "carol")
    await connect(w, w.bob, carol)
    await connect(w, carol, w.alice)
    intro = await introductions.request(w.svc, w.bob, w.alice, carol, "please")
    return carol, intro.id


async def intro_state(w: Warmline, intro_id: int) -> str:
    async with w.svc.db.read() as conn:
        intro = await intro_q.get_introduction(conn, intro_id)
    assert intro is not None
    return intro.state


async def test_a_block_by_the_target_ends_an_introduction_waiting_for_the_introducer(
    warmline: Warmline,
) -> None:
    w = warmline
    carol, intro_id = await intro_between(w)
    await blocks.block(w.svc, w.alice, w.bob, on=True)
    assert await intro_state(w, intro_id) == "withdrawn"
    assert await notified(w, w.alice) == []
    # carol cannot forward it any more
    with pytest.raises(Exception, match="withdrawn"):
        await introductions.forward(w.svc, carol, intro_id, "meet")


async def test_a_block_by_the_introducer_declines_it(warmline: Warmline) -> None:
    w = warmline
    carol, intro_id = await intro_between(w)
    await blocks.block(w.svc, carol, w.bob, on=True)
    assert await intro_state(w, intro_id) == "declined"


async def test_a_block_by_the_requester_withdraws_it(warmline: Warmline) -> None:
    w = warmline
    carol, intro_id = await intro_between(w)
    await blocks.block(w.svc, w.bob, w.alice, on=True)
    assert await intro_state(w, intro_id) == "withdrawn"
    assert ("warmline.introduction_withdrawn", w.bob.id) in await notified(w, carol)


async def test_a_block_by_the_target_declines_a_forwarded_introduction(
    warmline: Warmline,
) -> None:
    w = warmline
    carol, intro_id = await intro_between(w)
    await introductions.forward(w.svc, carol, intro_id, "meet bob")
    await blocks.block(w.svc, w.alice, w.bob, on=True)
    assert await intro_state(w, intro_id) == "declined"
    assert ("warmline.introduction_declined", w.alice.id) in await notified(w, carol)
    assert all(sender != w.bob.id for _, sender in await notified(w, w.alice))


# --- search ------------------------------------------------------------------------------


async def test_searches_leave_out_blocked_accounts_both_ways(
    warmline: Warmline, peer: Peer
) -> None:
    w = warmline
    erin = await w.remote_account(peer.add("erin"))
    assert [a.id for a in await search.people(w.svc, "Bob", viewer=w.alice)] == [w.bob.id]
    assert [a.id for a in await search.remote_people(w.svc, "erin", viewer=w.alice)] == [erin.id]

    await blocks.block(w.svc, w.alice, w.bob, on=True)
    await blocks.block(w.svc, w.alice, erin, on=True)

    assert await search.people(w.svc, "Bob", viewer=w.alice) == []
    assert await search.people(w.svc, "Alice", viewer=w.bob) == []  # blocked by her
    assert await search.remote_people(w.svc, "erin", viewer=w.alice) == []
    assert await search.accounts(w.svc, "bo", resolve=False, viewer=w.alice) == []
    assert await search.accounts(w.svc, "al", resolve=False, viewer=w.bob) == []
    # others still find them; and her exact handle lookup still opens his profile
    assert [a.id for a in await search.people(w.svc, "Bob")] == [w.bob.id]
    found = await search.accounts(w.svc, "bob@a.test", resolve=False, viewer=w.alice)
    assert [a.id for a in found] == [w.bob.id]


async def test_public_timelines_leave_out_blocked_accounts_both_ways(
    warmline: Warmline,
) -> None:
    w = warmline
    bobs = await posts.create_status(w.svc, w.bob, Draft("Bob here #news"))
    alices = await post(w, "Alice here #news")
    await blocks.block(w.svc, w.alice, w.bob, on=True)
    for viewer, own in ((w.alice, alices), (w.bob, bobs)):
        assert [s.id for s in await timelines.public(w.svc, viewer, Page())] == [own.id]
        assert [s.id for s in await timelines.tag(w.svc, viewer, "news", Page())] == [own.id]
    assert len(await timelines.public(w.svc, None, Page())) == 2
