"""What every service needs, in one handle: storage, settings, URLs, peers, wake-ups.

The app builds one ``Services`` at start-up; the three doors (pages, the
Mastodon API, ActivityPub) and the workers all call services through it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

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


@dataclass
class Wakeups:
    """Events that tell a worker new rows are waiting (it also polls, so a
    missed wake-up only delays work, it never loses it)."""

    deliveries: asyncio.Event = field(default_factory=asyncio.Event)
    inbox: asyncio.Event = field(default_factory=asyncio.Event)
    archives: asyncio.Event = field(default_factory=asyncio.Event)


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

    def now(self) -> datetime:
        return self.clock()
