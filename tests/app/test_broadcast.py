"""Processes of one PostgreSQL database tell each other what they must know:
wake-ups, stream events, changed caches, and who is there (services/broadcast).

Two ``Services`` opened on the same database stand for two processes: each has
its own connections and its own channel connection, so every message here
really goes through PostgreSQL's ``NOTIFY``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text

from server.config import Config
from server.services.context import Services
from server.services.runtime import open_services
from server.services.stream import USER, NotificationEvent, StatusEvent
from server.store import Database
from server.store.interactions import NotificationRow

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])


async def eventually(check: Callable[[], Any], what: str, seconds: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.02)


@pytest.fixture
async def pair(
    migrated_database_url: str, make_config: Callable[..., Config]
) -> AsyncIterator[tuple[Services, Services]]:
    """Two web "processes" of one database, each knowing the other is there."""
    async with AsyncExitStack() as stack:
        found = []
        for _ in range(2):
            db = Database(migrated_database_url)
            stack.push_async_callback(db.close)
            svc = await stack.enter_async_context(open_services(make_config(), db))
            assert svc.broadcast is not None
            svc.broadcast.serve_as("web")
            found.append(svc)
        a, b = found
        await eventually(lambda: a.broadcast.peers and b.broadcast.peers, "they meet")
        yield a, b


async def test_a_wake_up_in_one_process_wakes_the_workers_of_the_other(
    pair: tuple[Services, Services],
) -> None:
    a, b = pair
    b.wake.inbox.clear()
    b.wake.deliveries.clear()
    a.wake.inbox.set()
    await eventually(b.wake.inbox.is_set, "the other process's inbox worker woke")
    assert not b.wake.deliveries.is_set()  # only the queue that has rows


async def test_stream_events_reach_clients_of_another_process_only_when_someone_streams(
    pair: tuple[Services, Services],
) -> None:
    a, b = pair
    assert not a.stream.streaming()  # nobody streams: events are not even built
    note = NotificationRow(7, 42, "mention", 9, None, None, datetime(2026, 12, 8, tzinfo=UTC))
    with b.stream.subscribe(42) as sub:
        sub.streams.add((USER,))
        await eventually(a.stream.streaming, "the first process hears that the other streams")
        a.stream.emit(NotificationEvent(note))
        stream, event = await asyncio.wait_for(sub.queue.get(), 10)
    assert stream == (USER,)
    assert event == NotificationEvent(note)
    await eventually(lambda: not a.stream.streaming(), "the stream's end is heard too")


async def test_an_event_too_large_for_a_notify_payload_travels_through_the_database(
    pair: tuple[Services, Services],
) -> None:
    a, b = pair
    readers = frozenset(range(10**15, 10**15 + 2_000)) | {42}  # ~34 kB of ids
    event = StatusEvent("update", 5, True, False, frozenset({"python"}), readers, frozenset({9}))
    with b.stream.subscribe(42) as sub:
        sub.streams.add((USER,))
        await eventually(a.stream.streaming, "the first process hears that the other streams")
        a.stream.emit(event)
        _stream, heard = await asyncio.wait_for(sub.queue.get(), 10)
    assert heard == event


async def test_changed_caches_are_dropped_in_the_other_process(
    pair: tuple[Services, Services],
) -> None:
    a, b = pair
    site = await b.site.get()
    await a.site.change(a.now(), description="Changed through the other process")
    await eventually(lambda: b.site._site is None, "the other process drops its site settings")
    assert (await b.site.get()).description == "Changed through the other process"
    assert site.description != "Changed through the other process"

    b.domains._loaded_at = 0.0  # as if read just now
    a.domains.changed()
    await eventually(lambda: b.domains._stale(), "the other process reads the domain lists again")

    b.remote._actors["https://peer.example/users/bob"] = object()  # type: ignore[assignment]
    a.remote.forget("https://peer.example/users/bob")
    await eventually(lambda: "https://peer.example/users/bob" not in b.remote._actors, "dropped")

    b.inbox_owners._found["ann"] = b.inbox_owners._clock()  # her inbox was found just now
    a.inbox_owners.forget("Ann")  # deleted through the other process
    await eventually(lambda: "ann" not in b.inbox_owners._found, "her inbox is looked up again")


async def test_web_processes_share_the_inbox_limits(pair: tuple[Services, Services]) -> None:
    a, b = pair
    configured = a.config.federation.inbox_per_host_per_minute
    await eventually(lambda: a.broadcast.web_processes() == 2, "two web processes")
    assert a.inbox_limits.hosts.capacity == configured / 2
    assert b.inbox_limits.hosts.rate == configured / 2 / 60
    await b.broadcast.close()
    await eventually(lambda: a.broadcast.web_processes() == 1, "the other one said it left")
    assert a.inbox_limits.hosts.capacity == configured


async def test_a_lost_channel_is_made_again_and_what_was_missed_is_assumed_changed(
    pair: tuple[Services, Services],
) -> None:
    a, b = pair
    await b.site.get()
    b.remote._actors["https://peer.example/users/bob"] = object()  # type: ignore[assignment]
    assert b.broadcast is not None
    b.wake.inbox.clear()
    lost = b.broadcast.channel._conn.get_server_pid()
    async with a.db.transaction() as conn:
        await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": lost})
    # Whatever was said meanwhile may have been missed: caches go, workers wake.
    await eventually(lambda: b.site._site is None, "the settings are read again", seconds=20)
    assert not b.remote._actors
    assert b.wake.inbox.is_set()
    assert b.broadcast.channel._conn.get_server_pid() != lost
    b.wake.deliveries.clear()
    a.wake.deliveries.set()
    await eventually(b.wake.deliveries.is_set, "wake-ups are heard again")
