"""Delivery policy: what a POST's outcome means and when to try again.

Pure functions: the server's delivery worker feeds them a status (or a network
failure) and stores what they decide. 2xx is delivered; 408, 429, 5xx,
network errors and 401 (the peer may not have fetched our key yet) are tried
again on an exponential schedule that spans days; 410 Gone and other 4xx
are final.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Final

# Seconds to wait after attempt 1, 2, ...: about 7.5 days in all, then give up.
DEFAULT_SCHEDULE: Final = (
    60, 300, 1_800, 7_200, 21_600, 43_200, 86_400, 172_800, 259_200,
)  # fmt: skip
MAX_RETRY_AFTER: Final = timedelta(days=2)
RETRYABLE_STATUSES: Final = frozenset({401, 408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class Delivered:
    status: int


@dataclass(frozen=True, slots=True)
class RetryAt:
    at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class GiveUp:
    reason: str
    gone: bool = False  # 410: the inbox no longer exists


Outcome = Delivered | RetryAt | GiveUp


def parse_retry_after(value: str | None, now: datetime) -> datetime | None:
    """``Retry-After`` as seconds or an HTTP date, capped; None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        at = now + timedelta(seconds=int(value))
    else:
        try:
            at = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if at.tzinfo is None:
            return None
    return min(max(at, now), now + MAX_RETRY_AFTER)


def backoff(
    attempts: int, now: datetime, schedule: Sequence[int] = DEFAULT_SCHEDULE
) -> datetime | None:
    """When to try after ``attempts`` failed attempts (None: the schedule is spent).

    A ±10% jitter keeps many deliveries that failed together from returning together.
    """
    if attempts < 1 or attempts > len(schedule):
        return None
    delay = schedule[attempts - 1] * random.uniform(0.9, 1.1)
    return now + timedelta(seconds=delay)


def classify(
    status: int | None,
    *,
    attempts: int,
    now: datetime,
    retry_after: str | None = None,
    error: str | None = None,
    schedule: Sequence[int] = DEFAULT_SCHEDULE,
) -> Outcome:
    """The outcome of attempt number ``attempts`` (1-based).

    ``status`` is None when no HTTP answer arrived (``error`` says why).
    """
    if status is not None and 200 <= status < 300:
        return Delivered(status)
    if status == 410:
        return GiveUp("410 Gone", gone=True)
    if status is not None and status not in RETRYABLE_STATUSES and status < 500:
        return GiveUp(f"refused with {status}")
    reason = f"HTTP {status}" if status is not None else (error or "network error")
    at = backoff(attempts, now, schedule)
    if at is None:
        return GiveUp(f"{reason}; gave up after {attempts} attempts")
    asked = parse_retry_after(retry_after, now) if status in (429, 503) else None
    return RetryAt(max(at, asked) if asked else at, reason)


def inbox_targets(recipients: Iterable[tuple[str | None, str | None]]) -> list[str]:
    """One URL per destination: the shared inbox when the actor has one, else its inbox.

    ``recipients`` are ``(inbox, shared_inbox)`` pairs; order is kept, duplicates dropped.
    """
    targets: dict[str, None] = {}
    for inbox, shared in recipients:
        target = shared or inbox
        if target:
            targets[target] = None
    return list(targets)
