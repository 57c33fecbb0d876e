"""A profile change reaches followers as Update(Person)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from federation.validate import validate
from server.appkeys import SERVICES
from server.services import members
from server.services.actors import change_profile
from server.store import accounts as accounts_q
from server.store import graph as graph_q
from server.store.tables import activities, deliveries


async def test_changing_a_profile_sends_the_new_actor_to_followers(client: Any) -> None:
    svc = client.app[SERVICES]
    alice = await members.get_member(svc.db, "alice")
    now = datetime.now(UTC)
    async with svc.db.transaction() as conn:
        fan = await accounts_q.upsert_remote_account(
            conn,
            {"username": "fan", "domain": "b.test", "uri": "https://b.test/users/fan",
             "inbox_url": "https://b.test/users/fan/inbox", "shared_inbox_url": "https://b.test/inbox",
             "fields": [], "updated_at": now},
            new_id=svc.db.new_id(),
        )  # fmt: skip
        await graph_q.insert_follow(
            conn,
            {"id": svc.db.new_id(), "account_id": fan.id, "target_account_id": alice.id,
             "state": "accepted", "uri": "https://b.test/follows/1", "created_at": now},
        )  # fmt: skip

    await change_profile(svc, "alice", members.ProfileChanges(headline="Builder of bridges"))

    async with svc.db.read() as conn:
        (payload,) = (await conn.execute(select(activities.c.payload))).scalars().all()
        targets = (await conn.execute(select(deliveries.c.inbox_url))).scalars().all()
    update = json.loads(payload)
    validate("activity", update)
    assert update["type"] == "Update" and update["actor"] == "http://a.test/users/alice"
    assert (
        update["object"]["type"] == "Person"
        and update["object"]["headline"] == "Builder of bridges"
    )
    assert targets == ["https://b.test/inbox"]
