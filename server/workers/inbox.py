"""The inbox worker: applies stored incoming activities, with retries.

The ``Create``s of posts in a claimed batch (nearly all of the traffic) are
applied together, in one transaction that also marks them done
(``inbound.note_batch``): exactly once, and ~17 statements per post become a
few per batch. If that transaction fails, each is applied on its own, as is
every other activity, so one bad activity cannot hold up the rest; those
outcomes are recorded in one transaction (handlers are idempotent, so a batch
cut short by a crash is simply applied again). A retryable failure (a peer
down while we fetch something it refers to) is tried again later on the
delivery schedule; anything else marks the item failed, with the reason kept
on the row for operators. Accepting deliveries at the door comes first: the
worker waits while the door is busy, a little (once per batch).
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
from federation.vocab import has_type
from server.services import inbound
from server.services.context import Services
from server.services.errors import ServiceError
from server.services.inbound import note_batch
from server.services.inbound.notes import NOTE_TYPES
from server.store import queues as q
from server.store.queues import InboxJob

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
YIELD_STEP = 0.002
YIELD_AT_MOST = 0.02  # per batch, and per item applied on its own

Outcome = tuple[InboxJob, str, datetime | None, str | None]


class InboxWorker:
    def __init__(self, svc: Services, *, batch: int = 100) -> None:
        self.svc = svc
        self.batch = batch
        self._schedule = svc.config.federation.delivery_schedule

    async def run_once(self) -> int:
        now = self.svc.now()
        lease_until = now + timedelta(seconds=self.svc.config.federation.lease_seconds)
        # While the door is busy (same process), smaller batches: a batch holds
        # SQLite's write lock, which the door's commits wait for, and the loop.
        limit = max(1, self.batch // 4) if self.svc.door.in_flight else self.batch
        async with self.svc.db.transaction() as conn:
            jobs = await q.claim_inbox_items(conn, now, lease_until, limit, self.svc.process_id)
        if not jobs:
            return 0
        await self._yield_to_the_door()
        outcomes: list[Outcome] = []
        together: list[note_batch.Incoming] = []
        alone: list[InboxJob] = []
        for n, job in enumerate(jobs):
            try:
                incoming = await self._batchable(job)
            except Exception as exc:  # the author could not be fetched: as _process says
                outcomes.append(self._failed(job, exc))
                continue
            (together.append(incoming) if incoming else alone.append(job))
            if n % 8 == 7:
                await asyncio.sleep(0)  # parsing is CPU: let the door's requests in
        if together:
            alone += await self._apply_together(together)
        for job in sorted(alone, key=lambda j: j.id):
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

    async def _batchable(self, job: InboxJob) -> note_batch.Incoming | None:
        """A ``Create`` of a post, with its author at hand: applied with the rest
        of the batch. None for anything else (applied on its own)."""
        if job.activity_type != "Create":
            return None
        try:
            doc = _as_accepted(job)
        except Exception:  # _process will say what is wrong with it
            return None
        obj = doc.get("object")
        if not isinstance(obj, dict) or not has_type(obj, *NOTE_TYPES) or has_type(obj, "Event"):
            return None
        author = await self.svc.remote.fetch_actor(job.actor_uri)  # as on_create does
        return note_batch.incoming(self.svc, job, obj, author)

    async def _apply_together(self, items: list[note_batch.Incoming]) -> list[InboxJob]:
        """Apply a batch of posts in one transaction that marks them done too
        (first: the posts' rows that other workers may write too come last);
        the jobs left to apply one by one (all of them if the batch failed)."""
        together, later = note_batch.split(items)
        try:
            async with self.svc.db.transaction() as conn:
                done = [
                    {"id": i.key.id, "state": q.DONE, "attempts": i.key.attempts + 1,
                     "next_attempt_at": None, "error": None}
                    for i in together
                ]  # fmt: skip
                await q.finish_inbox_items(conn, done, self.svc.now())
                await note_batch.store_notes(self.svc, conn, together)
        except Exception:  # one bad item must not fail the others: each on its own
            log.warning(
                "a batch of %d posts failed; applying them one by one", len(items), exc_info=True
            )
            return [i.key for i in items]
        return [i.key for i in later]

    async def _yield_to_the_door(self) -> None:
        """Let deliveries being accepted go first (they are what peers wait for),
        but never stall: after YIELD_AT_MOST the work goes on regardless."""
        waited = 0.0
        while self.svc.door.in_flight and waited < YIELD_AT_MOST:
            await asyncio.sleep(YIELD_STEP)
            waited += YIELD_STEP

    async def _process(self, job: InboxJob) -> Outcome:
        try:
            await inbound.process(self.svc, _as_accepted(job), job.actor_uri)
        except Exception as exc:
            return self._failed(job, exc)
        return job, q.DONE, None, None

    def _failed(self, job: InboxJob, exc: Exception) -> Outcome:
        """A retryable failure (a peer down) is tried again on the delivery
        schedule; a refusal fails the item; a bug is tried a few times."""
        attempts = job.attempts + 1
        retry_at = None
        if isinstance(exc, FetchError):
            error = str(exc)
            retryable = exc.retryable and attempts < MAX_ATTEMPTS
            retry_at = backoff(attempts, self.svc.now(), self._schedule) if retryable else None
            state = q.PENDING if retry_at else q.FAILED
        elif isinstance(exc, FederationError | ServiceError):
            state, error = q.FAILED, str(exc)
        else:  # a bug: keep the item, try again a few times
            log.error("processing %s %s failed", job.activity_type, job.activity_uri,
                      exc_info=exc)  # fmt: skip
            error = f"{type(exc).__name__}: {exc}"
            retry_at = backoff(attempts, self.svc.now(), self._schedule) if attempts < 3 else None
            state = q.PENDING if retry_at else q.FAILED
        log.info("inbox item %s (%s): %s", job.activity_uri, job.activity_type, error)
        return job, state, retry_at, error


def _as_accepted(job: InboxJob) -> dict[str, Any]:
    """The stored body, read the way the door read it when it accepted it."""
    doc = compact_inbound(jsontext.loads(job.payload))
    doc["type"] = job.activity_type
    return doc
