"""The inbox worker applies the Create(Note)s of a claimed batch together
(``inbound/note_batch.py``): every post must come out exactly as if each had
been applied on its own, whatever else is in the batch.

Real app (workers off), real signed deliveries from a fake peer, on SQLite and
on PostgreSQL; one ``run_once`` claims the whole batch.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from fakepeer import FakePeer, fake_peer
from sqlalchemy import delete, select

from server.app import create_app
from server.appkeys import DB, SERVICES
from server.config import Config
from server.services import blocks, members, posts, timelines
from server.services.posts import Draft
from server.store import accounts as accounts_q
from server.store import stats as stats_q
from server.store import statuses as statuses_q
from server.store.statuses import Page
from server.store.tables import (
    accounts,
    home_feed,
    inbox_items,
    mentions,
    notifications,
    status_tags,
    statuses,
)
from tests.app.test_inbox_door import (
    ALICE,
    PUBLIC,
    activity,
    create_note,
    deliver,
    inbox_rows,
    member,
    note_by,
    process_inbox,
    status_by_uri,
)


@pytest.fixture
async def peer() -> AsyncIterator[FakePeer]:
    async with fake_peer() as fake:
        yield fake


@pytest.fixture
async def warmline(
    aiohttp_client: Any, make_config: Callable[..., Config], database_url: str
) -> TestClient:
    """Warmline at a.test, member alice, workers off; on SQLite and on PostgreSQL."""
    config = make_config(domain="a.test", database_url=database_url)
    client = await aiohttp_client(create_app(config, workers=False))
    await members.create_member(client.app[DB], "alice", display_name="Alice Archer")
    return client


async def delivered(client: TestClient, docs: list[tuple[Any, dict]]) -> None:
    for actor, doc in docs:
        resp = await deliver(client, actor, doc)
        assert resp.status == 202, await resp.text()


async def test_a_batch_of_posts_comes_out_as_each_post_alone_would(
    warmline: TestClient, peer: FakePeer
) -> None:
    svc = warmline.app[SERVICES]
    alice = await member(warmline)
    mine = await posts.create_status(svc, alice, Draft("A question for everyone"))
    bob, carol, dave, erin, frank = (peer.add(n) for n in ("bob", "carol", "dave", "erin", "frank"))
    # dave's actor is known (a first delivery stores it), and alice blocks him
    before = create_note(dave, text="before the block")
    await delivered(warmline, [(dave, before)])
    assert await process_inbox(warmline) == 1
    early = await status_by_uri(warmline, before["object"]["id"])
    assert early is not None
    async with warmline.app[DB].read() as conn:
        dave_row = await accounts_q.get_account_by_uri(conn, dave.id)
    assert dave_row is not None
    await blocks.block(svc, alice, dave_row, on=True)

    original = create_note(bob, text="Hello @alice #Meetup", tag=[
        {"type": "Mention", "href": ALICE, "name": "@alice@a.test"},
        {"type": "Hashtag", "href": "http://x/tags/meetup", "name": "#Meetup"},
    ])  # fmt: skip
    note = original["object"]
    # In one batch: a post, a reply to it (before its parent is stored), the
    # same post again in another Create, a reply to alice's own post, a post
    # by someone alice blocks, and one nobody here asked for.
    reply = note_by(carol, text="Agreed, @alice", inReplyTo=note["id"])
    mine_uri = svc.urls.status("alice", mine.id)
    to_alice = note_by(erin, text="My answer", inReplyTo=mine_uri, tag=[], cc=[])
    blocked_note = create_note(dave, text="after the block")
    unasked = note_by(frank, text="Nobody follows me", tag=[], cc=[])
    await delivered(warmline, [
        (bob, original),
        (carol, activity(carol, "Create", reply, to=[PUBLIC])),
        (bob, activity(bob, "Create", note, to=[PUBLIC])),
        (erin, activity(erin, "Create", to_alice, to=[PUBLIC])),
        (dave, blocked_note),
        (frank, activity(frank, "Create", unasked, to=[PUBLIC])),
    ])  # fmt: skip

    assert await process_inbox(warmline) == 6

    assert {row["state"] for row in await inbox_rows(warmline)} == {"done"}
    first = await status_by_uri(warmline, note["id"])
    answer = await status_by_uri(warmline, reply["id"])
    to_mine = await status_by_uri(warmline, to_alice["id"])
    assert first is not None and answer is not None and to_mine is not None
    assert await status_by_uri(warmline, unasked["id"]) is None
    assert (answer.in_reply_to_id, answer.in_reply_to_account_id) == (first.id, first.account_id)
    assert (to_mine.in_reply_to_id, to_mine.in_reply_to_account_id) == (mine.id, alice.id)
    async with warmline.app[DB].read() as conn:
        replied = await statuses_q.get_statuses(conn, [mine.id, first.id])
    assert (replied[mine.id].replies_count, replied[first.id].replies_count) == (1, 1)
    notes = await timelines.notifications(svc, alice, Page(limit=40))
    blocked = await status_by_uri(warmline, blocked_note["object"]["id"])
    assert blocked is not None  # stored (it mentions alice), but she is not told
    assert sorted((n.type, n.status_id) for n in notes if n.status_id != early.id) == sorted(
        [("mention", first.id), ("mention", answer.id), ("mention", to_mine.id)]
    )
    async with warmline.app[DB].read() as conn:
        mentioned = (await conn.execute(select(mentions.c.status_id))).scalars().all()
        tagged = (await conn.execute(select(status_tags.c.status_id))).scalars().all()
        home = (await conn.execute(select(home_feed.c.status_id))).scalars().all()
        counted = await stats_q.get_stats(conn, [first.account_id])
    assert first.id in mentioned and answer.id in mentioned and to_mine.id not in mentioned
    assert tagged == [first.id]
    assert first.id not in home  # nobody here follows bob: a mention is not a home-feed row
    assert counted[first.account_id].statuses == 1  # stored once, counted once


async def test_a_post_that_fails_its_batch_fails_alone(
    warmline: TestClient, peer: FakePeer
) -> None:
    # Given two senders whose actors are known, and one of them whose account
    # row has gone while this process still holds it in its actor cache (so
    # storing its post breaks a foreign key)
    bob, carol = peer.add("bob"), peer.add("carol")
    await delivered(warmline, [(bob, create_note(bob)), (carol, create_note(carol))])
    assert await process_inbox(warmline) == 2
    async with warmline.app[DB].transaction() as conn:
        gone = await accounts_q.get_account_by_uri(conn, carol.id)
        assert gone is not None
        await conn.execute(delete(home_feed))
        await conn.execute(delete(notifications))
        await conn.execute(delete(mentions))
        await conn.execute(delete(statuses).where(statuses.c.account_id == gone.id))
        await conn.execute(delete(accounts).where(accounts.c.id == gone.id))
    good, bad = create_note(bob, text="still here"), create_note(carol, text="gone")

    # When both posts come in one batch
    await delivered(warmline, [(bob, good), (carol, bad)])
    assert await process_inbox(warmline) == 2

    # Then bob's is applied, and only carol's is kept back with the reason
    assert await status_by_uri(warmline, good["object"]["id"]) is not None
    assert await status_by_uri(warmline, bad["object"]["id"]) is None
    async with warmline.app[DB].read() as conn:
        rows = (
            await conn.execute(
                select(inbox_items.c.activity_uri, inbox_items.c.state, inbox_items.c.last_error)
            )
        ).all()
    states = {uri: (state, error) for uri, state, error in rows}
    assert states[good["id"]] == ("done", None)
    assert states[bad["id"]][0] == "pending" and states[bad["id"]][1]
