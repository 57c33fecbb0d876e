"""One large instance on paper: a simulation of its delivery and inbox queues.

Run ``python -m bench.simulate --help`` for the model and every parameter.
Plain Python (no numpy in the project's environment), deterministic for a
seed. Nothing here talks to a server: the rates it starts from are measured
by the other benchmarks (see ``docs/operators.md``, *Sizing*).
"""

from __future__ import annotations

import argparse
import bisect
import dataclasses
import heapq
import json
import math
import random
import sys
import time
from array import array
from collections import deque
from dataclasses import dataclass, field, fields
from itertools import accumulate

from bench._common import percentile, table
from federation.delivery import DEFAULT_SCHEDULE
from server.config import FederationSettings

_FED = FederationSettings()

MODEL = """\
What is simulated, second by second (seeded random streams: one for members and
traffic, one for peers, one for requests, so changing the workers or the peers'
health leaves the members and their posts as they were):

Population. --members local members; each has a follower count drawn from a
lognormal law (median --followers-median, shape --followers-sigma, capped at
--max-followers), of which --remote-share are remote. --peers peer instances
hold those remote followers in Zipf proportions (peer i has weight
1/i^--peer-zipf: a few big instances and a long tail). A member's remote
followers are drawn once, on the member's first post, as that many draws over
the peers; the distinct peers are the post's audience: ONE delivery per peer
and post, as the real fan-out folds followers into shared inboxes (every peer
is assumed to have one).

Traffic. Members post at --posts-per-member-day on average, the rate per
member lognormal (shape --posting-sigma; posts include replies and boosts,
which fan out the same way); each post is one delivery per audience peer.
--likes-per-member-day more outgoing activities (likes, follows, replies to one
person) go to one peer each. Every rate follows a daily cycle:
1 + --daily-swing * cos(2 pi (hour - --peak-hour) / 24). Incoming: a base of
--inbound-per-member-day activities per member (posts of followed remote
accounts, boosts, likes, updates, deletes; each arrives once per instance),
plus replies/boosts/likes from remote followers on each of our posts
(Poisson, --interactions-per-follower per remote follower, arriving an
exponential --interaction-delay seconds later on average).

Peers. The --big-peers biggest are always up. Of the others, --down-fraction
are down for the whole run (--timeout-share of them drop packets, so a
request waits --connect-timeout, the rest refuse connections at once) and
--slow-fraction answer slowly (median --slow-latency s; above --timeout a
request fails). The rest
answer in --latency-median s (per-peer lognormal, shape --latency-sigma, and
per request shape 0.3); --error-rate of their answers are a 5xx (retried),
--refuse-rate a permanent 4xx (given up).

Delivery workers (as server/workers/delivery.py does it). Each of
--delivery-workers claims up to --batch due deliveries, oldest due first;
deliveries to a peer whose circuit is open are postponed to when it closes
(no attempt counted); the rest are sent with at most --concurrency in flight,
each peer's in claim order one after another (one shared inbox per peer), and
the worker claims again only when the whole batch is done: a batch lasts as
long as its slowest chain. Each request costs 1/--worker-rate s of the
worker's CPU (one core per worker unless --cpus is smaller; then the cost is
multiplied by workers/cpus) plus the peer's latency; the CPU work is serial,
the waiting overlaps. That schedule is computed exactly for each batch (a list
schedule of the batch's requests over the concurrency slots and the CPU).
A failed attempt n is retried after --schedule[n-1] s (+-10 % jitter), given
up after the last; a batch in which every request to a peer failed counts one
failure for that peer, and --circuit-failures in a row open its circuit for
--circuit-open s. An idle worker wakes on a new post or every --poll s.
Outcomes are counted when their batch is claimed; delays end when the
request ends.

Inbox workers. Arrivals per second queue first in, first out; --inbox-workers
apply --inbox-rate items a second each (fluid per one-second step: waits
are whole seconds). The door (--door-rate per web process) is only compared
with the peak arrival rate.

Output: one row per --report-every hours (queue depths: first attempts
waiting, retries and postponed deliveries waiting; the age of the oldest due
delivery; the workers' busy time, waiting on peers included), then delivery
delays (post to delivered, successful deliveries only) for posts made in the
peak hour and over the run, the batches, the inbox's waits, whether the
deliveries caught up after the peak (ten minutes in a row without a due
delivery older than a minute), and a conservation check: enqueued =
delivered + given up + still queued (exit status 1 if it fails).
"""


