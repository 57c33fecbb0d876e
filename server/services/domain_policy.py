"""Which other servers this one talks to: domain blocks and the allowlist mode.

The inbox asks for every delivery and the HTTP session for every outbound
request, so the lists are kept in memory and reloaded from the database at
most every few seconds (the CLI may have changed them); changes made in this
process take effect at once (:meth:`DomainPolicy.changed`), and in the other
processes of a PostgreSQL database as soon as they hear of it.

A ``suspend`` block (or, in allowlist mode, a domain not on the allowlist)
means no contact at all: its deliveries are refused at the door, nothing is
delivered or fetched there, and its accounts are suspended. ``silence``
(Mastodon's "limit") keeps federating, but its posts stay out of the public
timelines; ``noop`` only records the comments.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from server.services.domains import covering, host_of
from server.store import Database
from server.store import domains as q

RELOAD_SECONDS = 10.0
SEVERITIES = ("suspend", "silence", "noop")


@dataclass(frozen=True, slots=True)
class _Lists:
    severity: dict[str, str]
    allowed: frozenset[str]
    no_media: frozenset[str] = frozenset()  # blocks with reject_media


class DomainPolicy:
    def __init__(self, db: Database, *, allowlist_mode: bool = False) -> None:
        self._db = db
        self.allowlist_mode = allowlist_mode
        self._lists = _Lists({}, frozenset(), frozenset())
        self._loaded_at = float("-inf")
        # A fan-out's first requests all find the lists stale at once: one reads them.
        self._reading = asyncio.Lock()
        # Tells the other processes of the database that the lists changed.
        self.announce: Callable[[], None] = lambda: None

    def _stale(self) -> bool:
        return time.monotonic() - self._loaded_at > RELOAD_SECONDS

    async def _current(self) -> _Lists:
        if self._stale():
            async with self._reading:
                if self._stale():
                    async with self._db.read() as conn:
                        blocks = await q.list_blocks(conn)
                        allows = await q.list_allows(conn) if self.allowlist_mode else []
                    self._lists = _Lists(
                        {b.domain: b.severity for b in blocks},
                        frozenset(a.domain for a in allows),
                        frozenset(b.domain for b in blocks if b.reject_media),
                    )
                    self._loaded_at = time.monotonic()
        return self._lists

    def changed(self) -> None:
        """Read the lists again on the next question, here and in the other
        processes (after this process changed them)."""
        self.reset()
        self.announce()

    def reset(self) -> None:
        """Read the lists again on the next question."""
        self._loaded_at = float("-inf")

    async def severity(self, host: str) -> str | None:
        """``suspend``, ``silence`` or None for ``host`` (``host[:port]``, any spelling)."""
        return _severity(await self._current(), self.allowlist_mode, host_of(host))

    async def refusal(self, host: str) -> str | None:
        """Why no contact with ``host`` is allowed, or None when it is."""
        if await self.severity(host) != "suspend":
            return None
        if self.allowlist_mode and not _allowed(await self._current(), host_of(host)):
            return f"{host} is not on this server's list of allowed servers"
        return f"{host} is blocked on this server"

    async def rejects_media(self, host: str) -> bool:
        """Whether a block covering ``host`` says to keep none of its media."""
        lists = await self._current()
        return any(entry in lists.no_media for entry in covering(host_of(host) or host))

    async def blocked(self, hosts: set[str]) -> set[str]:
        """Which of ``hosts`` (``host[:port]``) must not be contacted at all."""
        lists = await self._current()
        return {h for h in hosts if _severity(lists, self.allowlist_mode, host_of(h)) == "suspend"}


def _severity(lists: _Lists, allowlist_mode: bool, host: str) -> str | None:
    if not host:
        return None
    found = None
    for entry in covering(host):
        severity = lists.severity.get(entry)
        if severity == "suspend":
            return "suspend"
        if severity == "silence":
            found = "silence"
    if allowlist_mode and not _allowed(lists, host):
        return "suspend"
    return found


def _allowed(lists: _Lists, host: str) -> bool:
    return any(entry in lists.allowed for entry in covering(host))
