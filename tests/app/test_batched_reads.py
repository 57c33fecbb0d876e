"""The reads that pages batch into one statement answer what the separate
queries answered: the viewer's marks on posts, where the viewer stands with
accounts, unseen notifications, exclusions, and a thread above and below a post.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from server.store import Database, exclusions, interactions, relations, threads
from server.store import accounts as accounts_q
from server.store import connections as connections_q
from server.store.tables import (
    account_pins,
    blocks,
    bookmarks,
    connection_requests,
    favourites,
    follows,
    mutes,
    notifications,
    statuses,
)

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


class Rows:
    """Inserts with the columns a test does not care about filled in."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, table: sa.Table, **values: Any) -> int:
        if "id" in table.c and "id" not in values:
            values["id"] = self.db.new_id()
        if "uri" in table.c and table.c.uri.nullable is False and "uri" not in values:
            values["uri"] = f"https://x.example/{values.get('id', self.db.new_id())}"
        values.setdefault("created_at", NOW)
        async with self.db.transaction() as conn:
            await conn.execute(sa.insert(table).values(**values))
        return int(values.get("id", 0))

    async def account(self, name: str) -> int:
        account_id = self.db.new_id()
        async with self.db.transaction() as conn:
            await accounts_q.insert_account(
                conn,
                {"id": account_id, "username": name, "fields": [], "created_at": NOW,
                 "updated_at": NOW},
            )  # fmt: skip
        return account_id

    async def post(self, author: int, **values: Any) -> int:
        return await self.add(
            statuses, account_id=author, local=True, visibility="public", **values
        )


@pytest.fixture
async def rows(db: Database) -> Rows:
    return Rows(db)


async def test_viewer_marks_are_the_likes_boosts_and_bookmarks(db: Database, rows: Rows) -> None:
    ann, bob = await rows.account("ann"), await rows.account("bob")
    liked, kept, boosted, other = [await rows.post(bob) for _ in range(4)]
    await rows.add(favourites, account_id=ann, status_id=liked)
    await rows.add(favourites, account_id=bob, status_id=other)  # someone else's
    await rows.add(bookmarks, account_id=ann, status_id=kept)
    await rows.post(ann, reblog_of_id=boosted)
    await rows.post(ann, reblog_of_id=other, deleted_at=NOW)  # an undone boost
    async with db.read() as conn:
        marks = await interactions.viewer_marks(conn, ann, [liked, kept, boosted, other])
        none = await interactions.viewer_marks(conn, ann, [])
    assert (marks.favourited, marks.bookmarked, marks.reblogged) == ({liked}, {kept}, {boosted})
    assert none == interactions.ViewerMarks()


async def test_relations_in_one_statement(db: Database, rows: Rows) -> None:
    me = await rows.account("me")
    friend, fan, blocked, blocker, quiet, stranger = [
        await rows.account(n) for n in ("friend", "fan", "blocked", "blocker", "quiet", "x")
    ]
    await rows.add(follows, account_id=me, target_account_id=friend, state="accepted")
    await rows.add(follows, account_id=friend, target_account_id=me, state="accepted")
    await rows.add(follows, account_id=fan, target_account_id=me, state="pending")
    await rows.add(blocks, account_id=me, target_account_id=blocked)
    await rows.add(blocks, account_id=blocker, target_account_id=me)
    await rows.add(mutes, account_id=me, target_account_id=quiet, notifications=True)
    await rows.add(mutes, account_id=me, target_account_id=fan, notifications=False)
    expired = NOW - timedelta(days=1)
    await rows.add(mutes, account_id=me, target_account_id=stranger, expires_at=expired)
    await rows.add(account_pins, account_id=me, target_account_id=friend)
    everyone = [friend, fan, blocked, blocker, quiet, stranger]
    async with db.read() as conn:
        found = await relations.relations(conn, me, everyone, NOW)
        only_friend = await relations.relations(conn, me, [friend], NOW)
    assert found[relations.FOLLOWING] == {friend: "accepted"}
    assert found[relations.FOLLOWED_BY] == {friend: "accepted", fan: "pending"}
    assert set(found[relations.BLOCKING]) == {blocked}
    assert set(found[relations.BLOCKED_BY]) == {blocker}
    assert set(found[relations.MUTING]) == {quiet, fan}
    assert set(found[relations.MUTING_NOTIFICATIONS]) == {quiet}
    assert set(found[relations.ENDORSED]) == {friend}
    assert set(only_friend[relations.MUTING]) == set()  # only the accounts asked about


