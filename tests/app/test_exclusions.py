"""Timelines and streams leave out, for a signed-in viewer, the accounts they
block or mute and those that block them (and boosts of their posts);
anonymous viewers see everything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from apiclient import Member, member
from streamclient import connect, event, hub, subscribed

from server.appkeys import SERVICES
from server.store import personal as personal_q

TIMELINES = (
    "/api/v1/timelines/public",
    "/api/v1/timelines/public?local=true",
    "/api/v1/timelines/tag/news",
    "/api/v1/timelines/tag/news?local=true",
)
STREAMS = (("public",), ("public:local",), ("hashtag", "news"), ("hashtag:local", "news"))


@pytest.fixture
async def five(start: Any) -> dict[str, Member]:
    """ann blocks bea and mutes cal; dan blocks ann; eve is nobody's business."""
    client = await start()
    m = {n: await member(client, n) for n in ("ann", "bea", "cal", "dan", "eve")}
    await m["ann"].post(f"/api/v1/accounts/{m['bea'].id}/block")
    await m["ann"].post(f"/api/v1/accounts/{m['cal'].id}/mute")
    await m["dan"].post(f"/api/v1/accounts/{m['ann'].id}/block")
    return m


async def _say(m: Member, text: str = "#news") -> str:
    return str((await m.post("/api/v1/statuses", json={"status": text}))["id"])


async def _ids(m: Member, path: str) -> list[str]:
    return [s["id"] for s in await m.get(path)]


async def test_public_and_hashtag_timelines(five: dict[str, Member]) -> None:
    ann, bea = five["ann"], five["bea"]
    said = {name: await _say(m) for name, m in five.items()}
    everyone = [said[n] for n in ("eve", "dan", "cal", "bea", "ann")]
    for path in TIMELINES:
        assert await _ids(ann, path) == [said["eve"], said["ann"]], path
        anonymous = await ann.client.get(path)
        assert [s["id"] for s in await anonymous.json()] == everyone
        # bea is blocked by ann: she does not see ann either
        assert await _ids(bea, path) == [i for i in everyone if i != said["ann"]]
    await ann.post(f"/api/v1/accounts/{bea.id}/unblock")
    await ann.post(f"/api/v1/accounts/{five['cal'].id}/unmute")
    await five["dan"].post(f"/api/v1/accounts/{ann.id}/unblock")
    for path in TIMELINES:
        assert await _ids(ann, path) == everyone


async def test_home_leaves_out_their_posts_and_boosts_of_them(five: dict[str, Member]) -> None:
    ann, cal, eve = five["ann"], five["cal"], five["eve"]
    await ann.post(f"/api/v1/accounts/{eve.id}/follow")
    await ann.post(f"/api/v1/accounts/{cal.id}/follow")  # followed, and muted
    own = await _say(eve, "mine")
    muted = await _say(cal, "muted")
    boosted = [await _say(five[n], "boost me") for n in ("bea", "cal", "dan")]
    for status_id in boosted:
        await eve.post(f"/api/v1/statuses/{status_id}/reblog")
    assert await _ids(ann, "/api/v1/timelines/home") == [own]
    await ann.post(f"/api/v1/accounts/{cal.id}/unmute")
    home = await ann.get("/api/v1/timelines/home")
    assert [s["reblog"]["id"] for s in home if s["reblog"]] == [boosted[1]]
    assert muted in [s["id"] for s in home]


async def test_an_expired_mute_no_longer_hides(five: dict[str, Member]) -> None:
    ann, eve = five["ann"], five["eve"]
    svc = ann.client.app[SERVICES]
    past = svc.now() - timedelta(minutes=1)
    async with svc.db.transaction() as conn:
        await personal_q.add_mute(
            conn, svc.db.new_id(), int(ann.id), int(eve.id), past - timedelta(hours=1),
            notifications=True, expires_at=past,
        )  # fmt: skip
    said = await _say(eve)
    assert said in await _ids(ann, "/api/v1/timelines/public")


async def test_streams_leave_them_out(five: dict[str, Member]) -> None:
    ann, eve = five["ann"], five["eve"]
    await ann.post(f"/api/v1/accounts/{eve.id}/follow")
    async with (
        await connect(ann, "user") as ws,
        await connect(eve, "public") as eves,
        await ann.client.ws_connect("/api/v1/streaming", params={"stream": "public"}) as anon,
    ):
        for stream in STREAMS:
            await ws.send_json({"type": "subscribe", "stream": stream[0], "tag": "news"})
        await subscribed(ann.client, ("user",), *STREAMS)
        hidden = [await _say(five[n]) for n in ("bea", "cal", "dan")]
        shown = await _say(eve)
        got: dict[tuple[str, ...], str] = {}
        for _ in range(len(STREAMS) + 1):  # the first events are all eve's post
            stream, _, status = await event(ws)
            got[tuple(stream)] = status["id"]
        assert got == {s: shown for s in (("user",), *STREAMS)}
        for wanted in [*hidden, shown]:  # others see everything
            assert (await event(anon))[2]["id"] == wanted
            assert (await event(eves))[2]["id"] == wanted


