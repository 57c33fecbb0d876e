"""Abuse limits at the inbox door, with real signed deliveries over HTTP.

A flood of made-up ``keyId``s on one host costs that host at most the key-fetch
bucket's fetches (counted at the fake peer); the rest are answered 429 with
``Retry-After`` and nothing is fetched or stored. An actor, or a server, over its
delivery limit gets 429 while other actors and servers keep being served. A
limit is never a 5xx. The limits' clock is frozen so the counts are exact.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from fakepeer import FakePeer, RemoteActor, fake_peer

from federation import relations as wl
from server.app import create_app
from server.appkeys import DB, SERVICES
from server.config import Config, with_overrides
from server.services import members
from tests.app.test_inbox_door import create_note, deliver, inbox_rows, nothing_stored, refused

StartWarmline = Callable[..., Awaitable[TestClient]]


class FrozenClock:
    """What the limits read as the time; a test moves it by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def start(
    aiohttp_client: Any, make_config: Callable[..., Config], clock: FrozenClock
) -> StartWarmline:
    """Warmline at a.test (dev mode, workers off, member alice) with these
    ``[federation]`` settings; its limits read ``clock``."""

    async def run(**federation: Any) -> TestClient:
        config = make_config(domain="a.test")
        config = with_overrides(config, federation=replace(config.federation, **federation))
        client = await aiohttp_client(create_app(config, workers=False))
        await members.create_member(client.app[DB], "alice", display_name="Alice Archer")
        svc = client.app[SERVICES]
        svc.inbox_limits.clock = clock
        svc.remote.key_fetch_budget.clock = clock
        return client

    return run


@pytest.fixture
async def peer() -> AsyncIterator[FakePeer]:
    async with fake_peer() as fake:
        yield fake


@pytest.fixture
async def other_peer() -> AsyncIterator[FakePeer]:
    async with fake_peer() as fake:
        yield fake


def ghost(peer: FakePeer, n: int, signer: RemoteActor) -> RemoteActor:
    """An actor the peer does not have (its document is a 404), signing with a real key."""
    return RemoteActor(f"{peer.origin}/users/ghost{n}", signer.rsa, signer.ed25519)


async def retry_after(resp: ClientResponse) -> int:
    """A 429 with a JSON error and a whole number of seconds to wait."""
    await refused(resp, 429)
    seconds = int(resp.headers["Retry-After"])
    assert seconds >= 1
    return seconds


def ghost_fetches(peer: FakePeer) -> list[str]:
    return [path for path in peer.fetched if path.startswith("/users/ghost")]


# --- key fetches bounded per host -------------------------------------------------------------


async def test_a_flood_of_unknown_keys_costs_the_host_only_the_bucket_of_fetches(
    start: StartWarmline, peer: FakePeer, other_peer: FakePeer, clock: FrozenClock
) -> None:
    # Given a Warmline that fetches at most 10 unknown keys of a host at once, then 6 a
    # minute, and a known actor on the flooding host whose key it already holds
    warmline = await start(key_fetch_burst=10, key_fetches_per_minute=6)
    bob = peer.add("bob")
    assert (await deliver(warmline, bob, create_note(bob))).status == 202
    carol = other_peer.add("carol")

    async with nothing_stored(warmline):
        # When 60 deliveries signed with made-up key ids of that host arrive at once
        flood = [ghost(peer, n, bob) for n in range(60)]
        answers = await asyncio.gather(*(deliver(warmline, g, create_note(g)) for g in flood))

    # Then the peer saw 10 GETs in all, bob's included: the 9 made-up keys fetched were
    # answered 401 (no such key); the other 51 got 429 with Retry-After and cost nothing
    assert len(peer.fetched) == 10 and len(ghost_fetches(peer)) == 9
    statuses = sorted(resp.status for resp in answers)
    assert statuses == [401] * 9 + [429] * 51
    waits = {await retry_after(resp) for resp in answers if resp.status == 429}
    assert waits == {10}  # 6 a minute: the next fetch in 10 s

    # And while that host is out of fetches, its known actor is still served, and so
    # is a new actor of another server (whose key is fetched from its own budget)
    assert (await deliver(warmline, bob, create_note(bob))).status == 202
    assert (await deliver(warmline, carol, create_note(carol))).status == 202
    assert other_peer.fetched == ["/users/carol"]

    # And a new actor on the flooding host waits its turn, then is served
    dave = peer.add("dave")
    await retry_after(await deliver(warmline, dave, create_note(dave)))
    assert "/users/dave" not in peer.fetched
    clock.now += 10
    assert (await deliver(warmline, dave, create_note(dave))).status == 202
    assert peer.fetched.count("/users/dave") == 1
    assert [row["actor_uri"] for row in await inbox_rows(warmline)] == [
        bob.id,
        bob.id,
        carol.id,
        dave.id,
    ]


