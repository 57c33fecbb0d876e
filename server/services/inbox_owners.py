"""Whose personal inbox a delivery is for, remembered for a few seconds.

A peer delivers to ``/users/NAME/inbox`` as often as to the shared inbox (one
request per follower on servers without shared inboxes, every Misskey-style
reply); looking the member up costs a read transaction per delivery, more than
the rest of the door without the signature. The door only needs "is there a
member or group of that name to deliver to", and what it stores is handled
exactly as a shared-inbox delivery would be, so a name found is trusted for
:data:`TRUST_SECONDS`: a member deleted meanwhile is forgotten at once here and,
on PostgreSQL, in the other processes as soon as they hear of it
(``services/broadcast``); by the CLI, deliveries are accepted for at most that
long, which the shared inbox would have accepted anyway. A name not found is
never remembered, so a new member's inbox works at once.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from server.services import members
from server.store import Database

TRUST_SECONDS = 10.0
MAX_NAMES = 4096


class InboxOwners:
    def __init__(self, db: Database, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._db = db
        self._clock = clock
        self._found: OrderedDict[str, float] = OrderedDict()  # name (lower case) -> found at
        # Tells the other processes of the database to forget a name.
        self.announce: Callable[[str], None] = lambda _name: None

    async def check(self, username: str) -> None:
        """NotFound (or MemberDeleted) unless ``username`` is a local member or group."""
        name = username.lower()
        found_at = self._found.get(name)
        now = self._clock()
        if found_at is not None and now - found_at < TRUST_SECONDS:
            return
        await members.get_member(self._db, username, groups=True)
        self._found[name] = now
        self._found.move_to_end(name)
        if len(self._found) > MAX_NAMES:
            self._found.popitem(last=False)

    def forget(self, username: str) -> None:
        """Look ``username`` up again next time, here and in the other processes
        (this process deleted it)."""
        self.drop(username)
        self.announce(username)

    def drop(self, username: str) -> None:
        self._found.pop(username.lower(), None)

    def drop_all(self) -> None:
        self._found.clear()
