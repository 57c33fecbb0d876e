"""One PostgreSQL ``LISTEN``/``NOTIFY`` channel shared by the processes of a database.

A pool's connections come and go, and a listener must stay: the channel holds
one asyncpg connection of its own, listens on it and sends on it. Sends are
queued and go out in batches, one ``pg_notify`` statement per batch (repeated
payloads in one batch are folded, as PostgreSQL folds them in one transaction).
A process does not hear its own messages.

Nothing sent here is durable, and nothing needs to be: a connection lost, or a
message dropped because the outbox is full, only means the callers' fallbacks
run (workers poll, caches expire). ``on_reconnect`` is called each time the
connection is made again, so a caller can assume it missed something.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

PAYLOAD_LIMIT = 7_900  # bytes; PostgreSQL refuses payloads of 8,000 bytes or more
OUTBOX_SIZE = 10_000
BATCH = 200
RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0)


def asyncpg_dsn(database_url: str) -> str:
    """The SQLAlchemy URL ``postgresql+asyncpg://…`` as a DSN asyncpg takes."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class PgChannel:
    def __init__(
        self,
        dsn: str,
        channel: str,
        on_message: Callable[[int, str], None],
        on_reconnect: Callable[[], None] = lambda: None,
    ) -> None:
        self.dsn = dsn
        self.channel = channel
        self.on_message = on_message  # (sending backend's pid, payload)
        self.on_reconnect = on_reconnect
        self._outbox: asyncio.Queue[str] = asyncio.Queue(OUTBOX_SIZE)
        self._conn: Any = None
        self._task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._sending = False  # a batch is on its way
        self._closing = False
        self.dropped = 0  # messages dropped on a full outbox

    def send(self, payload: str) -> None:
        """Queue ``payload`` (at most ``PAYLOAD_LIMIT`` bytes) for the other processes."""
        try:
            self._outbox.put_nowait(payload)
        except asyncio.QueueFull:
            self.dropped += 1

    async def start(self) -> None:
        """Connect and listen; returns once listening (or raises if the first
        connection fails: a misconfigured database should stop the process)."""
        await self._connect()
        self._task = asyncio.create_task(self._run(), name=f"pg-channel {self.channel}")

    async def close(self, flush_seconds: float = 1.0) -> None:
        """Stop, once what is queued is sent (for at most ``flush_seconds``).
        The sender is told to stop as well as cancelled, and waited for only
        a moment: a cancellation that meets a finishing ``wait_for`` or query
        can be lost, and must not hold the process up."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + flush_seconds
        while (not self._outbox.empty() or self._sending) and self._connected.is_set():
            if loop.time() > deadline:
                break
            await asyncio.sleep(0.01)
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=3.0)
        await self._disconnect()

    async def _connect(self) -> None:
        import asyncpg  # only PostgreSQL deployments have it

        conn = await asyncpg.connect(self.dsn)
        own_pid = conn.get_server_pid()

        def heard(_conn: Any, pid: int, _channel: str, payload: str) -> None:
            if pid != own_pid:
                try:
                    self.on_message(pid, payload)
                except Exception:  # one bad message must not stop the channel
                    log.exception("could not handle a message on %s", self.channel)

        await conn.add_listener(self.channel, heard)
        self._conn = conn
        self._connected.set()

    async def _disconnect(self) -> None:
        conn, self._conn = self._conn, None
        self._connected.clear()
        if conn is not None and not conn.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 2.0)

    async def _run(self) -> None:
        failures = 0
        while not self._closing:
            try:
                if self._conn is None or self._conn.is_closed():
                    await self._disconnect()
                    await self._connect()
                    failures = 0
                    self.on_reconnect()
                await self._send_batches()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database restarted, the network blinked
                if self._closing:
                    return
                delay = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                failures += 1
                log.warning("%s channel lost (%s); again in %.1f s", self.channel, exc, delay)
                await self._disconnect()
                await asyncio.sleep(delay)

    async def _send_batches(self) -> None:
        """Send what is queued until the connection fails or the channel
        closes; also notices a connection closed under an idle channel (every second)."""
        while not self._closing:
            try:
                first = await asyncio.wait_for(self._outbox.get(), 1.0)
            except TimeoutError:
                if self._conn.is_closed():
                    return
                continue
            batch = [first]
            while len(batch) < BATCH and not self._outbox.empty():
                batch.append(self._outbox.get_nowait())
            self._sending = True
            try:
                await self._conn.execute(
                    "SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS t(p, n) "
                    "ORDER BY n",
                    self.channel,
                    list(dict.fromkeys(batch)),
                )
            finally:
                self._sending = False
