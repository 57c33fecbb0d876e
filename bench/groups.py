"""Groups: a member's post redistributed by its group to 10,000 members on 500 hosts.

Setup (in a child process, so that its rows and keys do not count in the
measured RSS): a fresh database (SQLite in a temporary data dir, or a new
database on the PostgreSQL server of ``--database-url``); ``--local`` local
members made by ``members.create_member`` (``owner``, ``alice``, ``local2``...);
``owner`` creates the open group ``bench`` (``groups.create_group``), the other
local members join it (``groups.join``). The helper process of ``bench.fanout``
plays ``--hosts`` remote servers on loopback ports, each with a shared inbox;
``--members`` remote accounts, spread evenly over them (20 per host by
default), are inserted with their accepted follows of the group, as
``bench.fanout`` inserts followers. ``--author-followers`` of those accounts
(one per host, on the first hosts) also follow ``alice``.

Then, in this process, the services open as the server opens them, with the
delivery worker and the heartbeat running (``server.app``'s workers: the real
worker signs and POSTs to the loopback hosts), and ``alice`` posts ``--posts``
times through ``posts.create_status`` with ``Draft(group_id=...)``: the post
and its ``Create`` to alice's followers, then the group's boost and its
``Announce`` to the group's members, one delivery per shared inbox, all in
one transaction.

Measured per post, from just before ``create_status``: the call, the write
transaction in it (from asking for the write lock to after the commit), the
first, half and last host to receive the group's ``Announce``, when the last
delivery outcome is recorded (no row pending), requests received by activity
type (``Announce``: must be one per host; ``Create``: one per shared inbox of
alice's remote followers), the most ``Announce``s any host received, this
process's CPU and peak RSS (it is the server here: services and workers, plus
the benchmark's polling). Every request is checked afterwards: its signature
verifies with the key its ``keyId`` names (the group's for an ``Announce``,
alice's for a ``Create``), and it carries an ``Announce`` by the group of the
new post, or alice's ``Create`` of it.

    .venv/bin/python -m bench.groups [--members 10000] [--hosts 500] [--posts 3]
        [--local 5] [--author-followers 100] [--database-url postgresql+asyncpg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench._common import cpu_seconds, machine, percentile, proc_status, spread, table
from bench._server import ServerError, free_port
from bench.fanout import (
    Peers,
    _raise_nofile,
    accepted_follow,
    remote_account,
    verify_records,
    wait_for,
)

GROUP = "bench"
AUTHOR = "alice"
OWNER = "owner"


@dataclass(frozen=True)
class Setup:
    """What the measuring process needs to know of the database the child made."""

    group_id: int
    author_id: int
    remote_members: int
    local_members: int
    member_hosts: int  # hosts with at least one member: the Announce's shared inboxes
    author_hosts: int  # hosts of alice's remote followers: the Create's shared inboxes
    seconds: float


def _config(url: str, data: Path, authority: str):
    from server.config import load_config

    return load_config(
        domain=authority, listen=authority, data=str(data), dev=True, database_url=url
    )


# --- setup, in a child process -------------------------------------------------------------


def prepare_elsewhere(args: argparse.Namespace, url: str, data: Path, authority: str, ports):
    """``prepare`` in a child process."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(prepare, args, url, data, authority, ports).result()


def prepare(args: argparse.Namespace, url: str, data: Path, authority: str, ports) -> Setup:
    return asyncio.run(_prepare(args, url, data, authority, ports))


