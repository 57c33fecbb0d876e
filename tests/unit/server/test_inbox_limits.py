"""The token buckets behind the inbox and key-fetch limits: exact counts, refill,
``Retry-After``, off at 0, and bounded memory."""

from __future__ import annotations

import pytest

from server.config import FederationSettings
from server.services.inbox_limits import InboxLimits, KeyFetchBudget, Throttled, TokenBuckets


def test_a_bucket_gives_its_burst_then_one_token_per_interval() -> None:
    buckets = TokenBuckets(3, 6)  # 3 at once, then one every 10 s
    assert [buckets.take("h", 0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("h", 0.0) == pytest.approx(10.0)
    assert buckets.wait("h", 4.0) == pytest.approx(6.0)
    assert buckets.take("h", 10.0) == 0.0
    assert buckets.take("h", 10.0) == pytest.approx(10.0)
    assert buckets.take("h", 1_000.0) == 0.0  # refilled, never past the burst
    assert [buckets.take("h", 1_000.0) for _ in range(3)][-1] == pytest.approx(10.0)


def test_waiting_does_not_take_a_token() -> None:
    buckets = TokenBuckets(1, 60)
    assert buckets.wait("h", 0.0) == 0.0
    assert buckets.take("h", 0.0) == 0.0
    assert buckets.wait("h", 0.0) == pytest.approx(1.0)
    assert buckets.wait("h", 0.0) == pytest.approx(1.0)


def test_a_capacity_of_zero_is_no_limit() -> None:
    buckets = TokenBuckets(0, 0)
    assert all(buckets.take("h", 0.0) == 0.0 for _ in range(1_000))
    assert len(buckets) == 0


def test_memory_is_bounded_by_dropping_the_least_recently_used_key() -> None:
    buckets = TokenBuckets(2, 60, max_keys=3)
    for key in ("a", "b", "c"):
        buckets.take(key, 0.0)
    buckets.take("a", 0.0)  # a is now the most recently used, and empty
    buckets.take("d", 0.0)  # b goes
    assert len(buckets) == 3
    assert buckets.take("a", 0.0) > 0  # a kept its count


def test_inbox_limits_count_per_actor_and_per_host() -> None:
    settings = FederationSettings(inbox_per_actor_per_minute=2, inbox_per_host_per_minute=4)
    limits = InboxLimits(settings, clock=lambda: 0.0)
    a, b = "https://x.example/users/a", "https://x.example/users/b"
    limits.count(a)
    limits.count(a)
    for _ in range(5):  # refused deliveries take nothing from the server's allowance
        with pytest.raises(Throttled, match="this actor") as refused:
            limits.count(a)
    assert refused.value.retry_after == 30 and refused.value.status == 429
    with pytest.raises(Throttled, match="this actor"):
        limits.admit(f"{a}#main-key", a)
    limits.admit("https://X.example/users/b#main-key", b)  # hosts in any case
    limits.count(b)
    limits.count(b)
    with pytest.raises(Throttled, match="this server") as refused:
        limits.count("https://x.example/users/c")
    assert refused.value.retry_after == 15
    with pytest.raises(Throttled, match="this server"):
        limits.admit("https://x.example/users/c#main-key", None)
    limits.count("https://y.example/users/a")  # another server is counted apart


def test_key_fetches_are_budgeted_per_host() -> None:
    budget = KeyFetchBudget(
        FederationSettings(key_fetch_burst=2, key_fetches_per_minute=6), clock=lambda: 0.0
    )
    budget.spend("https://x.example/users/1#key")
    budget.spend("https://x.example/users/2#key")
    with pytest.raises(Throttled) as refused:
        budget.spend("https://x.example/users/3#key")
    assert refused.value.retry_after == 10
    budget.spend("https://y.example/users/1#key")
