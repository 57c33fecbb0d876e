"""Live events for streaming clients: an in-process hub.

Services describe what happened (a post appeared, was edited or deleted; a
member got a notification) as small events, registered on the transaction
with ``store.database.after_commit`` so they are published only once the change
is committed. The hub hands each event to the subscriptions that want it: a
pure, in-memory decision made from who may see it (the home feeds it landed
in, the public timelines, hashtags, the notified member). Each subscription has
a bounded queue; one that falls behind is dropped, it never grows.

A signed-in viewer's streams leave out posts (and boosts of posts) by the
accounts they block or mute and by those that block them, as their REST
timelines do (``store/exclusions``). The hub cannot ask the database per
event and subscriber, so each connection holds those accounts in memory
(``Exclusions``): loaded when the stream opens, before it takes events, and
reloaded (``Hub.reload``) after the viewer, or someone about them, blocks,
mutes, unblocks or unmutes. A check is then a set lookup.

Several processes on one PostgreSQL database are one hub to their clients:
an event is also handed to ``Hub.neighbours`` (``services/broadcast``), which
publishes it in the other processes that have streaming clients, and a
reload of exclusions reaches their subscriptions too. Alone (SQLite), the
neighbours are ``ALONE``, who hear nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from server.store import exclusions as exclusions_q
from server.store import feeds as feeds_q
from server.store import statuses as statuses_q
from server.store.database import Database, after_commit
from server.store.interactions import NotificationRow
from server.store.statuses import StatusRow

log = logging.getLogger(__name__)

# Stream names as Mastodon spells them; a subscription is one of these plus,
# for hashtag streams, the tag: ("user",), ("hashtag", "python").
USER, NOTIFICATIONS = "user", "user:notification"
PUBLIC_STREAMS = ("public", "public:local", "public:remote")
TAG_STREAMS = ("hashtag", "hashtag:local")
STREAMS = (USER, NOTIFICATIONS, *PUBLIC_STREAMS, *TAG_STREAMS)
Stream = tuple[str, ...]

STATUS_EVENTS = ("update", "status.update", "delete")


@dataclass(frozen=True, slots=True)
class StatusEvent:
    """A post appeared (``update``), was edited or deleted, with who may see it."""

    event: str
    status_id: int
    local: bool
    public: bool  # on the public timelines: a public original post
    tags: frozenset[str]
    readers: frozenset[int]  # the home feeds it is (or, deleted, was) in
    authors: frozenset[int] = frozenset()  # its author, and for a boost the boosted one's


@dataclass(frozen=True, slots=True)
class NotificationEvent:
    notification: NotificationRow


Event = StatusEvent | NotificationEvent


def wanted_by(stream: Stream, viewer_id: int | None, event: Event) -> bool:
    """Whether ``event`` belongs on ``stream`` as ``viewer_id`` subscribed to it."""
    name = stream[0]
    if isinstance(event, NotificationEvent):
        return name in (USER, NOTIFICATIONS) and event.notification.account_id == viewer_id
    if name == USER:
        return viewer_id in event.readers
    if not event.public or name == NOTIFICATIONS:
        return False
    if name.endswith(":local") and not event.local:
        return False
    if name.endswith(":remote") and event.local:
        return False
    if name in TAG_STREAMS:
        return stream[1] in event.tags
    return name in PUBLIC_STREAMS


@dataclass(frozen=True, slots=True)
class Exclusions:
    """The accounts a viewer's streams leave out: ``blocked`` either way, and
    ``muted`` with the end of each mute (None: until unmuted); notifications
    from the muted accounts in ``quiet`` too, as the notifications list does."""

    blocked: frozenset[int] = frozenset()
    muted: Mapping[int, datetime | None] = field(default_factory=dict)
    quiet: frozenset[int] = frozenset()

    def silences(self, account_id: int, now: datetime) -> bool:
        """Whether a notification caused by ``account_id`` is left out."""
        return account_id in self.quiet and self.hides((account_id,), now)

    def hides(self, account_ids: Iterable[int], now: datetime) -> bool:
        for account_id in account_ids:
            if account_id in self.blocked:
                return True
            if account_id in self.muted:
                until = self.muted[account_id]
                if until is None or until > now:
                    return True
        return False


NO_EXCLUSIONS = Exclusions()


async def load_exclusions(conn: AsyncConnection, viewer_id: int, now: datetime) -> Exclusions:
    """What ``viewer_id`` excludes as of ``now``, from the database."""
    blocked, muted, quiet = await exclusions_q.load(conn, viewer_id, now)
    return Exclusions(frozenset(blocked), muted, frozenset(quiet))


class Neighbours(Protocol):
    """The hubs of the other processes of the database."""

    def streaming(self) -> bool:
        """Whether any of them has streaming clients."""

    def relay(self, event: Event) -> None:
        """Publish ``event`` there too."""

    def reload(self, viewer_ids: list[int]) -> None:
        """Reload these viewers' exclusions there too."""

    def subscribers_changed(self) -> None:
        """This hub went from no subscriptions to some, or back."""


class Alone:
    """No other process (SQLite, the CLI, tests of one app)."""

    def streaming(self) -> bool:
        return False

    def relay(self, event: Event) -> None:
        pass

    def reload(self, viewer_ids: list[int]) -> None:
        pass

    def subscribers_changed(self) -> None:
        pass


ALONE = Alone()

_WAKE: Any = ((), None)  # put in a queue only to wake its reader; never sent


