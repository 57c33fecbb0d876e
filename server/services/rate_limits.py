"""The client API's rate limits, counted across every process serving the instance.

As Mastodon's: requests per fixed window, per token (``token``), per address
for calls without one (``address``), and per member across all their tokens
(``account``). The counts live in the database (``rate_counts``), so three
web processes give a client one allowance, not three.

A write per request would cost more than the limit protects, so each process
counts locally and adds its count to the shared one in batches: every
``share_every`` requests of a key (a tenth of the limit), and on every request
once the key is that close to its limit, where the decision must be exact.
Another process can therefore let through at most ``share_every - 1`` requests
of a key it has not told the others about yet: with the default 300 in five
minutes and three processes, a client gets at most 300 + 2 × 29. A key over
its limit is refused without a write (its count only grows until the window
ends). With a limit under 10, every request is shared: exact.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from server.config import ApiSettings
from server.services.errors import TooMany
from server.store import Database
from server.store import limits as q

MAX_KEYS = 10_000  # keys held in memory per limit before past windows are forgotten


class RateLimited(TooMany):
    """A client went over an API rate limit (429 with ``Retry-After``)."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(int(retry_after), 1)
        super().__init__("Too many requests")


@dataclass(slots=True)
class _Count:
    period: int  # the unix second the window began
    shared: int = 0  # the count across every process, when last read
    pending: int = 0  # this process's requests not yet added to it


@dataclass(frozen=True, slots=True)
class Verdict:
    limit: int
    remaining: int  # negative: refused
    reset: int  # unix time the window ends


class SharedWindows:
    """Requests per key in fixed windows, for one limit (``scope``)."""

    def __init__(
        self, db: Database, scope: str, limit: int, window: int,
        *, clock: Callable[[], float] = time.time,
    ) -> None:  # fmt: skip
        self.db, self.scope, self.limit, self.window, self.clock = db, scope, limit, window, clock
        self.share_every = max(limit // 10, 1)
        self._counts: dict[str, _Count] = {}
        self._forgotten = 0  # the window whose predecessors were last deleted

    async def hit(self, key: str) -> Verdict:
        """Count a request under ``key``; a negative ``remaining`` means refuse it."""
        period = int(self.clock()) // self.window * self.window
        count = self._counts.get(key)
        if count is None or count.period != period:
            count = self._counts[key] = _Count(period)
            if len(self._counts) > MAX_KEYS:
                self._counts = {k: c for k, c in self._counts.items() if c.period == period}
            if self._forgotten < period:
                self._forgotten = period
                await self._forget(period - self.window)
        reset = period + self.window
        if count.shared + count.pending >= self.limit:
            return Verdict(self.limit, -1, reset)
        count.pending += 1
        left = self.limit - count.shared - count.pending
        if count.pending >= self.share_every or left < self.share_every:
            await self._share(key, count)
            left = self.limit - count.shared - count.pending
        return Verdict(self.limit, left, reset)

    async def _share(self, key: str, count: _Count) -> None:
        adding, count.pending = count.pending, 0
        try:
            async with self.db.transaction() as conn:
                total = await q.add_hits(conn, self.scope, key, count.period, adding)
        except BaseException:
            count.pending += adding  # not shared: still ours to tell
            raise
        # Requests counted while this one waited stay pending; totals only grow.
        count.shared = max(count.shared, total)

    async def _forget(self, before: int) -> None:
        async with self.db.transaction() as conn:
            await q.forget_windows(conn, self.scope, before)


class ApiLimits:
    """The three limits of the client API, from the app's settings (a limit of 0 is off)."""

    def __init__(
        self, db: Database, settings: ApiSettings, *, clock: Callable[[], float] = time.time
    ) -> None:
        window = settings.rate_limit_window_seconds
        per_client = settings.rate_limit_requests
        per_account = settings.rate_limit_requests_per_account
        self.clients = SharedWindows(db, "client", per_client, window, clock=clock)
        self.accounts = SharedWindows(db, "account", per_account, window, clock=clock)

    async def client(self, key: str) -> Verdict | None:
        """Count a request by a token or, without one, an address (``key``); None: no limit."""
        return await self.clients.hit(key) if self.clients.limit else None

    async def account(self, account_id: int) -> None:
        """Count a request by a member, whichever token it came with; RateLimited past it."""
        if not self.accounts.limit:
            return
        verdict = await self.accounts.hit(str(account_id))
        if verdict.remaining < 0:
            raise RateLimited(verdict.reset - self.accounts.clock())
