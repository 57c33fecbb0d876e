"""The sign-in throttle, counted in the database: the window, the lockout,
forgiveness, clean-up, and two throttles (two processes) sharing one count.

Time is a number the tests choose; nothing here waits. Every test runs on
SQLite and on PostgreSQL."""

from __future__ import annotations

from server.config import ApiSettings
from server.services.throttle import KEY_CHARS, SignInThrottle
from server.store import Database
from server.store import limits as q

Clock = list[float]


def throttle_for(db: Database, now: Clock, **limits: int) -> SignInThrottle:
    settings = ApiSettings(
        **{"sign_in_window_seconds": 100, "sign_in_lockout_seconds": 50, **limits}
    )
    return SignInThrottle(db, settings, clock=lambda: now[0])


async def tries(throttle: SignInThrottle, now: Clock, at: float, user: str = "k") -> float:
    """An attempt by ``user`` from an address of its own at time ``at``: the wait."""
    now[0] = at
    wait, _ = await throttle.begin(user, f"address-of-{user}")
    return wait


async def test_the_limit_th_attempt_in_the_window_locks_the_key_for_the_lockout(
    db: Database,
) -> None:
    now: Clock = [0.0]
    throttle = throttle_for(db, now, sign_in_failures_per_account=3)
    assert [await tries(throttle, now, t) for t in (0, 10, 20)] == [0, 0, 0]
    assert await tries(throttle, now, 20) == 50  # refused, and not counted
    assert await tries(throttle, now, 60) == 10
    assert await tries(throttle, now, 20, user="other") == 0
    # Served: a fresh start, not one failure away from the next lockout.
    assert [await tries(throttle, now, t) for t in (70, 71, 72)] == [0, 0, 0]
    assert await tries(throttle, now, 73) == 49


async def test_attempts_older_than_the_window_no_longer_count(db: Database) -> None:
    now: Clock = [0.0]
    throttle = throttle_for(db, now, sign_in_failures_per_account=3)
    for t in (0, 50, 101):  # the one at 0 has left the window by 101
        assert await tries(throttle, now, t) == 0
    assert await tries(throttle, now, 102) == 0  # the third in the window: locks
    assert await tries(throttle, now, 103) == 49


async def test_a_success_resets_the_username_and_forgives_only_itself_at_the_address(
    db: Database,
) -> None:
    now: Clock = [0.0]
    throttle = throttle_for(
        db, now, sign_in_failures_per_account=2, sign_in_failures_per_address=3,
        sign_in_window_seconds=900, sign_in_lockout_seconds=900,
    )  # fmt: skip
    assert await throttle.begin("bob", "10.0.0.1") == (0, 0.0)  # failed
    now[0] = 1
    wait, attempt = await throttle.begin("bob", "10.0.0.1")
    assert wait == 0
    await throttle.succeeded("bob", "10.0.0.1", attempt)
    now[0] = 2
    assert (await throttle.begin("bob", "10.0.0.1"))[0] == 0  # the count started over
    now[0] = 3
    assert (await throttle.begin("carol", "10.0.0.1"))[0] == 0  # the address's third
    now[0] = 4
    assert (await throttle.begin("dave", "10.0.0.1"))[0] == 899  # locked at 3 for 900 s
    assert (await throttle.begin("dave", "10.0.0.2"))[0] == 0


async def test_forgiving_the_attempt_that_locked_takes_the_lock_back(db: Database) -> None:
    now: Clock = [1.0]
    throttle = throttle_for(db, now, sign_in_failures_per_address=2)
    await throttle.begin("a", "addr")
    now[0] = 2
    wait, attempt = await throttle.begin("b", "addr")  # the second: locks the address
    assert wait == 0 and (await throttle.begin("c", "addr"))[0] == 50
    await throttle.succeeded("b", "addr", attempt)
    assert (await throttle.begin("c", "addr"))[0] == 0  # counted again: locked again
    assert (await throttle.begin("d", "addr"))[0] == 50


async def test_two_processes_share_one_count(db: Database) -> None:
    """Each web process has its own throttle; the database is the one count."""
    now: Clock = [0.0]
    first = throttle_for(db, now, sign_in_failures_per_account=3)
    second = throttle_for(db, now, sign_in_failures_per_account=3)
    assert await tries(first, now, 1) == 0
    assert await tries(second, now, 2) == 0
    assert await tries(first, now, 3) == 0
    assert await tries(second, now, 4) == 49
    assert await tries(first, now, 4) == 49


async def test_sign_ups_per_address(db: Database) -> None:
    now: Clock = [0.0]
    settings = ApiSettings(sign_ups_per_address=2, sign_up_window_seconds=3600)
    throttle = SignInThrottle(db, settings, clock=lambda: now[0])
    assert [await throttle.sign_up_wait("192.0.2.1") for _ in range(2)] == [0, 0]
    assert await throttle.sign_up_wait("192.0.2.1") == 60  # minutes
    assert await throttle.sign_up_wait("192.0.2.2") == 0


async def test_a_zero_limit_counts_nothing(db: Database) -> None:
    now: Clock = [0.0]
    throttle = throttle_for(db, now, sign_in_failures_per_account=0, sign_in_failures_per_address=0)
    for t in range(20):
        assert await tries(throttle, now, t) == 0
    async with db.read() as conn:
        assert await q.count_attempts(conn) == 0


async def test_rows_that_can_no_longer_count_are_deleted(db: Database) -> None:
    now: Clock = [0.0]
    throttle = throttle_for(db, now, sign_in_failures_per_account=3)
    for t in range(10):
        await tries(throttle, now, t * 10.0, user=f"user{t}")
    async with db.read() as conn:
        assert await q.count_attempts(conn) == 20  # one per username and per address
    # An attempt cleans up its own key; the retention job the rest.
    await tries(throttle, now, 500, user="user0")
    async with db.transaction() as conn:
        assert await q.count_attempts(conn) == 20
        assert await q.prune_attempts(conn, before=500 - 150, limit=1000) == 18
        assert await q.count_attempts(conn) == 2


async def test_long_usernames_share_one_bounded_key(db: Database) -> None:
    now: Clock = [0.0]
    throttle = throttle_for(db, now, sign_in_failures_per_account=1)
    await throttle.begin("x" * KEY_CHARS + "a" * 100_000, "a1")
    assert (await throttle.begin("x" * KEY_CHARS + "b", "a2"))[0] == 50