async def _prepare(
    args: argparse.Namespace, url: str, data: Path, authority: str, ports: list[int]
) -> Setup:
    from sqlalchemy import insert

    from server.services import groups, members
    from server.services.runtime import open_services
    from server.store import Database, tables

    started = time.perf_counter()
    db = Database(url)
    try:
        await db.migrate()
        async with open_services(_config(url, data, authority), db) as svc:
            names = [OWNER, AUTHOR, *(f"local{i}" for i in range(2, args.local))]
            local = [await members.create_member(db, name) for name in names]
            draft = groups.GroupDraft(name=GROUP, display_name="Bench group")
            group = (await groups.create_group(svc, local[0], draft)).account
            for member in local[1:]:
                await groups.join(svc, member, group.id)
            now = datetime.now(UTC)
            accounts = [
                remote_account(db, ports[i % len(ports)], i // len(ports), now)
                for i in range(args.members)
            ]
            follows = [accepted_follow(db, a, group.id, now) for a in accounts]
            # Alice's remote followers: one account on each of the first hosts.
            followers = accounts[: min(args.author_followers, len(ports))]
            follows += [accepted_follow(db, a, local[1].id, now) for a in followers]
            async with db.transaction() as conn:
                for chunk in range(0, len(accounts), 5000):
                    await conn.execute(insert(tables.accounts), accounts[chunk : chunk + 5000])
                for chunk in range(0, len(follows), 5000):
                    await conn.execute(insert(tables.follows), follows[chunk : chunk + 5000])
    finally:
        await db.close()
    return Setup(
        group_id=group.id,
        author_id=local[1].id,
        remote_members=len(accounts),
        local_members=len(local),
        member_hosts=len({a["domain"] for a in accounts}),
        author_hosts=len({a["domain"] for a in followers}),
        seconds=time.perf_counter() - started,
    )


# --- PostgreSQL: a database of its own on the given server ----------------------------------


def _server_url(base: str) -> str:
    return base.rsplit("/", 1)[0] if base.count("/") > 2 else base


async def _pg(base: str, sql: str) -> None:
    import asyncpg

    dsn = _server_url(base).replace("postgresql+asyncpg", "postgresql") + "/postgres"
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(sql)
    finally:
        await admin.close()


# --- measuring ---------------------------------------------------------------------------------


class TransactionClock:
    """Times the write transactions (``Database.transaction``: from asking for the
    write lock to after the commit) that one task opens, in this process; the
    delivery worker's own transactions are not counted. With ``sql``, also each
    SQL statement that task runs (cursor execute to fetched, as SQLAlchemy sees it)."""

    def __init__(self, db, *, sql: bool = False) -> None:
        self.task: asyncio.Task | None = None
        self.spans: list[float] = []
        self.statements: dict[str, list[float]] = {}  # statement -> [count, seconds]
        original = db.transaction
        if sql:
            self._time_sql(db.engine.sync_engine)

        @contextlib.asynccontextmanager
        async def timed() -> AsyncIterator[object]:
            mine = asyncio.current_task() is self.task
            start = time.perf_counter()
            async with original() as conn:
                yield conn
            if mine:
                self.spans.append(time.perf_counter() - start)

        db.transaction = timed

    def _time_sql(self, engine) -> None:
        from sqlalchemy import event

        started: dict[int, float] = {}

        def before(conn, _cursor, _statement, _params, _context, _many) -> None:
            started[id(conn)] = time.perf_counter()

        def after(conn, _cursor, statement, _params, _context, _many) -> None:
            since = started.pop(id(conn), None)
            if since is None or self.task is None or asyncio.current_task() is not self.task:
                return
            entry = self.statements.setdefault(" ".join(statement.split()), [0, 0.0])
            entry[0] += 1
            entry[1] += time.perf_counter() - since

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)

    def report(self, posts: int, top: int = 15) -> str:
        count = sum(int(n) for n, _ in self.statements.values())
        total = sum(t for _, t in self.statements.values())
        lines = [
            f"SQL statements of create_status: {count / posts:.1f} a post, "
            f"{total / posts * 1e3:.1f} ms a post in all; by total time:"
        ]
        ranked = sorted(self.statements.items(), key=lambda kv: -kv[1][1])[:top]
        for statement, (n, seconds) in ranked:
            lines.append(
                f"  {seconds / posts * 1e3:7.2f} ms a post  {n / posts:5.1f}x  {statement[:110]}"
            )
        return "\n".join(lines)


async def pending_deliveries(db) -> int:
    from sqlalchemy import func, select

    from server.store import queues
    from server.store.tables import deliveries

    query = select(func.count()).where(deliveries.c.state == queues.PENDING)
    async with db.read() as conn:
        return int((await conn.execute(query)).scalar() or 0)


