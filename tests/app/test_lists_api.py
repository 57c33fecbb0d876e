# ruff: noqa: F811  (pytest fixtures imported from test_federation_services)
"""Mastodon's lists over the API: CRUD, accounts, refusals, the list timeline
(with a remote account's post, blocks and mutes, replies_policy), exclusive lists.

One Warmline app (a.test, workers off) with alice and bob, and a fake peer."""

from __future__ import annotations

from typing import Any

from apiclient import Member, member
from sqlalchemy import func, select
from streamclient import connect, event, subscribed

from server.services import blocks, graph, interactions, personal, posts
from server.services import lists as lists_svc
from server.services.posts import Draft
from server.store import graph as graph_q
from server.store.accounts import AccountRow, purge_member
from server.store.tables import list_accounts, lists
from tests.app.test_federation_services import (  # noqa: F401 (fixtures)
    PUBLIC,
    Peer,
    Warmline,
    make_peer,
    peer,
    remote_activity,
    start_warmline,
    warmline,
)

L = "/api/v1/lists"


async def make_list(api: Member, title: str = "Clients", **extra: Any) -> dict[str, Any]:
    return await api.post(L, json={"title": title, **extra})


async def follows(w: Warmline, me: AccountRow, *targets: AccountRow) -> None:
    """``me`` follows each target, accepted (a remote one as if its Accept came)."""
    for target in targets:
        row = await graph.follow(w.svc, me, target)
        if row.state != graph_q.ACCEPTED:
            async with w.svc.db.transaction() as conn:
                await graph_q.set_follow_state(conn, row.id, graph_q.ACCEPTED)


async def timeline(api: Member, list_id: str, **query: Any) -> list[str]:
    found = await api.get(f"/api/v1/timelines/list/{list_id}", params=query)
    return [s["content"] for s in found]


def words(html: str) -> str:
    return html.removeprefix("<p>").removesuffix("</p>")


async def test_a_list_is_made_read_changed_and_deleted(warmline: Warmline) -> None:
    alice = await member(warmline.client, "alice")
    made = await make_list(alice)
    assert made == {
        "id": made["id"],
        "title": "Clients",
        "replies_policy": "list",
        "exclusive": False,
    }
    assert await alice.get(L) == [made]
    assert await alice.get(f"{L}/{made['id']}") == made
    changed = await alice.put(
        f"{L}/{made['id']}", json={"title": "Key clients", "replies_policy": "none"}
    )
    assert changed == {**made, "title": "Key clients", "replies_policy": "none"}
    # Only what is sent changes (a form body too).
    changed = await alice.put(f"{L}/{made['id']}", data={"exclusive": "true"})
    assert changed == {**made, "title": "Key clients", "replies_policy": "none", "exclusive": True}
    assert await alice.delete(f"{L}/{made['id']}") == {}
    assert await alice.get(L) == []
    await alice.get(f"{L}/{made['id']}", status=404)


async def test_bad_input_is_refused_in_words_and_others_lists_are_not_found(
    warmline: Warmline,
) -> None:
    alice = await member(warmline.client, "alice")
    bob = await member(warmline.client, "bob")
    assert "blank" in (await alice.post(L, status=422, json={"title": "  "}))["error"]
    assert "too long" in (await alice.post(L, status=422, json={"title": "x" * 201}))["error"]
    refused = await alice.post(L, status=422, json={"title": "A", "replies_policy": "all"})
    assert "replies_policy" in refused["error"]
    made = await make_list(alice)
    for path in (f"{L}/{made['id']}", f"{L}/{made['id']}/accounts"):
        await bob.get(path, status=404)
    await bob.get(f"/api/v1/timelines/list/{made['id']}", status=404)
    await bob.put(f"{L}/{made['id']}", status=404, json={"title": "Mine"})
    await bob.delete(f"{L}/{made['id']}", status=404)
    await bob.post(
        f"{L}/{made['id']}/accounts", status=404, json={"account_ids": [str(warmline.alice.id)]}
    )
    assert (await alice.get(f"{L}/{made['id']}"))["title"] == "Clients"
    # Without a token, or without the scope.
    resp = await warmline.client.get(L)
    assert resp.status == 401


async def test_at_most_fifty_lists(warmline: Warmline) -> None:
    for n in range(lists_svc.MAX_LISTS):
        await lists_svc.create(warmline.svc, warmline.alice, f"List {n}")
    alice = await member(warmline.client, "alice")
    assert "50" in (await alice.post(L, status=422, json={"title": "One more"}))["error"]


