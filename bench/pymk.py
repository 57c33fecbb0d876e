"""People you may know on a large network (100,000 members, 1,000,000 connections).

Generation (cached): the schema comes from the migrations (``Database.migrate``),
then the graph of ``bench/_graph.py`` is loaded in bulk: ``executemany`` in one
transaction on SQLite (non-unique indexes dropped during the load and rebuilt
after it), ``COPY`` on PostgreSQL (then ``ANALYZE``). Each mutual connection
is its two rows. Every member is a local member (account + user row); 0.5 %
are suspended; ``--blocks`` random blocks. The SQLite file is kept in the temp
dir under a name made of the parameters and a hash of the migrations, so later
runs only copy it; a PostgreSQL database is kept on its server under such a
name too.

Measured, in process, through the app's own services
(``create_app(config, workers=False)`` started with an ``AppRunner``):
``server.services.network.people_you_may_know(svc, member, limit=20)`` for
``--sample`` random members, every hub (super-connector) and members
connected to the biggest hub; ``network.degree`` (the degree route's service
call) for random pairs. Then ``GET /api/v1/warmline/suggestions`` through the
same app served on a loopback port, one request at a time, for
``--http-sample`` members. Peak RSS of this process (VmHWM) at the end.

    .venv/bin/python -m bench.pymk [--members 100000] [--connections 1000000]
        [--sample 2000] [--http-sample 200] [--database-url postgresql+asyncpg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import multiprocessing
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench._common import machine, proc_status, spread, table
from bench._graph import Graph, generate

DB_NAME = "warmline.sqlite3"
BASE_MS = int(datetime(2022, 1, 1, tzinfo=UTC).timestamp() * 1000)
MIGRATIONS = Path(__file__).resolve().parents[1] / "server/store/migrations/versions"


def cache_key(args: argparse.Namespace) -> str:
    digest = hashlib.sha256()
    for path in sorted(MIGRATIONS.glob("*.py")):
        digest.update(path.read_bytes())
    digest.update((Path(__file__).parent / "_graph.py").read_bytes())
    params = (
        f"m{args.members}_c{args.connections}_h{args.hubs}_x{args.hub_max}"
        f"_b{args.blocks}_s{args.seed}"
    )
    digest.update(params.encode())
    # PostgreSQL names stop at 63 characters: the parameters are in the hash too.
    return f"warmline_bench_pymk_{digest.hexdigest()[:16]}"


# --- rows ------------------------------------------------------------------------------


def _rows(graph: Graph) -> dict[str, list[tuple]]:
    now = datetime.now(UTC).replace(microsecond=0)
    ids = _account_ids(graph)
    suspended = set(graph.suspended)
    accounts = [
        (
            ids[i],
            f"m{i}",
            f"m{i}",
            f"Member {i}",
            now - timedelta(days=4 * 365) + timedelta(seconds=i * 600),
            now if i in suspended else None,
        )
        for i in range(graph.members)
    ]
    connections = []
    for a, b, ago in graph.edges:
        at = now - timedelta(seconds=ago)
        connections.append((ids[a], ids[b], at))
        connections.append((ids[b], ids[a], at))
    connections.sort()
    blocks = [(ids[a], ids[b], now) for a, b in graph.blocks]
    return {"ids": ids, "accounts": accounts, "connections": connections, "blocks": blocks}


def _ts(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def load_sqlite(path: Path, rows: dict[str, list[tuple]]) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-1000000")
    conn.execute("PRAGMA foreign_keys=OFF")
    tables = ("accounts", "users", "connections", "blocks")
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({','.join('?' * len(tables))})",
        tables,
    ).fetchall()
    conn.execute("BEGIN")
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    conn.executemany(
        "INSERT INTO accounts (id, username, username_key, display_name, fields, open_to, "
        "experience, education, skills, links, created_at, updated_at, suspended_at) "
        "VALUES (?, ?, ?, ?, '[]', '[]', '[]', '[]', '[]', '[]', ?, ?5, ?)",
        [(i, u, k, d, _ts(c), _ts(s)) for i, u, k, d, c, s in rows["accounts"]],
    )
    conn.executemany(
        "INSERT INTO users (account_id, created_at) VALUES (?, ?)",
        [(a[0], _ts(a[4])) for a in rows["accounts"]],
    )
    conn.executemany(
        "INSERT INTO connections (account_id, peer_id, created_at) VALUES (?, ?, ?)",
        [(a, b, _ts(t)) for a, b, t in rows["connections"]],
    )
    conn.executemany(
        "INSERT INTO blocks (account_id, target_account_id, created_at) VALUES (?, ?, ?)",
        [(a, b, _ts(t)) for a, b, t in rows["blocks"]],
    )
    for _, create in indexes:
        conn.execute(create)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()


async def load_postgres(url: str, rows: dict[str, list[tuple]]) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        async with conn.transaction():
            await conn.copy_records_to_table(
                "accounts",
                records=[
                    (i, u, k, d, "[]", "[]", "[]", "[]", "[]", "[]", c, c, s)
                    for i, u, k, d, c, s in rows["accounts"]
                ],
                columns=[
                    "id", "username", "username_key", "display_name", "fields", "open_to",
                    "experience", "education", "skills", "links", "created_at", "updated_at",
                    "suspended_at",
                ],
            )  # fmt: skip
            await conn.copy_records_to_table(
                "users",
                records=[(a[0], a[4]) for a in rows["accounts"]],
                columns=["account_id", "created_at"],
            )
            await conn.copy_records_to_table(
                "connections",
                records=[(a, b, "", t) for a, b, t in rows["connections"]],
                columns=["account_id", "peer_id", "note", "created_at"],
            )
            await conn.copy_records_to_table(
                "blocks",
                records=rows["blocks"],
                columns=["account_id", "target_account_id", "created_at"],
            )
        # As autovacuum would leave it: statistics, and a visibility map for index-only scans.
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


async def _migrate(url: str) -> None:
    from server.store import Database

    db = Database(url)
    try:
        await db.migrate()
    finally:
        await db.close()


async def _pg_database(base: str, name: str) -> tuple[str, bool]:
    """``base/name``, created if missing; True when it already holds a finished load."""
    import asyncpg

    server = base.rsplit("/", 1)[0] if base.count("/") > 2 else base
    admin = await asyncpg.connect(server.replace("postgresql+asyncpg", "postgresql") + "/postgres")
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = f"{server}/{name}"
    if not exists:
        return url, False
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        done = await conn.fetchval("SELECT to_regclass('bench_pymk_loaded') IS NOT NULL")
    finally:
        await conn.close()
    return url, bool(done)


async def _mark_loaded(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute("CREATE TABLE bench_pymk_loaded (at timestamptz)")
    finally:
        await conn.close()


@dataclass(frozen=True)
class Summary:
    """What the measuring process needs of the graph (the graph itself stays in
    the child process that built it, so it does not count in the peak RSS)."""

    members: int
    connections: int
    hubs: list[int]
    biggest_hub_peers: list[int]
    blocks: int
    suspended: int

    @classmethod
    def of(cls, graph: Graph) -> Summary:
        biggest = graph.hubs[0] if graph.hubs else 0
        peers = sorted({b if a == biggest else a for a, b, _ in graph.edges if biggest in (a, b)})
        return cls(
            graph.members, len(graph.edges), list(graph.hubs), peers, len(graph.blocks),
            len(graph.suspended),
        )  # fmt: skip


def prepare_elsewhere(args: argparse.Namespace, data: Path) -> tuple[str, Summary, str]:
    """``prepare`` in a child process."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(prepare, args, data).result()


