"""The Mastodon client API core on one instance: two local members."""

from __future__ import annotations

from typing import Any

import pytest
from apiclient import Member, member

from server.appkeys import DB
from server.services import tokens


@pytest.fixture
async def pair(start: Any) -> tuple[Member, Member]:
    client = await start()
    return await member(client, "alice"), await member(client, "bob")


async def test_verify_credentials_and_lookup(pair: tuple[Member, Member]) -> None:
    alice, _ = pair
    me = await alice.get("/api/v1/accounts/verify_credentials")
    assert me["username"] == "alice" and me["acct"] == "alice" and me["id"] == alice.id
    assert "source" in me and me["created_at"].endswith("Z")
    found = await alice.get("/api/v1/accounts/lookup", params={"acct": "bob"})
    assert found["username"] == "bob"


async def test_post_read_edit_delete(pair: tuple[Member, Member]) -> None:
    alice, bob = pair
    posted = await alice.post(
        "/api/v1/statuses", data={"status": "Hello @bob #Intro https://x.org/a."}
    )
    assert posted["visibility"] == "public" and posted["account"]["id"] == alice.id
    assert [m["acct"] for m in posted["mentions"]] == ["bob"]
    assert [t["name"] for t in posted["tags"]] == ["intro"]
    assert 'href="https://x.org/a"' in posted["content"]
    shown = await bob.get(f"/api/v1/statuses/{posted['id']}")
    assert shown["content"] == posted["content"]
    notes = await bob.get("/api/v1/notifications")
    assert [(n["type"], n["account"]["id"]) for n in notes] == [("mention", alice.id)]
    edited = await alice.put(f"/api/v1/statuses/{posted['id']}", json={"status": "Hello again"})
    assert edited["edited_at"] and "again" in edited["content"]
    gone = await alice.delete(f"/api/v1/statuses/{posted['id']}")
    assert gone["text"] == "Hello again"
    await bob.get(f"/api/v1/statuses/{posted['id']}", status=404)


async def test_home_timeline_follow_and_interactions(pair: tuple[Member, Member]) -> None:
    alice, bob = pair
    rel = await bob.post(f"/api/v1/accounts/{alice.id}/follow")
    assert rel["following"] is True
    first = await alice.post("/api/v1/statuses", data={"status": "one"})
    second = await alice.post("/api/v1/statuses", json={"status": "two", "visibility": "private"})
    home = await bob.get("/api/v1/timelines/home")
    assert [s["id"] for s in home] == [second["id"], first["id"]]
    fav = await bob.post(f"/api/v1/statuses/{first['id']}/favourite")
    assert fav["favourited"] is True and fav["favourites_count"] == 1
    boost = await bob.post(f"/api/v1/statuses/{first['id']}/reblog")
    assert boost["reblog"]["id"] == first["id"]
    types = sorted(n["type"] for n in await alice.get("/api/v1/notifications"))
    assert types == ["favourite", "follow", "reblog"]
    public = await alice.get("/api/v1/timelines/public")
    assert [s["id"] for s in public] == [first["id"]]
    unboosted = await bob.post(f"/api/v1/statuses/{first['id']}/unreblog")
    assert unboosted["reblogged"] is False and unboosted["reblogs_count"] == 0
    await bob.post(f"/api/v1/accounts/{alice.id}/unfollow")
    assert await bob.get("/api/v1/timelines/home") == []


async def test_locked_account_follow_requests(pair: tuple[Member, Member]) -> None:
    alice, bob = pair
    await member(alice.client, "alice", locked=True)
    rel = await bob.post(f"/api/v1/accounts/{alice.id}/follow")
    assert rel["following"] is False and rel["requested"] is True
    requests = await alice.get("/api/v1/follow_requests")
    assert [a["id"] for a in requests] == [bob.id]
    rel = await alice.post(f"/api/v1/follow_requests/{bob.id}/authorize")
    assert rel["followed_by"] is True
    followers = await alice.get(f"/api/v1/accounts/{alice.id}/followers")
    assert [a["id"] for a in followers] == [bob.id]


async def test_thread_context_and_pagination(pair: tuple[Member, Member]) -> None:
    alice, bob = pair
    root = await alice.post("/api/v1/statuses", data={"status": "root"})
    reply = await bob.post(
        "/api/v1/statuses", data={"status": "reply", "in_reply_to_id": root["id"]}
    )
    context = await alice.get(f"/api/v1/statuses/{reply['id']}/context")
    assert [s["id"] for s in context["ancestors"]] == [root["id"]]
    context = await alice.get(f"/api/v1/statuses/{root['id']}/context")
    assert [s["id"] for s in context["descendants"]] == [reply["id"]]
    for i in range(3):
        await alice.post("/api/v1/statuses", data={"status": f"post {i}"})
    resp = await alice.client.get(
        f"/api/v1/accounts/{alice.id}/statuses", params={"limit": "2"}, headers=alice._h()
    )
    page = await resp.json()
    assert len(page) == 2
    assert 'rel="next"' in resp.headers["Link"] and "limit=2" in resp.headers["Link"]


async def test_errors_are_json_with_the_right_status(pair: tuple[Member, Member]) -> None:
    alice, _ = pair
    resp = await alice.client.get("/api/v1/accounts/verify_credentials")
    assert resp.status == 401 and "error" in await resp.json()
    await alice.post("/api/v1/statuses", status=422, data={"status": ""})
    await alice.post("/api/v1/statuses", status=422, data={"status": "x", "visibility": "secret"})
    await alice.get("/api/v1/statuses/123", status=404)
    await alice.get("/api/v1/statuses/abc", status=404)
    db = alice.client.app[DB]
    read_only = Member(
        alice.client, await tokens.create_token(db, "alice", scopes="read"), alice.id
    )
    await read_only.post("/api/v1/statuses", status=403, data={"status": "nope"})


async def test_hashtag_links_lead_to_a_page_of_posts_with_the_tag(
    pair: tuple[Member, Member],
) -> None:
    alice, _ = pair
    posted = await alice.post("/api/v1/statuses", data={"status": "Shipping #Warmline today"})
    assert 'href="http://a.test/tags/warmline"' in posted["content"]
    await alice.post("/api/v1/statuses", data={"status": "not tagged"})
    resp = await alice.client.get("/tags/WarmLine", headers={"Accept": "text/html"})
    page = await resp.text()
    assert resp.status == 200 and "Shipping" in page and "not tagged" not in page