async def delivery_states(db) -> dict[str, int]:
    from sqlalchemy import func, select

    from server.store.tables import deliveries

    query = select(deliveries.c.state, func.count()).group_by(deliveries.c.state)
    async with db.read() as conn:
        return {state: int(n) for state, n in (await conn.execute(query)).all()}


@dataclass
class Context:
    svc: object
    clock: TransactionClock
    author: object
    group: object
    keys: dict[str, object]  # key id -> public key, of alice and the group
    setup: Setup
    peers: Peers
    args: argparse.Namespace


def classify(
    ctx: Context, docs: list, records: list[dict], note_url: str, announce_url: str
) -> tuple[Counter[str], Counter[int], Counter[str], list[float]]:
    """Requests by activity type, Announces per host, problems, Announce times."""
    by_type: Counter[str] = Counter()
    per_host: Counter[int] = Counter()
    problems: Counter[str] = Counter()
    times: list[float] = []
    group_uri = ctx.svc.urls.actor_for(ctx.group.username)
    for rec, doc in zip(records, docs, strict=True):
        if doc is None:
            continue
        kind = doc.get("type")
        obj = doc.get("object")
        if kind == "Announce" and doc.get("actor") == group_uri and obj == note_url:
            if doc.get("id") != announce_url:
                problems["an Announce of another boost"] += 1
            by_type["Announce"] += 1
            per_host[rec["port"]] += 1
            times.append(rec["t"])
        elif kind == "Create" and isinstance(obj, dict) and obj.get("id") == note_url:
            by_type["Create"] += 1
        else:
            by_type[f"other {kind}"] += 1
            problems[f"unexpected {kind} of {obj if isinstance(obj, str) else '...'}"] += 1
    return by_type, per_host, problems, times


async def one_post(n: int, ctx: Context) -> list[object]:
    from server.services import objects, posts
    from server.store import statuses as statuses_q

    svc, args, peers, setup = ctx.svc, ctx.args, ctx.peers, ctx.setup
    await asyncio.to_thread(peers.reset)
    pid = os.getpid()
    peak = 0
    stop = asyncio.Event()

    async def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, proc_status(pid).get("VmRSS", 0))
            await asyncio.sleep(0.05)

    sampler = asyncio.create_task(sample())
    draft = posts.Draft(
        text=f"Group benchmark post {n}", visibility="public", group_id=ctx.group.id
    )
    cpu_before = cpu_seconds(pid)
    ctx.clock.task = asyncio.current_task()
    ctx.clock.spans.clear()
    t0, cpu0 = time.monotonic(), time.process_time()
    status = await posts.create_status(svc, ctx.author, draft)
    post_s, post_cpu = time.monotonic() - t0, time.process_time() - cpu0
    ctx.clock.task = None
    transaction_s = sum(ctx.clock.spans)
    expected = setup.member_hosts + setup.author_hosts
    await wait_for(peers, setup.member_hosts, args.timeout, requests=expected)
    # The worker records outcomes a few at a time: no event to wait on.
    while await pending_deliveries(svc.db) and time.monotonic() - t0 < args.timeout:  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    recorded_s = time.monotonic() - t0
    stop.set()
    await sampler
    cpu = cpu_seconds(pid) - cpu_before
    await asyncio.sleep(args.settle)  # anything extra (duplicates) arrives meanwhile
    records = await asyncio.to_thread(peers.get, "/records")

    async with svc.db.read() as conn:
        boost = await statuses_q.find_reblog(conn, ctx.group.id, status.id)
    note_url = objects.status_uri(svc, status, ctx.author)
    announce_url = objects.status_uri(svc, boost, ctx.group) if boost else "(no boost)"
    docs, problems = verify_records(records, ctx.keys)
    by_type, per_host, wrong, announced = classify(ctx, docs, records, note_url, announce_url)
    problems.update(wrong)
    times = sorted(t - t0 for t in announced)
    reached = len(per_host)
    all_s = times[-1] if reached >= setup.member_hosts else float("nan")
    others = sum(v for k, v in by_type.items() if k not in ("Announce", "Create"))
    print(
        f"  ... post {n}: Announce on {reached} hosts in {all_s:.2f}s, "
        f"{by_type['Announce']} Announce + {by_type['Create']} Create requests, "
        f"problems: {dict(problems) or 'none'}",
        flush=True,
    )
    return [
        n,
        post_s * 1e3,
        transaction_s * 1e3,
        post_cpu * 1e3,
        times[0] if times else float("nan"),
        spread(times)["p50"] if times else float("nan"),
        all_s,
        recorded_s,
        reached,
        by_type["Announce"],
        max(per_host.values()) if per_host else 0,
        by_type["Create"],
        others,
        sum(problems.values()),
        cpu / recorded_s * 100,
        peak / 1024,
    ]


