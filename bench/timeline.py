"""Home timeline latency on a large database (1,000,000 posts by default).

The database (``bench/_bigdb.py``, generated once and cached in the temp dir
by parameters and schema): 1,000,000 statuses by 10,000 Zipf-distributed remote
authors, 10 local members (alice first) who follow 500 accounts each, their
home feeds filled as fan-out on write would have.

Measured, on a copy:

1. In process, through the app's own services (``create_app(config,
   workers=False)`` started with an ``AppRunner``, no listener):
   ``server.services.timelines.home(svc, alice, Page(limit=20))`` for the first
   page and for ``max_id`` pages at random depths of alice's feed,
   ``--calls`` each: p50/p90/p99. For comparison the bare store function on one
   open connection, and the same SQL through ``sqlite3`` directly (the floor).
2. Over HTTP, against a real ``warmline serve``: ``GET /api/v1/timelines/home``
   (bearer token from ``warmline token create``), which also renders the 20
   statuses (accounts, counts, mentions, tags, viewer flags): one request at a
   time (latency), then 16 at a time (throughput); server peak RSS.

    .venv/bin/python -m bench.timeline [--posts 1000000] [--calls 2000] [--http-calls 200]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import shutil
import sqlite3
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench._bigdb import DB_NAME, add_arguments, describe, feed_ids, prepare_database
from bench._common import machine, spread, table
from bench._rawhttp import build_request, run_requests
from bench._server import Server, ServerError, free_port, make_token


def _ms(values: list[float]) -> list[float]:
    stats = spread(values)
    return [stats["p50"] * 1e3, stats["p90"] * 1e3, stats["p99"] * 1e3, stats["max"] * 1e3]


async def in_process(
    data: Path, authority: str, args: argparse.Namespace, max_ids: list[int]
) -> tuple[list, list]:
    from aiohttp import web
    from sqlalchemy.dialects import sqlite as sqlite_dialect

    from server.app import create_app
    from server.appkeys import SERVICES
    from server.config import ApiSettings, load_config, with_overrides
    from server.services import members, timelines
    from server.store import feeds
    from server.store.exclusions import Excluding, hide_excluded
    from server.store.statuses import Page

    config = load_config(domain=authority, listen=authority, data=str(data), dev=True)
    config = with_overrides(config, api=ApiSettings.without_request_limits())
    runner = web.AppRunner(create_app(config, workers=False))
    await runner.setup()
    rows: list[list[object]] = []
    try:
        svc = runner.app[SERVICES]
        alice = await members.get_member(svc.db, "alice")
        pages = {"first page": [None] * args.calls, "max_id at a random depth": max_ids}
        for label, ids in pages.items():
            for max_id in ids[: min(50, len(ids))]:  # warm-up: caches, statement compilation
                await timelines.home(svc, alice, Page(limit=20, max_id=max_id))
            times, got = [], 0
            for max_id in ids:
                t0 = time.perf_counter()
                found = await timelines.home(svc, alice, Page(limit=20, max_id=max_id))
                times.append(time.perf_counter() - t0)
                got += len(found)
            rows.append(["timelines.home (service)", label, len(ids), got / len(ids), *_ms(times)])
        # The store function alone, on one open connection (no pool checkout, no BEGIN per call).
        excluding = Excluding(alice.id, svc.now())
        async with svc.db.read() as conn:
            for label, ids in pages.items():
                times = []
                for max_id in ids:
                    t0 = time.perf_counter()
                    await feeds.home_timeline(conn, Page(limit=20, max_id=max_id), excluding)
                    times.append(time.perf_counter() - t0)
                rows.append(
                    ["feeds.home_timeline (one connection)", label, len(ids), 20.0, *_ms(times)]
                )
        # The SQL the store sends, compiled once, run by sqlite3 directly: the floor.
        from sqlalchemy import select

        from server.store.statuses import paged
        from server.store.tables import home_feed, statuses

        query = (
            select(statuses)
            .join(home_feed, home_feed.c.status_id == statuses.c.id)
            .where(home_feed.c.account_id == alice.id, statuses.c.deleted_at.is_(None))
        )
        query = hide_excluded(query, excluding)
        plans = []
        with contextlib.closing(sqlite3.connect(data / DB_NAME)) as raw:
            for label, ids in pages.items():
                compiled = paged(query, home_feed.c.status_id, Page(limit=20, max_id=ids[0]))
                compiled = compiled.compile(dialect=sqlite_dialect.dialect())
                sql = str(compiled)
                names = list(compiled.positiontup or [])
                plans.append(
                    (
                        label,
                        sql,
                        raw.execute(
                            "EXPLAIN QUERY PLAN " + sql, [compiled.params[n] for n in names]
                        ).fetchall(),
                    )
                )
                times = []
                for max_id in ids:
                    params = dict(compiled.params)
                    if max_id is not None:
                        params = {
                            n: (max_id if n.startswith("status_id") else v)
                            for n, v in params.items()
                        }
                    values = [params[n] for n in names]
                    t0 = time.perf_counter()
                    raw.execute(sql, values).fetchall()
                    times.append(time.perf_counter() - t0)
                rows.append(["same SQL via sqlite3 (floor)", label, len(ids), 20.0, *_ms(times)])
    finally:
        await runner.cleanup()
    return rows, plans


def _get_json(url: str, headers: dict[str, str]) -> list:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


async def over_http(
    server: Server, token: str, args: argparse.Namespace, max_ids: list[int]
) -> list[list[object]]:
    headers = {
        "Host": server.authority,
        "Authorization": f"Bearer {token}",
        "Accept": "application/json",
        "User-Agent": "warmline-bench/timeline",
    }
    first = await asyncio.to_thread(_get_json, f"{server.base}/api/v1/timelines/home", headers)
    if len(first) != 20:
        raise ServerError(f"/api/v1/timelines/home gave {len(first)} statuses, expected 20")
    rows = []
    rss = lambda: server.rss_kib().get("VmRSS", 0)  # noqa: E731
    n = args.http_calls
    pages = {
        "first page": [None] * n,
        "max_id at a random depth": max_ids[:n],
    }
    for concurrency in (1, 16):
        for label, ids in pages.items():
            reqs = [
                build_request(
                    "GET", "/api/v1/timelines/home" + (f"?max_id={m}" if m else ""), headers
                )
                for m in ids
            ]
            await run_requests("127.0.0.1", server.port, reqs[:20], 1, expect=200)  # warm-up
            result = await run_requests(
                "127.0.0.1", server.port, reqs, concurrency, expect=200, rss=rss
            )
            errors = len(reqs) - result.count(200)
            note = f" (first error: {result.first_error})" if errors else ""
            print(
                f"  ... HTTP {label}, {concurrency} at a time: "
                f"{result.count(200) / result.seconds:,.0f} req/s{note}",
                flush=True,
            )
            rows.append(
                [
                    f"GET /api/v1/timelines/home, {concurrency} at a time",
                    label,
                    len(reqs),
                    result.count(200) / result.seconds,
                    *_ms(result.ok_latencies),
                    errors,
                    result.peak_rss_kib / 1024,
                ]
            )
    return rows


COLUMNS = ["what", "page", "calls", "rows/call", "p50 ms", "p90 ms", "p99 ms", "max ms"]
HTTP_COLUMNS = [
    "what",
    "page",
    "requests",
    "req/s",
    "p50 ms",
    "p90 ms",
    "p99 ms",
    "max ms",
    "errors",
    "peak RSS MiB",
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.timeline",
        description="Home timeline latency with a large generated database (cached in /tmp).",
    )
    add_arguments(parser)
    parser.add_argument(
        "--calls", type=int, default=2000, help="in-process calls per page kind (default 2000)"
    )
    parser.add_argument(
        "--http-calls",
        type=int,
        default=200,
        help="HTTP requests per page kind and concurrency; 0 skips HTTP (default 200)",
    )
    parser.add_argument(
        "--variant",
        nargs="+",
        default=[],
        choices=["time-sql", "count-sql"],
        help="experiment: run the HTTP server through bench/_variant_server.py "
        "(time-sql: the statements with the most total time, from its log)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the data dir (and server.log)")
    args = parser.parse_args(argv)

    print(f"# bench.timeline: {machine()}")
    data = Path(tempfile.mkdtemp(prefix="warmline-bench-timeline-"))
    command = None
    if args.variant:
        command = [sys.executable, "-m", "bench._variant_server", *(f"--{v}" for v in args.variant)]
    server = Server(data, free_port(), command)
    variant_lines: list[str] = []
    try:
        info = prepare_database(data, server.authority, args)
        print(f"# {describe(info)}", flush=True)
        _, ids = feed_ids(data / DB_NAME)
        rng = random.Random(args.seed + 1)
        # Random depths, but never so deep that fewer than 20 older posts remain.
        max_ids = [ids[rng.randrange(20, len(ids))] for _ in range(args.calls)]
        rows, plans = asyncio.run(in_process(data, server.authority, args, max_ids))
        for label, _sql, plan in plans:
            print(f"# query plan ({label}): " + "; ".join(p[-1] for p in plan))
        http_rows: list[list[object]] = []
        hwm = 0
        if args.http_calls:
            token = make_token(data, server.authority)
            with server:
                server.start()
                print(
                    f"# server pid {server.proc.pid} at {server.base}, idle RSS "
                    f"{server.rss_kib().get('VmRSS', 0) / 1024:.1f} MiB",
                    flush=True,
                )
                http_rows = asyncio.run(over_http(server, token, args, max_ids))
                hwm = server.rss_kib().get("VmHWM", 0)
            variant_lines = server.variant_lines()
    except ServerError as exc:
        sys.exit(f"bench.timeline: the server did not run:\n{exc}")
    finally:
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)
        else:
            print(f"# data dir kept: {data}")
    print()
    print(table(COLUMNS, rows))
    if http_rows:
        print()
        print(table(HTTP_COLUMNS, http_rows))
        print()
        print(f"server VmHWM (lifetime peak RSS): {hwm / 1024:.1f} MiB")
    for line in variant_lines:
        print(line)


if __name__ == "__main__":
    main()
