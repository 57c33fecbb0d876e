"""The API's rate limits, counted in the database: exact near the limit, shared
in batches far from it, a new count each window, and several processes (here,
several limiters on one database) giving a client one allowance between them.

Time is a number the tests choose. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from server.config import ApiSettings
from server.services.rate_limits import ApiLimits, RateLimited, SharedWindows
from server.store import Database
from server.store.tables import rate_counts

Clock = list[float]


def windows(db: Database, now: Clock, limit: int, window: int = 60) -> SharedWindows:
    return SharedWindows(db, "client", limit, window, clock=lambda: now[0])


async def admitted(limiter: SharedWindows, key: str, requests: int) -> int:
    return sum([(await limiter.hit(key)).remaining >= 0 for _ in range(requests)])


async def stored(db: Database) -> dict[tuple[str, int], int]:
    async with db.read() as conn:
        rows = (await conn.execute(rate_counts.select())).all()
    return {(row.key, row.period): row.hits for row in rows}


async def test_a_small_limit_is_exact_across_processes(db: Database) -> None:
    now: Clock = [1_000.0]
    first, second, third = (windows(db, now, 5) for _ in range(3))
    assert [(await first.hit("t")).remaining for _ in range(2)] == [4, 3]
    assert (await second.hit("t")).remaining == 2
    assert (await third.hit("t")).remaining == 1
    assert (await first.hit("t")).remaining == 0
    for limiter in (first, second, third):
        verdict = await limiter.hit("t")
        assert verdict.remaining < 0 and verdict.reset == 1_020  # the window of 960-1020
    assert (await second.hit("other")).remaining == 4


async def test_far_from_the_limit_counts_are_shared_in_batches(db: Database) -> None:
    now: Clock = [0.0]
    limiter = windows(db, now, 300)  # shares every 30 requests
    assert await admitted(limiter, "t", 29) == 29
    assert await stored(db) == {}  # nothing written yet
    await limiter.hit("t")
    assert await stored(db) == {("t", 0): 30}


async def test_several_processes_overshoot_by_at_most_a_batch_each(db: Database) -> None:
    now: Clock = [0.0]
    limiters = [windows(db, now, 300) for _ in range(3)]
    total = 0
    for _ in range(200):  # a client spreading its requests over three processes
        for limiter in limiters:
            total += await admitted(limiter, "t", 1)
    assert 300 <= total <= 300 + 2 * 29
    # Every admitted request was shared; and each process counted at most one
    # more, refused once the shared count showed the others had used the rest.
    assert total <= sum((await stored(db)).values()) <= total + len(limiters)


async def test_a_new_window_starts_a_new_count_and_old_ones_are_deleted(db: Database) -> None:
    now: Clock = [0.0]
    limiter = windows(db, now, 2)
    assert await admitted(limiter, "t", 5) == 2
    now[0] = 60.0
    assert await admitted(limiter, "t", 5) == 2
    now[0] = 120.0
    assert await admitted(limiter, "u", 1) == 1
    assert await stored(db) == {("t", 60): 2, ("u", 120): 1}  # the window of 0 is gone


async def test_the_member_limit_counts_every_token(db: Database) -> None:
    now: Clock = [0.0]
    settings = ApiSettings(rate_limit_requests=0, rate_limit_requests_per_account=3)
    limits = ApiLimits(db, settings, clock=lambda: now[0])
    assert await limits.client("t:anything") is None  # that limit is off
    for _ in range(3):
        await limits.account(7)
    with pytest.raises(RateLimited) as refused:
        await limits.account(7)
    assert refused.value.retry_after == 300
    await limits.account(8)