def prepare(args: argparse.Namespace, data: Path) -> tuple[str, Summary, str]:
    """The database URL to measure, the graph's summary, and how the database came to be."""
    started = time.perf_counter()
    graph = generate(
        args.members, args.connections, args.hubs, args.hub_max, args.blocks, args.seed
    )
    generated = time.perf_counter() - started
    key = cache_key(args)
    if args.database_url:
        url, cached = asyncio.run(_pg_database(args.database_url, key))
        if cached and not args.regenerate:
            return (
                url,
                Summary.of(graph),
                f"PostgreSQL database {key} reused (graph in {generated:.1f}s)",
            )
        asyncio.run(_migrate(url))
        t0 = time.perf_counter()
        asyncio.run(load_postgres(url, _rows(graph)))
        asyncio.run(_mark_loaded(url))
        return (
            url,
            Summary.of(graph),
            f"PostgreSQL database {key} loaded in {time.perf_counter() - t0:.1f}s",
        )
    cached_file = Path(args.cache_dir) / f"{key}.sqlite3"
    target = data / DB_NAME
    if not cached_file.exists() or args.regenerate:
        t0 = time.perf_counter()
        fresh = cached_file.with_suffix(".partial")
        fresh.unlink(missing_ok=True)
        asyncio.run(_migrate(f"sqlite+aiosqlite:///{fresh}"))
        load_sqlite(fresh, _rows(graph))
        fresh.replace(cached_file)
        how = f"built in {time.perf_counter() - t0:.1f}s"
    else:
        how = "copied from the cache"
    shutil.copyfile(cached_file, target)
    size = target.stat().st_size / 2**20
    return (
        f"sqlite+aiosqlite:///{target}",
        Summary.of(graph),
        f"SQLite {how} ({size:,.0f} MiB; {cached_file})",
    )