async def test_only_accounts_one_follows_are_added_and_adding_twice_is_fine(
    warmline: Warmline,
) -> None:
    w = warmline
    alice = await member(w.client, "alice")
    carol = await member(w.client, "carol")
    made = await make_list(alice)
    accounts = f"{L}/{made['id']}/accounts"
    refused = await alice.post(accounts, status=422, json={"account_ids": [str(w.bob.id)]})
    assert "You must follow @bob first" in refused["error"]
    await alice.post(accounts, status=422, json={"account_ids": []})
    await alice.post(accounts, status=404, json={"account_ids": ["99999999"]})

    await follows(w, w.alice, w.bob)
    await alice.post(f"/api/v1/accounts/{carol.id}/follow")
    assert await alice.post(accounts, data={"account_ids[]": [str(w.bob.id), carol.id]}) == {}
    assert await alice.post(accounts, json={"account_ids": [str(w.bob.id)]}) == {}
    found = await alice.get(accounts)
    assert sorted(a["acct"] for a in found) == ["bob", "carol"]
    resp = await w.client.get(accounts, params={"limit": "1"}, headers=alice._h())
    assert len(await resp.json()) == 1 and 'rel="next"' in resp.headers["Link"]
    assert len(await alice.get(accounts, params={"limit": "0"})) == 2
    assert await alice.get(f"/api/v1/accounts/{w.bob.id}/lists") == [made]
    assert await alice.get(f"/api/v1/accounts/{w.alice.id}/lists") == []

    # Taken off by a DELETE (ids in the query, as some clients send them) ...
    resp = await w.client.delete(accounts, params={"account_ids[]": carol.id}, headers=alice._h())
    assert resp.status == 200
    assert [a["acct"] for a in await alice.get(accounts)] == ["bob"]
    # ... and by an unfollow, as Mastodon does.
    await alice.post(f"/api/v1/accounts/{w.bob.id}/unfollow")
    assert await alice.get(accounts) == []
    assert await alice.get(f"/api/v1/accounts/{w.bob.id}/lists") == []


async def test_a_block_takes_the_account_off_the_list(warmline: Warmline) -> None:
    w = warmline
    await follows(w, w.alice, w.bob)
    made = await lists_svc.create(w.svc, w.alice, "Team")
    await lists_svc.add_accounts(w.svc, w.alice, made.id, [w.bob.id])
    await blocks.block(w.svc, w.bob, w.alice, on=True)  # blocked by bob: the follow ends
    assert await lists_svc.members(w.svc, w.alice, made.id, None) == []


async def test_the_list_timeline_shows_its_accounts_posts_as_the_member_may_see_them(
    warmline: Warmline, peer: Peer
) -> None:
    w = warmline
    alice = await member(w.client, "alice")
    carol = await member(w.client, "carol")
    carol_row = await graph.get_account(w.svc, int(carol.id))
    zoe = peer.add("zoe")
    zoe_row = await w.remote_account(zoe)
    await follows(w, w.alice, w.bob, carol_row, zoe_row)
    made = await make_list(alice)
    await alice.post(
        f"{L}/{made['id']}/accounts", json={"account_ids": [str(w.bob.id), str(zoe_row.id)]}
    )
    await posts.create_status(w.svc, w.bob, Draft("Bob in public"))
    await posts.create_status(w.svc, w.bob, Draft("Bob to followers", visibility="private"))
    await posts.create_status(w.svc, carol_row, Draft("Carol is not on the list"))
    note = peer.publish(zoe, "Zoe from afar")
    await w.deliver(zoe, remote_activity(zoe, "Create", note, to=[PUBLIC]))

    shown = await timeline(alice, made["id"])
    assert [words(s) for s in shown] == ["Zoe from afar", "Bob to followers", "Bob in public"]
    # Paged like the home timeline.
    page = await alice.get(f"/api/v1/timelines/list/{made['id']}", params={"limit": "1"})
    older = await alice.get(
        f"/api/v1/timelines/list/{made['id']}", params={"max_id": page[0]["id"]}
    )
    assert [words(s["content"]) for s in older] == ["Bob to followers", "Bob in public"]
    newer = await alice.get(
        f"/api/v1/timelines/list/{made['id']}", params={"min_id": older[-1]["id"]}
    )
    assert len(newer) == 2

    # A muted account's posts leave; so does a boost of a blocked account's post.
    await personal.mute(w.svc, w.alice, zoe_row, on=True)
    dave = await member(w.client, "dave")
    dave_row = await graph.get_account(w.svc, int(dave.id))
    boosted = await posts.create_status(w.svc, dave_row, Draft("Dave says"))
    await interactions.reblog(w.svc, w.bob, boosted.id)
    assert len(await timeline(alice, made["id"])) == 3  # the boost shows (empty content)
    await blocks.block(w.svc, w.alice, dave_row, on=True)
    assert [words(s) for s in await timeline(alice, made["id"])] == [
        "Bob to followers",
        "Bob in public",
    ]