async def test_unseen_notifications_leave_out_muted_ones_and_stop_at_the_cap(
    db: Database, rows: Rows
) -> None:
    me, loud, quiet = await rows.account("me"), await rows.account("a"), await rows.account("b")
    await rows.add(mutes, account_id=me, target_account_id=quiet, notifications=True)
    ids = []
    for sender in (loud, quiet, loud, loud, quiet):
        ids.append(await rows.add(notifications, account_id=me, type="follow",
                                  from_account_id=sender))  # fmt: skip
    async with db.read() as conn:

        async def unseen(seen: int, cap: int = 100) -> int:
            return await interactions.count_unseen_notifications(conn, me, seen, now=NOW, cap=cap)

        assert await unseen(0) == 3
        assert await unseen(ids[1]) == 2
        assert await unseen(0, cap=2) == 2
        later = NOW + timedelta(days=1)  # the mute still holds (no end)
        assert await interactions.count_unseen_notifications(conn, me, 0, now=later, cap=9) == 3


async def test_exclusions_load_blocks_both_ways_and_mutes_in_force(
    db: Database, rows: Rows
) -> None:
    me = await rows.account("me")
    mine, theirs, quiet, brief, over = [
        await rows.account(n) for n in ("mine", "theirs", "quiet", "brief", "over")
    ]
    await rows.add(blocks, account_id=me, target_account_id=mine)
    await rows.add(blocks, account_id=theirs, target_account_id=me)
    await rows.add(mutes, account_id=me, target_account_id=quiet, notifications=True)
    ends = NOW + timedelta(hours=1)
    await rows.add(mutes, account_id=me, target_account_id=brief, expires_at=ends,
                   notifications=False)  # fmt: skip
    await rows.add(mutes, account_id=me, target_account_id=over, expires_at=NOW - timedelta(1))
    async with db.read() as conn:
        blocked, muted, silenced = await exclusions.load(conn, me, NOW)
    assert blocked == {mine, theirs}
    assert muted == {quiet: None, brief: ends}
    assert silenced == {quiet}


async def test_a_thread_above_and_below_a_post(db: Database, rows: Rows) -> None:
    ann = await rows.account("ann")
    root = await rows.post(ann)
    middle = await rows.post(ann, in_reply_to_id=root)
    focus = await rows.post(ann, in_reply_to_id=middle)
    first = await rows.post(ann, in_reply_to_id=focus)
    second = await rows.post(ann, in_reply_to_id=focus)
    below_first = await rows.post(ann, in_reply_to_id=first)
    await rows.post(ann, in_reply_to_id=first, deleted_at=NOW)  # gone, and so is its subtree
    async with db.read() as conn:
        above = await threads.above(conn, middle, levels=40)
        short = await threads.above(conn, middle, levels=1)
        children, whole = await threads.below(conn, focus, levels=200, limit=400)
        cut, cut_whole = await threads.below(conn, focus, levels=200, limit=2)
    assert set(above) == {middle, root}
    assert set(short) == {middle}
    assert {p: [r.id for r in rs] for p, rs in children.items()} == {
        focus: [first, second],
        first: [below_first],
    }
    assert whole == 200
    assert cut_whole == 0  # the first level may be cut: read it again level by level
    assert [r.id for r in cut[focus]] == [first, second]


async def test_a_cycle_of_replies_does_not_run_away(db: Database, rows: Rows) -> None:
    ann = await rows.account("ann")
    one = await rows.post(ann)
    two = await rows.post(ann, in_reply_to_id=one)
    async with db.transaction() as conn:  # a peer's two posts, each replying to the other
        await conn.execute(
            sa.update(statuses).where(statuses.c.id == one).values(in_reply_to_id=two)
        )
    async with db.read() as conn:
        above = await threads.above(conn, two, levels=40)
        children, _ = await threads.below(conn, one, levels=50, limit=400)
    assert set(above) == {one, two}
    assert [r.id for r in children[one]] == [two]
    assert [r.id for r in children[two]] == [one]


async def test_pending_requests_between_two_either_way(db: Database, rows: Rows) -> None:
    ann, bob, cal = [await rows.account(n) for n in ("ann", "bob", "cal")]

    async def request(a: int, b: int, state: str) -> int:
        return await rows.add(
            connection_requests, account_id=a, target_account_id=b, state=state, updated_at=NOW
        )

    sent = await request(ann, bob, "pending")
    received = await request(bob, ann, "pending")
    await request(ann, bob, "declined")  # an earlier answer
    await request(cal, ann, "pending")  # someone else's
    async with db.read() as conn:
        both = await connections_q.pending_between(conn, ann, bob)
        one_way = [await connections_q.pending_request(conn, ann, bob)]
        one_way.append(await connections_q.pending_request(conn, bob, ann))
        assert sorted(r.id for r in both) == sorted([sent, received])
        assert sorted(both, key=lambda r: r.id) == sorted(one_way, key=lambda r: r.id)  # type: ignore[arg-type,return-value]
        assert await connections_q.pending_between(conn, bob, cal) == []
