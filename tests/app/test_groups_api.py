"""Groups through the API on one instance: create, join (open and approval),
post in a group (``group_id`` or a mention) and its redistribution as the
group's boost, the group's posts and events, moderation (remove a post, remove
and ban a member, moderators), and the ActivityPub documents a group serves.

Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from apiclient import Member, member

from server.appkeys import DB
from server.store import interactions as interactions_q
from server.store.statuses import Page

GROUPS = "/api/v1/warmline/groups"
AS2 = "application/activity+json"


async def notified(client: TestClient, who: Member) -> list[str]:
    async with client.app[DB].read() as conn:
        rows = await interactions_q.list_notifications(conn, int(who.id), Page())
    return [n.type for n in rows]


async def make_group(owner: Member, **kw: Any) -> dict[str, Any]:
    body = {"name": "logistics", "display_name": "Logistics people",
            "description": "Supply chains, ports and trucks.", **kw}  # fmt: skip
    return await owner.post(GROUPS, json=body)


async def test_a_member_creates_an_open_group_and_others_join_it(start: Any) -> None:
    client = await start()
    alice, bob = await member(client, "alice"), await member(client, "bob")
    group = await make_group(alice)
    assert group["acct"] == "logistics" and group["display_name"] == "Logistics people"
    assert (group["membership"], group["members_count"]) == ("open", 1)
    assert (group["my_membership"], group["my_role"]) == ("moderator", "owner")
    assert group["account"]["group"] is True and group["uri"] == "http://a.test/users/logistics"
    joined = await bob.post(f"{GROUPS}/{group['id']}/join")
    assert (joined["my_membership"], joined["members_count"]) == ("member", 2)
    # The same group is an account: found by its handle, and following it is joining.
    found = await bob.get("/api/v2/search", params={"q": "@logistics", "resolve": "true"})
    assert [a["id"] for a in found["accounts"]] == [group["id"]]
    assert found["accounts"][0]["group"] is True
    members = await bob.get(f"{GROUPS}/{group['id']}/members")
    assert {m["account"]["username"]: m["role"] for m in members} == {
        "alice": "owner", "bob": None}  # fmt: skip
    mine = await bob.get(GROUPS)
    assert [g["id"] for g in mine] == [group["id"]]
    local = await client.get(f"{GROUPS}?scope=local")
    assert [g["acct"] for g in await local.json()] == ["logistics"]
    left = await bob.post(f"{GROUPS}/{group['id']}/leave")
    assert (left["my_membership"], left["members_count"]) == (None, 1)
    # The owner cannot leave a group that would have no owner.
    refused = await alice.post(f"{GROUPS}/{group['id']}/leave", status=422)
    assert "owner" in refused["error"]


async def test_a_group_is_an_actor_peers_can_find(start: Any) -> None:
    client = await start()
    alice = await member(client, "alice")
    await make_group(alice, membership="approval")
    finger = await client.get("/.well-known/webfinger?resource=acct:logistics@a.test")
    assert finger.status == 200
    resp = await client.get("/users/logistics", headers={"Accept": AS2})
    doc = await resp.json()
    assert doc["type"] == "Group" and doc["preferredUsername"] == "logistics"
    assert doc["manuallyApprovesFollowers"] is True
    assert doc["attributedTo"] == "http://a.test/users/logistics/moderators"
    assert "publicKey" in doc and doc["endpoints"]["sharedInbox"] == "http://a.test/inbox"
    mods = await (await client.get("/users/logistics/moderators", headers={"Accept": AS2})).json()
    assert mods["orderedItems"] == ["http://a.test/users/alice"]


async def test_posts_in_a_group_are_boosted_to_its_members(start: Any) -> None:
    client = await start()
    alice, bob, carol = [await member(client, n) for n in ("alice", "bob", "carol")]
    group = await make_group(alice)
    await bob.post(f"{GROUPS}/{group['id']}/join")
    await carol.post(f"{GROUPS}/{group['id']}/join")
    by_id = await bob.post("/api/v1/statuses", data={"status": "Who ships to Rotterdam?",
                                                      "group_id": group["id"]})  # fmt: skip
    by_mention = await carol.post("/api/v1/statuses", json={"status": "@logistics hello all"})
    listed = await alice.get(f"{GROUPS}/{group['id']}/statuses")
    assert [s["id"] for s in listed] == [by_mention["id"], by_id["id"]]
    # alice follows neither bob nor carol: she reads both through the group's boosts.
    home = await alice.get("/api/v1/timelines/home")
    boosted = [(s["account"]["acct"], s["reblog"]["id"]) for s in home if s["reblog"]]
    assert boosted == [("logistics", by_mention["id"]), ("logistics", by_id["id"])]
    # The post's document names the group (cc, a Mention, FEP-1b12's audience).
    doc = await (await client.get(by_id["uri"].replace("http://a.test", ""),
                                  headers={"Accept": AS2})).json()  # fmt: skip
    assert doc["audience"] == group["uri"] and group["uri"] in doc["cc"]
    # Nobody is notified of a "mention" of the group itself.
    assert "mention" not in await notified(client, alice)
    # A reply in the group's thread stays in the group, and is boosted too.
    reply = await alice.post("/api/v1/statuses", json={"status": "We do, weekly.",
                                                        "in_reply_to_id": by_id["id"]})  # fmt: skip
    listed = await bob.get(f"{GROUPS}/{group['id']}/statuses")
    assert listed[0]["id"] == reply["id"]
    # Deleted by its author: gone from the group and from members' home timelines.
    await bob.delete(f"/api/v1/statuses/{by_id['id']}")
    listed = await alice.get(f"{GROUPS}/{group['id']}/statuses")
    assert by_id["id"] not in [s["id"] for s in listed]
    home = await alice.get("/api/v1/timelines/home")
    assert by_id["id"] not in [s["reblog"]["id"] for s in home if s["reblog"]]


async def test_only_members_post_in_a_group(start: Any) -> None:
    client = await start()
    alice, dave = await member(client, "alice"), await member(client, "dave")
    group = await make_group(alice)
    refused = await dave.post("/api/v1/statuses", status=403,
                              json={"status": "buy my stuff", "group_id": group["id"]})  # fmt: skip
    assert "Join the group" in refused["error"]
    # A mention by a non-member is an ordinary post: not in the group.
    await dave.post("/api/v1/statuses", json={"status": "@logistics buy my stuff"})
    assert await alice.get(f"{GROUPS}/{group['id']}/statuses") == []
    # Followers-only posts are not redistributed (a group shares what anyone may see).
    await alice.post("/api/v1/statuses", json={"status": "@logistics members only?",
                                                "visibility": "private"})  # fmt: skip
    assert await alice.get(f"{GROUPS}/{group['id']}/statuses") == []


async def test_a_group_that_approves_members(start: Any) -> None:
    client = await start()
    alice, bob, carol = [await member(client, n) for n in ("alice", "bob", "carol")]
    group = await make_group(alice, membership="approval")
    asked = await bob.post(f"{GROUPS}/{group['id']}/join")
    assert (asked["my_membership"], asked["members_count"]) == ("pending", 1)
    assert [g["id"] for g in await bob.get(f"{GROUPS}?scope=pending")] == [group["id"]]
    assert await bob.get(GROUPS) == []
    assert "warmline.group_request" in await notified(client, alice)
    # Members of a closed group are for its members; requests for its moderators.
    await carol.get(f"{GROUPS}/{group['id']}/members", status=403)
    await bob.get(f"{GROUPS}/{group['id']}/requests", status=403)
    waiting = await alice.get(f"{GROUPS}/{group['id']}/requests")
    assert [w["account"]["username"] for w in waiting] == ["bob"]
    assert (await alice.get(f"{GROUPS}/{group['id']}"))["pending_count"] == 1
    # Not yet a member: may not post in it.
    await bob.post("/api/v1/statuses", status=403, json={"status": "hi", "group_id": group["id"]})
    await bob.post(f"{GROUPS}/{group['id']}/requests/{alice.id}/approve", status=403)
    await alice.post(f"{GROUPS}/{group['id']}/requests/{bob.id}/approve")
    assert (await bob.get(f"{GROUPS}/{group['id']}"))["my_membership"] == "member"
    assert "warmline.group_accepted" in await notified(client, bob)
    await alice.post(f"{GROUPS}/{group['id']}/requests/{bob.id}/approve", status=404)
    # Opening the group lets everyone waiting in.
    await carol.post(f"{GROUPS}/{group['id']}/join")
    opened = await client.patch(
        f"{GROUPS}/{group['id']}", json={"membership": "open"},
        headers={"Authorization": f"Bearer {alice.token}"})  # fmt: skip
    assert opened.status == 200 and (await opened.json())["membership"] == "open"
    assert (await carol.get(f"{GROUPS}/{group['id']}"))["my_membership"] == "member"


async def test_moderators_remove_posts_and_members(start: Any) -> None:
    client = await start()
    alice, bob, carol = [await member(client, n) for n in ("alice", "bob", "carol")]
    group = await make_group(alice)
    gid = group["id"]
    for who in (bob, carol):
        await who.post(f"{GROUPS}/{gid}/join")
    spam = await carol.post("/api/v1/statuses", json={"status": "@logistics cheap watches"})
    # bob is no moderator yet; alice makes him one.
    await bob.delete(f"{GROUPS}/{gid}/statuses/{spam['id']}", status=403)
    await alice.post(f"{GROUPS}/{gid}/moderators/{bob.id}")
    assert (await bob.get(f"{GROUPS}/{gid}"))["my_role"] == "moderator"
    await bob.delete(f"{GROUPS}/{gid}/statuses/{spam['id']}")
    assert await alice.get(f"{GROUPS}/{gid}/statuses") == []
    home = await alice.get("/api/v1/timelines/home")
    assert all(not s["reblog"] or s["reblog"]["id"] != spam["id"] for s in home)
    # The post stays carol's.
    assert (await alice.get(f"/api/v1/statuses/{spam['id']}"))["id"] == spam["id"]
    # A moderator may not remove the owner, nor another moderator.
    await bob.post(f"{GROUPS}/{gid}/members/{alice.id}/remove", status=403)
    # Banned: out, kept out, and her posts are not shared.
    await bob.post(f"{GROUPS}/{gid}/members/{carol.id}/remove",
                   json={"ban": True, "reason": "spam"})  # fmt: skip
    assert (await carol.get(f"{GROUPS}/{gid}"))["my_membership"] is None
    refused = await carol.post(f"{GROUPS}/{gid}/join", status=403)
    assert "removed you" in refused["error"]
    bans = await alice.get(f"{GROUPS}/{gid}/bans")
    assert [(b["account"]["username"], b["reason"]) for b in bans] == [("carol", "spam")]
    await alice.delete(f"{GROUPS}/{gid}/bans/{carol.id}")
    await carol.post(f"{GROUPS}/{gid}/join")
    assert (await carol.get(f"{GROUPS}/{gid}"))["my_membership"] == "member"


async def test_a_groups_events(start: Any) -> None:
    client = await start()
    alice, bob = await member(client, "alice"), await member(client, "bob")
    group = await make_group(alice)
    await bob.post(f"{GROUPS}/{group['id']}/join")
    event = await bob.post("/api/v1/warmline/events", json={
        "title": "Port tour", "starts_at": "2027-05-01T10:00:00+02:00",
        "timezone": "Europe/Amsterdam", "group_id": group["id"]})  # fmt: skip
    assert event["group_id"] == group["id"]
    listed = await client.get(f"{GROUPS}/{group['id']}/events")
    assert [e["id"] for e in await listed.json()] == [event["id"]]
    statuses = await alice.get(f"{GROUPS}/{group['id']}/statuses")
    assert [s["id"] for s in statuses] == [event["id"]]


async def test_bad_requests_say_why(start: Any) -> None:
    client = await start()
    alice = await member(client, "alice")
    assert "name" in (await alice.post(GROUPS, status=422, json={}))["error"]
    bad = await alice.post(GROUPS, status=422, json={"name": "no spaces"})
    assert "username" in bad["error"] or "letters" in bad["error"]
    await make_group(alice)
    taken = await alice.post(GROUPS, status=409, json={"name": "Logistics"})
    assert "taken" in taken["error"]
    taken = await alice.post(GROUPS, status=409, json={"name": "alice"})
    wrong = await alice.post(GROUPS, status=422, json={"name": "x", "membership": "secret"})
    assert "membership" in wrong["error"]
    await alice.get(f"{GROUPS}/{alice.id}", status=404)  # a person is not a group
    group = (await alice.get(GROUPS))[0]
    joined = await alice.post("/api/v1/warmline/connections", status=422,
                              json={"account_id": group["id"]})  # fmt: skip
    assert "joined, not connected" in joined["error"]
    await alice.get(f"{GROUPS}?scope=everything", status=422)


async def test_a_group_keeps_an_owner_and_its_calendar(start: Any) -> None:
    client = await start()
    alice, bob = await member(client, "alice"), await member(client, "bob")
    group = await make_group(alice)
    gid = group["id"]
    # The last owner cannot leave by the Mastodon route either, nor step down.
    refused = await alice.post(f"/api/v1/accounts/{gid}/unfollow", status=422)
    assert "owner" in refused["error"]
    await alice.post(f"{GROUPS}/{gid}/moderators/{alice.id}", status=422,
                     json={"role": "moderator"})  # fmt: skip
    # A member who leaves by unfollowing loses their role with their membership.
    await bob.post(f"/api/v1/accounts/{gid}/follow")
    await alice.post(f"{GROUPS}/{gid}/moderators/{bob.id}")
    await bob.post(f"/api/v1/accounts/{gid}/unfollow")
    assert (await bob.get(f"{GROUPS}/{gid}"))["my_role"] is None
    await bob.delete(f"{GROUPS}/{gid}/statuses/1", status=403)
    # A post in a group is shared: not followers-only.
    await bob.post(f"{GROUPS}/{gid}/join")
    private = {"status": "hi", "visibility": "private", "group_id": gid}
    hidden = await bob.post("/api/v1/statuses", status=422, json=private)
    assert "public" in hidden["error"]
    # An event cannot be moved into a group afterwards, and leaves the group's
    # calendar when a moderator removes it.
    mine = await bob.post("/api/v1/warmline/events", json={
        "title": "Drinks", "starts_at": "2027-05-01T18:00:00+02:00"})  # fmt: skip
    moved = await client.patch(f"/api/v1/warmline/events/{mine['id']}", json={"group_id": gid},
                               headers={"Authorization": f"Bearer {bob.token}"})  # fmt: skip
    assert moved.status == 422
    assert await (await client.get(f"{GROUPS}/{gid}/events")).json() == []
    tour = {"title": "Port tour", "starts_at": "2027-05-01T10:00:00+02:00", "group_id": gid}
    in_group = await bob.post("/api/v1/warmline/events", json=tour)
    await alice.delete(f"{GROUPS}/{gid}/statuses/{in_group['id']}")
    assert await (await client.get(f"{GROUPS}/{gid}/events")).json() == []
    # A bad handle is the name's fault.
    bad = await alice.post(GROUPS, status=422, json={"name": "no spaces"})
    assert bad["field"] == "name" and "name" in bad["error"]