async def test_replies_policy_decides_which_replies_show(warmline: Warmline) -> None:
    w = warmline
    alice = await member(w.client, "alice")
    carol_row = await graph.get_account(w.svc, int((await member(w.client, "carol")).id))
    dave_row = await graph.get_account(w.svc, int((await member(w.client, "dave")).id))
    erin_row = await graph.get_account(w.svc, int((await member(w.client, "erin")).id))
    await follows(w, w.alice, w.bob, carol_row, erin_row)
    made = await make_list(alice)
    await alice.post(
        f"{L}/{made['id']}/accounts", json={"account_ids": [str(w.bob.id), str(erin_row.id)]}
    )
    bob_first = await posts.create_status(w.svc, w.bob, Draft("Bob starts"))
    to_carol = await posts.create_status(w.svc, carol_row, Draft("Carol asks"))
    to_dave = await posts.create_status(w.svc, dave_row, Draft("Dave asks"))
    to_erin = await posts.create_status(w.svc, erin_row, Draft("Erin asks"))
    to_alice = await posts.create_status(w.svc, w.alice, Draft("Alice asks"))
    for parent, text in (
        (bob_first, "Bob to himself"),
        (to_carol, "Bob to Carol"),
        (to_dave, "Bob to Dave"),
        (to_erin, "Bob to Erin"),
        (to_alice, "Bob to Alice"),
    ):
        await posts.create_status(w.svc, w.bob, Draft(text, in_reply_to_id=parent.id))

    async def replies(policy: str) -> list[str]:
        await alice.put(f"{L}/{made['id']}", json={"replies_policy": policy})
        shown = [words(s) for s in await timeline(alice, made["id"], limit=40)]
        return sorted(s for s in shown if s.startswith("Bob to"))

    always = ["Bob to Alice", "Bob to himself"]
    assert await replies("none") == always
    assert await replies("list") == sorted([*always, "Bob to Erin"])
    assert await replies("followed") == sorted([*always, "Bob to Carol", "Bob to Erin"])


async def test_an_exclusive_lists_accounts_leave_the_home_timeline(warmline: Warmline) -> None:
    w = warmline
    alice = await member(w.client, "alice")
    await follows(w, w.alice, w.bob)
    await posts.create_status(w.svc, w.bob, Draft("Bob at home"))
    made = await make_list(alice, exclusive=True)
    assert made["exclusive"] is True
    assert [words(s["content"]) for s in await alice.get("/api/v1/timelines/home")] == [
        "Bob at home"
    ]
    await alice.post(f"{L}/{made['id']}/accounts", json={"account_ids": [str(w.bob.id)]})
    assert await alice.get("/api/v1/timelines/home") == []
    assert [words(s) for s in await timeline(alice, made["id"])] == ["Bob at home"]
    await alice.put(f"{L}/{made['id']}", json={"exclusive": False})
    assert len(await alice.get("/api/v1/timelines/home")) == 1


async def test_deleting_a_member_removes_their_lists_and_their_place_on_others(
    warmline: Warmline,
) -> None:
    w = warmline
    await follows(w, w.alice, w.bob)
    await follows(w, w.bob, w.alice)
    mine = await lists_svc.create(w.svc, w.alice, "Mine")
    await lists_svc.add_accounts(w.svc, w.alice, mine.id, [w.bob.id])
    theirs = await lists_svc.create(w.svc, w.bob, "Theirs")
    await lists_svc.add_accounts(w.svc, w.bob, theirs.id, [w.alice.id])
    async with w.svc.db.transaction() as conn:
        await purge_member(conn, w.alice.id)
    async with w.svc.db.read() as conn:
        left = (await conn.execute(select(func.count()).select_from(lists))).scalar_one()
        rows = (await conn.execute(select(func.count()).select_from(list_accounts))).scalar_one()
    assert (left, rows) == (1, 0)


async def test_an_exclusive_lists_accounts_leave_the_home_stream_too(start: Any) -> None:
    client = await start()
    alice, bob, carol = [await member(client, n) for n in ("alice", "bob", "carol")]
    await bob.post(f"/api/v1/accounts/{alice.id}/follow")
    await bob.post(f"/api/v1/accounts/{carol.id}/follow")
    made = await make_list(bob, exclusive=True)
    await bob.post(f"{L}/{made['id']}/accounts", json={"account_ids": [alice.id]})
    async with await connect(bob, "user") as bob_home:
        await subscribed(client, ("user",))
        await alice.post("/api/v1/statuses", data={"status": "Alice, on the list only"})
        after = await carol.post("/api/v1/statuses", data={"status": "Carol at home"})
        assert (await event(bob_home))[2]["id"] == after["id"]
