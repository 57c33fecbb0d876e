"""One instance served by three web processes and two worker processes on one
PostgreSQL database, as a growing community runs it (issue 14).

Real processes throughout: ``warmline serve --no-workers`` three times, each on
its own port (requests go round-robin, as behind a proxy), and two
``warmline worker`` processes; a peer on a loopback port follows alice and
sends her mentions. While the work flows, each worker is killed with SIGKILL
in turn and started again. Then:

- every post reached the peer, and a post reached it twice only if the worker
  sending it was killed meanwhile (at least once, never twice otherwise);
- every mention the peer sent was applied exactly once (one post, one
  notification), whichever web process took it and whichever worker applied it;
- a client streaming from one web process saw every post made through the
  others and every notification the worker processes made.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from fakepeer import AS2, AS_CONTEXT, FakePeer, RemoteActor
from sqlalchemy import func, select

from federation.httpsig import sign_cavage
from server.store import Database
from server.store import tables as t
from tests.conftest import ServerProcess, SiblingProcess, _clean_env, free_port

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["postgresql"])]

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
POSTS = 24
MENTIONS = 48
_serial = itertools.count(1)


class Peer(FakePeer):
    """The fake peer, with an inbox that notes when each activity arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.received: list[tuple[float, dict[str, Any]]] = []
        self.delay = 0.05  # a peer takes a moment: a killed worker leaves requests in flight

    async def inbox(self, request: web.Request) -> web.Response:
        doc = json.loads(await request.read())
        await asyncio.sleep(self.delay)
        self.received.append((time.monotonic(), doc))
        return web.Response(status=202)

    def creates(self) -> list[tuple[float, str]]:
        return [(at, d["object"]["id"]) for at, d in self.received if d.get("type") == "Create"]


@pytest.fixture
async def peer() -> AsyncIterator[Peer]:
    fake = Peer()
    app = web.Application()
    app.router.add_get("/users/{name}", fake.serve_actor)
    app.router.add_post("/inbox", fake.inbox)
    app.router.add_post("/users/{name}/inbox", fake.inbox)
    fake.server = TestServer(app, host="127.0.0.1")
    await fake.server.start_server()
    yield fake
    await fake.server.close()


@dataclass
class Instance:
    webs: list[ServerProcess]
    workers: list[subprocess.Popen[bytes] | None]
    start_worker: Callable[[int], subprocess.Popen[bytes]]

    @property
    def domain(self) -> str:
        return self.webs[0].domain

    def web(self, n: int) -> ServerProcess:
        return self.webs[n % len(self.webs)]


@pytest.fixture
def instance(database_url: str, tmp_path: Path) -> Iterator[Instance]:
    config = tmp_path / "warmline.toml"
    config.write_text(
        f'[server]\ndatabase_url = "{database_url}"\n'
        "[api]\nrate_limit_requests = 0\nrate_limit_requests_per_account = 0\n"
    )
    first = ServerProcess(free_port(), tmp_path / "web1", config, serve_args=("--no-workers",))
    webs = [first]
    first.start()
    for n in (2, 3):
        sibling = SiblingProcess(first, free_port(), tmp_path / f"web{n}", ("--no-workers",))
        sibling.data.mkdir()
        webs.append(sibling)
        sibling.start()

    def start_worker(n: int) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"worker{n}.log").open("ab")
        return subprocess.Popen(
            [sys.executable, "-m", "server", "worker", "--queues", "delivery,inbox",
             *first.flags()],
            stdout=log, stderr=subprocess.STDOUT, env=_clean_env(),
        )  # fmt: skip

    found = Instance(webs, [start_worker(1), start_worker(2)], start_worker)
    yield found
    for proc in found.workers:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
    for web_proc in webs:
        web_proc.stop()


def signed(instance: Instance, actor: RemoteActor, path: str, doc: dict[str, Any]) -> Any:
    body = json.dumps(doc).encode()
    headers = {"Host": instance.domain, "Content-Type": AS2}
    url = f"http://{instance.domain}{path}"
    headers |= sign_cavage("POST", url, headers, body, key_id=actor.key_id, private_key=actor.rsa)
    return body, headers


async def deliver(
    http: aiohttp.ClientSession, instance: Instance, n: int, actor: RemoteActor, doc: Any
) -> None:
    """POST ``doc`` to the ``n``-th web process, again until it is taken (as a peer's queue)."""
    path = "/inbox" if n % 2 else "/users/alice/inbox"
    body, headers = signed(instance, actor, path, doc)
    for _ in range(50):
        async with http.post(instance.web(n).base_url + path, data=body, headers=headers) as r:
            if r.status in (200, 202):
                return
        await asyncio.sleep(0.2)
    raise AssertionError(f"{doc['id']} was never taken")


def mention(actor: RemoteActor, domain: str) -> dict[str, Any]:
    alice = f"http://{domain}/users/alice"
    serial = next(_serial)
    note = {
        "id": f"{actor.origin}/notes/{serial}",
        "type": "Note",
        "attributedTo": actor.id,
        "content": f"<p>@alice number {serial}</p>",
        "published": "2026-12-08T03:00:00Z",
        "to": [PUBLIC],
        "cc": [alice],
        "tag": [{"type": "Mention", "href": alice, "name": f"@alice@{domain}"}],
    }
    return {
        "@context": AS_CONTEXT,
        "id": f"{actor.origin}/activities/{serial}",
        "type": "Create",
        "actor": actor.id,
        "object": note,
        "to": note["to"],
        "cc": note["cc"],
    }


async def until(check: Callable[[], Any], what: str, seconds: float = 90.0) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        await asyncio.sleep(0.2)


