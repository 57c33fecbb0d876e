"""Start-up time and idle memory of ``warmline serve``.

Measures wall time from spawning the process until ``/healthz`` first answers
200 (polled every 5 ms):

* fresh: an empty data dir, so start-up includes the migrations and generating
  the instance actor's keys;
* warm: a restart on an existing data dir (migrated, keys present).

Each is repeated ``--runs`` times (median and max). For comparison it also
times a bare interpreter start + ``import server.serve`` (the floor for both).
Finally it reads the server's RSS 1 s after start, and again after
``--requests`` requests (WebFinger, actor, /healthz in turn, 8 in flight).

    .venv/bin/python -m bench.startup [--runs 5] [--requests 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from bench._common import machine, table
from bench._server import Server, ServerError, create_member, free_port

SETTLE_SECONDS = 1.0


def time_imports(runs: int) -> list[float]:
    """Spawn -> "imported" printed by ``python -c "import server.serve"`` (exit not counted)."""
    times = []
    code = "import server.serve; print('imported', flush=True)"
    for _ in range(runs):
        started = time.perf_counter()
        with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE) as child:
            child.stdout.readline()
            times.append(time.perf_counter() - started)
    return times


def time_starts(root: Path, runs: int, *, fresh: bool) -> tuple[list[float], list[int]]:
    """Seconds to healthy, and VmRSS (KiB) after settling, for ``runs`` starts."""
    times, rss = [], []
    warm_dir = root / "warm"
    for i in range(runs):
        data = root / f"fresh-{i}" if fresh else warm_dir
        with Server(data, free_port()) as server:
            times.append(server.start())
            time.sleep(SETTLE_SECONDS)
            rss.append(server.rss_kib().get("VmRSS", 0))
    return times, rss


async def hammer(server: Server, total: int, concurrency: int = 8) -> int:
    """``total`` GETs over keep-alive connections; returns how many were not 200."""
    urls = [
        (f"{server.base}/.well-known/webfinger?resource=acct:alice@{server.authority}", {}),
        (f"{server.base}/users/alice", {"Accept": "application/activity+json"}),
        (f"{server.base}/healthz", {}),
    ]
    errors = 0
    queue = iter(range(total))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:

        async def worker() -> None:
            nonlocal errors
            for n in queue:
                url, headers = urls[n % len(urls)]
                async with session.get(url, headers=headers) as response:
                    await response.read()
                    errors += response.status != 200

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return errors


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.startup",
        description="Time to /healthz (fresh and warm data dir) and idle RSS of warmline serve.",
    )
    parser.add_argument("--runs", type=int, default=5, help="starts of each kind (default 5)")
    parser.add_argument(
        "--requests",
        type=int,
        default=1000,
        help="requests before the second RSS reading (default 1000)",
    )
    args = parser.parse_args(argv)

    print(f"# bench.startup: {machine()}")
    root = Path(tempfile.mkdtemp(prefix="warmline-bench-"))
    try:
        imports = time_imports(args.runs)
        fresh, fresh_rss = time_starts(root, args.runs, fresh=True)
        # The warm dir: migrated by `member create`, then one start to make the instance keys.
        warm_port = free_port()
        create_member(root / "warm", f"127.0.0.1:{warm_port}")
        with Server(root / "warm", warm_port) as server:
            server.start()
        warm, warm_rss = time_starts(root, args.runs, fresh=False)

        with Server(root / "warm", free_port()) as server:
            server.start()
            time.sleep(SETTLE_SECONDS)
            before = server.rss_kib()
            started = time.perf_counter()
            errors = asyncio.run(hammer(server, args.requests))
            elapsed = time.perf_counter() - started
            time.sleep(SETTLE_SECONDS)
            after = server.rss_kib()
    except ServerError as exc:
        sys.exit(f"bench.startup: the server did not run:\n{exc}")
    finally:
        shutil.rmtree(root, ignore_errors=True)

    def row(name: str, values: list[float]) -> list[object]:
        ms = [v * 1000 for v in values]
        return [name, len(ms), statistics.median(ms), max(ms), min(ms)]

    print(f"\nTime to first /healthz 200 ({args.runs} runs each):\n")
    print(
        table(
            ["start", "runs", "median ms", "max ms", "min ms"],
            [
                row("fresh data dir (migrations + instance keys)", fresh),
                row("warm restart (existing data dir)", warm),
                row("of which: interpreter + import server.serve", imports),
            ],
        )
    )
    print(
        f"\nServer memory (RSS {SETTLE_SECONDS:g}s after start; {args.requests} requests "
        f"took {elapsed:.2f}s, {errors} errors):\n"
    )
    mib = 1024
    print(
        table(
            ["when", "VmRSS MiB", "VmHWM (peak) MiB"],
            [
                [
                    "idle after fresh start (median)",
                    statistics.median(fresh_rss) / mib,
                    float("nan"),
                ],
                ["idle after warm start (median)", statistics.median(warm_rss) / mib, float("nan")],
                [
                    "idle after warm start (this run)",
                    before.get("VmRSS", 0) / mib,
                    before.get("VmHWM", 0) / mib,
                ],
                [
                    f"idle after {args.requests} requests",
                    after.get("VmRSS", 0) / mib,
                    after.get("VmHWM", 0) / mib,
                ],
            ],
        )
    )


if __name__ == "__main__":
    main()