async def test_concurrent_deliveries_signed_with_one_new_key_share_one_fetch(
    start: StartWarmline, peer: FakePeer
) -> None:
    # Given a Warmline that fetches one unknown key of a host, and no more for now
    warmline = await start(key_fetch_burst=1, key_fetches_per_minute=1)
    erin = peer.add("erin")

    # When a new actor delivers 12 activities at once
    answers = await asyncio.gather(*(deliver(warmline, erin, create_note(erin)) for _ in range(12)))

    # Then its key was fetched once and every delivery was accepted
    assert [resp.status for resp in answers] == [202] * 12
    assert peer.fetched == ["/users/erin"]


async def test_a_known_key_is_never_limited(start: StartWarmline, peer: FakePeer) -> None:
    warmline = await start(key_fetch_burst=1, key_fetches_per_minute=1)
    bob = peer.add("bob")
    answers = [await deliver(warmline, bob, create_note(bob)) for _ in range(5)]
    assert [resp.status for resp in answers] == [202] * 5
    assert peer.fetched == ["/users/bob"]


# --- deliveries per actor and per host --------------------------------------------------------


async def test_an_actor_over_its_limit_gets_429_while_another_of_its_server_is_served(
    start: StartWarmline, peer: FakePeer, clock: FrozenClock
) -> None:
    # Given a limit of 5 deliveries a minute per actor
    warmline = await start(inbox_per_actor_per_minute=5)
    bob, dave = peer.add("bob"), peer.add("dave")
    sent = [await deliver(warmline, bob, create_note(bob)) for _ in range(5)]
    assert [resp.status for resp in sent] == [202] * 5

    # When bob delivers a sixth, on either inbox
    async with nothing_stored(warmline):
        shared = await deliver(warmline, bob, create_note(bob))
        personal = await deliver(warmline, bob, create_note(bob), path="/users/alice/inbox")

    # Then it is refused with 429 and when to come back (a token every 12 s)
    assert await retry_after(shared) == 12
    assert "too many deliveries from this actor" in (await shared.json())["error"]
    assert await retry_after(personal) == 12

    # And dave, on the same server, is still served
    assert (await deliver(warmline, dave, create_note(dave))).status == 202

    # And once the wait is over bob is served again
    clock.now += 12
    assert (await deliver(warmline, bob, create_note(bob))).status == 202
    assert len(await inbox_rows(warmline)) == 7


async def test_a_server_over_its_limit_gets_429_while_another_server_is_served(
    start: StartWarmline, peer: FakePeer, other_peer: FakePeer
) -> None:
    # Given a limit of 6 deliveries a minute per server (and the default per actor)
    warmline = await start(inbox_per_host_per_minute=6)
    bob, dave = peer.add("bob"), peer.add("dave")
    carol = other_peer.add("carol")
    for actor in (bob, dave, bob, dave, bob, dave):
        assert (await deliver(warmline, actor, create_note(actor))).status == 202

    # When either actor of that server delivers once more, it is refused
    async with nothing_stored(warmline):
        for actor in (bob, dave):
            resp = await deliver(warmline, actor, create_note(actor))
            assert await retry_after(resp) == 10
            assert "too many deliveries from this server" in (await resp.json())["error"]

    # While an actor of another server keeps being served
    for _ in range(3):
        assert (await deliver(warmline, carol, create_note(carol))).status == 202