@dataclass
class Params:
    members: int = 100_000
    peers: int = 20_000
    hours: float = 24.0
    seed: int = 1
    followers_median: float = 30.0
    followers_sigma: float = 1.8
    max_followers: int = 200_000
    remote_share: float = 0.6
    peer_zipf: float = 1.0
    posts_per_member_day: float = 0.3
    posting_sigma: float = 1.5
    likes_per_member_day: float = 1.0
    daily_swing: float = 0.6
    peak_hour: float = 14.0
    start_hour: float = 0.0
    inbound_per_member_day: float = 20.0
    interactions_per_follower: float = 0.02
    interaction_delay: float = 1800.0
    big_peers: int = 50
    down_fraction: float = 0.02
    timeout_share: float = 0.5
    slow_fraction: float = 0.03
    slow_latency: float = 3.0
    latency_median: float = 0.2
    latency_sigma: float = 0.6
    error_rate: float = 0.005
    refuse_rate: float = 0.001
    delivery_workers: int = 1
    worker_rate: float = 500.0
    cpus: int = 0
    batch: int = 500
    concurrency: int = _FED.delivery_concurrency
    timeout: float = _FED.fetch_timeout
    connect_timeout: float = 5.0
    poll: float = 5.0
    circuit_failures: int = _FED.circuit_failures
    circuit_open: float = _FED.circuit_open_seconds
    schedule: tuple[float, ...] = field(default=tuple(DEFAULT_SCHEDULE))
    inbox_workers: int = 1
    inbox_rate: float = 150.0
    door_rate: float = 1300.0
    report_every: float = 2.0
    pipeline: bool = False
    stop_chain: bool = False


HELP = {
    "members": "local members",
    "peers": "peer instances",
    "hours": "simulated hours, from --start-hour",
    "seed": "random seed (same seed and parameters, same output)",
    "followers_median": "median followers per member (lognormal)",
    "followers_sigma": "lognormal shape of followers per member (1.8: mean ~5x median)",
    "max_followers": "cap on one member's followers",
    "remote_share": "share of followers on other instances",
    "peer_zipf": "Zipf exponent of how remote followers spread over peers",
    "posts_per_member_day": "posts (with replies, boosts) per member per day, mean",
    "posting_sigma": "lognormal shape of posting rates across members",
    "likes_per_member_day": "outgoing activities to a single peer per member per day",
    "daily_swing": "amplitude of the daily cycle (0.6: peak 1.6x the mean)",
    "peak_hour": "hour of the daily peak",
    "start_hour": "hour of day the simulation starts at",
    "inbound_per_member_day": "incoming activities per member per day (base)",
    "interactions_per_follower": "incoming replies/boosts/likes per remote follower per post",
    "interaction_delay": "mean seconds from a post to an interaction with it",
    "big_peers": "the biggest peers, always up",
    "down_fraction": "share of the other peers down for the whole run",
    "timeout_share": "share of the down peers that hang until --timeout",
    "slow_fraction": "share of the other peers that answer slowly",
    "slow_latency": "median seconds a slow peer takes",
    "latency_median": "median seconds a healthy peer takes to answer a POST",
    "latency_sigma": "lognormal shape of the healthy peers' latencies",
    "error_rate": "share of healthy answers that are a 5xx (retried)",
    "refuse_rate": "share of healthy answers that are a permanent 4xx (given up)",
    "delivery_workers": "delivery worker processes",
    "worker_rate": "deliveries a second one worker's CPU sends and records (measured)",
    "cpus": "cores for the delivery workers (0: one each)",
    "batch": "deliveries a worker claims at a time",
    "concurrency": "requests in flight per worker",
    "timeout": "seconds before a request times out",
    "connect_timeout": "seconds before a connection attempt to a silent peer gives up",
    "poll": "seconds an idle worker sleeps when nothing wakes it",
    "circuit_failures": "failed batches in a row that open a peer's circuit",
    "circuit_open": "seconds a circuit stays open",
    "schedule": "comma-separated retry delays in seconds (after attempt 1, 2, ...)",
    "inbox_workers": "inbox worker processes",
    "inbox_rate": "activities a second one inbox worker applies (measured)",
    "door_rate": "signed deliveries a second one web process accepts (measured)",
    "report_every": "hours per row of the table",
    "stop_chain": "EXPERIMENT, not what the worker does: after a peer's first network "
    "failure in a batch, postpone its other requests of the batch instead of trying "
    "each one",
    "pipeline": "EXPERIMENT, not what the worker does: claim the next batch as soon as "
    "every request of the current one is under way (each peer's requests stay in order "
    "across batches)",
}

