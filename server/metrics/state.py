"""Figures read when scraped: queue depths and ages, hosts by state, the
database pool, open streams.

The database is read at most every ``cache_seconds`` (one refresh at a time:
a burst of scrapes shares it); a failed read keeps the last figures and sets
``warmline_state_read_errors_total`` going.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from server.store import status as status_q

if TYPE_CHECKING:
    from server.services.context import Services

log = logging.getLogger(__name__)


class StateCollector:
    def __init__(self, cache_seconds: float) -> None:
        self.cache_seconds = cache_seconds
        self.svc: Services | None = None
        self._queues: list[status_q.QueueState] = []
        self._hosts: status_q.HostCounts | None = None
        self._read_at = -1e18
        self._age_at = 0.0  # the database clock when read, for the ages
        self._errors = 0
        self._lock = asyncio.Lock()

    async def refresh(self) -> None:
        svc = self.svc
        if svc is None or time.monotonic() - self._read_at < self.cache_seconds:
            return
        async with self._lock:
            if time.monotonic() - self._read_at < self.cache_seconds:
                return  # another scrape read it while this one waited
            now = svc.now()
            try:
                async with svc.db.read() as conn:
                    self._queues = await status_q.queue_states(conn, now)
                    self._hosts = await status_q.host_counts(conn, now)
            except Exception:
                self._errors += 1
                log.warning("metrics: could not read the queues", exc_info=True)
            self._read_at = time.monotonic()
            self._age_at = now.timestamp()

    def collect(self) -> Iterator[Metric]:
        svc = self.svc
        if svc is None:
            return
        yield from self._queue_metrics()
        if self._hosts is not None:
            hosts = GaugeMetricFamily(
                "warmline_hosts",
                "Peer hosts by delivery state: backing_off (failing, retried on the schedule), "
                "circuit_open (deliveries held back), given_up (deliveries given up on in the "
                "last 24 hours).",
                labels=["state"],
            )
            hosts.add_metric(["backing_off"], self._hosts.backing_off)
            hosts.add_metric(["circuit_open"], self._hosts.circuit_open)
            hosts.add_metric(["given_up"], self._hosts.given_up)
            yield hosts
        errors = CounterMetricFamily(
            "warmline_state_read_errors", "Scrapes whose database read failed."
        )
        errors.add_metric([], self._errors)
        yield errors
        streams = GaugeMetricFamily(
            "warmline_streaming_connections", "Streaming clients connected to this process."
        )
        streams.add_metric([], len(svc.stream.subscriptions))
        yield streams
        door = GaugeMetricFamily(
            "warmline_inbox_in_flight", "Deliveries to our inboxes being accepted right now."
        )
        door.add_metric([], svc.door.in_flight)
        yield door
        yield from self._pool_metrics(svc)

    def _queue_metrics(self) -> Iterator[Metric]:
        families = {
            "waiting": "Rows waiting, not claimed (due now or later).",
            "due": "Rows waiting and due now.",
            "claimed": "Rows claimed by a worker (in progress).",
            "failed": "Rows given up on, still kept (see [retention]).",
        }
        for key, text in families.items():
            family = GaugeMetricFamily(f"warmline_queue_{key}", text, labels=["queue"])
            for q in self._queues:
                family.add_metric([q.name], getattr(q, key))
            yield family
        oldest = GaugeMetricFamily(
            "warmline_queue_oldest_waiting_age_seconds",
            "Age of the oldest waiting row (0 when none waits).",
            labels=["queue"],
        )
        late = GaugeMetricFamily(
            "warmline_queue_lag_seconds",
            "How long the most overdue row has been due (0 when none is).",
            labels=["queue"],
        )
        for q in self._queues:
            at = self._age_at
            oldest.add_metric(
                [q.name], max(at - q.oldest_waiting.timestamp(), 0.0) if q.oldest_waiting else 0.0
            )
            late.add_metric(
                [q.name], max(at - q.oldest_due.timestamp(), 0.0) if q.oldest_due else 0.0
            )
        yield oldest
        yield late

    def _pool_metrics(self, svc: Services) -> Iterator[Metric]:
        pool = svc.db.engine.pool
        figures = {
            "size": ("Connections the pool keeps.", getattr(pool, "size", None)),
            "checked_out": ("Connections in use.", getattr(pool, "checkedout", None)),
            "overflow": (
                "Connections open beyond the pool's size.",
                getattr(pool, "overflow", None),
            ),
        }
        for name, (text, read) in figures.items():
            if read is None:
                continue
            family = GaugeMetricFamily(f"warmline_db_pool_{name}", text, labels=["dialect"])
            family.add_metric([svc.db.dialect], max(int(read()), 0))
            yield family
