"""Outages: a peer down for a while gets everything when it returns; a peer down
for good is given up on after the (compressed) retry schedule, costs no more work,
and is served again once it answers.

The peer is a fake shared inbox on a fixed port: stopped, nothing listens there
and every attempt is refused; started, it records what arrives.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
from typing import Any

import pytest
from aiohttp import web

from tests.federation.test_durability import (
    add_remote_followers,
    api,
    eventually,
    member_with_token,
)

pytestmark = pytest.mark.slow

DOWN_FOR_HOURS = """
[federation]
delivery_schedule = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
lease_seconds = 2
circuit_failures = 1000
"""

DOWN_FOR_GOOD = """
[federation]
delivery_schedule = [1, 1]
lease_seconds = 2
circuit_failures = 2
circuit_open_seconds = 2
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FlakyHost:
    """A shared inbox on a fixed port that can be taken down and brought back."""

    def __init__(self) -> None:
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.received: list[dict[str, Any]] = []
        self.runner: web.AppRunner | None = None

    async def inbox(self, request: web.Request) -> web.Response:
        self.received.append(json.loads(await request.read()))
        return web.Response(status=202)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/inbox", self.inbox)
        app.router.add_post("/users/fan/inbox", self.inbox)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    def posts(self) -> list[str]:
        return [d["object"]["content"] for d in self.received if d["type"] == "Create"]


def deliveries_to(server: Any, host: str) -> list[tuple[str, str, int]]:
    """(activity type, state, attempts) of ``server``'s deliveries to ``host``."""
    path = server.data / "warmline.sqlite3"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return db.execute(
            "SELECT a.type, d.state, d.attempts FROM deliveries d"
            " JOIN activities a ON a.id = d.activity_id WHERE d.host = ? ORDER BY d.id",
            (host,),
        ).fetchall()


async def alice_with_a_fan_on(server_process: Any, config: str, fan: FlakyHost) -> tuple[Any, str]:
    a = server_process("a", config_text=config)
    token = member_with_token(a, "alice")
    a.stop()
    await add_remote_followers(a.data, "alice", [fan.port])
    a.start()
    return a, token


async def say(a: Any, token: str, text: str) -> None:
    await api("POST", f"{a.base_url}/api/v1/statuses", token, data={"status": text})


async def test_a_peer_down_for_hours_gets_everything_when_it_returns(
    server_process: Any,
) -> None:
    fan = FlakyHost()  # down: nothing listens on its port
    a, token = await alice_with_a_fan_on(server_process, DOWN_FOR_HOURS, fan)
    try:
        for n in range(3):
            await say(a, token, f"while you were out {n}")

        async def retried() -> bool:
            # A batch tries a dead host once and postpones its other deliveries
            # untried: three refused attempts in all is three batches.
            found = deliveries_to(a, fan.host)
            return (
                len(found) == 3
                and all(state == "pending" for _, state, _ in found)
                and sum(attempts for _, _, attempts in found) >= 3
            )

        await eventually(retried, "the host was tried (and refused) in three batches")
        assert fan.received == []

        await fan.start()

        async def all_arrived() -> bool:
            return sorted(fan.posts()) == [f"<p>while you were out {n}</p>" for n in range(3)]

        await eventually(all_arrived, "the peer has the three posts")

        async def all_sent() -> bool:
            return [s for _, s, _ in deliveries_to(a, fan.host)] == ["sent"] * 3

        await eventually(all_sent, "the queue records the three as sent")
    finally:
        await fan.stop()


async def test_a_peer_down_for_good_is_given_up_on_and_served_again_when_it_answers(
    server_process: Any,
) -> None:
    fan = FlakyHost()
    a, token = await alice_with_a_fan_on(server_process, DOWN_FOR_GOOD, fan)
    try:
        await say(a, token, "into the void")

        async def given_up() -> bool:
            return [(t, s) for t, s, _ in deliveries_to(a, fan.host)] == [("Create", "dead")]

        await eventually(given_up, "the delivery is given up on", within=20)
        ((_, _, attempts),) = deliveries_to(a, fan.host)
        assert attempts == 3  # the first try, then one per delay of the schedule

        await asyncio.sleep(3)  # past the schedule and the open circuit: nothing more
        assert deliveries_to(a, fan.host) == [("Create", "dead", attempts)]
        assert fan.received == []

        await fan.start()  # it answers again
        await say(a, token, "are you back")

        async def served_again() -> bool:
            # Received, and then recorded (outcomes are written a moment after the answer).
            states = [s for _, s, _ in deliveries_to(a, fan.host)]
            return fan.posts() == ["<p>are you back</p>"] and states == ["dead", "sent"]

        await eventually(served_again, "the new post reaches the peer", within=20)
        assert fan.posts() == ["<p>are you back</p>"]  # the given-up post stays given up
    finally:
        await fan.stop()
