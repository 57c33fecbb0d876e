"""A group across three real instances.

alice (A) starts "logistics". bob (B) joins it through the groups API, carol
(C) by following it from the Mastodon API, as any app would. bob posts in the
group (``group_id``) and carol mentions it: A redistributes each post (the
group's Announce) to the other members' servers, and bob's edit after it.
bob's reply in carol's thread stays in the group without naming it, and when
he deletes it the group takes it back from C. alice removes carol's post (the
group takes its Announce back) and then bans carol (Reject of her Follow): C
hears both. A second group approves its members: bob's request waits until
alice answers.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from fedapi import Api, eventually, start_member

pytestmark = pytest.mark.slow
GROUPS = "/api/v1/warmline/groups"


async def _group_statuses(api: Api, group_id: str) -> list[str]:
    return [s["uri"] for s in await api.get(f"{GROUPS}/{group_id}/statuses")]


async def _boosted_by(api: Api, acct: str) -> list[str]:
    home = await api.get("/api/v1/timelines/home")
    return [s["reblog"]["uri"] for s in home if s["reblog"] and s["account"]["acct"] == acct]


async def test_a_group_with_members_on_three_instances(server_process: Any) -> None:
    a, alice_token = start_member(server_process, "a", "alice")
    b, bob_token = start_member(server_process, "b", "bob")
    c, carol_token = start_member(server_process, "c", "carol")
    async with aiohttp.ClientSession() as session:
        alice = Api(session, a.base_url, alice_token, f"alice@{a.domain}")
        bob = Api(session, b.base_url, bob_token, f"bob@{b.domain}")
        carol = Api(session, c.base_url, carol_token, f"carol@{c.domain}")
        group = await alice.post(GROUPS, json={"name": "logistics", "display_name": "Logistics"})
        handle = f"logistics@{a.domain}"

        # bob joins through the groups API; carol follows it as a Mastodon app would.
        at_b = await bob.find(handle)
        at_c = await carol.find(handle)
        assert at_b["group"] is True and at_c["group"] is True
        joined = await bob.post(f"{GROUPS}/{at_b['id']}/join")
        assert joined["my_membership"] in ("pending", "member")
        await carol.post(f"/api/v1/accounts/{at_c['id']}/follow")

        async def three_members() -> bool:
            return (await alice.get(f"{GROUPS}/{group['id']}"))["members_count"] == 3

        await eventually(three_members, "A counts bob and carol as members")

        async def bob_member() -> bool:
            return (await bob.get(f"{GROUPS}/{at_b['id']}"))["my_membership"] == "member"

        await eventually(bob_member, "B hears A accept bob's Follow")

        # bob posts in the group: A redistributes it, carol reads it as the group's boost.
        post = await bob.post(
            "/api/v1/statuses", json={"status": "Who ships to Rotterdam?", "group_id": at_b["id"]}
        )

        async def carol_reads_bobs() -> bool:
            return post["uri"] in await _boosted_by(carol, handle)

        await eventually(carol_reads_bobs, "the group's Announce of bob's post reaches C")
        assert await _group_statuses(alice, group["id"]) == [post["uri"]]

        async def listed_at_b() -> bool:
            return await _group_statuses(bob, at_b["id"]) == [post["uri"]]

        await eventually(listed_at_b, "B lists bob's post in the group once A announced it")

        # bob edits it: C heard of the post from the group, and hears of the edit from it.
        await bob.call(
            "PUT", f"/api/v1/statuses/{post['id']}", json={"status": "Who ships to Antwerp?"}
        )

        async def carol_reads_edit() -> bool:
            home = await carol.get("/api/v1/timelines/home")
            found = [s["reblog"] for s in home if s["reblog"] and s["reblog"]["uri"] == post["uri"]]
            return bool(found) and "Antwerp" in found[0]["content"]

        await eventually(carol_reads_edit, "the group's Announce(Update) reaches C")

        # carol mentions the group: the same, the other way.
        mention = await carol.post("/api/v1/statuses", json={"status": f"@{handle} hello all"})

        async def bob_reads_carols() -> bool:
            return mention["uri"] in await _boosted_by(bob, handle)

        await eventually(bob_reads_carols, "the group's Announce of carol's post reaches B")

        # bob replies in carol's thread without naming the group: it stays in the group.
        carols_at_b = next(
            s["reblog"]
            for s in await bob.get("/api/v1/timelines/home")
            if s["reblog"] and s["reblog"]["uri"] == mention["uri"]
        )
        reply = await bob.post(
            "/api/v1/statuses", json={"status": "Welcome!", "in_reply_to_id": carols_at_b["id"]}
        )

        async def reply_in_group() -> bool:
            return reply["uri"] in await _group_statuses(alice, group["id"])

        await eventually(reply_in_group, "A takes bob's reply into the group")

        async def carol_reads_reply() -> bool:
            return reply["uri"] in await _boosted_by(carol, handle)

        await eventually(carol_reads_reply, "the group's Announce of bob's reply reaches C")
        # bob deletes his reply: the group takes its Announce back from C too.
        await bob.call("DELETE", f"/api/v1/statuses/{reply['id']}")

        async def reply_gone_at_c() -> bool:
            return reply["uri"] not in await _boosted_by(carol, handle)

        await eventually(
            reply_gone_at_c, "the group's Undo(Announce) of the deleted reply reaches C"
        )

        # alice removes carol's post from the group: B drops the group's boost of it.
        at_a = next(
            s for s in await alice.get(f"{GROUPS}/{group['id']}/statuses")
            if s["uri"] == mention["uri"]
        )  # fmt: skip
        await alice.call("DELETE", f"{GROUPS}/{group['id']}/statuses/{at_a['id']}")

        async def removed_at_b() -> bool:
            boosted = await _boosted_by(bob, handle)
            listed = await _group_statuses(bob, at_b["id"])
            return mention["uri"] not in boosted and mention["uri"] not in listed

        await eventually(removed_at_b, "the group's Undo(Announce) reaches B")

        # alice bans carol: C hears she is no longer in the group, and may not post in it.
        carol_at_a = await alice.find(carol.handle)
        await alice.post(
            f"{GROUPS}/{group['id']}/members/{carol_at_a['id']}/remove",
            json={"ban": True, "reason": "off-topic"},
        )

        async def carol_out() -> bool:
            return (await carol.get(f"{GROUPS}/{at_c['id']}"))["my_membership"] is None

        await eventually(carol_out, "C hears the Reject of carol's Follow")
        await carol.post(
            "/api/v1/statuses", status=403, json={"status": "again", "group_id": at_c["id"]}
        )
        # Following again from C is refused by A: carol stays out.
        await carol.post(f"/api/v1/accounts/{at_c['id']}/follow")
        await eventually(carol_out, "A refuses carol's new Follow")
        assert (await alice.get(f"{GROUPS}/{group['id']}"))["members_count"] == 2


async def test_a_group_that_approves_members_across_instances(server_process: Any) -> None:
    a, alice_token = start_member(server_process, "a", "alice")
    b, bob_token = start_member(server_process, "b", "bob")
    async with aiohttp.ClientSession() as session:
        alice = Api(session, a.base_url, alice_token, f"alice@{a.domain}")
        bob = Api(session, b.base_url, bob_token, f"bob@{b.domain}")
        group = await alice.post(GROUPS, json={"name": "board", "membership": "approval"})
        at_b = await bob.find(f"board@{a.domain}")
        assert (await bob.post(f"{GROUPS}/{at_b['id']}/join"))["my_membership"] == "pending"

        async def asked() -> list[Any]:
            return await alice.get(f"{GROUPS}/{group['id']}/requests")

        waiting = await eventually(asked, "bob's request reaches A")
        assert "warmline.group_request" in await alice.notification_types()
        assert (await bob.get(f"{GROUPS}/{at_b['id']}"))["my_membership"] == "pending"
        bob_at_a = waiting[0]["account"]["id"]
        await alice.post(f"{GROUPS}/{group['id']}/requests/{bob_at_a}/approve")

        async def member() -> bool:
            return (await bob.get(f"{GROUPS}/{at_b['id']}"))["my_membership"] == "member"

        await eventually(member, "B hears A accept bob")
