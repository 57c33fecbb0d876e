"""Per-account counters stay equal to what they count, whatever happens."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.appkeys import SERVICES
from server.services import graph, interactions, members, posts
from server.services.posts import Draft
from server.store import stats as stats_q
from server.store.tables import accounts


async def snapshot(svc: Any) -> dict[int, stats_q.Stats]:
    async with svc.db.read() as conn:
        ids = list((await conn.execute(select(accounts.c.id))).scalars())
        return await stats_q.get_stats(conn, ids)


async def recounted(svc: Any) -> dict[int, stats_q.Stats]:
    async with svc.db.transaction() as conn:
        ids = list((await conn.execute(select(accounts.c.id))).scalars())
        await stats_q.recount(conn, ids)
        return await stats_q.get_stats(conn, ids)


async def test_counters_follow_posts_boosts_deletes_and_follows(client: Any) -> None:
    svc = client.app[SERVICES]
    alice = await members.get_member(svc.db, "alice")
    bob = await members.create_member(svc.db, "bob")
    carol = await members.create_member(svc.db, "carol")
    await members.update_profile(svc.db, "carol", members.ProfileChanges(locked=True))
    carol = await members.get_member(svc.db, "carol")

    first = await posts.create_status(svc, alice, Draft("one"))
    await posts.create_status(svc, alice, Draft("secret", visibility="direct"))
    second = await posts.create_status(svc, alice, Draft("two"))
    await interactions.reblog(svc, bob, first.id)
    await interactions.reblog(svc, bob, second.id)
    await interactions.unreblog(svc, bob, second.id)
    await posts.delete_status(svc, alice, first.id)  # its boost goes too
    await graph.follow(svc, bob, alice)
    await graph.follow(svc, alice, carol)  # pending: not counted yet
    await graph.follow(svc, bob, carol)
    await graph.answer_request(svc, carol, bob.id, accept=True)
    await graph.unfollow(svc, bob, alice)

    counted = await snapshot(svc)
    assert counted == await recounted(svc)
    assert (
        counted[alice.id].statuses,
        counted[alice.id].followers,
        counted[alice.id].following,
    ) == (1, 0, 0)
    assert (counted[bob.id].statuses, counted[bob.id].following) == (0, 1)
    assert counted[carol.id].followers == 1
    assert counted[alice.id].last_status_at == second.created_at
