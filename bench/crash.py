"""Kill the server again and again during fan-outs; count what is lost and what
arrives twice.

A real ``warmline serve`` whose member alice has followers on ``--hosts``
loopback hosts (one helper process plays them all, as in ``bench.fanout``).
Each round posts once, waits a random moment within the fan-out, kills the
server with SIGKILL and starts it again. At the end every post must have
reached every host: a post missing on a host is a **loss** (the goal is none),
one that arrived more than once a **duplicate** (allowed: delivery is at least
once and receivers dedupe by id). Also printed: how long after each restart the
deliveries the killed process had claimed were sent (its heartbeat stops, so
they need not wait out the 2-minute lease).

    .venv/bin/python -m bench.crash                    # 20 kills, 200 hosts
    .venv/bin/python -m bench.crash --kills 50 --hosts 100
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench._common import machine, percentile
from bench._server import Server, ServerError, create_member, free_port, make_token
from bench.fanout import Peers, post_status, seed


def note_hosts(records: list[dict]) -> Counter[tuple[str, int]]:
    """(note id, port) -> how many Creates of it that host received."""
    seen: Counter[tuple[str, int]] = Counter()
    for record in records:
        doc = json.loads(record["body"])
        if doc.get("type") == "Create":
            seen[(doc["object"]["id"], record["port"])] += 1
    return seen


def pending(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT count(*) FROM deliveries WHERE state = 'pending'").fetchone()[0]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.crash", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--kills", type=int, default=20, help="rounds of post + SIGKILL (20)")
    parser.add_argument("--hosts", type=int, default=200, help="remote hosts (200)")
    parser.add_argument("--per-host", type=int, default=5, help="followers on each host (5)")
    parser.add_argument("--seed", type=int, default=1, help="random seed for the kill moments")
    parser.add_argument(
        "--timeout", type=float, default=180.0, help="wait at most this long at the end"
    )
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    print(f"# bench.crash: {machine()}")
    data = Path(tempfile.mkdtemp(prefix="warmline-bench-crash-"))
    server = Server(data, free_port())
    peers = None
    notes: list[str] = []
    resumed: list[float] = []
    try:
        peers = Peers(args.hosts)
        create_member(data, server.authority)
        asyncio.run(seed(data, server.authority, peers.ports, args.per_host))
        token = make_token(data, server.authority, "read write")
        server.start()
        for n in range(args.kills):
            before = peers.get("/count")["requests"]
            notes.append(post_status(server, token, f"round {n}")["uri"])
            time.sleep(rng.uniform(0.0, 0.4))  # somewhere inside the fan-out
            server.proc.kill()
            server.proc.wait()
            sent_before_kill = peers.get("/count")["requests"] - before
            restarted = time.perf_counter()
            server.start()
            # How long the work left by the killed process takes to go out again.
            while pending(data / "warmline.sqlite3") and time.perf_counter() - restarted < 60:
                time.sleep(0.1)
            resumed.append(time.perf_counter() - restarted)
            print(
                f"  ... kill {n + 1}: {sent_before_kill} of {args.hosts} hosts reached before it, "
                f"queue empty {resumed[-1]:.1f}s after the restart",
                flush=True,
            )
        deadline = time.perf_counter() + args.timeout
        while pending(data / "warmline.sqlite3") and time.perf_counter() < deadline:
            time.sleep(0.5)
        time.sleep(1.0)  # stray requests
        records = peers.get("/records")
    except ServerError as exc:
        sys.exit(f"bench.crash: the server did not run:\n{exc}")
    finally:
        server.stop()
        if peers is not None:
            peers.stop()
        shutil.rmtree(data, ignore_errors=True)

    seen = note_hosts(records)
    expected = {(note, port) for note in notes for port in peers.ports}
    lost = sorted(expected - set(seen))
    duplicated = sum(count - 1 for count in seen.values() if count > 1)
    print()
    print(
        f"kills: {args.kills}; posts: {len(notes)}; hosts: {args.hosts}; "
        f"deliveries expected: {len(expected):,}"
    )
    print(
        f"lost: {len(lost)}; duplicates: {duplicated} "
        f"({duplicated / max(len(expected), 1):.2%} of deliveries)"
    )
    resumed.sort()
    print(
        f"queue empty after each restart: p50 {percentile(resumed, 50):.1f}s, "
        f"max {max(resumed):.1f}s"
    )
    if lost:
        print("LOST:", lost[:10])
        sys.exit(1)


if __name__ == "__main__":
    main()
