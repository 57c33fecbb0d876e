"""The everyday client API: bookmarks, mutes, blocks, featured accounts, hashtag
timelines, familiar followers, posting once per Idempotency-Key."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from apiclient import Member, member


@pytest.fixture
async def trio(start: Any) -> tuple[Member, Member, Member]:
    client = await start()
    return await member(client, "ann"), await member(client, "bea"), await member(client, "cal")


async def test_bookmarks(trio: tuple[Member, Member, Member]) -> None:
    ann, bea, _ = trio
    first = await bea.post("/api/v1/statuses", json={"status": "first"})
    second = await bea.post("/api/v1/statuses", json={"status": "second"})
    secret = await bea.post("/api/v1/statuses", json={"status": "mine", "visibility": "direct"})
    marked = await ann.post(f"/api/v1/statuses/{first['id']}/bookmark")
    assert marked["bookmarked"] is True
    await ann.post(f"/api/v1/statuses/{second['id']}/bookmark")
    await ann.post(f"/api/v1/statuses/{second['id']}/bookmark")  # twice is once
    await ann.post(f"/api/v1/statuses/{secret['id']}/bookmark", status=404)  # cannot see it
    listed = await ann.get("/api/v1/bookmarks")
    assert [s["id"] for s in listed] == [second["id"], first["id"]]
    assert (await ann.get(f"/api/v1/statuses/{first['id']}"))["bookmarked"] is True
    assert (await bea.get(f"/api/v1/statuses/{first['id']}"))["bookmarked"] is False
    unmarked = await ann.post(f"/api/v1/statuses/{first['id']}/unbookmark")
    assert unmarked["bookmarked"] is False
    assert [s["id"] for s in await ann.get("/api/v1/bookmarks")] == [second["id"]]


async def test_mutes_hide_posts_and_notifications(trio: tuple[Member, Member, Member]) -> None:
    ann, bea, _ = trio
    await ann.post(f"/api/v1/accounts/{bea.id}/follow")
    await bea.post("/api/v1/statuses", json={"status": "before the mute"})
    relation = await ann.post(f"/api/v1/accounts/{bea.id}/mute")
    assert relation["muting"] is True and relation["muting_notifications"] is True
    await bea.post("/api/v1/statuses", json={"status": "@ann hello"})
    assert await ann.get("/api/v1/timelines/home") == []
    assert await ann.get("/api/v1/notifications") == []
    assert [a["id"] for a in await ann.get("/api/v1/mutes")] == [bea.id]
    await ann.post(f"/api/v1/accounts/{bea.id}/unmute")
    assert len(await ann.get("/api/v1/timelines/home")) == 2
    assert [n["type"] for n in await ann.get("/api/v1/notifications")] == ["mention"]
    # Muting posts but not notifications.
    relation = await ann.post(f"/api/v1/accounts/{bea.id}/mute", json={"notifications": False})
    assert relation["muting"] is True and relation["muting_notifications"] is False
    assert len(await ann.get("/api/v1/notifications")) == 1
    await ann.post(f"/api/v1/accounts/{ann.id}/mute", status=422)
    await ann.post(f"/api/v1/accounts/{bea.id}/mute", json={"duration": -5}, status=422)


async def test_blocks_list_and_relationship(trio: tuple[Member, Member, Member]) -> None:
    ann, bea, cal = trio
    await ann.post(f"/api/v1/accounts/{bea.id}/block")
    assert [a["id"] for a in await ann.get("/api/v1/blocks")] == [bea.id]
    (seen,) = await bea.get(f"/api/v1/accounts/relationships?id[]={ann.id}")
    assert seen["blocked_by"] is True and seen["blocking"] is False
    await ann.post(f"/api/v1/accounts/{bea.id}/unblock")
    assert await ann.get("/api/v1/blocks") == []
    assert await cal.get("/api/v1/blocks") == []


async def test_featured_accounts(trio: tuple[Member, Member, Member]) -> None:
    ann, bea, cal = trio
    error = await ann.post(f"/api/v1/accounts/{bea.id}/pin", status=422)
    assert "follow" in error["error"]
    await ann.post(f"/api/v1/accounts/{bea.id}/follow")
    relation = await ann.post(f"/api/v1/accounts/{bea.id}/pin")
    assert relation["endorsed"] is True
    assert [a["id"] for a in await ann.get("/api/v1/endorsements")] == [bea.id]
    await ann.post(f"/api/v1/accounts/{bea.id}/unpin")
    assert await ann.get("/api/v1/endorsements") == []
    assert await cal.get("/api/v1/endorsements") == []


async def test_hashtag_timeline(trio: tuple[Member, Member, Member]) -> None:
    ann, bea, _ = trio
    tagged = await bea.post("/api/v1/statuses", json={"status": "hiring #Python devs"})
    await bea.post("/api/v1/statuses", json={"status": "no tag"})
    await bea.post("/api/v1/statuses", json={"status": "#python", "visibility": "private"})
    found = await ann.get("/api/v1/timelines/tag/python")
    assert [s["id"] for s in found] == [tagged["id"]]
    anonymous = await ann.client.get("/api/v1/timelines/tag/PYTHON")
    assert [s["id"] for s in await anonymous.json()] == [tagged["id"]]


async def test_familiar_followers(trio: tuple[Member, Member, Member]) -> None:
    ann, bea, cal = trio
    await ann.post(f"/api/v1/accounts/{bea.id}/follow")
    await bea.post(f"/api/v1/accounts/{cal.id}/follow")
    found = await ann.get(f"/api/v1/accounts/familiar_followers?id[]={cal.id}&id[]={bea.id}")
    by_id = {entry["id"]: [a["id"] for a in entry["accounts"]] for entry in found}
    assert by_id == {cal.id: [bea.id], bea.id: []}


async def test_posting_twice_with_one_idempotency_key_posts_once(
    trio: tuple[Member, Member, Member],
) -> None:
    ann, _, _ = trio
    headers = {"Idempotency-Key": "retry-1"}
    first = await ann.post("/api/v1/statuses", json={"status": "once"}, headers=headers)
    again = await ann.post("/api/v1/statuses", json={"status": "once"}, headers=headers)
    assert again["id"] == first["id"]
    other = await ann.post(
        "/api/v1/statuses", json={"status": "once"}, headers={"Idempotency-Key": "retry-2"}
    )
    assert other["id"] != first["id"]
    mine = await ann.get(f"/api/v1/accounts/{ann.id}/statuses")
    assert len(mine) == 2


async def test_concurrent_posts_with_one_idempotency_key_make_one_post(
    trio: tuple[Member, Member, Member],
) -> None:
    ann, _, _ = trio
    headers = {"Idempotency-Key": "at-once"}
    made = await asyncio.gather(
        *(ann.post("/api/v1/statuses", json={"status": "x"}, headers=headers) for _ in range(4))
    )
    assert len({post["id"] for post in made}) == 1
    assert len(await ann.get(f"/api/v1/accounts/{ann.id}/statuses")) == 1
    # A deleted post's key posts again.
    await ann.delete(f"/api/v1/statuses/{made[0]['id']}")
    again = await ann.post("/api/v1/statuses", json={"status": "x"}, headers=headers)
    assert again["id"] != made[0]["id"]


async def test_search_finds_hashtags(trio: tuple[Member, Member, Member]) -> None:
    ann, bea, _ = trio
    await bea.post("/api/v1/statuses", json={"status": "#Python and #pytest and #rust"})
    found = await ann.get("/api/v2/search?q=%23py&type=hashtags")
    assert [t["name"] for t in found["hashtags"]] == ["pytest", "python"]  # shortest first
    assert found["hashtags"][1]["url"].endswith("/tags/python")
    assert found["accounts"] == [] and found["statuses"] == []
    assert (await ann.get("/api/v2/search?q=%25&type=hashtags"))["hashtags"] == []


async def test_direct_conversations(trio: tuple[Member, Member, Member]) -> None:
    ann, bea, cal = trio
    opened = await ann.post(
        "/api/v1/statuses", json={"status": "@bea lunch?", "visibility": "direct"}
    )
    await ann.post("/api/v1/statuses", json={"status": "public, not a conversation"})
    (seen,) = await bea.get("/api/v1/conversations")
    assert seen["id"] == opened["id"] and seen["unread"] is True
    assert [a["id"] for a in seen["accounts"]] == [ann.id]
    assert seen["last_status"]["id"] == opened["id"]
    (mine,) = await ann.get("/api/v1/conversations")
    assert mine["unread"] is False  # the last message is hers
    assert [a["id"] for a in mine["accounts"]] == [bea.id]
    assert await cal.get("/api/v1/conversations") == []

    reply = await bea.post(
        "/api/v1/statuses",
        json={"status": "@ann yes!", "visibility": "direct", "in_reply_to_id": opened["id"]},
    )
    (thread,) = await ann.get("/api/v1/conversations")
    assert thread["id"] == opened["id"] and thread["last_status"]["id"] == reply["id"]
    assert thread["unread"] is True
    read = await ann.post(f"/api/v1/conversations/{thread['id']}/read")
    assert read["unread"] is False
    assert (await ann.get("/api/v1/conversations"))[0]["unread"] is False

    await ann.delete(f"/api/v1/conversations/{thread['id']}")
    assert await ann.get("/api/v1/conversations") == []
    assert len(await bea.get("/api/v1/conversations")) == 1  # hers stays
    await bea.post(
        "/api/v1/statuses",
        json={"status": "@ann see you", "visibility": "direct", "in_reply_to_id": reply["id"]},
    )
    assert len(await ann.get("/api/v1/conversations")) == 1  # back with a new message
    await cal.post(f"/api/v1/conversations/{thread['id']}/read", status=404)
    await cal.delete(f"/api/v1/conversations/{thread['id']}", status=404)
