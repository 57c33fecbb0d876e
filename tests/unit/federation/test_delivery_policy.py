"""Delivery policy: outcomes, backoff over days, Retry-After, shared inboxes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from federation.delivery import (
    DEFAULT_SCHEDULE,
    Delivered,
    GiveUp,
    RetryAt,
    backoff,
    classify,
    inbox_targets,
    parse_retry_after,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_2xx_is_delivered(status: int) -> None:
    assert classify(status, attempts=1, now=NOW) == Delivered(status)


@pytest.mark.parametrize("status", [400, 403, 404, 405, 413, 422])
def test_other_4xx_is_final(status: int) -> None:
    outcome = classify(status, attempts=1, now=NOW)
    assert isinstance(outcome, GiveUp) and not outcome.gone


def test_410_gone_is_final_and_marked_gone() -> None:
    assert classify(410, attempts=1, now=NOW) == GiveUp("410 Gone", gone=True)


@pytest.mark.parametrize("status", [None, 401, 408, 429, 500, 502, 503, 504])
def test_transient_failures_are_retried_later(status: int | None) -> None:
    outcome = classify(status, attempts=1, now=NOW, error="connection refused")
    assert isinstance(outcome, RetryAt)
    assert NOW + timedelta(seconds=50) <= outcome.at <= NOW + timedelta(seconds=70)


def test_the_schedule_spans_days_then_gives_up() -> None:
    assert sum(DEFAULT_SCHEDULE) > 5 * 86_400
    last = classify(503, attempts=len(DEFAULT_SCHEDULE), now=NOW)
    assert isinstance(last, RetryAt) and last.at - NOW > timedelta(days=2)
    final = classify(503, attempts=len(DEFAULT_SCHEDULE) + 1, now=NOW)
    assert isinstance(final, GiveUp) and "gave up" in final.reason


def test_backoff_grows_and_honours_a_custom_schedule() -> None:
    delays = [(backoff(n, NOW, (10, 100, 1000)) or NOW) - NOW for n in (1, 2, 3)]
    assert delays[0] < delays[1] < delays[2]
    assert backoff(4, NOW, (10, 100, 1000)) is None


def test_retry_after_is_honoured_for_429_and_503_but_capped() -> None:
    outcome = classify(429, attempts=1, now=NOW, retry_after="3600")
    assert isinstance(outcome, RetryAt) and outcome.at == NOW + timedelta(hours=1)
    outcome = classify(503, attempts=1, now=NOW, retry_after="999999999")
    assert isinstance(outcome, RetryAt) and outcome.at == NOW + timedelta(days=2)
    assert parse_retry_after("Wed, 26 Nov 2026 13:00:00 GMT", NOW) == NOW + timedelta(hours=1)
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None


def test_one_target_per_shared_inbox() -> None:
    recipients = [
        ("https://a.example/users/1/inbox", "https://a.example/inbox"),
        ("https://a.example/users/2/inbox", "https://a.example/inbox"),
        ("https://b.example/users/3/inbox", None),
        ("https://b.example/users/3/inbox", None),
        (None, None),
    ]
    assert inbox_targets(recipients) == [
        "https://a.example/inbox",
        "https://b.example/users/3/inbox",
    ]