UP, SLOW, DOWN_FAST, DOWN_HANG = range(4)


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw (Knuth's product below 30, the normal approximation above)."""
    if lam <= 0:
        return 0
    if lam < 30:
        limit, k, p = math.exp(-lam), 0, rng.random()
        while p > limit:
            k += 1
            p *= rng.random()
        return k
    return max(0, round(rng.gauss(lam, math.sqrt(lam))))


@dataclass
class Counts:
    enqueued: int = 0
    attempts: int = 0
    delivered: int = 0
    failed: int = 0
    given_up: int = 0
    postponed: int = 0
    posts: int = 0
    singles: int = 0
    inbound: int = 0
    inbox_applied: int = 0


@dataclass
class Row:
    """What one report period saw."""

    counts: Counts = field(default_factory=Counts)
    max_new_waiting: int = 0
    max_oldest_due: float = 0.0
    max_inbound_s: float = 0.0
    max_inbox_depth: float = 0.0
    max_inbox_wait: int = 0
    end_retry_waiting: int = 0
    end_queued: int = 0


class Simulation:
    def __init__(self, p: Params) -> None:
        self.p = p
        rng = self.rng = random.Random(p.seed)
        # Requests draw from a stream of their own, so the same seed gives the same
        # members, posts and arrivals whatever the workers do.
        self.net = random.Random(f"{p.seed}-network")
        weights = [1 / (i + 1) ** p.peer_zipf for i in range(p.peers)]
        self.peer_cum = list(accumulate(weights))
        self.kind = array("b", [UP]) * p.peers
        self.base = array("d", [0.0]) * p.peers
        # Peers draw from a stream of their own, the same three draws each, so that
        # changing how many are down or slow changes nothing else.
        peers = random.Random(f"{p.seed}-peers")
        for h in range(p.peers):
            roll, hang, spread = peers.random(), peers.random(), peers.gauss(0, 1)
            if h < p.big_peers:
                roll = 1.0
            if roll < p.down_fraction:
                self.kind[h] = DOWN_HANG if hang < p.timeout_share else DOWN_FAST
            elif roll < p.down_fraction + p.slow_fraction:
                self.kind[h] = SLOW
                self.base[h] = p.slow_latency * math.exp(0.5 * spread)
            else:
                self.base[h] = p.latency_median * math.exp(p.latency_sigma * spread)
        mu = math.log(p.followers_median)
        self.remote = array("l", [0]) * p.members
        for m in range(p.members):
            followers = min(p.max_followers, round(rng.lognormvariate(mu, p.followers_sigma)))
            self.remote[m] = round(followers * p.remote_share)
        rates = [rng.lognormvariate(0, p.posting_sigma) for _ in range(p.members)]
        self.post_cum = list(accumulate(rates))
        self.audiences: dict[int, list[int]] = {}
        # Queues: first attempts in order of creation ([created, hosts, next index]),
        # retries and postponed deliveries by due time.
        self.fresh: deque[list] = deque()
        self.fresh_n = 0
        self.retry: list[tuple[float, int, float, int, int]] = []
        self.seq = 0
        self.fails = array("l", [0]) * p.peers
        self.open_until = array("d", [0.0]) * p.peers
        self.free_at = [0.0] * p.delivery_workers
        self.slots = [[0.0] * p.concurrency for _ in range(p.delivery_workers)]
        self.cpu_free = [0.0] * p.delivery_workers
        self.ready: list[dict[int, float]] = [{} for _ in range(p.delivery_workers)]
        self.idle = [True] * p.delivery_workers
        self.cpu_cost = (1 / p.worker_rate) * max(1.0, p.delivery_workers / (p.cpus or 10**9))
        self.total = Counts()
        self.delays = array("d")
        self.peak_delays = array("d")
        self.peak_start = ((p.peak_hour - p.start_hour) % 24) * 3600
        self.inbox: deque[list] = deque()  # [arrival second, count left]
        self.inbox_depth = 0.0
        self.inbox_credit = 0.0
        self.inbox_waits: dict[int, float] = {}
        self.later: dict[int, int] = {}  # second -> interactions arriving then
        self.rows: list[Row] = []
        self.audience_sizes: list[int] = []
        self.batch_sizes = array("l")
        self.caught_up_at: float | None = None
        self.calm_since: float | None = None
        self.period = max(1, round(p.report_every * 3600))
        self.busy: dict[int, float] = {}
        self.batch_seconds = array("d")

    # --- traffic ---------------------------------------------------------------

    def audience(self, member: int) -> list[int]:
        hosts = self.audiences.get(member)
        if hosts is None:
            drawn = self.rng.choices(
                range(self.p.peers), cum_weights=self.peer_cum, k=self.remote[member]
            )
            hosts = self.audiences[member] = list(dict.fromkeys(drawn))
        return hosts

    def cycle(self, t: float) -> float:
        hour = self.p.start_hour + t / 3600
        return 1 + self.p.daily_swing * math.cos(2 * math.pi * (hour - self.p.peak_hour) / 24)

    def enqueue(self, created: float, hosts: list[int], row: Row) -> None:
        if hosts:
            self.fresh.append([created, hosts, 0])
            self.fresh_n += len(hosts)
            for c in (self.total, row.counts):
                c.enqueued += len(hosts)

    # --- delivery worker -------------------------------------------------------

    def claim(self, now: float) -> list[tuple[float, int, int]]:
        jobs: list[tuple[float, int, int]] = []
        limit = self.p.batch
        while len(jobs) < limit:
            fresh_due = self.fresh[0][0] if self.fresh else math.inf
            retry_due = self.retry[0][0] if self.retry else math.inf
            if min(fresh_due, retry_due) > now:
                break
            if fresh_due <= retry_due:
                chunk = self.fresh[0]
                created, hosts, start = chunk
                end = min(len(hosts), start + limit - len(jobs))
                jobs.extend((created, h, 0) for h in hosts[start:end])
                self.fresh_n -= end - start
                if end == len(hosts):
                    self.fresh.popleft()
                else:
                    chunk[2] = end
            else:
                _, _, created, host, attempts = heapq.heappop(self.retry)
                jobs.append((created, host, attempts))
        return jobs

    def push_retry(self, due: float, created: float, host: int, attempts: int) -> None:
        self.seq += 1
        heapq.heappush(self.retry, (due, self.seq, created, host, attempts))

    def request(self, host: int) -> tuple[float, str]:
        """Latency and result of one POST: 'ok', 'down' (no answer / 5xx), 'refused'."""
        rng, p, kind = self.net, self.p, self.kind[host]
        if kind == DOWN_HANG:
            return p.connect_timeout, "down"
        if kind == DOWN_FAST:
            return 0.05, "down"
        latency = self.base[host] * rng.lognormvariate(0, 0.5 if kind == SLOW else 0.3)
        if latency >= p.timeout:
            return p.timeout, "down"
        roll = rng.random()
        if roll < p.error_rate:
            return latency, "error"
        if roll < p.error_rate + p.refuse_rate:
            return latency, "refused"
        return latency, "ok"

    def run_batch(self, w: int, now: float, row: Row) -> None:
        jobs = self.claim(now)
        if not jobs:
            self.idle[w] = True
            self.free_at[w] = now + self.p.poll
            return
        self.idle[w] = False
        p = self.p
        sendable = []
        for job in jobs:
            until = self.open_until[job[1]]
            if until > now:
                self.push_retry(until, job[0], job[1], job[2])
                for c in (self.total, row.counts):
                    c.postponed += 1
            else:
                sendable.append(job)
        results = [self.request(job[1]) for job in sendable]
        if p.stop_chain:
            sendable, results = self.stop_chains(now, sendable, results, row)
        finish, last_begin = self.schedule(now, sendable, [r[0] for r in results], w)
        end = max(finish, default=now)
        rng = self.net
        host_ok: dict[int, bool] = {}
        for (created, host, attempts), (_, result), done in zip(
            sendable, results, finish, strict=True
        ):
            reachable = result in ("ok", "refused")
            host_ok[host] = host_ok.get(host, False) or reachable
            for c in (self.total, row.counts):
                c.attempts += 1
            if result == "ok":
                delay = done - created
                self.delays.append(delay)
                if self.peak_start <= created < self.peak_start + 3600:
                    self.peak_delays.append(delay)
                for c in (self.total, row.counts):
                    c.delivered += 1
            elif result == "refused" or attempts + 1 > len(p.schedule):
                for c in (self.total, row.counts):
                    c.given_up += 1
            else:
                for c in (self.total, row.counts):
                    c.failed += 1
                due = done + p.schedule[attempts] * rng.uniform(0.9, 1.1)
                self.push_retry(due, created, host, attempts + 1)
        for host, ok in host_ok.items():
            if ok:
                self.fails[host] = 0
                self.open_until[host] = 0.0
            else:
                self.fails[host] += 1
                if self.fails[host] >= p.circuit_failures:
                    self.open_until[host] = end + p.circuit_open
        claim_again = max(last_begin, now + 0.001) if self.p.pipeline else end
        self.free_at[w] = claim_again
        self.add_busy(now, claim_again)
        self.batch_sizes.append(len(jobs))
        self.batch_seconds.append(claim_again - now)

    def stop_chains(self, now: float, jobs: list, results: list, row: Row) -> tuple[list, list]:
        """EXPERIMENT (--stop-chain): after a peer's first network failure in a batch,
        its later requests are not sent but postponed (no attempt counted) to when
        a first retry would be."""
        failed: set[int] = set()
        kept_jobs, kept_results = [], []
        for job, result in zip(jobs, results, strict=True):
            if job[1] in failed:
                due = now + self.p.schedule[0] * self.net.uniform(0.9, 1.1)
                self.push_retry(due, job[0], job[1], job[2])
                for c in (self.total, row.counts):
                    c.postponed += 1
                continue
            if result[1] == "down":
                failed.add(job[1])
            kept_jobs.append(job)
            kept_results.append(result)
        return kept_jobs, kept_results

    def add_busy(self, start: float, end: float) -> None:
        """Worker time, split over the report periods it falls in."""
        period = self.period
        while start < end:
            index = int(start // period)
            upto = min(end, (index + 1) * period)
            self.busy[index] = self.busy.get(index, 0.0) + upto - start
            start = upto

    def schedule(
        self, start: float, jobs: list, latencies: list[float], w: int
    ) -> tuple[list[float], float]:
        """When each request of a batch ends, and when its last one got under way:
        each peer's requests one after another in claim order, at most
        ``concurrency`` in flight (waiters served first come, first served, like
        asyncio's semaphore), CPU work serial. With ``--pipeline`` the slots, the CPU
        and each peer's last request carry over from the worker's earlier batches."""
        chains: dict[int, list[int]] = {}
        for i, job in enumerate(jobs):
            chains.setdefault(job[1], []).append(i)
        finish = [0.0] * len(jobs)
        joins: list[tuple[float, int, list[int], int]] = []
        seq = 0
        if self.p.pipeline:
            slots, cpu_free, ready = self.slots[w], max(start, self.cpu_free[w]), self.ready[w]
            waiting: deque = deque()
            for host, chain in chains.items():
                after = ready.get(host, 0.0)
                if after > start:
                    seq += 1
                    heapq.heappush(joins, (after, seq, chain, 0))
                else:
                    waiting.append((chain, 0, start))
        else:
            slots, cpu_free = [start] * min(self.p.concurrency, len(jobs)), start
            waiting = deque((chain, 0, start) for chain in chains.values())
        cost, last_begin = self.cpu_cost, start
        while waiting or joins:
            slot = slots[0]
            while joins and joins[0][0] <= slot:
                joined, _, chain, pos = heapq.heappop(joins)
                waiting.append((chain, pos, joined))
            if waiting:
                chain, pos, joined = waiting.popleft()
            else:
                joined, _, chain, pos = heapq.heappop(joins)
            begin = max(slot, joined, cpu_free)
            last_begin = max(last_begin, begin)
            cpu_free = begin + cost
            i = chain[pos]
            finish[i] = cpu_free + latencies[i]
            heapq.heapreplace(slots, finish[i])
            if pos + 1 < len(chain):
                seq += 1
                heapq.heappush(joins, (finish[i], seq, chain, pos + 1))
        if self.p.pipeline:
            self.cpu_free[w] = cpu_free
            for host, chain in chains.items():
                self.ready[w][host] = finish[chain[-1]]
            if len(self.ready[w]) > 50_000:
                self.ready[w] = {h: t for h, t in self.ready[w].items() if t > start}
        return finish, last_begin

    # --- inbox -----------------------------------------------------------------

    def inbox_step(self, second: int, arrivals: int, row: Row) -> None:
        if arrivals:
            self.inbox.append([second, arrivals])
            self.inbox_depth += arrivals
            for c in (self.total, row.counts):
                c.inbound += arrivals
        self.inbox_credit += self.p.inbox_workers * self.p.inbox_rate
        while self.inbox and self.inbox_credit >= 1:
            cohort = self.inbox[0]
            served = min(cohort[1], math.floor(self.inbox_credit))
            wait = second - cohort[0]
            self.inbox_waits[wait] = self.inbox_waits.get(wait, 0) + served
            row.max_inbox_wait = max(row.max_inbox_wait, wait)
            cohort[1] -= served
            self.inbox_credit -= served
            self.inbox_depth -= served
            for c in (self.total, row.counts):
                c.inbox_applied += served
            if not cohort[1]:
                self.inbox.popleft()
        if not self.inbox:
            self.inbox_credit = min(self.inbox_credit, self.p.inbox_workers * self.p.inbox_rate)
        row.max_inbox_depth = max(row.max_inbox_depth, self.inbox_depth)

    # --- main loop -------------------------------------------------------------

    def queued(self) -> int:
        return self.fresh_n + len(self.retry)

    def run(self) -> None:
        p, rng = self.p, self.rng
        post_rate = p.members * p.posts_per_member_day / 86_400
        like_rate = p.members * p.likes_per_member_day / 86_400
        inbound_rate = p.members * p.inbound_per_member_day / 86_400
        seconds = round(p.hours * 3600)
        period = self.period
        total_w = self.post_cum[-1]
        row = Row()
        for second in range(seconds):
            if second and second % period == 0:
                self.close_row(row)
                row = Row()
            t0 = float(second)
            f = self.cycle(t0)
            arrivals: list[tuple[float, list[int], int]] = []
            for _ in range(poisson(rng, post_rate * f)):
                member = bisect.bisect(self.post_cum, rng.random() * total_w)
                member = min(member, p.members - 1)
                at = t0 + rng.random()
                hosts = self.audience(member)
                self.audience_sizes.append(len(hosts))
                arrivals.append((at, hosts, 1))
                for _ in range(poisson(rng, p.interactions_per_follower * self.remote[member])):
                    when = int(at + rng.expovariate(1 / p.interaction_delay))
                    self.later[when] = self.later.get(when, 0) + 1
            for _ in range(poisson(rng, like_rate * f)):
                host = bisect.bisect(self.peer_cum, rng.random() * self.peer_cum[-1])
                arrivals.append((t0 + rng.random(), [min(host, p.peers - 1)], 0))
            arrivals.sort(key=lambda a: a[0])
            for at, hosts, is_post in arrivals:
                self.work_until(at, row)
                self.enqueue(at, hosts, row)
                for c in (self.total, row.counts):
                    if is_post:
                        c.posts += 1
                    else:
                        c.singles += 1
                for w in range(p.delivery_workers):
                    if self.idle[w] and self.free_at[w] > at:
                        self.free_at[w] = at
            self.work_until(t0 + 1, row)
            inbound = poisson(rng, inbound_rate * f) + self.later.pop(second, 0)
            row.max_inbound_s = max(row.max_inbound_s, inbound)
            self.inbox_step(second, inbound, row)
            row.max_new_waiting = max(row.max_new_waiting, self.fresh_n)
            oldest = min(self.fresh[0][0] if self.fresh else math.inf,
                         self.retry[0][0] if self.retry else math.inf)  # fmt: skip
            age = max(0.0, t0 + 1 - oldest)
            row.max_oldest_due = max(row.max_oldest_due, age)
            self.watch_drain(t0, age)
        self.close_row(row)

    def watch_drain(self, t: float, age: float) -> None:
        """Note when, after the peak hour, nothing due has waited a minute for ten
        minutes in a row (the workers have caught up)."""
        if age >= 60:
            self.calm_since = None
            return
        if self.calm_since is None:
            self.calm_since = t
        since = max(self.calm_since, self.peak_start + 3600)
        if self.caught_up_at is None and t - since >= 600:
            self.caught_up_at = since

    def work_until(self, t: float, row: Row) -> None:
        """Let every worker whose next claim falls before ``t`` claim and send."""
        while True:
            w = min(range(self.p.delivery_workers), key=self.free_at.__getitem__)
            if self.free_at[w] >= t:
                return
            self.run_batch(w, self.free_at[w], row)

    def close_row(self, row: Row) -> None:
        row.end_retry_waiting = len(self.retry)
        row.end_queued = self.queued()
        self.rows.append(row)

    def conserved(self) -> bool:
        t = self.total
        return t.enqueued == t.delivered + t.given_up + self.queued()


# --- report ------------------------------------------------------------------------


def weighted_percentile(hist: dict[int, float], pct: float) -> float:
    total = sum(hist.values())
    if not total:
        return float("nan")
    need, seen = pct / 100 * total, 0.0
    for value in sorted(hist):
        seen += hist[value]
        if seen >= need:
            return value
    return max(hist)


def spread(values: array) -> list[object]:
    ordered = sorted(values)
    if not ordered:
        return ["-"] * 5
    return (
        [len(ordered)]
        + [round(percentile(ordered, q), 2) for q in (50, 95, 99)]
        + [round(ordered[-1], 2)]
    )


def report(sim: Simulation, elapsed: float, cpu: float) -> str:
    p, t = sim.p, sim.total
    out = []
    rows = []
    for i, r in enumerate(sim.rows):
        start = p.start_hour + i * sim.period / 3600
        c = r.counts
        span = min(sim.period, p.hours * 3600 - i * sim.period)
        rows.append([
            _clock(start),
            c.posts, c.enqueued, c.delivered, c.failed, c.postponed, c.given_up,
            r.max_new_waiting, r.end_retry_waiting, round(r.max_oldest_due, 1),
            round(100 * sim.busy.get(i, 0.0) / (span * p.delivery_workers), 1),
            int(r.max_inbound_s), int(r.max_inbox_depth), r.max_inbox_wait,
        ])  # fmt: skip
    out.append(table(
        ["from", "posts", "deliveries queued", "delivered", "failed attempts", "postponed",
         "given up", "max first attempts waiting", "retries waiting at end",
         "max oldest due s", "workers busy %", "max inbound /s", "max inbox depth",
         "max inbox wait s"],
        rows,
    ))  # fmt: skip
    sizes = sorted(sim.audience_sizes)
    out.append("")
    if sizes:
        out.append(
            f"deliveries per post (distinct peers): mean {sum(sizes) / len(sizes):.1f}, "
            f"p50 {percentile(sizes, 50)}, p99 {percentile(sizes, 99)}, max {sizes[-1]}"
        )
    out.append(
        table(
            ["delivery delay s (post → delivered)", "delivered", "p50", "p95", "p99", "max"],
            [
                [f"posts of the peak hour ({_clock(p.peak_hour)})", *spread(sim.peak_delays)],
                ["all posts of the run", *spread(sim.delays)],
            ],
        )
    )
    if sim.batch_sizes:
        seconds, full = (
            sorted(sim.batch_seconds),
            [d for n, d in zip(sim.batch_sizes, sim.batch_seconds, strict=True) if n == p.batch],
        )
        out.append(
            f"batches: {len(seconds):,}, {sum(sim.batch_sizes) / len(seconds):.0f} deliveries "
            f"on average, lasting p50 {percentile(seconds, 50):.2f} s, p95 "
            f"{percentile(seconds, 95):.2f} s; full batches ({len(full):,}): "
            + (f"{p.batch * len(full) / sum(full):.0f} deliveries/s while a worker works them"
               if full else "none")
        )  # fmt: skip
    waits = sim.inbox_waits
    out.append("")
    out.append(
        f"inbox: {t.inbound:,} arrived, {t.inbox_applied:,} applied, wait p50 "
        f"{weighted_percentile(waits, 50)} s, p99 {weighted_percentile(waits, 99)} s, max "
        f"{max(waits, default=0)} s; peak "
        f"{max((r.max_inbound_s for r in sim.rows), default=0):.0f}/s "
        f"against {p.inbox_workers} × {p.inbox_rate:g}/s applied and {p.door_rate:g}/s "
        "accepted by one web process"
    )
    peak_end = sim.peak_start + 3600
    last = sim.rows[-1] if sim.rows else Row()
    if sim.caught_up_at is not None:
        drained = (
            "yes: from "
            f"{_clock(p.start_hour + sim.caught_up_at / 3600)} "
            f"({(sim.caught_up_at - peak_end) / 60:.0f} min after the peak hour) nothing due "
            "waited a minute or more for at least ten minutes"
        )
    elif p.hours * 3600 <= peak_end + 600:
        drained = "not known: the run ends before ten minutes after the peak hour"
    else:
        drained = (
            "NO: not once after the peak hour did ten minutes pass without a delivery "
            "due a minute or more ago"
        )
    inbox_drained = sim.inbox_depth < p.inbox_workers * p.inbox_rate
    out.append(
        f"queues drain: deliveries {drained}; in the last row the oldest due delivery had "
        f"waited up to {last.max_oldest_due:,.0f} s, and {sim.fresh_n:,} first attempts were "
        f"waiting at the end; inbox {'yes' if inbox_drained else 'NO'} (depth at the end "
        f"{sim.inbox_depth:,.0f})"
    )
    ok = sim.conserved()
    out.append(
        f"conservation: enqueued {t.enqueued:,} = delivered {t.delivered:,} + given up "
        f"{t.given_up:,} + still queued {sim.queued():,} ({sim.fresh_n:,} first attempts, "
        f"{len(sim.retry):,} retries/postponed): {'ok' if ok else 'BROKEN'}; "
        f"{t.attempts:,} attempts, {t.postponed:,} postponed; simulated in {elapsed:.1f} s "
        f"({cpu:.1f} s of CPU)"
    )
    return "\n".join(out)


def _clock(hour: float) -> str:
    minutes = round((hour % 24) * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def audiences(p: Params, followers: list[int]) -> str:
    """Expected deliveries of one post (distinct peers among the remote followers)
    for the given follower counts: sum over peers of 1 - (1 - share)^remote."""
    weights = [1 / (i + 1) ** p.peer_zipf for i in range(p.peers)]
    total = sum(weights)
    shares = [w / total for w in weights]
    rows = []
    for count in followers:
        remote = round(count * p.remote_share)
        distinct = sum(1 - (1 - s) ** remote for s in shares)
        busiest = [round(s * remote, 1) for s in shares[:3]]
        rows.append([count, remote, round(distinct), round(remote / distinct, 1) if distinct else 0,
                     ", ".join(f"{b:g}" for b in busiest),
                     round(distinct / p.worker_rate, 2)])  # fmt: skip
    head = (
        f"{p.peers:,} peers, Zipf exponent {p.peer_zipf:g}, {p.remote_share:.0%} of followers "
        "remote"
    )
    return head + "\n" + table(
        ["followers", "remote", "deliveries a post", "followers per delivery",
         "on the 3 biggest peers", f"CPU s at {p.worker_rate:g}/s"],
        rows,
    )  # fmt: skip


def summary(sim: Simulation) -> dict[str, object]:
    """The run's totals, for ``--json`` (and the test that checks them)."""
    peak, every = sorted(sim.peak_delays), sorted(sim.delays)
    return {
        **dataclasses.asdict(sim.total),
        "audience_deliveries": sum(sim.audience_sizes),
        "queued_first_attempts": sim.fresh_n,
        "queued_retries": len(sim.retry),
        "conserved": sim.conserved(),
        "peak_delay_p50": percentile(peak, 50) if peak else None,
        "peak_delay_p99": percentile(peak, 99) if peak else None,
        "delay_p99": percentile(every, 99) if every else None,
        "caught_up_at": sim.caught_up_at,
    }


def parse_args(argv: list[str] | None = None) -> tuple[Params, bool]:
    parser = argparse.ArgumentParser(
        prog="python -m bench.simulate",
        description="Queue depths and delivery delays of one large instance, simulated.",
        epilog=MODEL,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--json", action="store_true", help="print the totals as JSON instead")
    parser.add_argument(
        "--audiences",
        metavar="N,N,...",
        help="print the expected deliveries of one post by a member with N followers "
        "(under --peers, --peer-zipf, --remote-share) and stop",
    )
    defaults = Params()
    for f in fields(Params):
        value = getattr(defaults, f.name)
        flag = "--" + f.name.replace("_", "-")
        if f.name in ("pipeline", "stop_chain"):
            parser.add_argument(flag, action="store_true", help=HELP[f.name])
        elif f.name == "schedule":
            shown = ",".join(f"{v:g}" for v in value)
            parser.add_argument(flag, default=shown, help=f"{HELP[f.name]} (default {shown})")
        else:
            kind = type(value)
            parser.add_argument(
                flag, type=kind, default=value, help=f"{HELP[f.name]} (default {value:g})"
                if kind is float else f"{HELP[f.name]} (default {value})",
            )  # fmt: skip
    args = parser.parse_args(argv)
    try:
        schedule = tuple(float(x) for x in str(args.schedule).split(",") if x.strip())
    except ValueError:
        parser.error("--schedule takes comma-separated seconds, such as 60,300,1800")
    if not schedule:
        parser.error("--schedule needs at least one delay")
    values = {f.name: getattr(args, f.name) for f in fields(Params)}
    values["schedule"] = schedule
    params = Params(**values)
    for name in ("members", "peers", "delivery_workers", "batch", "concurrency", "inbox_workers"):
        if getattr(params, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    for name in ("worker_rate", "inbox_rate", "hours", "report_every", "followers_median"):
        if getattr(params, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be more than 0")
    if params.down_fraction + params.slow_fraction > 1:
        parser.error("--down-fraction and --slow-fraction add up to more than 1")
    if args.audiences:
        try:
            counts = [int(x) for x in args.audiences.split(",")]
        except ValueError:
            parser.error("--audiences takes comma-separated follower counts, such as 100,1000")
        print(audiences(params, counts))
        sys.exit(0)
    return params, args.json


def main(argv: list[str] | None = None) -> int:
    params, as_json = parse_args(argv)
    started, cpu = time.perf_counter(), time.process_time()
    sim = Simulation(params)
    sim.run()
    if as_json:
        print(json.dumps(summary(sim), sort_keys=True))
        return 0 if sim.conserved() else 1
    changed = [
        f"--{f.name.replace('_', '-')}"
        + ("" if isinstance(getattr(params, f.name), bool) else f" {getattr(params, f.name)}")
        for f in fields(Params)
        if getattr(params, f.name) != getattr(Params(), f.name)
    ]
    print(f"# bench.simulate {' '.join(changed) or '(defaults)'}")
    print(report(sim, time.perf_counter() - started, time.process_time() - cpu))
    return 0 if sim.conserved() else 1


if __name__ == "__main__":
    sys.exit(main())
