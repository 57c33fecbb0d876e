"""The inbox worker: applies stored incoming activities, with retries.

Each item is processed on its own so one bad activity cannot hold up the rest;
the outcomes of a batch are recorded in one transaction (handlers are
idempotent, so a batch cut short by a crash is simply applied again). A
retryable failure (a peer down while we fetch something it refers to) is tried
again later on the delivery schedule; anything else marks the item failed,
with the reason kept on the row for operators. Accepting deliveries at the
door comes first: the worker waits while the door is busy, a little.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from federation import jsontext
from federation.delivery import backoff
from federation.errors import FederationError, FetchError
from federation.jsonld import compact_inbound
from server.services import inbound
from server.services.context import Services
from server.services.errors import ServiceError
from server.store import queues as q
from server.store.queues import InboxJob

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
YIELD_STEP = 0.002
YIELD_AT_MOST = 0.25


class InboxWorker:
    def __init__(self, svc: Services, *, batch: int = 50) -> None:
        self.svc = svc
        self.batch = batch
        self._schedule = svc.config.federation.delivery_schedule

    async def run_once(self) -> int:
        now = self.svc.now()
        lease_until = now + timedelta(seconds=self.svc.config.federation.lease_seconds)
        async with self.svc.db.transaction() as conn:
            jobs = await q.claim_inbox_items(
                conn, now, lease_until, self.batch, self.svc.process_id
            )
        outcomes = []
        for job in jobs:
            await self._yield_to_the_door()
            outcomes.append(await self._process(job))
        if outcomes:
            rows = [
                {"id": job.id, "state": state, "attempts": job.attempts + 1,
                 "next_attempt_at": retry_at, "error": error}
                for job, state, retry_at, error in outcomes
            ]  # fmt: skip
            async with self.svc.db.transaction() as conn:
                await q.finish_inbox_items(conn, rows, self.svc.now())
        return len(jobs)

    async def _yield_to_the_door(self) -> None:
        """Let deliveries being accepted go first (they are what peers wait for),
        but never stall: after YIELD_AT_MOST the next item runs regardless."""
        waited = 0.0
        while self.svc.door.in_flight and waited < YIELD_AT_MOST:
            await asyncio.sleep(YIELD_STEP)
            waited += YIELD_STEP

    async def _process(self, job: InboxJob) -> tuple[InboxJob, str, datetime | None, str | None]:
        attempts = job.attempts + 1
        state, retry_at, error = q.DONE, None, None
        try:
            await inbound.process(self.svc, _as_accepted(job), job.actor_uri)
        except FetchError as exc:
            error = str(exc)
            retryable = exc.retryable and attempts < MAX_ATTEMPTS
            retry_at = backoff(attempts, self.svc.now(), self._schedule) if retryable else None
            state = q.PENDING if retry_at else q.FAILED
        except (FederationError, ServiceError) as exc:
            state, error = q.FAILED, str(exc)
        except Exception as exc:  # a bug: keep the item, try again a few times
            log.exception("processing %s %s failed", job.activity_type, job.activity_uri)
            error = f"{type(exc).__name__}: {exc}"
            retry_at = backoff(attempts, self.svc.now(), self._schedule) if attempts < 3 else None
            state = q.PENDING if retry_at else q.FAILED
        if error:
            log.info("inbox item %s (%s): %s", job.activity_uri, job.activity_type, error)
        return job, state, retry_at, error


def _as_accepted(job: InboxJob) -> dict[str, Any]:
    """The stored body, read the way the door read it when it accepted it."""
    doc = compact_inbound(jsontext.loads(job.payload))
    doc["type"] = job.activity_type
    return doc
