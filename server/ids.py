"""Snowflake-style ids: 64-bit integers that sort by creation time.

The high 48 bits are milliseconds since the Unix epoch, the low 16 bits a
sequence that starts at a random point each millisecond, so ids made by several
processes at once (a CLI beside the server, several workers) are very unlikely
to collide, and ids made by one generator never do.
"""

from __future__ import annotations

import re
import secrets
import time

SEQUENCE_BITS = 16
_SEQUENCE_MASK = (1 << SEQUENCE_BITS) - 1


class IdGenerator:
    """Makes strictly increasing ids within one process."""

    def __init__(self) -> None:
        self._last = 0

    def __call__(self, now_ms: int | None = None) -> int:
        ms = int(time.time() * 1000) if now_ms is None else now_ms
        candidate = (ms << SEQUENCE_BITS) | secrets.randbits(SEQUENCE_BITS - 4)
        # Never go backwards (clock steps, many ids per millisecond).
        self._last = max(candidate, self._last + 1)
        return self._last


MAX_ID = (1 << 63) - 1  # ids are stored as signed 64-bit integers
_DIGITS = re.compile(r"[0-9]{1,19}")


def parse(text: str) -> int | None:
    """An id written in decimal, or None when ``text`` is not one (ASCII digits only:
    ``"²".isdigit()`` is true; and no more than a signed 64-bit column holds)."""
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def id_from_time(ms: int) -> int:
    """The smallest id that could have been made at ``ms``: for time-based paging."""
    return ms << SEQUENCE_BITS


def id_time_ms(value: int) -> int:
    return value >> SEQUENCE_BITS
