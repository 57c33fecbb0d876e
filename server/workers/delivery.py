"""The delivery worker: sends queued activities, signed, with retries.

Claims due deliveries, skips hosts whose circuit is open (postponing, not
counting an attempt) and blocked hosts (dropped), sends the rest with a cap
on requests in flight overall and per host, and records outcomes as they
come, a few a transaction (every ``RECORD_EVERY`` seconds), the hosts' circuit
results once per batch. A delivery that was sent but whose outcome was not
recorded yet (the process died) is sent again; receivers dedupe by activity
id, so at-least-once is safe, and recording as they come keeps those repeats
to the last fraction of a second before a kill.

After a host's first network failure in a batch (no HTTP answer: refused,
timed out, DNS, TLS, dropped), its remaining deliveries in that batch are not
tried but postponed, attempts unchanged, to when a first retry would be: a
dead peer costs one timeout a batch, not one per delivery, and does not hold
up the batch (``bench/simulate.py --stop-chain`` models this). A delivery
still waiting its turn (behind a slow inbox) when too little of the lease is
left for a request to finish is released untried, due as before, for the next
claim: a row is never sent after its lease, when another runner may hold it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
from sqlalchemy.ext.asyncio import AsyncConnection

from federation.client import post_document
from federation.delivery import Delivered, GiveUp, Outcome, RetryAt, backoff, classify
from federation.errors import AddressNotAllowed, FetchError
from server.services.context import Services
from server.services.keyring import signer_for
from server.store import queues as q
from server.store.queues import DeliveryJob

log = logging.getLogger(__name__)
RECORD_EVERY = 0.25  # seconds between writes of the outcomes that came in


@dataclass(frozen=True, slots=True)
class Postponed:
    """Not tried: its host failed at the network level earlier in this batch (due
    again ``at``), or its lease was running out (``at`` None: due as before)."""

    at: datetime | None


@dataclass(frozen=True, slots=True)
class Attempt:
    job: DeliveryJob
    outcome: Outcome | Postponed
    status: int | None
    error: str | None
    unreachable: bool = False  # tried, and no HTTP answer came back (network failure)

    @property
    def tried(self) -> bool:
        return not isinstance(self.outcome, Postponed)


class DeliveryWorker:
    def __init__(self, svc: Services, session: aiohttp.ClientSession, *, batch: int = 500) -> None:
        self.svc = svc
        self.session = session
        self.batch = batch
        fed = svc.config.federation
        self._all = asyncio.Semaphore(fed.delivery_concurrency)
        self._per_host: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(fed.delivery_per_host)
        )

    async def run_once(self) -> int:
        now = self.svc.now()
        fed = self.svc.config.federation
        lease_until = now + timedelta(seconds=fed.lease_seconds)
        # The last moment a request may start and still end, timed out at worst,
        # and be recorded within the lease.
        margin = min(fed.fetch_timeout + 5, fed.lease_seconds / 2)
        start_by = lease_until - timedelta(seconds=margin)
        async with self.svc.db.transaction() as conn:
            jobs = await q.claim_deliveries(conn, now, lease_until, self.batch, self.svc.process_id)
            states = await q.host_states(conn, {j.host for j in jobs})
        if not jobs:
            return 0
        sendable, postponed, blocked = [], defaultdict(list), []
        refused = await self.svc.domains.blocked({j.host for j in jobs})
        for job in jobs:
            state = states.get(job.host)
            if job.host in refused:
                blocked.append(job)
            elif state and state.circuit_open_until and state.circuit_open_until > now:
                postponed[state.circuit_open_until].append(job.id)
            else:
                sendable.append(job)
        if postponed or blocked:
            await self._record([], postponed, blocked)
        attempts = await self._send_recording(sendable, start_by)
        await self._record_hosts(attempts)
        return len(jobs)

    async def _send_recording(self, jobs: list[DeliveryJob], start_by: datetime) -> list[Attempt]:
        """Send ``jobs``; write the outcomes that came in every ``RECORD_EVERY``
        seconds while sending goes on, and the rest at the end."""
        waiting: list[Attempt] = []
        sent = asyncio.Event()

        async def recorder() -> None:
            # asyncio.wait, not asyncio.timeout: on Python 3.11 the latter's cancel
            # can outlive it and strike the next await.
            finished = asyncio.ensure_future(sent.wait())
            while True:
                await asyncio.wait({finished}, timeout=RECORD_EVERY)
                # Read before writing: what comes in while a write runs must wait
                # for the next round, which there is unless sending had ended.
                last = finished.done()
                if waiting:
                    batch = waiting[:]
                    del waiting[:]
                    await self._record(batch, {}, [])
                if last:
                    return

        task = asyncio.create_task(recorder())
        try:
            attempts = await self._in_order(jobs, start_by, waiting.append)
        finally:
            sent.set()
            await task
        return attempts

    async def _in_order(
        self, jobs: list[DeliveryJob], start_by: datetime, on_done: Callable[[Attempt], None]
    ) -> list[Attempt]:
        """Each inbox's jobs one after another, in the order claimed (oldest first),
        inboxes side by side: a Follow and its Undo sent a moment apart must not
        arrive the other way round, or the peer keeps the follow.

        Once a host fails at the network level, its jobs not yet under way are
        postponed (all to the same moment, so they keep their order), not tried;
        so is every job not under way by ``start_by`` (due as before)."""
        by_inbox: defaultdict[str, list[DeliveryJob]] = defaultdict(list)
        for job in jobs:
            by_inbox[job.inbox_url].append(job)
        down: dict[str, datetime] = {}  # host -> when its untried jobs are due again

        async def one_inbox(queue: list[DeliveryJob]) -> list[Attempt]:
            attempts = []
            for job in queue:
                attempt = await self._attempt(job, down, start_by)
                if attempt.unreachable and job.host not in down:
                    down[job.host] = self._first_retry()
                attempts.append(attempt)
                on_done(attempt)
            return attempts

        done = await asyncio.gather(*(one_inbox(queue) for queue in by_inbox.values()))
        return [attempt for attempts in done for attempt in attempts]

    def _first_retry(self) -> datetime:
        """When a delivery that failed once is tried again (jittered)."""
        now = self.svc.now()
        # Never None: the config refuses an empty schedule.
        return backoff(1, now, self.svc.config.federation.delivery_schedule) or now

    async def _attempt(
        self, job: DeliveryJob, down: dict[str, datetime], start_by: datetime
    ) -> Attempt:
        async with self._all, self._per_host[job.host]:
            # Checked once the slots are ours: waiting for them took time.
            if job.host in down:
                return Attempt(job, Postponed(down[job.host]), None, None)
            if self.svc.now() >= start_by:
                return Attempt(job, Postponed(None), None, None)
            status, retry_after, error = None, None, None
            try:
                keys = await self.svc.keyring.for_account(job.account_id)
                signer = signer_for(keys.rsa)
                result = await post_document(
                    self.session,
                    job.inbox_url,
                    job.payload.encode(),
                    signer=signer,
                    allow_http=self.svc.config.dev,
                )
                status, retry_after = result.status, result.retry_after
            except AddressNotAllowed as exc:
                return Attempt(job, GiveUp(str(exc)), None, str(exc))
            except FetchError as exc:
                error = str(exc)
                if not exc.retryable:
                    return Attempt(job, GiveUp(error), None, error)
            outcome = classify(
                status,
                attempts=job.attempts + 1,
                now=self.svc.now(),
                retry_after=retry_after,
                error=error,
                schedule=self.svc.config.federation.delivery_schedule,
            )
            if not isinstance(outcome, Delivered):
                log.info("delivery %s to %s: %s", job.id, job.inbox_url, _reason(outcome))
            return Attempt(job, outcome, status, error, unreachable=status is None)

    async def _record(
        self,
        attempts: list[Attempt],
        postponed: dict[datetime, list[int]],
        blocked: list[DeliveryJob],
    ) -> None:
        now = self.svc.now()
        due = {until: list(ids) for until, ids in postponed.items()}
        released = []
        for a in attempts:
            if isinstance(a.outcome, Postponed):
                if a.outcome.at is None:
                    released.append(a.job.id)
                else:
                    due.setdefault(a.outcome.at, []).append(a.job.id)
        async with self.svc.db.transaction() as conn:
            await q.release_deliveries(conn, released)
            for until, ids in due.items():
                await q.postpone_deliveries(conn, ids, until)
            for job in blocked:
                await q.finish_delivery(
                    conn,
                    job.id,
                    state=q.DEAD,
                    attempts=job.attempts,
                    now=now,
                    last_error="destination host is blocked",
                )
            for a in attempts:
                await self._finish(conn, a, now)
        if (metrics := self.svc.metrics) is not None:  # counted once recorded
            metrics.delivered("postponed", sum(len(ids) for ids in postponed.values()))
            metrics.delivered("blocked", len(blocked))
            for a in attempts:
                metrics.delivered(_OUTCOME_NAMES[type(a.outcome)])

    async def _record_hosts(self, attempts: list[Attempt]) -> None:
        """Each host's result for this batch (the circuit breaker counts batches)."""
        host_ok: dict[str, bool] = {}
        for a in attempts:
            if not a.tried:
                continue
            reachable = a.status is not None and a.status < 500
            host_ok[a.job.host] = host_ok.get(a.job.host, False) or reachable
        if not host_ok:
            return
        now = self.svc.now()
        fed = self.svc.config.federation
        async with self.svc.db.transaction() as conn:
            for host, ok in host_ok.items():
                await q.record_host_result(
                    conn,
                    host,
                    ok=ok,
                    now=now,
                    failures_to_open=fed.circuit_failures,
                    open_until=now + timedelta(seconds=fed.circuit_open_seconds),
                )

    async def _finish(self, conn: AsyncConnection, a: Attempt, now: datetime) -> None:
        attempts, status, outcome = a.job.attempts + 1, a.status, a.outcome
        if isinstance(outcome, Delivered):
            state, at, error = q.SENT, None, None
        elif isinstance(outcome, RetryAt):
            state, at, error = q.PENDING, outcome.at, outcome.reason
        elif isinstance(outcome, GiveUp):
            state, at, error = q.DEAD, None, outcome.reason
        else:
            return  # Postponed: not tried, written with its host's others by _record
        await q.finish_delivery(
            conn,
            a.job.id,
            state=state,
            attempts=attempts,
            now=now,
            next_attempt_at=at,
            last_status=status,
            last_error=error,
        )


_OUTCOME_NAMES = {Delivered: "delivered", RetryAt: "retry", GiveUp: "gave_up"}


def _reason(outcome: Outcome) -> str:
    return outcome.reason if isinstance(outcome, RetryAt | GiveUp) else "delivered"
