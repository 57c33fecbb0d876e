"""The inbox worker alone: how fast it applies a backlog of stored ``Create(Note)``s.

No HTTP: a fresh database (SQLite in a temp dir, or ``--database-url`` on
PostgreSQL, its tables emptied first) gets member ``alice``, ``--senders``
remote actors (stored as a fetch would store them) and ``--items`` rows in
``inbox_items``: the Mastodon-shaped ``Create(Note)`` of ``bench.inbox`` (cc +
Mention of alice, a hashtag), as the door stores them. Then the backlog is
drained, and applied/s reported:

- in this process (default): ``InboxWorker.run_once`` in a loop, optionally
  under cProfile (``--profile FILE`` prints the top functions);
- ``--processes N``: N ``warmline worker --queues inbox`` processes on the
  same database (PostgreSQL for N > 1 to mean anything), the backlog polled.

At the end every item must be ``done``, alice must have one notification and
one status per item (no loss, no duplicate).

    .venv/bin/python -m bench.inbox_drain --items 5000
    .venv/bin/python -m bench.inbox_drain --database-url postgresql+asyncpg://... --processes 2
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select, text

from bench._common import cpu_seconds, machine
from bench.inbox import actor_document, create_note
from server.config import load_config
from server.services.members import create_member
from server.services.remote import parse_actor
from server.services.runtime import open_services
from server.store import Database
from server.store import queues as q
from server.store.tables import inbox_items, notifications, statuses

PEER = "http://127.0.0.1:9"  # never contacted: every sender is stored beforehand
DOMAIN = "127.0.0.1:8"


async def _empty_postgres(db: Database) -> None:
    async with db.transaction() as conn:
        names = (
            await conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                     " AND tablename <> 'alembic_version'")
            )
        ).scalars().all()  # fmt: skip
        await conn.execute(text(f"TRUNCATE {', '.join(names)} CASCADE"))


async def prepare(url: str, data: Path, items: int, senders: int) -> None:
    db = Database(url)
    await db.migrate()
    if db.dialect == "postgresql":
        await _empty_postgres(db)
    config = load_config(domain=DOMAIN, data=str(data), database_url=url, dev=True, environ={})
    try:
        alice = await create_member(db, "alice")
        async with open_services(config, db) as svc:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = (
                key.public_key()
                .public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
                .decode()
            )
            for n in range(senders):
                await svc.remote.store(parse_actor(actor_document(PEER, n, pem), svc.now()))
            alice_uri = svc.urls.actor(alice.username)
            rows = []
            for seq in range(items):
                n = seq % senders
                doc = create_note(PEER, n, seq, alice_uri, f"@alice@{DOMAIN}")
                now = svc.now()
                rows.append({
                    "id": db.new_id(), "activity_uri": doc["id"], "activity_type": "Create",
                    "actor_uri": doc["actor"], "payload": json.dumps(doc), "state": q.PENDING,
                    "attempts": 0, "next_attempt_at": now, "received_at": now,
                })  # fmt: skip
            for start in range(0, len(rows), 1000):
                async with db.transaction() as conn:
                    await q.insert_inbox_items(conn, rows[start : start + 1000])
    finally:
        await db.close()


async def counts(url: str) -> tuple[dict[str, int], int, int, int]:
    db = Database(url)
    try:
        async with db.read() as conn:
            states = await q.inbox_counts(conn)
            n_statuses = (await conn.execute(select(func.count()).select_from(statuses))).scalar()
            distinct = (
                await conn.execute(select(func.count(func.distinct(statuses.c.uri))))
            ).scalar()
            notes = (await conn.execute(select(func.count()).select_from(notifications))).scalar()
        return states, int(n_statuses or 0), int(distinct or 0), int(notes or 0)
    finally:
        await db.close()


async def drain_here(url: str, data: Path, profile: str | None, batch: int | None) -> float:
    from server.workers.heartbeat import Heartbeat
    from server.workers.inbox import InboxWorker

    db = Database(url)
    config = load_config(domain=DOMAIN, data=str(data), database_url=url, dev=True, environ={})
    try:
        async with open_services(config, db) as svc, Heartbeat.registered(svc, name="drain"):
            worker = InboxWorker(svc, **({"batch": batch} if batch else {}))
            profiler = cProfile.Profile() if profile else None
            start = time.perf_counter()
            if profiler:
                profiler.enable()
            while await worker.run_once():
                pass
            if profiler:
                profiler.disable()
                out = io.StringIO()
                stats = pstats.Stats(profiler, stream=out)
                stats.dump_stats(profile)
                stats.sort_stats("cumulative").print_stats(45)
                stats.sort_stats("tottime").print_stats(30)
                print(out.getvalue())
            return time.perf_counter() - start
    finally:
        await db.close()


def start_workers(url: str, data: Path, processes: int) -> list[subprocess.Popen[bytes]]:
    command = [
        sys.executable, "-m", "server", "worker", "--queues", "inbox", "--domain", DOMAIN,
        "--dev", "--data", str(data), "--database-url", url, "--listen", "127.0.0.1:9",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    workers = []
    for i in range(processes):
        with open(data / f"worker{i}.log", "w") as log:
            workers.append(subprocess.Popen(command, env=env, stderr=log))
    return workers


async def wait_for_drain(
    url: str, data: Path, workers: list[subprocess.Popen[bytes]], items: int
) -> tuple[float, int]:
    """Seconds from the first item applied to the last, and the items applied
    in that time (the workers' start-up is left out)."""
    pending = select(func.count()).select_from(inbox_items).where(inbox_items.c.state == q.PENDING)
    db = Database(url)
    first: tuple[float, int] | None = None
    try:
        while True:
            async with db.read() as conn:
                left = int((await conn.execute(pending)).scalar() or 0)
            now = time.perf_counter()
            if first is None and left < items:
                first = (now, left)
            if not left:
                assert first is not None
                return now - first[0], first[1]
            if any(w.poll() is not None for w in workers):
                raise SystemExit(f"a worker process stopped: see its log in {data}")
            await asyncio.sleep(0.02)
    finally:
        await db.close()


def drain_in_processes(url: str, data: Path, processes: int, items: int) -> tuple[float, int]:
    workers = start_workers(url, data, processes)
    try:
        seconds, timed = asyncio.run(wait_for_drain(url, data, workers, items))
        cpu = sum(cpu_seconds(w.pid) for w in workers)
        print(f"worker processes' CPU (start-up included): {cpu:.1f}s")
        return seconds, timed
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=3000, help="Create(Note)s stored (3000)")
    parser.add_argument("--senders", type=int, default=50, help="remote actors (50)")
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite in a temp dir)")
    parser.add_argument(
        "--processes",
        type=int,
        default=0,
        help="drain with N `warmline worker` processes instead of in process",
    )
    parser.add_argument("--profile", metavar="FILE", help="cProfile the in-process drain")
    parser.add_argument("--batch", type=int, help="InboxWorker batch size")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="warmline-drain-"))
    url = args.database_url or f"sqlite+aiosqlite:///{data / 'warmline.sqlite3'}"
    try:
        print(f"# bench.inbox_drain: {machine()}")
        asyncio.run(prepare(url, data, args.items, args.senders))
        backend = url.split(":", 1)[0]
        cpu0 = cpu_seconds(os.getpid())
        timed = args.items
        if args.processes:
            seconds, timed = drain_in_processes(url, data, args.processes, args.items)
            how = f"{args.processes} worker process(es), from the first item applied"
        else:
            seconds = asyncio.run(drain_here(url, data, args.profile, args.batch))
            how = "in process"
        cpu = cpu_seconds(os.getpid()) - cpu0
        states, n_statuses, distinct, notes = asyncio.run(counts(url))
        ok = states == {"done": args.items} and n_statuses == distinct == notes == args.items
        print(
            f"{backend}, {how}: {timed} items in {seconds:.2f}s = "
            f"{timed / seconds:,.0f} applied/s; this process's CPU {cpu:.1f}s"
        )
        print(
            f"states {states}; statuses {n_statuses} ({distinct} distinct); "
            f"notifications {notes} -> {'OK' if ok else 'MISMATCH'}"
        )
        if not ok:
            sys.exit(1)
    finally:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
