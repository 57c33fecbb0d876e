"""Snowflake-style ids: 64-bit integers that sort by creation time.

The high 48 bits are milliseconds since the Unix epoch. The low 16 bits are
which process made the id (``node``, 6 bits) and a count (10 bits) that starts
at a random point below 512 each millisecond. On PostgreSQL each process takes
its node from a database sequence when it opens the database
(``Database.migrate``), so the processes of one database (web, workers, the
CLI) never make the same id however many they make at once; elsewhere the node
is random. A generator that makes more ids in a millisecond than its count
holds borrows the next millisecond: its ids never repeat or go backwards.
"""

from __future__ import annotations

import re
import secrets
import time

SEQUENCE_BITS = 16  # below the milliseconds: the node and the count
COUNT_BITS = 10
NODES = 1 << (SEQUENCE_BITS - COUNT_BITS)


class IdGenerator:
    """Makes strictly increasing ids within one process."""

    def __init__(self, node: int | None = None) -> None:
        self.node = secrets.randbelow(NODES) if node is None else node % NODES
        self._ms = 0
        self._count = 0

    def __call__(self, now_ms: int | None = None) -> int:
        ms = int(time.time() * 1000) if now_ms is None else now_ms
        if ms > self._ms:
            self._ms, self._count = ms, secrets.randbits(COUNT_BITS - 1)
        else:  # the same millisecond, or the clock stepped back: go on from the last id
            self._count += 1
            if self._count >> COUNT_BITS:
                self._ms, self._count = self._ms + 1, 0
        return (self._ms << SEQUENCE_BITS) | (self.node << COUNT_BITS) | self._count


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
