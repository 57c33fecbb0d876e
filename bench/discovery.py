"""Discovery under load: WebFinger and actor documents from a real ``warmline serve``.

Creates member ``alice`` in a temporary data dir, starts ``warmline serve --dev``
on a free loopback port, checks both endpoints answer correctly, then drives each
at every ``--concurrency`` level for ``--seconds``: requests/s, latency
p50/p90/p99, errors, and the server's RSS (peak sampled during the run, and its
lifetime VmHWM). The load generator runs on the same machine and competes with
the server for the CPUs; ``wrk -t1`` (if installed) uses far less CPU per
request than the Python client, so it gives the server more of the machine.

    .venv/bin/python -m bench.discovery [--seconds 5] [--concurrency 16 64] [--client auto]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import urllib.request
from pathlib import Path

from bench._common import cpu_seconds, machine, table
from bench._load import aiohttp_load, have_wrk, wrk_load
from bench._server import Server, ServerError, create_member, free_port

AP_ACCEPT = {"Accept": "application/activity+json"}
JRD_ACCEPT = {"Accept": "application/jrd+json"}


def endpoints(base: str, authority: str) -> list[tuple[str, str, dict[str, str]]]:
    return [
        ("webfinger", f"{base}/.well-known/webfinger?resource=acct:alice@{authority}", JRD_ACCEPT),
        ("actor", f"{base}/users/alice", AP_ACCEPT),
    ]


def check(url: str, headers: dict[str, str]) -> int:
    """One request before the load: must be 200 with JSON; returns the body size."""
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
        if response.status != 200:
            raise ServerError(f"{url} answered {response.status}")
    json.loads(body)
    return len(body)


COLUMNS = ["endpoint", "client", "conc", "req/s", "p50 ms", "p90 ms", "p99 ms", "errors",
           "server CPU %", "peak RSS MiB", "VmHWM MiB"]  # fmt: skip


async def measure(server, load, label, url, headers, concurrency, args) -> list[object]:
    """One load run; the server's CPU use is its CPU seconds over the run's wall seconds."""
    cpu_before = cpu_seconds(server.proc.pid)
    rss = lambda: server.rss_kib().get("VmRSS", 0)  # noqa: E731
    result = await load(url, headers, concurrency, args.seconds, rss)
    cpu = (cpu_seconds(server.proc.pid) - cpu_before) / result.seconds * 100
    hwm = server.rss_kib().get("VmHWM", 0)
    note = f", first error: {result.first_error}" if result.errors else ""
    print(
        f"  ... {label} c={concurrency} {result.client}: {result.rps:,.0f} req/s{note}", flush=True
    )
    lat = result.latency_ms
    return [label, result.client, concurrency, result.rps, lat["p50"], lat["p90"], lat["p99"],
            result.errors, cpu, result.peak_rss_kib / 1024, hwm / 1024]  # fmt: skip


async def drive(server: Server, args: argparse.Namespace) -> list[list[object]]:
    clients = {
        "wrk": [wrk_load],
        "aiohttp": [aiohttp_load],
        "both": [wrk_load, aiohttp_load],
        "auto": [wrk_load if have_wrk() else aiohttp_load],
    }[args.client]
    rows: list[list[object]] = []
    for name, url, headers in endpoints(server.base, server.authority):
        label = f"{name} ({check(url, headers)} B)"
        for load in clients:
            for concurrency in args.concurrency:
                rows.append(await measure(server, load, label, url, headers, concurrency, args))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.discovery",
        description="WebFinger and actor throughput/latency/RSS against a real server.",
    )
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="per endpoint and level (default 5)"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        nargs="+",
        default=[16, 64],
        help="requests in flight (default: 16 64)",
    )
    parser.add_argument(
        "--client",
        choices=["auto", "wrk", "aiohttp", "both"],
        default="auto",
        help="load generator: auto = wrk if on PATH, else the aiohttp client",
    )
    parser.add_argument("--keep", action="store_true", help="keep the data dir (and server.log)")
    args = parser.parse_args(argv)
    if args.client in ("wrk", "both") and not have_wrk():
        parser.error("wrk is not installed (apt-get install -y wrk), use --client aiohttp")

    print(f"# bench.discovery: {machine()}")
    print(
        "# NOTE: the load generator runs on the same machine and shares the CPUs with the server."
    )
    data = Path(tempfile.mkdtemp(prefix="warmline-bench-"))
    server = Server(data, free_port())
    try:
        create_member(data, server.authority)
        with server:
            server.start()
            idle = server.rss_kib()
            print(
                f"# server pid {server.proc.pid} at {server.base}, idle RSS "
                f"{idle.get('VmRSS', 0) / 1024:.1f} MiB; {args.seconds:g}s per run",
                flush=True,
            )
            rows = asyncio.run(drive(server, args))
    except ServerError as exc:
        sys.exit(f"bench.discovery: the server did not run:\n{exc}")
    finally:
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)
        else:
            print(f"# data dir kept: {data}")
    print()
    print(table(COLUMNS, rows))


if __name__ == "__main__":
    main()