async def test_stream_follows_blocks_and_mutes_made_while_open(five: dict[str, Member]) -> None:
    ann, bea, cal, dan, eve = five.values()
    async with await connect(ann, "public") as ws:
        await subscribed(ann.client, ("public",))
        await ann.post(f"/api/v1/accounts/{bea.id}/unblock")
        await ann.post(f"/api/v1/accounts/{cal.id}/unmute")
        await dan.post(f"/api/v1/accounts/{ann.id}/unblock")  # theirs, not hers
        for m in (bea, cal, dan):
            said = await _say(m)
            assert (await event(ws))[2]["id"] == said
        await eve.post(f"/api/v1/accounts/{ann.id}/block")
        await ann.post(f"/api/v1/accounts/{bea.id}/mute", json={"duration": 3600})
        await ann.post(f"/api/v1/accounts/{cal.id}/block")
        await ann.post(f"/api/v1/accounts/{cal.id}/mute")  # blocked and muted
        await ann.post(f"/api/v1/accounts/{cal.id}/unblock")  # still muted
        for m in (eve, bea, cal):
            await _say(m)
        marker = await _say(dan)
        assert (await event(ws))[2]["id"] == marker
        # An hour later bea's mute is over, though nothing reloaded it.
        later = datetime.now(UTC) + timedelta(hours=2)
        hub(ann.client).clock = lambda: later
        said = await _say(bea)
        assert (await event(ws))[2]["id"] == said


async def test_a_boost_on_the_user_stream(five: dict[str, Member]) -> None:
    ann, eve = five["ann"], five["eve"]
    await ann.post(f"/api/v1/accounts/{eve.id}/follow")
    async with await connect(ann, "user") as ws:
        await subscribed(ann.client, ("user",))
        for name in ("bea", "cal", "dan"):
            await eve.post(f"/api/v1/statuses/{await _say(five[name])}/reblog")
        own = await _say(eve)
        fine = await eve.post(f"/api/v1/statuses/{own}/reblog")
        assert (await event(ws))[2]["id"] == own
        stream, name, status = await event(ws)
        assert (stream, name, status["id"]) == (["user"], "update", fine["id"])


async def test_notification_streams_leave_out_what_the_list_leaves_out(
    five: dict[str, Member],
) -> None:
    ann, _, cal, _, eve = five.values()  # ann mutes cal (notifications too, the default)
    await ann.post(f"/api/v1/accounts/{eve.id}/mute", json={"notifications": False})
    async with await connect(ann, "user:notification") as ws:
        await subscribed(ann.client, ("user:notification",))
        await cal.post(f"/api/v1/accounts/{ann.id}/follow")
        await eve.post(f"/api/v1/accounts/{ann.id}/follow")
        _, name, notification = await event(ws)
        assert name == "notification" and notification["account"]["id"] == eve.id
    listed = await ann.get("/api/v1/notifications")
    assert [n["account"]["id"] for n in listed] == [eve.id]


async def test_threads_leave_out_excluded_accounts_and_the_replies_below_them(
    five: dict[str, Member],
) -> None:
    ann, bea, cal, dan, eve = five.values()
    top = await _say(eve, "a question")
    blocked = await bea.post("/api/v1/statuses", json={"status": "b", "in_reply_to_id": top})
    under = await eve.post(
        "/api/v1/statuses", json={"status": "e", "in_reply_to_id": blocked["id"]}
    )
    muted = await cal.post("/api/v1/statuses", json={"status": "c", "in_reply_to_id": top})
    blocker = await dan.post("/api/v1/statuses", json={"status": "d", "in_reply_to_id": top})
    fine = await eve.post("/api/v1/statuses", json={"status": "e2", "in_reply_to_id": top})
    thread = await ann.get(f"/api/v1/statuses/{top}/context")
    assert [s["id"] for s in thread["descendants"]] == [fine["id"]]
    everyone = await ann.client.get(f"/api/v1/statuses/{top}/context")  # anonymous
    seen = [s["id"] for s in (await everyone.json())["descendants"]]
    assert sorted(seen) == sorted(
        [blocked["id"], under["id"], muted["id"], blocker["id"], fine["id"]]
    )
    # From below an excluded post, the thread above stops there.
    above = await ann.get(f"/api/v1/statuses/{under['id']}/context")
    assert above["ancestors"] == []


async def test_an_account_that_blocks_the_viewer_shows_them_no_posts(
    five: dict[str, Member],
) -> None:
    ann, bea, _, dan, _ = five.values()  # ann blocks bea; dan blocks ann
    said = await _say(dan)
    assert await _ids(ann, f"/api/v1/accounts/{dan.id}/statuses") == []
    assert await _ids(bea, f"/api/v1/accounts/{dan.id}/statuses") == [said]
    # Whom one blocks stays visible on their own page, as in Mastodon.
    hers = await _say(bea)
    assert await _ids(ann, f"/api/v1/accounts/{bea.id}/statuses") == [hers]
    anonymous = await ann.client.get(f"/api/v1/accounts/{dan.id}/statuses")
    assert [s["id"] for s in await anonymous.json()] == [said]
