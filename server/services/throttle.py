"""The sign-in throttle: failed sign-ins counted per username and per client address.

After ``limit`` failures of one key within ``window`` seconds, that key is
locked for ``lockout`` seconds: every attempt under it is refused before any
password is checked, right or wrong.

The counters live in this process's memory, like the API rate limits
(``server/api/conventions.py``), not in the database:

* a failed sign-in would otherwise be a write, and then a purge job, for
  something worth keeping only a quarter of an hour;
* the throttle only has to make online guessing slow, not count exactly: with
  several web processes an account gets ``limit`` tries per process per
  window, still a handful, and a restart forgets the counts;
* memory stays bounded: each key holds fewer than ``limit`` timestamps, idle
  keys expire, and past ``max_keys`` the least recently failed key is dropped.

An attempt is counted when it starts, not when it fails, and forgiven if it
succeeds: the password check takes a while (argon2, in a thread), and counting
only finished failures would let many attempts sent at once all start before
the first one was counted.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from server.config import ApiSettings

MAX_KEYS = 10_000  # per kind of key: usernames, addresses
KEY_CHARS = 64  # no username is this long; cutting keeps memory bounded


@dataclass(slots=True)
class _Entry:
    attempts: list[float] = field(default_factory=list)  # oldest first, within the window
    locked_until: float = 0.0


class AttemptCounter:
    """Attempts per key in a sliding window; ``limit`` of them lock the key."""

    def __init__(self, limit: int, window: float, lockout: float, max_keys: int = MAX_KEYS):
        self.limit, self.window, self.lockout, self.max_keys = limit, window, lockout, max_keys
        # Least recently attempted first: the order entries expire and are evicted in.
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def locked(self, key: str, now: float) -> float:
        """Seconds until ``key`` may try again (0: it may)."""
        entry = self._entries.get(key)
        return max(entry.locked_until - now, 0.0) if entry else 0.0

    def attempt(self, key: str, now: float) -> None:
        """Count one attempt; the ``limit``-th within the window locks the key."""
        if not self.limit:
            return
        entry = self._entries.pop(key, None)
        if entry is None:
            self._make_room(now)
            entry = _Entry()
        if entry.locked_until and entry.locked_until <= now:  # served its lockout: start over
            entry.attempts, entry.locked_until = [], 0.0
        entry.attempts = [t for t in entry.attempts if t > now - self.window] + [now]
        if len(entry.attempts) >= self.limit:
            entry.locked_until = now + self.lockout
        self._entries[key] = entry

    def forgive(self, key: str, at: float) -> None:
        """Take back the attempt counted at ``at`` (it succeeded), and the lock it caused."""
        entry = self._entries.get(key)
        if entry is None or at not in entry.attempts:
            return
        entry.attempts.remove(at)
        if len(entry.attempts) < self.limit:
            entry.locked_until = 0.0

    def reset(self, key: str) -> None:
        self._entries.pop(key, None)

    def _expired(self, entry: _Entry, now: float) -> bool:
        last = entry.attempts[-1] if entry.attempts else float("-inf")
        return entry.locked_until <= now and last <= now - self.window

    def _make_room(self, now: float) -> None:
        while self._entries and self._expired(next(iter(self._entries.values())), now):
            self._entries.popitem(last=False)
        while len(self._entries) >= self.max_keys:
            self._entries.popitem(last=False)


class SignInThrottle:
    """Both counters of sign-in attempts, with the app's settings and a clock.

    A success resets its username's count but only forgives its own attempt
    at the address: otherwise signing in to one's own account between guesses
    would wipe an address's record of guessing at everyone else's.
    """

    def __init__(
        self,
        settings: ApiSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_KEYS,
    ) -> None:
        window, lockout = settings.sign_in_window_seconds, settings.sign_in_lockout_seconds
        self.accounts = AttemptCounter(
            settings.sign_in_failures_per_account, window, lockout, max_keys
        )
        self.addresses = AttemptCounter(
            settings.sign_in_failures_per_address, window, lockout, max_keys
        )
        self.sign_ups = AttemptCounter(
            settings.sign_ups_per_address,
            settings.sign_up_window_seconds,
            settings.sign_up_window_seconds,
            max_keys,
        )
        self._clock = clock

    def sign_up_wait(self, address: str) -> int:
        """Count a sign-up from ``address``: 0 if it may go ahead, else the minutes
        to wait (then it is not counted)."""
        now, key = self._clock(), address[:KEY_CHARS]
        wait = self.sign_ups.locked(key, now)
        if wait:
            return max(math.ceil(wait / 60), 1)
        self.sign_ups.attempt(key, now)
        return 0

    def begin(self, username: str, address: str) -> tuple[float, float]:
        """Count an attempt to sign in as ``username`` from ``address``.

        Returns ``(0, when)`` if it may go ahead (``when`` identifies it for
        :meth:`succeeded`), or ``(seconds to wait, when)`` if it is refused;
        a refused attempt is not counted."""
        now = self._clock()
        account, address = username[:KEY_CHARS], address[:KEY_CHARS]
        wait = max(self.accounts.locked(account, now), self.addresses.locked(address, now))
        if not wait:
            self.accounts.attempt(account, now)
            self.addresses.attempt(address, now)
        return wait, now

    def succeeded(self, username: str, address: str, when: float) -> None:
        self.accounts.reset(username[:KEY_CHARS])
        self.addresses.forgive(address[:KEY_CHARS], when)
