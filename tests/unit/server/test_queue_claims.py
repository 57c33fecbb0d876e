"""Queue claims and process heartbeats (``store/queues``): whose claims are free."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from server.store import Database
from server.store import queues as q
from server.store.tables import accounts, activities, deliveries

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


async def _one_delivery(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            insert(accounts).values(
                id=1, username="alice", username_key="alice", fields=[], created_at=NOW,
                updated_at=NOW,
            )
        )  # fmt: skip
        await conn.execute(
            insert(activities).values(
                id=2, uri="http://a.test/1", account_id=1, type="Create", payload="{}",
                public=True, created_at=NOW,
            )
        )  # fmt: skip
        await q.insert_deliveries(conn, 2, [(3, "http://b.test/inbox", "b.test")], NOW)


async def _claim(db: Database, now: datetime, owner: int) -> list[int]:
    async with db.transaction() as conn:
        return [
            j.id
            for j in await q.claim_deliveries(conn, now, now + timedelta(seconds=120), 10, owner)
        ]


async def test_a_live_process_keeps_its_claims_a_dead_one_loses_them(db: Database) -> None:
    await _one_delivery(db)
    async with db.transaction() as conn:
        await q.register_process(conn, 10, "host-a 127.0.0.1:8080", NOW)
        await q.register_process(conn, 20, "host-b 127.0.0.1:8080", NOW)
    assert await _claim(db, NOW, 10) == [3]

    later = NOW + timedelta(seconds=10)
    async with db.transaction() as conn:
        await q.beat(conn, 10, later)
    assert await _claim(db, later, 20) == []  # alive, within its lease

    silent = NOW + timedelta(seconds=10) + q.DEAD_AFTER + timedelta(seconds=1)
    assert await _claim(db, silent, 20) == [3]  # stopped beating: free long before the lease


async def test_a_process_restarted_on_the_same_address_frees_its_predecessors_claims_at_once(
    db: Database,
) -> None:
    await _one_delivery(db)
    async with db.transaction() as conn:
        await q.register_process(conn, 10, "host-a 127.0.0.1:8080", NOW)
    assert await _claim(db, NOW, 10) == [3]

    soon = NOW + timedelta(seconds=1)  # killed; restarted a second later
    async with db.transaction() as conn:
        await q.register_process(conn, 11, "host-a 127.0.0.1:8080", soon)
    assert await _claim(db, soon, 11) == [3]


async def test_a_clean_stop_frees_its_claims(db: Database) -> None:
    await _one_delivery(db)
    async with db.transaction() as conn:
        await q.register_process(conn, 10, "host-a 127.0.0.1:8080", NOW)
    assert await _claim(db, NOW, 10) == [3]
    async with db.transaction() as conn:
        await q.release_process(conn, 10)
        row = (await conn.execute(select(deliveries.c.locked_by, deliveries.c.locked_until))).one()
    assert tuple(row) == (None, None)
