"""An endorsement and a recommendation between two real Warmline instances.

alice (on A) and bob (on B) are connected (written straight into each
instance's database: this test is about endorsements, not about connecting).
alice endorses one of bob's skills, writes him a recommendation that he
approves, then withdraws both; each step crosses the network as a signed
activity and each side sees exactly what it should.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from server.store import Database
from server.store import accounts as accounts_q
from server.store import connections as connections_q
from tests.federation.test_three_instances import Api, eventually, start_member

pytestmark = pytest.mark.slow

SKILLS = ["Rust", "Mentoring"]


async def _connect(proc: Any, local: str, remote_id: str, *, local_skills: list[str]) -> None:
    """In ``proc``'s database: the local member lists ``local_skills`` and is
    connected to the remote account, which is marked as speaking Warmline."""
    db = Database(f"sqlite+aiosqlite:///{(proc.data / 'warmline.sqlite3').as_posix()}")
    try:
        async with db.transaction() as conn:
            me = await accounts_q.get_local_account(conn, local)
            assert me is not None
            await accounts_q.update_account(conn, me.id, {"skills": local_skills})
            await accounts_q.update_account(
                conn, int(remote_id), {"warmline": True, "skills": SKILLS}
            )
            await connections_q.insert_connection(
                conn, me.id, int(remote_id), "", datetime.now(UTC)
            )
    finally:
        await db.close()


async def test_endorse_and_recommend_across_instances(server_process: Any) -> None:
    a, alice_token = start_member(server_process, "a", "alice")
    b, bob_token = start_member(server_process, "b", "bob")

    async with aiohttp.ClientSession() as session:
        alice = Api(session, a.base_url, alice_token, f"alice@{a.domain}")
        bob = Api(session, b.base_url, bob_token, f"bob@{b.domain}")
        bob_at_a = await alice.find(bob.handle)
        alice_at_b = await bob.find(alice.handle)
        await _connect(a, "alice", bob_at_a["id"], local_skills=[])
        await _connect(b, "bob", alice_at_b["id"], local_skills=SKILLS)
        bob_id = (await bob.get("/api/v1/accounts/verify_credentials"))["id"]
        on_profile = f"/api/v1/warmline/accounts/{bob_id}"

        # alice endorses bob for Rust: B counts it and tells bob.
        made = await alice.post(
            "/api/v1/warmline/endorsements", json={"account_id": bob_at_a["id"], "skill": "rust"}
        )
        assert made["skill"] == "Rust"

        async def rust_count(expected: int) -> bool:
            found = await bob.get(f"{on_profile}/endorsements")
            counts = [(s["skill"], s["count"]) for s in found]
            return counts == [("Rust", expected), ("Mentoring", 0)]

        await eventually(lambda: rust_count(1), "B counts alice's endorsement")
        (rust, _) = await bob.get(f"{on_profile}/endorsements")
        assert [e["acct"] for e in rust["endorsers"]] == [alice.handle]

        # alice recommends bob: pending on B until bob approves it.
        rec = await alice.post(
            "/api/v1/warmline/recommendations",
            json={"account_id": bob_at_a["id"], "text": "Bob makes hard things simple."},
        )

        async def bob_has_pending() -> bool:
            found = await bob.get("/api/v1/warmline/recommendations", params={"state": "pending"})
            return len(found) == 1

        await eventually(bob_has_pending, "bob receives the recommendation")
        assert await bob.get(f"{on_profile}/recommendations") == []
        (pending,) = await bob.get("/api/v1/warmline/recommendations")
        assert pending["text"] == "Bob makes hard things simple."
        assert pending["account"]["acct"] == alice.handle
        await bob.post(f"/api/v1/warmline/recommendations/{pending['id']}/approve")
        assert [r["id"] for r in await bob.get(f"{on_profile}/recommendations")] == [pending["id"]]

        async def alice_sees(state: str) -> bool:
            found = await alice.get(
                "/api/v1/warmline/recommendations", params={"direction": "given"}
            )
            return [(r["id"], r["state"]) for r in found] == [(rec["id"], state)]

        await eventually(lambda: alice_sees("approved"), "A learns bob approved it")
        assert "warmline.recommendation_approved" in await alice.notification_types()
        assert sorted(await bob.notification_types()) == [
            "warmline.endorsement",
            "warmline.recommendation",
        ]

        # alice withdraws both: they leave bob's profile on B.
        await alice.post(f"/api/v1/warmline/recommendations/{rec['id']}/withdraw")
        await alice.call("DELETE", f"/api/v1/warmline/endorsements/{made['id']}")

        async def profile_empty() -> bool:
            return await bob.get(f"{on_profile}/recommendations") == []

        await eventually(profile_empty, "the withdrawn recommendation leaves bob's profile")
        await eventually(lambda: rust_count(0), "the withdrawn endorsement no longer counts")
