"""The sign-in throttle: failed sign-ins counted per username and per client address.

After ``limit`` attempts on one key within ``window`` seconds, that key is
locked for ``lockout`` seconds: every attempt under it is refused before any
password is checked, right or wrong. Sign-ups per address are limited the same
way.

The attempts are rows in the database (``throttle_attempts``), so the limits
hold across every process serving the instance, and through a restart: with
three web processes a guesser still gets ``limit`` tries, not three times as
many. An attempt is a small write, which costs little beside the password
check it guards (argon2, tens of milliseconds). Attempts on one key are
counted one at a time (``store.limits.serialize_key``): a burst sent at once
cannot all be counted as the first.

An attempt is counted when it starts, not when it fails, and forgiven if it
succeeds: the password check takes a while, and counting only finished
failures would let many attempts sent at once all start before the first one
was counted. Rows clean themselves up: each attempt deletes its key's
attempts that can no longer count, and the retention job deletes the rest.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from server.config import ApiSettings
from server.store import Database
from server.store import limits as q

KEY_CHARS = 64  # no username is this long; cutting keeps the key bounded


@dataclass(frozen=True, slots=True)
class Rule:
    """``limit`` attempts within ``window`` seconds lock a key for ``lockout``; 0 = no limit."""

    limit: int
    window: float
    lockout: float


@dataclass(frozen=True, slots=True)
class KeyState:
    wait: float  # seconds until the key may try again (0: it may)
    counted: int  # its attempts that count towards the limit
    served: float  # when its last lockout ended (-inf: none has)


FREE = KeyState(0.0, 0, -math.inf)


async def key_state(conn: AsyncConnection, key: str, rule: Rule, now: float) -> KeyState:
    """Where ``key`` stands. An attempt counts while it is in the window and was
    made after the key's last lockout ended: a key that served its lockout
    starts over, not one failure away from the next."""
    if not rule.limit:
        return FREE
    rows = await q.recent_attempts(conn, key, now - rule.window - rule.lockout)
    ends = [row.locks_until for row in rows if row.locks_until is not None]
    wait = max((end - now for end in ends if end > now), default=0.0)
    served = max((end for end in ends if end <= now), default=-math.inf)
    counted = sum(1 for row in rows if row.at > now - rule.window and row.at >= served)
    return KeyState(wait, counted, served)


async def attempt(conn: AsyncConnection, key: str, rule: Rule, now: float, state: KeyState) -> None:
    """Count an attempt on ``key``; the ``limit``-th within the window locks it."""
    if not rule.limit:
        return
    locks_until = now + rule.lockout if state.counted + 1 >= rule.limit else None
    # What can no longer count: attempts before a served lockout, or too old to matter.
    await q.forget_attempts(conn, key, before=max(now - rule.window - rule.lockout, state.served))
    await q.add_attempt(conn, key, now, locks_until)


class SignInThrottle:
    """The sign-in and sign-up limits, with the app's settings and a clock (unix time:
    every process must agree on it).

    A success resets its username's count but only forgives its own attempt
    at the address: otherwise signing in to one's own account between guesses
    would wipe an address's record of guessing at everyone else's.
    """

    def __init__(
        self, db: Database, settings: ApiSettings, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.db, self._clock = db, clock
        window, lockout = settings.sign_in_window_seconds, settings.sign_in_lockout_seconds
        self.accounts = Rule(settings.sign_in_failures_per_account, window, lockout)
        self.addresses = Rule(settings.sign_in_failures_per_address, window, lockout)
        signups = settings.sign_up_window_seconds
        self.sign_ups = Rule(settings.sign_ups_per_address, signups, signups)

    async def sign_up_wait(self, address: str) -> int:
        """Count a sign-up from ``address``: 0 if it may go ahead, else the minutes
        to wait (then it is not counted)."""
        if not self.sign_ups.limit:
            return 0
        now, key = self._clock(), "signup:" + address[:KEY_CHARS]
        async with self.db.transaction() as conn:
            await q.serialize_key(conn, key)
            state = await key_state(conn, key, self.sign_ups, now)
            if state.wait:
                return max(math.ceil(state.wait / 60), 1)
            await attempt(conn, key, self.sign_ups, now, state)
        return 0

    async def begin(self, username: str, address: str) -> tuple[float, float]:
        """Count an attempt to sign in as ``username`` from ``address``.

        Returns ``(0, when)`` if it may go ahead (``when`` identifies it for
        :meth:`succeeded`), or ``(seconds to wait, when)`` if it is refused;
        a refused attempt is not counted."""
        now = self._clock()
        keys = ((self._account(username), self.accounts), (self._address(address), self.addresses))
        keys = tuple((key, rule) for key, rule in keys if rule.limit)
        if not keys:
            return 0.0, now
        async with self.db.transaction() as conn:
            states = []
            for key, rule in keys:  # always account, then address: no deadlock
                await q.serialize_key(conn, key)
                states.append(await key_state(conn, key, rule, now))
            wait = max(state.wait for state in states)
            if not wait:
                for (key, rule), state in zip(keys, states, strict=True):
                    await attempt(conn, key, rule, now, state)
        return wait, now

    async def succeeded(self, username: str, address: str, when: float) -> None:
        async with self.db.transaction() as conn:
            await q.forget_attempts(conn, self._account(username))
            await q.forget_attempts(conn, self._address(address), at=when)

    @staticmethod
    def _account(username: str) -> str:
        return "account:" + username[:KEY_CHARS]

    @staticmethod
    def _address(address: str) -> str:
        return "address:" + address[:KEY_CHARS]