async def test_a_forged_delivery_does_not_use_up_someone_elses_allowance(
    start: StartWarmline, peer: FakePeer
) -> None:
    # Given a limit of 3 deliveries a minute per actor, and bob's key known
    warmline = await start(inbox_per_actor_per_minute=3)
    bob = peer.add("bob")
    assert (await deliver(warmline, bob, create_note(bob))).status == 202
    mallory = peer.add("mallory")

    # When someone sends many deliveries naming bob's key, signed with another key
    async with nothing_stored(warmline):
        for _ in range(6):
            resp = await deliver(warmline, bob, create_note(bob), private_key=mallory.rsa)
            await refused(resp, 401)

    # Then bob still has the rest of his allowance
    assert (await deliver(warmline, bob, create_note(bob))).status == 202
    assert (await deliver(warmline, bob, create_note(bob))).status == 202
    await retry_after(await deliver(warmline, bob, create_note(bob)))


async def test_connection_requests_are_limited_per_server_and_the_rest_still_flows(
    start: StartWarmline, peer: FakePeer, other_peer: FakePeer, clock: FrozenClock
) -> None:
    # Given at most 3 connection requests an hour from any one server
    warmline = await start(connection_requests_per_host_per_hour=3)
    for name in ("m1", "m2", "m3", "m4"):
        await members.create_member(warmline.app[DB], name)
    bob, dave = peer.add("bob"), peer.add("dave")
    carol = other_peer.add("carol")

    def connect(actor: RemoteActor, target: str) -> dict[str, Any]:
        member = f"http://a.test/users/{target}"
        return wl.connect(f"{actor.id}/connect/{target}", actor.id, member, "")

    for actor, target in ((bob, "m1"), (dave, "m2"), (bob, "m3")):
        assert (await deliver(warmline, actor, connect(actor, target))).status == 202

    # When its actors ask a fourth member
    async with nothing_stored(warmline):
        resp = await deliver(warmline, dave, connect(dave, "m4"))
    # Then that is refused, until a request's worth of the hour has passed (20 min)
    assert await retry_after(resp) == 1200
    assert "too many connection requests from this server" in (await resp.json())["error"]

    # While the same server's other activities, and other servers' requests, are served
    assert (await deliver(warmline, dave, create_note(dave))).status == 202
    assert (await deliver(warmline, carol, connect(carol, "m4"))).status == 202
    clock.now += 1200
    assert (await deliver(warmline, dave, connect(dave, "m4"))).status == 202


async def test_a_busy_flood_of_one_actor_is_answered_429_never_5xx(
    start: StartWarmline, peer: FakePeer, other_peer: FakePeer
) -> None:
    # Given a limit of 20 a minute per actor
    warmline = await start(inbox_per_actor_per_minute=20)
    bob = peer.add("bob")
    carol = other_peer.add("carol")

    # When bob sends 80 at once while carol, elsewhere, sends 5
    floods = [deliver(warmline, bob, create_note(bob)) for _ in range(80)]
    benign = [deliver(warmline, carol, create_note(carol)) for _ in range(5)]
    answers = await asyncio.gather(*floods, *benign)

    # Then bob got exactly his 20 and 429s, carol got all hers, and nothing was a 5xx
    bobs, carols = answers[:80], answers[80:]
    assert sorted(resp.status for resp in bobs) == [202] * 20 + [429] * 60
    assert [resp.status for resp in carols] == [202] * 5
    for resp in bobs:
        if resp.status == 429:
            await retry_after(resp)
    assert len(await inbox_rows(warmline)) == 25
