"""What every service needs, in one handle: storage, settings, URLs, peers, wake-ups.

The app builds one ``Services`` at start-up; the three doors (pages, the
Mastodon API, ActivityPub) and the workers all call services through it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import aiohttp

from server.config import Config
from server.services.domain_policy import DomainPolicy
from server.services.inbox_limits import InboxLimits
from server.services.inbox_owners import InboxOwners
from server.services.keyring import Keyring
from server.services.rate_limits import ApiLimits
from server.services.remote import RemoteActors
from server.services.site import SiteCache
from server.services.stream import Hub
from server.services.throttle import SignInThrottle
from server.store import Database
from server.store.inbox_writer import InboxWriter
from server.urls import Urls

if TYPE_CHECKING:
    from server.metrics import Metrics
    from server.services.broadcast import Broadcast


def _alone(_queue: str) -> None:
    """No other process to wake (SQLite, the CLI, tests)."""


class Wakeup(asyncio.Event):
    """Tells a queue's workers that rows are waiting: here, and through
    ``also`` in the other processes of the database (``services/broadcast``)."""

    def __init__(self, queue: str) -> None:
        super().__init__()
        self.queue = queue
        self.also: Callable[[str], None] = _alone

    def set(self) -> None:
        super().set()
        self.also(self.queue)

    def set_here(self) -> None:
        """Wake this process's workers only (another process said so)."""
        super().set()


@dataclass
class Wakeups:
    """Events that tell a worker new rows are waiting (it also polls, so a
    missed wake-up only delays work, it never loses it)."""

    deliveries: Wakeup = field(default_factory=lambda: Wakeup("deliveries"))
    inbox: Wakeup = field(default_factory=lambda: Wakeup("inbox"))
    archives: Wakeup = field(default_factory=lambda: Wakeup("archives"))

    def all(self) -> tuple[Wakeup, ...]:
        return (self.deliveries, self.inbox, self.archives)

    def named(self, queue: str) -> Wakeup | None:
        return next((w for w in self.all() if w.queue == queue), None)


@dataclass
class DoorLoad:
    """Incoming deliveries being accepted right now. Accepting (and storing)
    them is what peers wait for; background processing yields to it."""

    in_flight: int = 0


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    db: Database
    config: Config
    urls: Urls
    remote: RemoteActors
    keyring: Keyring
    http: aiohttp.ClientSession
    domains: DomainPolicy  # domain blocks and the allowlist mode
    inbox_writer: InboxWriter
    sign_ins: SignInThrottle  # sign-in and sign-up attempts, counted in the database
    site: SiteCache  # registration mode, description, rules (admins change them)
    inbox_limits: InboxLimits  # deliveries per signing actor and per host, in memory
    api_limits: ApiLimits  # client API requests per token, address and member, in the database
    inbox_owners: InboxOwners  # personal inboxes the door has found lately
    wake: Wakeups = field(default_factory=Wakeups)
    door: DoorLoad = field(default_factory=DoorLoad)
    stream: Hub = field(default_factory=Hub)  # live events for streaming clients
    clock: Callable[[], datetime] = utc_now  # what ``now()`` reads; tests move it
    # This process's row in ``processes`` while its queue workers run (their
    # claims carry it); None when it runs none (the CLI, tests driving queues).
    process_id: int | None = None
    # The other processes of a PostgreSQL database (None on SQLite: there are none).
    broadcast: Broadcast | None = None
    # This process's Prometheus metrics when [metrics] enabled (server/metrics/).
    metrics: Metrics | None = None

    def now(self) -> datetime:
        return self.clock()