COLUMNS = [
    "post",
    "create_status ms",
    "transaction ms",
    "create_status CPU ms",
    "first host s",
    "half the hosts s",
    "all hosts s",
    "all recorded s",
    "hosts reached",
    "Announce requests",
    "max Announce per host",
    "Create requests",
    "other requests",
    "bad requests",
    "CPU %",
    "peak RSS MiB",
]


async def measure(
    args: argparse.Namespace, url: str, data: Path, authority: str, setup: Setup, peers: Peers
) -> tuple[list[list[object]], dict[str, int], str]:
    """The posts, measured: (rows, deliveries by state, the SQL report of ``time-sql``)."""
    from federation import keys as fkeys
    from server.services import groups
    from server.services.runtime import open_services
    from server.store import Database
    from server.store import accounts as accounts_q
    from server.store.queues import HEARTBEAT_SECONDS
    from server.workers.delivery import DeliveryWorker
    from server.workers.heartbeat import Heartbeat
    from server.workers.runner import Runner

    db = Database(url)
    try:
        async with open_services(_config(url, data, authority), db) as svc:
            batch = {"batch": args.worker_batch} if args.worker_batch else {}
            worker = DeliveryWorker(svc, svc.http, **batch)
            delivery = Runner("delivery", worker.run_once, svc.wake.deliveries)
            heartbeat = Runner(
                "heartbeat",
                Heartbeat(svc).run_once,
                asyncio.Event(),
                poll_seconds=HEARTBEAT_SECONDS,
            )
            async with Heartbeat.registered(svc), heartbeat.running(), delivery.running():
                async with db.read() as conn:
                    author = await accounts_q.get_account(conn, setup.author_id)
                group = await groups.get_group(svc, setup.group_id)
                keys = {}
                for account in (author, group):
                    local = await svc.keyring.for_account(account.id, account.username)
                    keys[local.rsa.key_id] = fkeys.load_public_pem(local.rsa_public_pem)
                before = proc_status(os.getpid())
                print(
                    f"# services and delivery worker running in pid {os.getpid()}, "
                    f"RSS {before.get('VmRSS', 0) / 1024:.1f} MiB",
                    flush=True,
                )
                clock = TransactionClock(db, sql="time-sql" in args.variant)
                ctx = Context(svc, clock, author, group, keys, setup, peers, args)
                rows = [await one_post(n, ctx) for n in range(1, args.posts + 1)]
            states = await delivery_states(db)
    finally:
        await db.close()
    return rows, states, clock.report(args.posts) if clock.statements else ""


