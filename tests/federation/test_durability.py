"""The delivery queue loses nothing: peers that are down, processes that die.

Deliveries live in the database, written in the same transaction as the post
that caused them; a worker that dies leaves its claimed rows to be picked up
again when their lease runs out.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from server.store import Database
from server.store import accounts as accounts_q
from server.store import graph as graph_q

pytestmark = pytest.mark.slow

QUICK_RETRIES = """
[federation]
delivery_schedule = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
lease_seconds = 2
circuit_failures = 1000
"""


async def api(method: str, url: str, token: str, **kw: Any) -> Any:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, headers={"Authorization": f"Bearer {token}"}, **kw) as resp,
    ):
        body = await resp.json(content_type=None)
        assert resp.status == 200, body
        return body


async def eventually(check: Any, what: str, within: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while asyncio.get_running_loop().time() < deadline:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting until {what}")


def member_with_token(proc: Any, username: str) -> str:
    assert proc.cli("member", "create", username).returncode == 0
    return proc.cli("token", "create", username).stdout.strip()


async def test_a_peer_that_was_down_receives_everything_when_it_returns(
    server_process: Any,
) -> None:
    a = server_process("a", config_text=QUICK_RETRIES)
    b = server_process("b", config_text=QUICK_RETRIES)
    alice_token, bob_token = member_with_token(a, "alice"), member_with_token(b, "bob")
    found = await api(
        "GET",
        f"{b.base_url}/api/v2/search",
        bob_token,
        params={"q": f"alice@{a.domain}", "resolve": "true"},
    )
    alice_at_b = found["accounts"][0]["id"]
    await api("POST", f"{b.base_url}/api/v1/accounts/{alice_at_b}/follow", bob_token)

    async def following() -> bool:
        rels = await api(
            "GET",
            f"{b.base_url}/api/v1/accounts/relationships",
            bob_token,
            params={"id[]": alice_at_b},
        )
        return rels[0]["following"]

    await eventually(following, "bob follows alice")

    # Given B is down, when alice posts three times...
    b.stop()
    for n in range(3):
        await api(
            "POST",
            f"{a.base_url}/api/v1/statuses",
            alice_token,
            data={"status": f"while you were out {n}"},
        )
    await asyncio.sleep(2.5)  # several failed attempts, each rescheduled
    # ...then B comes back and receives all three.
    b.start()

    async def all_arrived() -> bool:
        home = await api("GET", f"{b.base_url}/api/v1/timelines/home", bob_token)
        return sorted(s["content"] for s in home) == [
            f"<p>while you were out {n}</p>" for n in range(3)
        ]

    await eventually(all_arrived, "bob's home timeline has the three posts")


class Hosts:
    """Many fake remote hosts, each with a slow shared inbox that records what arrives."""

    def __init__(self) -> None:
        self.received: dict[str, list[dict[str, Any]]] = {}
        self.runners: list[web.AppRunner] = []
        self.ports: list[int] = []

    async def inbox(self, request: web.Request) -> web.Response:
        await asyncio.sleep(0.2)
        self.received.setdefault(request.host, []).append(json.loads(await request.read()))
        return web.Response(status=202)

    async def start(self, count: int) -> None:
        for _ in range(count):
            app = web.Application()
            app.router.add_post("/inbox", self.inbox)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self.runners.append(runner)
            self.ports.append(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

    async def stop(self) -> None:
        for runner in self.runners:
            await runner.cleanup()

    def creates(self) -> dict[str, int]:
        return {
            host: sum(1 for d in docs if d["type"] == "Create")
            for host, docs in self.received.items()
        }


@pytest.fixture
async def hosts() -> AsyncIterator[Hosts]:
    made = Hosts()
    await made.start(30)
    yield made
    await made.stop()


async def add_remote_followers(data_dir: Any, username: str, ports: list[int]) -> None:
    """Given one follower on each fake host (set up in the database before start)."""
    db = Database(f"sqlite+aiosqlite:///{data_dir / 'warmline.sqlite3'}")
    now = datetime.now(UTC)
    async with db.transaction() as conn:
        member = await accounts_q.get_local_account(conn, username)
        assert member is not None
        for port in ports:
            base = f"http://127.0.0.1:{port}"
            values = {
                "username": "fan",
                "domain": f"127.0.0.1:{port}",
                "uri": f"{base}/users/fan",
                "inbox_url": f"{base}/users/fan/inbox",
                "shared_inbox_url": f"{base}/inbox",
                "fields": [],
                "updated_at": now,
            }
            fan = await accounts_q.upsert_remote_account(conn, values, new_id=db.new_id())
            await graph_q.insert_follow(
                conn,
                {
                    "id": db.new_id(),
                    "account_id": fan.id,
                    "target_account_id": member.id,
                    "state": "accepted",
                    "uri": f"{base}/follows/1",
                    "created_at": now,
                },
            )
    await db.close()


async def test_a_process_killed_during_fan_out_resumes_and_delivers_everything(
    server_process: Any, hosts: Hosts
) -> None:
    slow = QUICK_RETRIES.replace("[federation]", "[federation]\ndelivery_concurrency = 2")
    a = server_process("a", config_text=slow)
    token = member_with_token(a, "alice")
    a.stop()
    await add_remote_followers(a.data, "alice", hosts.ports)
    a.start()

    await api("POST", f"{a.base_url}/api/v1/statuses", token, data={"status": "to all my fans"})

    async def some_arrived() -> bool:
        return len(hosts.creates()) >= 3

    await eventually(some_arrived, "the fan-out is under way")
    a.kill()  # SIGKILL in the middle of the fan-out
    assert len(hosts.creates()) < len(hosts.ports), (
        "the fan-out finished before the kill: nothing tested"
    )
    a.start()

    async def everyone_has_it() -> bool:
        return len(hosts.creates()) == len(hosts.ports)

    await eventually(everyone_has_it, "every host has the post")
    assert all(count >= 1 for count in hosts.creates().values())


async def test_a_killed_process_claims_are_free_within_seconds_not_after_the_lease(
    server_process: Any, hosts: Hosts
) -> None:
    """The default lease is two minutes; the restarted process sees that the
    claims' owner stopped beating and takes them over within seconds."""
    slow = "[federation]\ndelivery_concurrency = 2\ncircuit_failures = 1000\n"
    a = server_process("a", config_text=slow)
    token = member_with_token(a, "alice")
    a.stop()
    await add_remote_followers(a.data, "alice", hosts.ports)
    a.start()

    await api("POST", f"{a.base_url}/api/v1/statuses", token, data={"status": "to all my fans"})

    async def some_arrived() -> bool:
        return len(hosts.creates()) >= 3

    await eventually(some_arrived, "the fan-out is under way")
    a.kill()
    assert len(hosts.creates()) < len(hosts.ports), "the fan-out finished before the kill"
    restarted = asyncio.get_running_loop().time()
    a.start()

    async def everyone_has_it() -> bool:
        return len(hosts.creates()) == len(hosts.ports)

    # The restarted process, on the same address, knows its predecessor is dead:
    # the claims are free at once (the lease would be 120 s, the heartbeat 15 s).
    await eventually(everyone_has_it, "every host has the post", within=45)
    assert asyncio.get_running_loop().time() - restarted < 60
    assert max(hosts.creates().values()) <= 2  # at least once; a duplicate at most