# --- measurements ----------------------------------------------------------------------


def samples(graph: Summary, args: argparse.Namespace) -> dict[str, list[int]]:
    """Member indexes to measure, by kind."""
    rng = random.Random(args.seed + 1)
    neighbours = graph.biggest_hub_peers
    return {
        "random members": rng.sample(range(graph.members), min(args.sample, graph.members)),
        "hubs (super-connectors)": list(graph.hubs),
        "connections of the biggest hub": rng.sample(neighbours, min(200, len(neighbours))),
    }


def _ms(values: list[float]) -> list[float]:
    s = spread(values)
    return [s["p50"] * 1e3, s["p90"] * 1e3, s["p99"] * 1e3, s["max"] * 1e3]


async def measure(url: str, data: Path, graph: Summary, args: argparse.Namespace) -> list[list]:
    from aiohttp import web

    from server.app import create_app
    from server.appkeys import SERVICES
    from server.config import ApiSettings, load_config, with_overrides
    from server.services import network
    from server.store import accounts as accounts_q

    port = _free_port()
    authority = f"127.0.0.1:{port}"
    config = load_config(
        domain=authority, listen=authority, data=str(data), dev=True, database_url=url
    )
    config = with_overrides(config, api=ApiSettings.without_request_limits())
    runner = web.AppRunner(create_app(config, workers=False), access_log=None)
    await runner.setup()
    rows: list[list] = []
    try:
        svc = runner.app[SERVICES]
        ids = _account_ids(graph)
        async with svc.db.read() as conn:
            wanted = {ids[i] for group in samples(graph, args).values() for i in group}
            found = await accounts_q.get_accounts(conn, wanted)
        groups = {k: [found[ids[i]] for i in v] for k, v in samples(graph, args).items()}
        for member in groups["random members"][:50]:  # warm-up: caches, statement compilation
            await network.people_you_may_know(svc, member)
        everyone: list[float] = []
        for label, members in groups.items():
            times, got = [], 0
            started = time.perf_counter()
            for member in members:
                t0 = time.perf_counter()
                got += len(await network.people_you_may_know(svc, member, limit=20))
                times.append(time.perf_counter() - t0)
            wall = time.perf_counter() - started
            everyone += times
            rows.append(
                ["network.people_you_may_know", label, len(members), got / len(members),
                 len(members) / wall, *_ms(times)]
            )  # fmt: skip
        rng = random.Random(args.seed + 2)
        pool = groups["random members"]
        pairs = [(rng.choice(pool), rng.choice(pool)) for _ in range(len(pool))]
        # Second-degree pairs too: a member and one of their suggestions.
        times = []
        started = time.perf_counter()
        for viewer, other in pairs:
            t0 = time.perf_counter()
            await network.degree(svc, viewer, other)
            times.append(time.perf_counter() - t0)
        wall = time.perf_counter() - started
        rows.append(
            ["network.degree", "random pairs", len(pairs), 3.0, len(pairs) / wall, *_ms(times)]
        )
        if args.http_sample:
            rows.append(await _over_http(runner, svc, port, pool[: args.http_sample]))
        rows.insert(0, ["network.people_you_may_know", "all of the above", len(everyone), 20.0,
                        float("nan"), *_ms(everyone)])  # fmt: skip
    finally:
        await runner.cleanup()
    return rows


