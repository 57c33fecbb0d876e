"""What the processes of one PostgreSQL database tell each other.

Several ``warmline serve`` and ``warmline worker`` processes may share a
database. Over one ``LISTEN``/``NOTIFY`` channel (``store/pg_channel``) each
tells the others:

- **wake-ups**: rows are waiting in a queue (a post made through one process
  is delivered at once by a worker in another);
- **stream events**: a post or notification made in one process reaches the
  streaming clients connected to any other;
- **changes** to what processes keep in memory: a remote actor stored again (its
  keys may have rotated), the domain lists, the site settings, a member deleted
  (its personal inbox), a member's blocks and mutes (their open streams'
  exclusions);
- **presence**: which processes serve the web and whether any of them has
  streaming clients (so a process whose hub is empty skips the work of building
  stream events only when nobody anywhere streams), and how many web processes
  share the inbox's abuse limits.

On SQLite (one process) nothing is set up and every hook stays silent. Nothing
here is durable, and nothing needs to be: workers also poll, caches expire, a
stream is live only. After the channel's connection was lost every cache is
dropped and every worker woken, since messages may have been missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from server.ids import id_from_time
from server.services.stream import Event, NotificationEvent, StatusEvent
from server.store import relayed
from server.store.interactions import NotificationRow
from server.store.pg_channel import PAYLOAD_LIMIT, PgChannel, asyncpg_dsn

if TYPE_CHECKING:
    from .context import Services

log = logging.getLogger(__name__)

CHANNEL = "warmline"
PRESENCE_SECONDS = 15.0  # how often a process says it is there
GONE_AFTER = 3 * PRESENCE_SECONDS  # a process not heard from for this long is gone
WAKE_COALESCE = 0.01  # wake-ups of one queue within this many seconds go as one
RELAY_KEPT_MS = 10 * 60 * 1000  # relayed events older than this are dropped


def encode_event(event: Event) -> dict[str, Any]:
    if isinstance(event, StatusEvent):
        return {
            "status": [event.event, event.status_id, event.local, event.public],
            "tags": sorted(event.tags),
            "readers": sorted(event.readers),
            "authors": sorted(event.authors),
        }
    n = event.notification
    fields = [n.id, n.account_id, n.type, n.from_account_id, n.status_id, n.subject_id]
    return {"notification": [*fields, n.created_at.isoformat()]}


def decode_event(body: dict[str, Any]) -> Event:
    if "status" in body:
        name, status_id, local, public = body["status"]
        return StatusEvent(
            name,
            status_id,
            local,
            public,
            frozenset(body["tags"]),
            frozenset(body["readers"]),
            frozenset(body["authors"]),
        )
    *fields, created_at = body["notification"]
    return NotificationEvent(NotificationRow(*fields, datetime.fromisoformat(created_at)))


@dataclass
class Peer:
    role: str
    streaming: bool
    seen: float


class Broadcast:
    """This process's side of the channel; ``attach`` hooks it into ``svc``."""

    def __init__(self, svc: Services, dsn: str) -> None:
        self.svc = svc
        self.channel = PgChannel(dsn, CHANNEL, self._heard, self._reconnected)
        self.role: str | None = None  # "web" or "worker" once the process says
        self.peers: dict[int, Peer] = {}  # by the PostgreSQL backend pid of their channel
        self._wakes: set[str] = set()
        self._beat: asyncio.Task[None] | None = None
        self._streaming = False
        self._tasks: set[asyncio.Task[None]] = set()  # held until done (the loop keeps weak refs)

    # -- setting up ---------------------------------------------------------

    def attach(self) -> None:
        svc = self.svc
        for wakeup in svc.wake.all():
            wakeup.also = self.wake
        svc.stream.neighbours = self
        svc.remote.announce = lambda uri: self._send({"changed": "actor", "key": uri})
        svc.domains.announce = lambda: self._send({"changed": "domains"})
        svc.site.announce = lambda: self._send({"changed": "site"})
        svc.inbox_owners.announce = lambda name: self._send({"changed": "member", "key": name})

    async def start(self) -> None:
        await self.channel.start()
        self.attach()

    def serve_as(self, role: str) -> None:
        """Say this process is a ``web`` or ``worker`` process, and keep saying it."""
        self.role = role
        self._say_present(hello=True)
        if self._beat is None:
            self._beat = asyncio.create_task(self._keep_present(), name="presence")

    async def close(self) -> None:
        if self._beat is not None:
            self._beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beat
        if self.role is not None:
            self._send({"gone": True})
        for queue in list(self._wakes):  # not yet sent: coalescing
            self._send_wake(queue)
        await self.channel.close()
        for task in list(self._tasks):
            task.cancel()

    # -- what the hooks call -------------------------------------------------

    def wake(self, queue: str) -> None:
        """Wake the other processes' workers of ``queue`` (coalesced)."""
        if queue not in self._wakes:
            self._wakes.add(queue)
            asyncio.get_running_loop().call_later(WAKE_COALESCE, self._send_wake, queue)

    def _send_wake(self, queue: str) -> None:
        self._wakes.discard(queue)
        self._send({"wake": queue})

    def streaming(self) -> bool:
        """Whether another process has streaming clients (``Hub`` asks)."""
        now = time.monotonic()
        return any(p.streaming and now - p.seen < GONE_AFTER for p in self.peers.values())

    def relay(self, event: Event) -> None:
        """Publish ``event`` in the other processes too (``Hub`` calls it after commit)."""
        body = {"event": encode_event(event)}
        payload = json.dumps(body, separators=(",", ":"))
        if len(payload.encode()) <= PAYLOAD_LIMIT:
            self.channel.send(payload)
        else:
            self._spawn(self._relay_large(payload))

    def reload(self, viewer_ids: list[int]) -> None:
        """Tell the other processes that these viewers' exclusions changed."""
        for start in range(0, len(viewer_ids), 200):
            self._send({"changed": "exclusions", "key": viewer_ids[start : start + 200]})

    def subscribers_changed(self) -> None:
        """This process's hub went from no subscriptions to some, or back."""
        self._streaming = bool(self.svc.stream.subscriptions)
        self._say_present()

    # -- sending ---------------------------------------------------------------

    def _spawn(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _send(self, body: dict[str, Any]) -> None:
        self.channel.send(json.dumps(body, separators=(",", ":")))

    def _say_present(self, *, hello: bool = False) -> None:
        if self.role is not None:
            body: dict[str, Any] = {"present": self.role, "streaming": self._streaming}
            self._send({**body, "hello": True} if hello else body)

    async def _keep_present(self) -> None:
        while True:
            await asyncio.sleep(PRESENCE_SECONDS)
            self._say_present()
            self._forget_gone()

    async def _relay_large(self, payload: str) -> None:
        """Store an event too large for a payload; send its id instead."""
        db = self.svc.db
        row_id = db.new_id()
        cutoff = id_from_time(int(time.time() * 1000) - RELAY_KEPT_MS)
        try:
            async with db.transaction() as conn:
                await relayed.keep(conn, row_id, payload, older_than=cutoff)
        except Exception:  # a stream event is live only: it is lost, nothing else is
            log.warning("could not relay a large stream event", exc_info=True)
            return
        self._send({"relayed": row_id})

    # -- hearing ------------------------------------------------------------------

    def _heard(self, pid: int, payload: str) -> None:
        body = json.loads(payload)
        if "wake" in body:
            wakeup = self.svc.wake.named(body["wake"])
            if wakeup is not None:
                wakeup.set_here()
        elif "event" in body:
            if self.svc.stream.subscriptions:
                self.svc.stream.publish(decode_event(body["event"]))
        elif "relayed" in body:
            if self.svc.stream.subscriptions:
                self._spawn(self._read_relayed(int(body["relayed"])))
        elif "changed" in body:
            self._changed(body["changed"], body.get("key"))
        elif "present" in body:
            self._present(pid, body)
        elif "gone" in body:
            self.peers.pop(pid, None)
            self._share_limits()

    def _changed(self, what: str, key: Any) -> None:
        svc = self.svc
        if what == "actor" and isinstance(key, str):
            svc.remote.drop(key)
        elif what == "domains":
            svc.domains.reset()
        elif what == "site":
            svc.site.reset()
        elif what == "member" and isinstance(key, str):
            svc.inbox_owners.drop(key)
        elif what == "exclusions" and isinstance(key, list):
            self._spawn(svc.stream.reload_here(svc.db, [int(k) for k in key]))

    def _present(self, pid: int, body: dict[str, Any]) -> None:
        new = pid not in self.peers
        self.peers[pid] = Peer(str(body["present"]), bool(body.get("streaming")), time.monotonic())
        if new or body.get("hello"):
            self._say_present()  # a newcomer learns who is here at once
            self._share_limits()

    def _forget_gone(self) -> None:
        now = time.monotonic()
        gone = [pid for pid, p in self.peers.items() if now - p.seen >= GONE_AFTER]
        for pid in gone:
            del self.peers[pid]
        if gone:
            self._share_limits()

    def web_processes(self) -> int:
        """How many web processes serve this database's inboxes, this one included."""
        others = sum(1 for p in self.peers.values() if p.role == "web")
        return others + (1 if self.role == "web" else 0)

    def _share_limits(self) -> None:
        """Each web process takes its share of the inbox's limits: behind a proxy
        that spreads requests evenly, a peer gets the configured limit in all."""
        share = max(self.web_processes(), 1)
        self.svc.inbox_limits.share_among(share)
        self.svc.remote.key_fetch_budget.share_among(share)

    async def _read_relayed(self, row_id: int) -> None:
        async with self.svc.db.read() as conn:
            found = await relayed.read(conn, row_id)
        if found is not None:
            self.svc.stream.publish(decode_event(json.loads(found)["event"]))

    def _reconnected(self) -> None:
        """Messages may have been missed while the channel was down."""
        svc = self.svc
        for wakeup in svc.wake.all():
            wakeup.set_here()
        svc.remote.drop_all()
        svc.inbox_owners.drop_all()
        svc.domains.reset()
        svc.site.reset()
        self._spawn(svc.stream.reload_all(svc.db))
        self._say_present(hello=True)


async def open_broadcast(svc: Services) -> Broadcast | None:
    """The broadcast for ``svc``'s database: None on SQLite (one process)."""
    if svc.db.dialect != "postgresql":
        return None
    url = svc.db.engine.url.render_as_string(hide_password=False)
    broadcast = Broadcast(svc, asyncpg_dsn(url))
    await broadcast.start()
    return broadcast