class Subscription:
    """One client connection: its streams and its bounded queue of
    ``(stream, event)``. ``dropped`` is set when the queue overflowed."""

    def __init__(self, viewer_id: int | None, size: int) -> None:
        self.viewer_id = viewer_id
        self.exclusions = NO_EXCLUSIONS
        self.loaded = 0  # which load ``exclusions`` came from (see ``Hub.load_exclusions``)
        self.streams: set[Stream] = set()
        self.queue: asyncio.Queue[tuple[Stream, Event]] = asyncio.Queue(size)
        self.dropped = asyncio.Event()
        self.closing = False  # the server is shutting down

    def close(self) -> None:
        """End this connection's stream now (the server is stopping)."""
        self.closing = True
        self.dropped.set()
        with contextlib.suppress(asyncio.QueueFull):  # wake a sender waiting for events
            self.queue.put_nowait(_WAKE)

    def offer(self, event: Event, now: datetime) -> None:
        if isinstance(event, StatusEvent) and self.exclusions.hides(event.authors, now):
            return
        if isinstance(event, NotificationEvent) and self.exclusions.silences(
            event.notification.from_account_id, now
        ):
            return
        for stream in sorted(self.streams):
            if self.dropped.is_set() or not wanted_by(stream, self.viewer_id, event):
                continue
            try:
                self.queue.put_nowait((stream, event))
            except asyncio.QueueFull:
                self.dropped.set()


@dataclass
class Hub:
    """Subscriptions of this process; ``publish`` never blocks."""

    queue_size: int = 256
    heartbeat: float = 15.0  # seconds between keep-alives on idle connections
    send_timeout: float = 10.0  # a client that takes longer to take one event is dropped
    subscriptions: set[Subscription] = field(default_factory=set)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    neighbours: Neighbours = ALONE
    _loads: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @contextmanager
    def subscribe(self, viewer_id: int | None) -> Iterator[Subscription]:
        sub = Subscription(viewer_id, self.queue_size)
        self.subscriptions.add(sub)
        if len(self.subscriptions) == 1:
            self.neighbours.subscribers_changed()
        try:
            yield sub
        finally:
            self.subscriptions.discard(sub)
            if not self.subscriptions:
                self.neighbours.subscribers_changed()

    def streaming(self) -> bool:
        """Whether a client streams here or in another process."""
        return bool(self.subscriptions) or self.neighbours.streaming()

    def publish(self, event: Event) -> None:
        """Hand ``event`` to this process's subscriptions."""
        now = self.clock()
        for sub in list(self.subscriptions):
            sub.offer(event, now)

    def emit(self, event: Event) -> None:
        """Publish ``event`` here and in the other processes that stream."""
        self.publish(event)
        if self.neighbours.streaming():
            self.neighbours.relay(event)

    async def reload(self, db: Database, viewer_ids: Iterable[int]) -> None:
        """Reload what the viewers' open streams leave out, here and in the
        other processes; call it once a block or mute (or its end) has committed."""
        viewer_ids = sorted(set(viewer_ids))
        self.neighbours.reload(viewer_ids)
        await self.reload_here(db, viewer_ids)

    async def reload_all(self, db: Database) -> None:
        """Reload every open stream's exclusions (changes may have been missed)."""
        await self.reload_here(db, {s.viewer_id for s in self.subscriptions if s.viewer_id})

    async def reload_here(self, db: Database, viewer_ids: Iterable[int]) -> None:
        """Reload the viewers' exclusions in this process's subscriptions."""
        for viewer_id in set(viewer_ids):
            subs = [s for s in self.subscriptions if s.viewer_id == viewer_id]
            if subs:
                await self.load_exclusions(db, viewer_id, subs)

    async def load_exclusions(self, db: Database, viewer_id: int, subs: list[Subscription]) -> None:
        """Load ``viewer_id``'s exclusions into ``subs`` from the committed
        state. Loads are numbered as they start, and a subscription never
        trades its exclusions for those of an earlier-started load: of two
        racing loads the later one began after every commit the other could
        have missed."""
        load = next(self._loads)
        async with db.read() as conn:
            found = await load_exclusions(conn, viewer_id, self.clock())
        for sub in subs:
            if load > sub.loaded:
                sub.exclusions, sub.loaded = found, load

    def close_all(self) -> None:
        """End every stream (on shutdown: open streams would hold the server up)."""
        for sub in list(self.subscriptions):
            sub.close()

    def after_commit(self, conn: AsyncConnection, event: Event) -> None:
        """Publish ``event`` once ``conn``'s transaction commits."""
        after_commit(conn, lambda: self.emit(event))


async def status_changed(hub: Hub, conn: AsyncConnection, event: str, status: StatusRow) -> None:
    """Publish ``event`` about ``status`` after commit; call it once the home
    feed rows are written (for ``delete``: before they are removed)."""
    if event not in STATUS_EVENTS:
        raise ValueError(event)
    if not hub.streaming():
        return  # nobody is streaming: skip the two queries (a stream opened now starts after)
    readers = await feeds_q.home_feed_readers(conn, status.id, status.account_id)
    tags = (await statuses_q.status_tag_names(conn, [status.id])).get(status.id, [])
    public = status.visibility == "public" and status.reblog_of_id is None
    authors = {status.account_id}
    if status.reblog_of_id is not None:
        boosted = await statuses_q.get_status(conn, status.reblog_of_id)
        authors |= {boosted.account_id} if boosted else set()
    hub.after_commit(
        conn,
        StatusEvent(
            event,
            status.id,
            status.local,
            public,
            frozenset(t.lower() for t in tags),
            frozenset(readers),
            frozenset(authors),
        ),
    )