def _account_ids(graph: Graph | Summary) -> list[int]:
    """Snowflake-like ids from a fixed epoch: older members have smaller ids."""
    return [(BASE_MS << 16) + i for i in range(graph.members)]


async def _over_http(runner, svc, port: int, members: list) -> list:  # type: ignore[no-untyped-def]
    import aiohttp
    from aiohttp import web

    from server.services import tokens

    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    headers = {}
    for member in members:
        headers[member.id] = {
            "Authorization": "Bearer "
            + await tokens.create_token(svc.db, member.username, scopes="read")
        }
    url = f"http://127.0.0.1:{port}/api/v1/warmline/suggestions?limit=20"
    times = []
    async with aiohttp.ClientSession() as session:
        for member in members[:20]:  # warm-up
            async with session.get(url, headers=headers[member.id]) as resp:
                await resp.read()
        started = time.perf_counter()
        for member in members:
            t0 = time.perf_counter()
            async with session.get(url, headers=headers[member.id]) as resp:
                body = await resp.read()
                if resp.status != 200:
                    raise RuntimeError(f"{resp.status}: {body[:200]!r}")
            times.append(time.perf_counter() - t0)
        wall = time.perf_counter() - started
    return ["GET /api/v1/warmline/suggestions", "random members, 1 at a time", len(members),
            20.0, len(members) / wall, *_ms(times)]  # fmt: skip


def _free_port() -> int:
    import socket

    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


COLUMNS = [
    "what",
    "members",
    "calls",
    "rows/call",
    "calls/s",
    "p50 ms",
    "p90 ms",
    "p99 ms",
    "max ms",
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pymk", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument(
        "--connections", type=int, default=1_000_000, help="mutual connections (two rows each)"
    )
    parser.add_argument("--hubs", type=int, default=50, help="super-connectors (default 50)")
    parser.add_argument("--hub-max", type=int, default=5000, help="connections of the biggest hub")
    parser.add_argument("--blocks", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sample", type=int, default=2000, help="random members measured")
    parser.add_argument(
        "--http-sample", type=int, default=200, help="members asked over HTTP (0 skips)"
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="postgresql+asyncpg://user@host:port (a database is created there)",
    )
    parser.add_argument("--cache-dir", default=tempfile.gettempdir())
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args(argv)

    print(f"# bench.pymk: {machine()}")
    data = Path(tempfile.mkdtemp(prefix="warmline-bench-pymk-"))
    try:
        url, graph, how = prepare_elsewhere(args, data)
        print(f"# database: {how}", flush=True)
        print(
            f"# {graph.members:,} members, {graph.connections:,} connections "
            f"({2 * graph.connections:,} rows), {len(graph.hubs)} hubs (biggest: "
            f"{len(graph.biggest_hub_peers):,} connections), {graph.blocks:,} blocks, "
            f"{graph.suspended:,} suspended",
            flush=True,
        )
        rows = asyncio.run(measure(url, data, graph, args))
    finally:
        shutil.rmtree(data, ignore_errors=True)
    print()
    print(table(COLUMNS, rows))
    print()
    peak = proc_status(os.getpid()).get("VmHWM", 0) / 1024
    print(f"peak RSS of this process (VmHWM): {peak:.1f} MiB")


if __name__ == "__main__":
    main()
    sys.exit(0)
