"""Live events for streaming clients: an in-process hub.

Services describe what happened (a post appeared, was edited or deleted; a
member got a notification) as small events, registered on the transaction
with ``store.database.after_commit`` so they are published only once the change
is committed. The hub hands each event to the subscriptions that want it: a
pure, in-memory decision made from who may see it (the home feeds it landed
in, the public timelines, hashtags, the notified member). Each subscription has
a bounded queue; one that falls behind is dropped, it never grows.

One process only: with several web processes each hub sees its own process's
changes (cross-process fan-out, e.g. PostgreSQL LISTEN/NOTIFY, is not done).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from server.store import feeds as feeds_q
from server.store import statuses as statuses_q
from server.store.database import after_commit
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


_WAKE: Any = ((), None)  # put in a queue only to wake its reader; never sent


class Subscription:
    """One client connection: its streams and its bounded queue of
    ``(stream, event)``. ``dropped`` is set when the queue overflowed."""

    def __init__(self, viewer_id: int | None, size: int) -> None:
        self.viewer_id = viewer_id
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

    def offer(self, event: Event) -> None:
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

    @contextmanager
    def subscribe(self, viewer_id: int | None) -> Iterator[Subscription]:
        sub = Subscription(viewer_id, self.queue_size)
        self.subscriptions.add(sub)
        try:
            yield sub
        finally:
            self.subscriptions.discard(sub)

    def publish(self, event: Event) -> None:
        for sub in list(self.subscriptions):
            sub.offer(event)

    def close_all(self) -> None:
        """End every stream (on shutdown: open streams would hold the server up)."""
        for sub in list(self.subscriptions):
            sub.close()

    def after_commit(self, conn: AsyncConnection, event: Event) -> None:
        """Publish ``event`` once ``conn``'s transaction commits."""
        after_commit(conn, lambda: self.publish(event))


async def status_changed(hub: Hub, conn: AsyncConnection, event: str, status: StatusRow) -> None:
    """Publish ``event`` about ``status`` after commit; call it once the home
    feed rows are written (for ``delete``: before they are removed)."""
    if event not in STATUS_EVENTS:
        raise ValueError(event)
    if not hub.subscriptions:
        return  # nobody is streaming: skip the two queries (a stream opened now starts after)
    readers = await feeds_q.home_feed_readers(conn, status.id)
    tags = (await statuses_q.status_tag_names(conn, [status.id])).get(status.id, [])
    public = status.visibility == "public" and status.reblog_of_id is None
    hub.after_commit(
        conn,
        StatusEvent(
            event,
            status.id,
            status.local,
            public,
            frozenset(t.lower() for t in tags),
            frozenset(readers),
        ),
    )
