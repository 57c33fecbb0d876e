"""The sign-in throttle's counters: the window, the lockout, forgiveness and the memory cap.

Time is a number the tests choose; nothing here waits."""

from __future__ import annotations

from server.config import ApiSettings
from server.services.throttle import KEY_CHARS, AttemptCounter, SignInThrottle


def test_the_limit_th_attempt_in_the_window_locks_the_key_for_the_lockout() -> None:
    counter = AttemptCounter(limit=3, window=100, lockout=50)
    counter.attempt("k", 0)
    counter.attempt("k", 10)
    assert counter.locked("k", 10) == 0
    counter.attempt("k", 20)
    assert counter.locked("k", 20) == 50 and counter.locked("k", 60) == 10
    assert counter.locked("other", 20) == 0
    # Served: a fresh start, not one failure away from the next lockout.
    assert counter.locked("k", 70) == 0
    counter.attempt("k", 70)
    counter.attempt("k", 71)
    assert counter.locked("k", 71) == 0


def test_attempts_older_than_the_window_no_longer_count() -> None:
    counter = AttemptCounter(limit=3, window=100, lockout=50)
    counter.attempt("k", 0)
    counter.attempt("k", 50)
    counter.attempt("k", 101)  # the one at 0 has left the window
    assert counter.locked("k", 101) == 0
    counter.attempt("k", 120)
    assert counter.locked("k", 120) == 50


def test_forgiving_an_attempt_takes_back_the_lock_it_caused() -> None:
    counter = AttemptCounter(limit=2, window=100, lockout=50)
    counter.attempt("k", 1)
    counter.attempt("k", 2)
    assert counter.locked("k", 2)
    counter.forgive("k", 2)
    assert counter.locked("k", 2) == 0
    counter.forgive("k", 99)  # nothing counted then: no change
    counter.attempt("k", 3)
    assert counter.locked("k", 3) == 50


def test_a_zero_limit_counts_nothing() -> None:
    counter = AttemptCounter(limit=0, window=100, lockout=50)
    for t in range(100):
        counter.attempt("k", t)
    assert counter.locked("k", 100) == 0 and len(counter) == 0


def test_memory_is_capped_and_idle_keys_expire() -> None:
    counter = AttemptCounter(limit=3, window=100, lockout=50, max_keys=10)
    for n in range(10):
        counter.attempt(f"old{n}", 0)
    counter.attempt("new", 200)  # the old ones have expired: all dropped
    assert len(counter) == 1
    for n in range(20):
        counter.attempt(f"live{n}", 300 + n)
    assert len(counter) == 10  # full of live keys: the least recently tried go first
    assert counter.locked("live19", 319) == 0
    for t in (320, 321):
        counter.attempt("live19", t)
    assert counter.locked("live19", 321) == 50


def test_a_success_resets_the_username_and_forgives_only_itself_at_the_address() -> None:
    now = [0.0]
    settings = ApiSettings(sign_in_failures_per_account=2, sign_in_failures_per_address=3)
    throttle = SignInThrottle(settings, clock=lambda: now[0])
    assert throttle.begin("bob", "10.0.0.1") == (0, 0.0)  # failed
    now[0] = 1
    wait, attempt = throttle.begin("bob", "10.0.0.1")
    assert wait == 0
    throttle.succeeded("bob", "10.0.0.1", attempt)
    now[0] = 2
    assert throttle.begin("bob", "10.0.0.1")[0] == 0  # the count started over
    now[0] = 3
    assert throttle.begin("carol", "10.0.0.1")[0] == 0  # the address's third failure
    now[0] = 4
    assert throttle.begin("dave", "10.0.0.1")[0] == 899  # locked at 3 for 900 s
    assert throttle.begin("dave", "10.0.0.2")[0] == 0


def test_long_usernames_share_one_bounded_key() -> None:
    throttle = SignInThrottle(ApiSettings(sign_in_failures_per_account=1), clock=lambda: 0.0)
    throttle.begin("x" * KEY_CHARS + "a" * 100_000, "a1")
    assert throttle.begin("x" * KEY_CHARS + "b", "a2")[0] == 900
