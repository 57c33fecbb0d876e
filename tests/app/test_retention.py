# ruff: noqa: F811  (pytest fixtures imported from test_federation_services)
"""Retention: finished deliveries, finished inbox items and sent activities no
delivery needs are pruned once past ``[retention]``; everything newer or still
needed stays (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from server.config import RetentionSettings
from server.store.tables import activities, deliveries, inbox_items
from server.workers.cleanup import QueuePrune
from tests.app.test_federation_services import (  # noqa: F401 (fixtures)
    Peer,
    Warmline,
    follower_on,
    make_peer,
    peer,
    post,
    start_warmline,
    warmline,
)

OLD = timedelta(days=8)  # past the 7-day default
RECENT = timedelta(days=1)


class Rows:
    """Queue rows written straight into the tables, dated as a test needs."""

    def __init__(self, w: Warmline) -> None:
        self.w = w
        self.now = w.svc.now()

    async def _insert(self, table: Any, values: dict[str, Any]) -> int:
        row_id = self.w.svc.db.new_id()
        async with self.w.svc.db.transaction() as conn:
            await conn.execute(insert(table).values(id=row_id, **values))
        return row_id

    async def activity(self, age: timedelta) -> int:
        made = self.now - age
        return await self._insert(
            activities,
            {
                "uri": f"http://a.test/activities/{self.w.svc.db.new_id()}",
                "account_id": self.w.alice.id,
                "type": "Create",
                "payload": "{}",
                "created_at": made,
            },
        )

    async def delivery(self, activity_id: int, state: str, age: timedelta) -> int:
        when = self.now - age
        return await self._insert(
            deliveries,
            {
                "activity_id": activity_id,
                "inbox_url": f"https://b.test/inbox/{self.w.svc.db.new_id()}",
                "host": "b.test",
                "state": state,
                "next_attempt_at": when,
                "created_at": when,
                "finished_at": None if state == "pending" else when,
            },
        )

    async def inbox_item(self, state: str, age: timedelta) -> int:
        when = self.now - age
        return await self._insert(
            inbox_items,
            {
                "activity_uri": f"https://b.test/activities/{self.w.svc.db.new_id()}",
                "activity_type": "Like",
                "actor_uri": "https://b.test/users/erin",
                "payload": "{}",
                "state": state,
                "next_attempt_at": when,
                "received_at": when,
                "finished_at": None if state == "pending" else when,
            },
        )


async def ids(w: Warmline, table: Any) -> set[int]:
    async with w.svc.db.read() as conn:
        return set((await conn.execute(select(table.c.id))).scalars())


async def sweep(w: Warmline, **kwargs: Any) -> list[int]:
    """Run the pruner until it finds nothing; what each run deleted."""
    pruner = QueuePrune(w.svc, **kwargs)
    runs = [await pruner.run_once()]
    while runs[-1]:
        runs.append(await pruner.run_once())
    return runs


async def test_finished_rows_past_retention_go_and_the_rest_stays(warmline: Warmline) -> None:
    w, rows = warmline, Rows(warmline)
    # activities: old and done with, old with a delivery still pending, old with a
    # recently finished delivery, old that went to nobody, recent that went to nobody
    done_with = await rows.activity(OLD)
    still_sending = await rows.activity(OLD)
    recently_sent = await rows.activity(OLD)
    to_nobody = await rows.activity(OLD)
    fresh = await rows.activity(RECENT)
    old_sent = await rows.delivery(done_with, "sent", OLD)
    old_dead = await rows.delivery(done_with, "dead", OLD)
    pending = await rows.delivery(still_sending, "pending", OLD)
    new_sent = await rows.delivery(recently_sent, "sent", RECENT)
    old_done = await rows.inbox_item("done", OLD)
    old_failed = await rows.inbox_item("failed", OLD)
    new_done = await rows.inbox_item("done", RECENT)
    old_pending = await rows.inbox_item("pending", OLD)

    runs = await sweep(w)

    assert sum(runs) == 6  # two deliveries, two inbox items, two activities
    assert await ids(w, deliveries) == {pending, new_sent}
    assert await ids(w, inbox_items) == {new_done, old_pending}
    assert await ids(w, activities) == {still_sending, recently_sent, fresh}
    assert old_sent and old_dead and old_done and old_failed and to_nobody


async def test_a_big_backlog_goes_in_bounded_batches(warmline: Warmline) -> None:
    w, rows = warmline, Rows(warmline)
    activity = await rows.activity(OLD)
    for _ in range(5):
        await rows.delivery(activity, "sent", OLD)
        await rows.inbox_item("done", OLD)

    runs = await sweep(w, batch=2)

    # each run deletes at most 2 of each kind; the activity goes once its
    # deliveries are gone
    assert runs == [4, 4, 3, 0]
    assert await ids(w, deliveries) == set()
    assert await ids(w, inbox_items) == set()
    assert await ids(w, activities) == set()


async def test_zero_keeps_rows_for_ever(warmline: Warmline) -> None:
    w, rows = warmline, Rows(warmline)
    activity = await rows.activity(timedelta(days=3650))
    delivery = await rows.delivery(activity, "sent", timedelta(days=3650))
    item = await rows.inbox_item("done", timedelta(days=3650))
    keep_all = RetentionSettings(deliveries_days=0, inbox_days=0, activities_days=0)

    assert await sweep(w, settings=keep_all) == [0]

    assert await ids(w, deliveries) == {delivery}
    assert await ids(w, inbox_items) == {item}
    assert await ids(w, activities) == {activity}


async def test_a_delivered_post_is_pruned_from_the_queue_but_still_served(
    warmline: Warmline, peer: Peer
) -> None:
    w = warmline
    await follower_on(w, peer)
    status = await post(w, "Kept where it matters")
    await w.run_deliveries()
    assert {d["state"] for d in await w.deliveries()} == {"sent"}

    # A week and a day later
    long_ago: datetime = w.svc.now() - OLD
    async with w.svc.db.transaction() as conn:
        await conn.execute(update(deliveries).values(finished_at=long_ago))
        await conn.execute(update(activities).values(created_at=long_ago))
        await conn.execute(update(inbox_items).values(finished_at=long_ago))
    await sweep(w)

    assert await w.deliveries() == []
    assert await ids(w, activities) == set()
    assert await ids(w, inbox_items) == set()
    # The post, its object document and the outbox come from the post itself
    resp = await w.client.get(
        f"/users/alice/statuses/{status.id}", headers={"Accept": "application/activity+json"}
    )
    assert resp.status == 200
    outbox = await w.client.get(
        "/users/alice/outbox?page=true", headers={"Accept": "application/activity+json"}
    )
    assert outbox.status == 200
    items = (await outbox.json())["orderedItems"]
    assert [i["object"]["id"] for i in items if i["type"] == "Create"] == [
        f"http://a.test/users/alice/statuses/{status.id}"
    ]
