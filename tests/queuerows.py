"""Queue, host and process rows in known states, for the status and metrics tests.

What they add up to (``EXPECTED``): deliveries 2 waiting (1 due now), 1 claimed,
1 given up; inbox items 3 waiting and due, 1 failed; archives none; one host
backing off, one with its circuit open, one given up on; one live process and
one that stopped beating.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert

from server.store import Database
from server.store.tables import accounts, activities, deliveries, hosts, inbox_items, processes

EXPECTED = {
    "deliveries": {"waiting": 2, "due": 1, "claimed": 1, "failed": 1},
    "inbox": {"waiting": 3, "due": 3, "claimed": 0, "failed": 1},
    "archives": {"waiting": 0, "due": 0, "claimed": 0, "failed": 0},
}
GONE_ERROR = "the peer answered 410 Gone"
DOWN_ERROR = "connection refused by down.test"
INBOX_ERROR = "the object could not be fetched"


def _same_keys(rows: list[dict]) -> list[dict]:
    """An executemany takes its columns from the first row: give every row all of them."""
    keys = {key for row in rows for key in row}
    return [{key: row.get(key) for key in keys} for row in rows]


async def add_queue_rows(db: Database, now: datetime) -> None:
    ago = lambda seconds: now - timedelta(seconds=seconds)  # noqa: E731
    async with db.transaction() as conn:
        await conn.execute(
            insert(accounts).values(
                id=1, username="alice", username_key="alice", fields=[], created_at=now,
                updated_at=now,
            )
        )  # fmt: skip
        await conn.execute(
            insert(activities).values(
                id=2, uri="http://a.test/activities/1", account_id=1, type="Create",
                payload="{}", public=True, created_at=ago(7200),
            )
        )  # fmt: skip
        delivery = {"activity_id": 2, "state": "pending", "attempts": 0}
        await conn.execute(
            insert(deliveries),
            _same_keys([
                {**delivery, "id": 10, "inbox_url": "http://b.test/inbox", "host": "b.test",
                 "next_attempt_at": ago(60), "created_at": ago(600)},
                {**delivery, "id": 11, "inbox_url": "http://down.test/inbox", "host": "down.test",
                 "attempts": 2, "next_attempt_at": ago(-3600), "created_at": ago(7200),
                 "last_error": DOWN_ERROR},
                {**delivery, "id": 12, "inbox_url": "http://b.test/users/x/inbox",
                 "host": "b.test", "next_attempt_at": ago(5), "created_at": ago(5),
                 "locked_until": ago(-120), "locked_by": 77},
                {**delivery, "id": 13, "inbox_url": "http://gone.test/inbox", "host": "gone.test",
                 "state": "dead", "attempts": 1, "next_attempt_at": ago(120),
                 "created_at": ago(120), "finished_at": ago(60), "last_status": 410,
                 "last_error": GONE_ERROR},
            ]),
        )  # fmt: skip
        item = {
            "activity_type": "Create", "actor_uri": "http://b.test/users/bob", "payload": "{}",
            "state": "pending", "attempts": 0,
        }  # fmt: skip
        await conn.execute(
            insert(inbox_items),
            _same_keys([
                *(
                    {**item, "id": 20 + i, "activity_uri": f"http://b.test/a/{i}",
                     "next_attempt_at": ago(30 + i), "received_at": ago(30 + i)}
                    for i in range(3)
                ),
                {**item, "id": 30, "activity_uri": "http://b.test/a/failed", "state": "failed",
                 "attempts": 8, "next_attempt_at": ago(100), "received_at": ago(900),
                 "finished_at": ago(100), "last_error": INBOX_ERROR},
            ]),
        )  # fmt: skip
        await conn.execute(
            insert(hosts),
            [
                {"host": "down.test", "consecutive_failures": 3, "circuit_open_until": None,
                 "last_success_at": ago(86_400), "last_failure_at": ago(300)},
                {"host": "open.test", "consecutive_failures": 9,
                 "circuit_open_until": ago(-1800), "last_success_at": None,
                 "last_failure_at": ago(60)},
            ],
        )  # fmt: skip
        await conn.execute(
            insert(processes),
            [
                {"id": 77, "name": "box 127.0.0.1:8080", "started_at": ago(3600),
                 "heartbeat_at": ago(2)},
                {"id": 78, "name": "box worker 4242", "started_at": ago(7200),
                 "heartbeat_at": ago(3600)},
            ],
        )  # fmt: skip
