"""The inbox worker: applies stored incoming activities, with retries.

Each item is processed on its own so one bad activity cannot hold up the rest.
A retryable failure (a peer down while we fetch something it refers to) is
tried again later on the delivery schedule; anything else marks the item
failed, with the reason kept on the row for operators.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from federation.delivery import backoff
from federation.errors import FederationError, FetchError
from server.services import inbound
from server.services.context import Services
from server.services.errors import ServiceError
from server.store import queues as q
from server.store.queues import InboxJob

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


class InboxWorker:
    def __init__(self, svc: Services, *, batch: int = 50) -> None:
        self.svc = svc
        self.batch = batch

    async def run_once(self) -> int:
        now = self.svc.now()
        lease_until = now + timedelta(seconds=self.svc.config.federation.lease_seconds)
        async with self.svc.db.transaction() as conn:
            jobs = await q.claim_inbox_items(conn, now, lease_until, self.batch)
        for job in jobs:
            await self._process(job)
        return len(jobs)

    async def _process(self, job: InboxJob) -> None:
        attempts = job.attempts + 1
        state, retry_at, error = q.DONE, None, None
        try:
            await inbound.process(self.svc, json.loads(job.payload), job.actor_uri)
        except FetchError as exc:
            error = str(exc)
            retry_at = (
                backoff(attempts, self.svc.now())
                if exc.retryable and attempts < MAX_ATTEMPTS
                else None
            )
            state = q.PENDING if retry_at else q.FAILED
        except (FederationError, ServiceError) as exc:
            state, error = q.FAILED, str(exc)
        except Exception as exc:  # a bug: keep the item, try again a few times
            log.exception("processing %s %s failed", job.activity_type, job.activity_uri)
            error = f"{type(exc).__name__}: {exc}"
            retry_at = backoff(attempts, self.svc.now()) if attempts < 3 else None
            state = q.PENDING if retry_at else q.FAILED
        if error:
            log.info("inbox item %s (%s): %s", job.activity_uri, job.activity_type, error)
        async with self.svc.db.transaction() as conn:
            await q.finish_inbox_item(
                conn,
                job.id,
                state=state,
                attempts=attempts,
                now=self.svc.now(),
                next_attempt_at=retry_at,
                error=error,
            )
