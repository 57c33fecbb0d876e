"""A member who stops approving followers by hand accepts the requests waiting (as
Mastodon does), whichever door the change came through."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from webclient import Browser, member_with_password

from server.appkeys import DB, SERVICES
from server.services import graph, members, timelines
from server.services.actors import change_profile
from server.services.members import ProfileChanges
from server.store.statuses import Page


async def test_unlocking_accepts_waiting_follow_requests(client: TestClient) -> None:
    svc, db = client.app[SERVICES], client.app[DB]
    await member_with_password(client, "bob")
    await change_profile(svc, "bob", ProfileChanges(locked=True))
    bob = await members.get_member(db, "bob")
    followers = []
    for name in ("carol", "dan"):
        await members.create_member(db, name)
        follower = await members.get_member(db, name)
        await graph.follow(svc, follower, bob)
        followers.append(follower)
    [rel] = await graph.relationships(svc, followers[0], [bob.id])
    assert rel.requested and not rel.following

    browser = Browser(client)
    await browser.sign_in("bob")
    await browser.get("/settings")
    await browser.post(
        "/settings", {"connections_visibility": "connections", "accepts_introductions": "1"}
    )
    bob = await members.get_member(db, "bob")
    assert not bob.locked
    for follower in followers:
        [rel] = await graph.relationships(svc, follower, [bob.id])
        assert rel.following and not rel.requested
    kinds = [n.type for n in await timelines.notifications(svc, bob, Page(limit=10))]
    assert kinds.count("follow") == 2
