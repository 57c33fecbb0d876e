"""Door and inbox worker together at a fixed offered rate: does the backlog stay flat?

Issue 14's target: at an offered load of at least 0.4x the reference (the
bare signature-verifying handler of ``bench/reference.py``, measured first in
the same run with the same requests), the inbox worker applies Create(Note)s
as fast as the door accepts them, on SQLite and on PostgreSQL with one worker
process; two worker processes on PostgreSQL at least 1.6x one.

Open loop: request *i* is due at ``i / rate`` seconds and is sent then,
whether or not earlier ones were answered (a peer's queue does not wait for
us), over a pool of ``--connections`` keep-alive connections; a request that
finds every connection busy waits for one, and that wait counts in its
*delay* (due time to answer) beside the door's *latency* (sent to answer).
Every second: offered (due), accepted (202s), applied (``inbox_items`` rows
no longer ``pending``: done or failed), backlog (``pending`` rows).

Setups (``--workers``): 0 is ``warmline serve`` doing everything (the
default install); 1 or 2 is ``warmline serve --no-workers`` plus that many
``warmline worker --queues inbox`` processes. ``--db postgresql`` starts a
throwaway cluster (``bench/_postgres.py``) unless ``--database-url`` names one.

    .venv/bin/python -m bench.sustained [--seconds 60] [--rate N] [--db sqlite] [--workers 0]
    .venv/bin/python -m bench.sustained --db postgresql --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from bench import inbox
from bench._common import cpu_seconds, machine, proc_status, spread
from bench._postgres import throwaway_postgres
from bench._rawhttp import connect
from bench._server import REPO, WARMLINE, Server, ServerError, create_member, free_port, repo_env
from bench.reference import measure_reference, sender_keys

REFERENCE_REQUESTS = 3000
DEFAULT_SHARE = 0.4  # issue 14: sustained >= 0.4x the reference


# --- the inbox queue, read from the database ----------------------------------------


class QueueCounts:
    """``inbox_items`` by state, from SQLite (read-only peeks, WAL) or PostgreSQL."""

    def __init__(self, data: Path, database_url: str | None) -> None:
        self._sqlite = None if database_url else inbox.Db(data / "warmline.sqlite3")
        self._dsn = database_url.replace("+asyncpg", "") if database_url else None
        self._pg = None

    async def states(self) -> dict[str, int]:
        if self._sqlite is not None:
            return await asyncio.to_thread(self._sqlite.inbox_states)
        if self._pg is None:
            import asyncpg

            self._pg = await asyncpg.connect(self._dsn)
        rows = await self._pg.fetch("SELECT state, count(*) FROM inbox_items GROUP BY state")
        return {row[0]: int(row[1]) for row in rows}

    async def close(self) -> None:
        if self._pg is not None:
            await self._pg.close()


def applied(states: dict[str, int]) -> int:
    return sum(n for state, n in states.items() if state != "pending")


# --- open-loop sending --------------------------------------------------------------


@dataclass
class Tally:
    due: int = 0
    accepted: int = 0
    errors: int = 0
    first_error: str = ""
    latencies: list[float] = field(default_factory=list)  # sent -> answered
    delays: list[float] = field(default_factory=list)  # due -> answered


async def _send_one(pool: asyncio.Queue, port: int, request: bytes, due: float, t: Tally) -> None:
    conn = await pool.get()
    try:
        if conn.closed:
            conn = await connect("127.0.0.1", port)
        sent = time.perf_counter()
        try:
            status, body, close = await asyncio.wait_for(conn.send(request), 60)
        except (ConnectionError, TimeoutError, OSError) as exc:
            status, body, close = 0, f"{type(exc).__name__}: {exc}".encode(), True
        done = time.perf_counter()
        if status == 202:
            t.accepted += 1
            t.latencies.append(done - sent)
            t.delays.append(done - due)
        else:
            t.errors += 1
            t.first_error = t.first_error or f"HTTP {status}: {body[:200]!r}"
        if close and not conn.closed:
            conn.transport.close()
    finally:
        pool.put_nowait(conn)


async def open_loop(
    port: int, requests: list[bytes], rate: float, connections: int, tally: Tally
) -> None:
    """Send request i at start + i/rate, not waiting for earlier answers."""
    pool: asyncio.Queue = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await connect("127.0.0.1", port))
    tasks: set[asyncio.Task] = set()
    start = time.perf_counter()
    for i, request in enumerate(requests):
        due = start + i / rate
        wait = due - time.perf_counter()
        if wait > 0.002:
            await asyncio.sleep(wait)
        tally.due += 1
        task = asyncio.create_task(_send_one(pool, port, request, due, tally))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    while not pool.empty():
        conn = pool.get_nowait()
        if conn.transport is not None:
            conn.transport.close()


# --- the run ------------------------------------------------------------------------


@dataclass
class Sample:
    second: float
    offered: int
    accepted: int
    applied: int
    backlog: int
    client_queue: int  # due but not yet answered


async def sample_every_second(
    queue: QueueCounts, tally: Tally, stop: asyncio.Event, out: list[Sample]
) -> None:
    start = time.perf_counter()
    base = applied(await queue.states())
    last = (0, 0, base)
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)
        states = await queue.states()
        done = applied(states)
        out.append(
            Sample(
                time.perf_counter() - start,
                tally.due - last[0],
                tally.accepted - last[1],
                done - last[2],
                states.get("pending", 0),
                tally.due - tally.accepted - tally.errors,
            )
        )
        last = (tally.due, tally.accepted, done)


def start_workers(server: Server, count: int) -> list[subprocess.Popen[bytes]]:
    procs = []
    env = repo_env(server.database_url)
    for n in range(count):
        cmd = [
            *WARMLINE, "worker", "--queues", "inbox", "--config", str(server.config_path),
            "--dev", "--domain", server.authority, "--data", str(server.data),
        ]  # fmt: skip
        with open(server.data / f"worker-{n}.log", "ab") as log:
            procs.append(
                subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=REPO, env=env)
            )
    return procs


def stop_workers(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def drive(args, server: Server, queue: QueueCounts, docs, peer_port, signed, keys) -> dict:
    fetches: list[str] = []
    runner = web.AppRunner(inbox.peer_app(docs, fetches), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", peer_port).start()
    pids = [server.proc.pid, *args.worker_pids]
    try:
        warm = signed["warmup"]
        tally = Tally()
        await open_loop(server.port, warm, 200, 8, tally)
        if tally.accepted != len(warm):
            raise ServerError(f"warm-up: {tally.errors} errors, first: {tally.first_error}")
        for _ in range(120):  # the worker applies the warm-up (keys, accounts fetched)
            if (await queue.states()).get("pending", 0) == 0:
                break
            await asyncio.sleep(0.5)
        tally = Tally()
        samples: list[Sample] = []
        stop = asyncio.Event()
        cpu_before = [cpu_seconds(p) for p in pids]
        sampler = asyncio.create_task(sample_every_second(queue, tally, stop, samples))
        started = time.perf_counter()
        await open_loop(server.port, signed["load"], args.rate, args.connections, tally)
        elapsed = time.perf_counter() - started
        stop.set()
        await sampler
        cpu = [(cpu_seconds(p) - b) / elapsed * 100 for p, b in zip(pids, cpu_before, strict=True)]
        final = await queue.states()
    finally:
        await runner.cleanup()
    return {"tally": tally, "samples": samples, "elapsed": elapsed, "cpu": cpu, "final": final}


def report(args, reference, result: dict, rss: list[tuple[str, int]]) -> None:
    tally, samples, elapsed = result["tally"], result["samples"], result["elapsed"]
    print()
    print("   s | offered | accepted | applied | backlog | waiting in client")
    for s in samples:
        print(
            f"{s.second:4.0f} | {s.offered:7,} | {s.accepted:8,} | {s.applied:7,} | "
            f"{s.backlog:7,} | {s.client_queue:,}"
        )
    applied_total = sum(s.applied for s in samples)
    accepted_rate = tally.accepted / elapsed
    applied_rate = applied_total / elapsed
    half = samples[len(samples) // 2 :]
    applied_late = statistics.fmean(s.applied for s in half) if half else float("nan")
    if len(samples) >= 3:
        growth = statistics.linear_regression(
            [s.second for s in samples], [s.backlog for s in samples]
        ).slope
    else:
        growth = float("nan")
    lat, delay = spread(tally.latencies or [float("nan")]), spread(tally.delays or [float("nan")])
    ref = reference.rate
    print()
    print(
        f"setup: {args.setup}; offered {args.rate:,.0f}/s for {args.seconds:g} s; the last "
        f"answer came {elapsed:.1f} s after the start (rates below are over that time)"
    )
    print(
        f"reference (bare handler, cavage verify, cached key; 16 connections): {ref:,.0f}/s "
        f"(p99 {reference.p99_ms:.1f} ms); offered = {args.rate / ref:.2f}x"
    )
    print(
        f"accepted (202): {tally.accepted:,} = {accepted_rate:,.0f}/s ({accepted_rate / ref:.2f}x);"
        f" errors {tally.errors:,}{'; first: ' + tally.first_error if tally.errors else ''}"
    )
    print(
        f"applied: {applied_total:,} = {applied_rate:,.0f}/s ({applied_rate / ref:.2f}x); "
        f"second half {applied_late:,.0f}/s ({applied_late / ref:.2f}x)"
    )
    print(
        f"backlog: final {result['final'].get('pending', 0):,}, growth {growth:,.0f}/s; "
        f"states {result['final']}"
    )
    print(
        f"door latency (sent -> 202) p50 {lat['p50'] * 1e3:.1f} ms, p99 {lat['p99'] * 1e3:.1f} ms; "
        f"delay (due -> 202) p50 {delay['p50'] * 1e3:.1f} ms, p99 {delay['p99'] * 1e3:.1f} ms"
    )
    cpu = ", ".join(f"{name} {c:.0f} %" for (name, _), c in zip(rss, result["cpu"], strict=True))
    print(f"CPU (% of one core): {cpu}")
    print("peak RSS (VmHWM): " + ", ".join(f"{name} {kib / 1024:.1f} MiB" for name, kib in rss))
    print(f"load average now: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.sustained",
        description="Door and inbox worker together at a fixed offered rate, open loop: "
        "offered, accepted, applied and backlog every second.",
    )
    parser.add_argument("--seconds", type=float, default=60, help="sending time (default 60)")
    parser.add_argument(
        "--rate",
        type=float,
        help=f"offered deliveries per second (default {DEFAULT_SHARE}x the reference "
        "measured first)",
    )
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--database-url", help="an empty PostgreSQL database to use (postgresql+asyncpg://...)"
    )
    parser.add_argument("--workers", type=int, choices=[0, 1, 2], default=0)
    parser.add_argument("--connections", type=int, default=64, help="client pool (default 64)")
    parser.add_argument("--senders", type=int, default=50, help="remote actors (default 50)")
    parser.add_argument("--keep", action="store_true", help="keep the data dir (and logs)")
    args = parser.parse_args(argv)
    if args.database_url and args.db != "postgresql":
        args.db = "postgresql"
    print(f"# bench.sustained: {machine()}")
    data = Path(tempfile.mkdtemp(prefix="warmline-bench-sustained-"))
    try:
        with contextlib.ExitStack() as stack:
            url = args.database_url
            if args.db == "postgresql" and not url:
                url = stack.enter_context(throwaway_postgres())
            run(args, data, url)
    except ServerError as exc:
        sys.exit(f"bench.sustained: {exc}")
    finally:
        if args.keep:
            print(f"# data dir kept: {data}")
        else:
            shutil.rmtree(data, ignore_errors=True)


def run(args, data: Path, database_url: str | None) -> None:
    serve_args = ("--no-workers",) if args.workers else ()
    server = Server(data, free_port(), serve_args=serve_args, database_url=database_url)
    args.setup = " ".join([f"{args.db}, warmline serve", *serve_args]) + (
        f" + {args.workers} x warmline worker --queues inbox" if args.workers else ""
    )
    peer_port = free_port()
    peer = f"http://127.0.0.1:{peer_port}"
    pool_size = min(2, os.cpu_count() or 1)
    started = time.perf_counter()
    with ProcessPoolExecutor(pool_size) as pool:
        pairs, _, alice, handle, batches = inbox.prepare(pool, args, server, [REFERENCE_REQUESTS])
    pems = [p for p, _ in pairs]
    signed = inbox.sign_all(pool_size, pems, server, peer, alice, handle, batches)
    keys = sender_keys(peer, pairs)
    reference = asyncio.run(measure_reference(keys, signed[1]))
    if args.rate is None:
        args.rate = round(DEFAULT_SHARE * reference.rate)
    total = int(args.rate * args.seconds)
    seq = len(batches[0]) + len(batches[1])
    more = [[(i % args.senders, seq + i + 1) for i in range(max(0, total - len(signed[1])))]]
    load = signed[1] + (inbox.sign_all(pool_size, pems, server, peer, alice, handle, more)[0])
    print(
        f"# reference {reference.rate:,.0f}/s; offering {args.rate:,.0f}/s for {args.seconds:g} s "
        f"= {total:,} requests (signed in {time.perf_counter() - started:.0f} s); {args.setup}",
        flush=True,
    )
    docs = {f"s{n}": inbox.actor_document(peer, n, pub) for n, (_, pub) in enumerate(pairs)}
    create_member(data, server.authority, database_url=database_url)
    queue = QueueCounts(data, database_url)
    workers: list[subprocess.Popen[bytes]] = []
    with server:
        server.start()
        try:
            workers = start_workers(server, args.workers)
            args.worker_pids = [w.pid for w in workers]
            result = asyncio.run(
                _with_close(
                    queue,
                    drive(
                        args, server, queue, docs, peer_port,
                        {"warmup": signed[0], "load": load[:total]}, keys,
                    ),
                )
            )  # fmt: skip
            rss = [("server", server.rss_kib().get("VmHWM", 0))] + [
                (f"worker {n + 1}", proc_status(w.pid).get("VmHWM", 0))
                for n, w in enumerate(workers)
            ]
        finally:
            stop_workers(workers)
    report(args, reference, result, rss)


async def _with_close(queue: QueueCounts, work):
    try:
        return await work
    finally:
        await queue.close()


if __name__ == "__main__":
    main()