def summary(label: str, values: list[float], unit: str, scale: float = 1.0) -> str:
    ordered = sorted(v * scale for v in values if v == v)
    if not ordered:
        return f"{label}: -"
    return (
        f"{label}: p50 {percentile(ordered, 50):.2f} {unit}, "
        f"p95 {percentile(ordered, 95):.2f} {unit}, max {ordered[-1]:.2f} {unit}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.groups",
        description="Time for a group to redistribute one member's post to 10,000 members "
        "on 500 loopback hosts (one Announce per shared inbox), through the real "
        "services and delivery worker.",
    )
    parser.add_argument(
        "--members", type=int, default=10_000, help="remote members of the group (10,000)"
    )
    parser.add_argument(
        "--hosts", type=int, default=500, help="remote origins the members are spread over (500)"
    )
    parser.add_argument(
        "--posts", type=int, default=3, help="posts, one after the other (default 3)"
    )
    parser.add_argument(
        "--local",
        type=int,
        default=5,
        help="local members, the owner and alice (the author) included (default 5)",
    )
    parser.add_argument(
        "--author-followers",
        type=int,
        default=100,
        help="remote followers of alice, one per host on the first hosts: her Create "
        "goes to their shared inboxes (default 100)",
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="postgresql+asyncpg://user@host:port: run on a new database there "
        "(dropped afterwards unless --keep); default SQLite in a temp dir",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="give up waiting for a post after this many seconds",
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=1.0,
        help="seconds to wait after the last delivery for stray requests",
    )
    parser.add_argument(
        "--variant",
        nargs="+",
        default=[],
        choices=["time-sql"],
        help="experiment, monkeypatched in this process (see bench/README.md)",
    )
    parser.add_argument(
        "--worker-batch",
        type=int,
        default=0,
        help="experiment: deliveries the worker claims at a time (default: the server's, 500)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the data dir (and database)")
    args = parser.parse_args(argv)
    if args.local < 2:
        parser.error("--local must be at least 2 (the owner and the author)")
    _raise_nofile()

    print(f"# bench.groups: {machine()}")
    batch = [f"worker-batch {args.worker_batch}"] if args.worker_batch else []
    experiments = [v for v in args.variant if v != "time-sql"] + batch
    if experiments:
        print(f"# EXPERIMENT: {' '.join(experiments)} (monkeypatched, not Warmline)")
    if "time-sql" in args.variant:
        print("# instrumented: every SQL statement of create_status timed (adds a little)")
    data = Path(tempfile.mkdtemp(prefix="warmline-bench-groups-"))
    authority = f"127.0.0.1:{free_port()}"  # nothing listens: it names the actors
    pg_name = None
    if args.database_url:
        pg_name = f"warmline_bench_groups_{secrets.token_hex(4)}"
        asyncio.run(_pg(args.database_url, f'CREATE DATABASE "{pg_name}"'))
        url = f"{_server_url(args.database_url)}/{pg_name}"
    else:
        url = f"sqlite+aiosqlite:///{data / 'warmline.sqlite3'}"
    peers = None
    try:
        started = time.perf_counter()
        peers = Peers(args.hosts)
        print(
            f"# {args.hosts} hosts listening in pid {peers.proc.pid} "
            f"({time.perf_counter() - started:.1f}s)",
            flush=True,
        )
        setup = prepare_elsewhere(args, url, data, authority, peers.ports)
        print(
            f"# group @{GROUP}: {setup.remote_members:,} remote members on "
            f"{setup.member_hosts} hosts + {setup.local_members} local; alice has "
            f"{setup.author_hosts} remote followers; set up in {setup.seconds:.1f}s "
            f"({'PostgreSQL ' + pg_name if pg_name else 'SQLite'})",
            flush=True,
        )
        rows, states, sql = asyncio.run(measure(args, url, data, authority, setup, peers))
        hwm = proc_status(os.getpid()).get("VmHWM", 0)
    except ServerError as exc:
        sys.exit(f"bench.groups: the peers did not run:\n{exc}")
    finally:
        if peers is not None:
            peers.stop()
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)
            if pg_name:
                asyncio.run(_pg(args.database_url, f'DROP DATABASE IF EXISTS "{pg_name}"'))
        else:
            print(f"# data dir kept: {data}" + (f", database {url}" if pg_name else ""))
    print()
    print(table(COLUMNS, rows))
    print()

    def column(name: str) -> list[float]:
        return [row[COLUMNS.index(name)] for row in rows]

    print(summary("create_status", column("create_status ms"), "ms"))
    print(summary("its write transaction", column("transaction ms"), "ms"))
    print(summary("every shared inbox has the Announce", column("all hosts s"), "s"))
    expected = (setup.member_hosts + setup.author_hosts) * args.posts
    print(
        f"deliveries rows by state: {states} (expected {expected:,} sent: "
        f"{setup.member_hosts} Announce + {setup.author_hosts} Create a post); "
        f"this process's VmHWM {hwm / 1024:.1f} MiB"
    )
    if sql:
        print()
        print(sql)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
