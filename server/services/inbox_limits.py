"""Abuse limits at the inbox door: token buckets per signing actor, per host, and
per host for the key fetches an unknown ``keyId`` makes us do.

Everything lives in this process's memory: the inbox is a hot path (thousands
of signed activities a second) and a database read or write per delivery would
cost more than the limit protects. With several web processes on one database
each takes its share (``share_among``, told by ``services/broadcast`` how many
there are): behind a proxy that spreads requests evenly, a peer gets the
configured limit in all. They only have to make a flood cheap, not count
exactly. Every check is O(1): a dictionary look-up and a little arithmetic.

A bucket holds at most ``capacity`` tokens and gains ``per_minute / 60`` a
second; a request takes one, or is refused with the seconds until the next
token (``Retry-After``). An idle key's bucket is full, which is exactly the
state of a key we do not hold, so the least recently used key is dropped
when there are more than ``max_keys``: memory stays bounded.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from urllib.parse import urlsplit

from server.config import FederationSettings
from server.services.errors import TooMany

MAX_KEYS = 10_000  # per kind of bucket: actors, hosts, key-fetch hosts


class Throttled(TooMany):
    """A peer went over an inbox or key-fetch limit (429 with ``Retry-After``)."""

    def __init__(self, message: str, retry_after: float) -> None:
        self.retry_after = max(math.ceil(retry_after), 1)
        super().__init__(f"{message}; retry in {self.retry_after} s")


class TokenBuckets:
    """One token bucket per key. ``capacity`` 0 means no limit."""

    __slots__ = ("_buckets", "_configured", "capacity", "max_keys", "rate")

    def __init__(self, capacity: int, per_minute: float, max_keys: int = MAX_KEYS) -> None:
        self._configured = (float(capacity), per_minute / 60.0)
        self.capacity, self.rate = self._configured  # rate: tokens a second
        self.max_keys = max_keys
        # key -> [tokens, when they were counted]; least recently used first.
        self._buckets: OrderedDict[str, list[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def share_among(self, processes: int) -> None:
        """Keep this process's share of the configured limit (at least one token)."""
        capacity, rate = self._configured
        if capacity:
            self.capacity = max(capacity / processes, 1.0)
            self.rate = rate / processes

    def _tokens(self, entry: list[float], now: float) -> float:
        return min(self.capacity, entry[0] + (now - entry[1]) * self.rate)

    def wait(self, key: str, now: float) -> float:
        """Seconds until ``key`` could take a token (0: it can now); takes nothing."""
        entry = self._buckets.get(key)
        if entry is None or not self.capacity:
            return 0.0
        tokens = self._tokens(entry, now)
        return 0.0 if tokens >= 1 else (1 - tokens) / self.rate

    def take(self, key: str, now: float) -> float:
        """Take a token for ``key``: 0 if it had one, else the seconds until it will."""
        if not self.capacity:
            return 0.0
        entry = self._buckets.get(key)
        if entry is None:
            if len(self._buckets) >= self.max_keys:
                self._buckets.popitem(last=False)
            self._buckets[key] = [self.capacity - 1, now]
            return 0.0
        self._buckets.move_to_end(key)
        tokens = self._tokens(entry, now)
        entry[1] = now
        if tokens >= 1:
            entry[0] = tokens - 1
            return 0.0
        entry[0] = tokens
        return (1 - tokens) / self.rate


def host_of(url: str | None) -> str:
    """The authority of ``url``, lower-cased ('' when there is none)."""
    return urlsplit(url).netloc.lower() if url else ""


# Requests that ask something of a member, limited per server and per hour on
# top of the deliveries (``[federation] *_requests_per_host_per_hour``).
REQUEST_KINDS = {"Connect": "connection requests", "RequestIntroduction": "introduction requests"}


class InboxLimits:
    """Deliveries per signing actor and per host, and requests (connection and
    introduction requests) per host, in this process's memory.

    ``admit`` runs before the signature is checked and only looks: it refuses
    an actor or host whose bucket is already empty, so a flood that reached
    its limit costs no signature check. ``count`` runs once the signature and
    origins are verified and takes the tokens: a forged delivery naming
    someone else's key or actor never uses up their allowance.
    """

    def __init__(
        self, settings: FederationSettings, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.clock = clock
        per_actor = settings.inbox_per_actor_per_minute
        per_host = settings.inbox_per_host_per_minute
        self.actors = TokenBuckets(per_actor, per_actor)
        self.hosts = TokenBuckets(per_host, per_host)
        hourly = {
            "Connect": settings.connection_requests_per_host_per_hour,
            "RequestIntroduction": settings.introduction_requests_per_host_per_hour,
        }
        self.requests = {kind: TokenBuckets(n, n / 60) for kind, n in hourly.items()}

    def share_among(self, processes: int) -> None:
        """Take a share of the limits: ``processes`` web processes serve the inboxes."""
        for buckets in (self.actors, self.hosts, *self.requests.values()):
            buckets.share_among(processes)

    def admit(self, key_id: str, actor: str | None) -> None:
        """Throttled when the claimed actor, or the host of the signing key, is over its limit."""
        self._check(host_of(key_id), actor, self.clock())

    def count(self, actor: str, kind: str = "") -> None:
        """Count a verified delivery by ``actor`` of an activity of type ``kind``;
        Throttled when it is over a limit. A refused delivery takes nothing: one
        actor's flood does not use up the allowance of the other actors of its
        server, nor a flood of requests the allowance for everything else."""
        now, host = self.clock(), host_of(actor)
        self._check(host, actor, now)
        requests = self.requests.get(kind)
        if requests is not None and (wait := requests.wait(host, now)):
            raise Throttled(f"too many {REQUEST_KINDS[kind]} from this server", wait)
        if requests is not None:
            requests.take(host, now)
        self.hosts.take(host, now)
        self.actors.take(actor, now)

    def _check(self, host: str, actor: str | None, now: float) -> None:
        if wait := self.hosts.wait(host, now):
            raise Throttled("too many deliveries from this server", wait)
        if actor and (wait := self.actors.wait(actor, now)):
            raise Throttled("too many deliveries from this actor", wait)


class KeyFetchBudget:
    """How many unknown keys we fetch per host: a burst, then a few a minute."""

    def __init__(
        self, settings: FederationSettings, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.clock = clock
        self.hosts = TokenBuckets(settings.key_fetch_burst, settings.key_fetches_per_minute)

    def share_among(self, processes: int) -> None:
        self.hosts.share_among(processes)

    def spend(self, key_id: str) -> None:
        """Take one fetch for the host of ``key_id``; Throttled when none is left
        (and then nothing is fetched)."""
        wait = self.hosts.take(host_of(key_id), self.clock())
        if wait:
            raise Throttled("too many unknown signing keys from this server", wait)