async def test_three_web_and_two_worker_processes_lose_nothing_and_do_nothing_twice(
    instance: Instance, peer: Peer, database_url: str
) -> None:
    first = instance.webs[0]
    assert first.cli("member", "create", "alice").returncode == 0
    token = first.cli("token", "create", "alice").stdout.strip()
    auth = {"Authorization": f"Bearer {token}"}
    followers = [peer.add(f"f{n}") for n in range(3)]
    db = Database(database_url)
    try:
        async with aiohttp.ClientSession() as http:
            # The peer's people follow alice, through different web processes.
            alice = f"http://{instance.domain}/users/alice"
            for n, actor in enumerate(followers):
                follow = {"@context": AS_CONTEXT, "id": f"{actor.id}#follow", "type": "Follow",
                          "actor": actor.id, "object": alice}  # fmt: skip
                await deliver(http, instance, n, actor, follow)

            async def all_accepted() -> bool:
                return sum(d.get("type") == "Accept" for _, d in peer.received) >= len(followers)

            await until(all_accepted, "every follow was accepted (by a worker process)")

            # A client streams from the second web process.
            stream_url = instance.webs[1].base_url + "/api/v1/streaming?stream=user"
            async with http.ws_connect(stream_url, headers=auth) as ws:
                # Its subscription is announced to the other processes at once; on a
                # busy machine "at once" can take a while: until a post through each
                # web process arrives on the stream, the test has not begun.
                for n in (0, 2):
                    await until(lambda n=n: probe(http, instance.web(n), auth, ws), "heard")
                await asyncio.sleep(1)  # the workers heard the same message as the webs
                heard = asyncio.create_task(read_stream(ws, POSTS + MENTIONS))

                killed_at: list[float] = []

                async def kill_and_restart(n: int) -> None:
                    old = instance.workers[n]
                    assert old is not None
                    old.send_signal(signal.SIGKILL)
                    old.wait()
                    killed_at.append(time.monotonic())
                    instance.workers[n] = instance.start_worker(n + 1)

                async def post(n: int) -> tuple[int, str]:
                    url = instance.web(n).base_url + "/api/v1/statuses"
                    data = {"status": f"Post {n} of the day", "visibility": "public"}
                    async with http.post(url, data=data, headers=auth) as r:
                        assert r.status == 200, await r.text()
                        made = await r.json()
                        return int(made["id"]), made["uri"]

                sender = followers[0]
                posted: list[int] = []
                uris: set[str] = set()
                for n in range(max(POSTS, MENTIONS)):
                    if n < POSTS:
                        status_id, uri = await post(n)
                        posted.append(status_id)
                        uris.add(uri)
                    if n < MENTIONS:
                        await deliver(http, instance, n, sender, mention(sender, instance.domain))
                    if n in (POSTS // 3, 2 * POSTS // 3):  # mid-batch: work is claimed
                        await kill_and_restart(0 if n == POSTS // 3 else 1)

                async def all_posts_arrived() -> bool:
                    return uris <= {uri for _, uri in peer.creates()}

                await until(all_posts_arrived, "every post reached the peer")

                async def mentions_applied() -> bool:
                    return await count_mentions(db) >= MENTIONS

                await until(mentions_applied, "every mention was applied")
                events = await asyncio.wait_for(heard, 60)
    finally:
        await db.close()

    # At least once, and twice only across a kill.
    first_seen: dict[str, float] = {}
    twice = []
    for at, uri in sorted(peer.creates()):
        if uri in first_seen:
            twice.append(uri)
            assert any(first_seen[uri] <= kill <= at for kill in killed_at), uri
        first_seen.setdefault(uri, at)
    # Exactly once: one post and one notification a mention.
    db = Database(database_url)
    try:
        assert await count_mentions(db) == MENTIONS
        async with db.read() as conn:
            remote_posts = await conn.scalar(
                select(func.count())
                .select_from(t.statuses)
                .where(t.statuses.c.uri.like(f"{peer.origin}/notes/%"))
            )
    finally:
        await db.close()
    assert remote_posts == MENTIONS
    # The stream on the second process heard the others' posts and the workers' notifications.
    updates = {int(json.loads(p)["id"]) for e, p in events if e == "update"}
    notes = [json.loads(p) for e, p in events if e == "notification"]
    assert set(posted) <= updates
    assert len(notes) == MENTIONS and {n["type"] for n in notes} == {"mention"}


async def probe(
    http: aiohttp.ClientSession, web_proc: ServerProcess, auth: dict[str, str], ws: Any
) -> bool:
    """Post through ``web_proc``; whether the post's update came on ``ws``."""
    url = web_proc.base_url + "/api/v1/statuses"
    async with http.post(url, data={"status": "probe"}, headers=auth) as r:
        probe_id = (await r.json())["id"]
    try:
        while True:
            message = await ws.receive_json(timeout=2)
            if message["event"] == "update" and json.loads(message["payload"])["id"] == probe_id:
                return True
    except TimeoutError:
        return False


async def read_stream(ws: aiohttp.ClientWebSocketResponse, wanted: int) -> list[tuple[str, str]]:
    """Events until ``wanted`` updates and notifications came (keep-alives and
    the probes' updates skipped)."""
    events: list[tuple[str, str]] = []
    while sum(e in ("update", "notification") for e, _ in events) < wanted:
        message = await ws.receive_json(timeout=120)
        if message["event"] == "update" and ">probe<" in json.loads(message["payload"])["content"]:
            continue  # a probe's, late
        events.append((message["event"], message["payload"]))
    return events


async def count_mentions(db: Database) -> int:
    mentions = t.notifications.c.type == "mention"
    async with db.read() as conn:
        found = await conn.scalar(select(func.count()).select_from(t.notifications).where(mentions))
    return int(found or 0)
