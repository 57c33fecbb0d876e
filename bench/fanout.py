"""Fan-out: one post from a member with 10,000 followers on 500 hosts.

Setup (before the server starts): member ``alice`` in a temporary data dir; a
helper process (``python -m bench.fanout --peers-process``, one aiohttp app
listening on ``--hosts`` loopback ports) plays 500 remote servers, each origin
``http://127.0.0.1:PORT`` with a shared inbox at ``/inbox``; 10,000 remote
accounts (``--per-host`` 20 per origin, all with that shared inbox) and their
accepted follows of alice are inserted through the project's ``Database`` and
``server.store.tables``. Then ``warmline serve --dev`` starts and alice posts
``--posts`` times through ``POST /api/v1/statuses`` with a bearer token from
``warmline token create``.

Measured per post, from just before the API call: the API answer, the first
and the last shared inbox reached (the fan-out time), when the last outcome
is recorded in the ``deliveries`` table (no row pending), requests received in all
(must equal the number of hosts: one per shared inbox, never one per follower),
the most requests any host received, the server's CPU and RSS. Every received
request is checked afterwards: a draft-cavage signature by alice's key that
verifies, over a Create whose object is the new post. The first post opens 500
new connections; later posts may reuse them.

    .venv/bin/python -m bench.fanout [--hosts 500] [--per-host 20] [--posts 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from bench import _pyspy
from bench._common import cpu_seconds, machine, spread, table
from bench._server import REPO, Server, ServerError, create_member, free_port, make_token

AP_TYPE = "application/activity+json"

# --- the 500 "hosts": one helper process, one port per origin --------------------


async def _peers(hosts: int) -> None:
    records: list[dict] = []
    seen_ports: set[int] = set()

    async def inbox(request: web.Request) -> web.Response:
        body = await request.read()
        port = request.transport.get_extra_info("sockname")[1] if request.transport else 0
        records.append(
            {
                "t": time.monotonic(),
                "port": port,
                "path": request.path_qs,
                "headers": dict(request.headers),
                "body": body.decode("utf-8", "replace"),
            }
        )
        seen_ports.add(port)
        return web.Response(status=202)

    async def count(_request: web.Request) -> web.Response:
        last = records[-1]["t"] if records else None
        return web.json_response({"requests": len(records), "hosts": len(seen_ports), "last": last})

    async def dump(_request: web.Request) -> web.Response:
        return web.json_response(records)

    async def reset(_request: web.Request) -> web.Response:
        records.clear()
        seen_ports.clear()
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/inbox", inbox)
    control = web.Application()
    control.router.add_get("/count", count)
    control.router.add_get("/records", dump)
    control.router.add_post("/reset", reset)
    runner = web.AppRunner(app, access_log=None)
    control_runner = web.AppRunner(control, access_log=None)
    await runner.setup()
    await control_runner.setup()
    ports = []
    for _ in range(hosts):
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=128)
        await site.start()
        ports.append(site._server.sockets[0].getsockname()[1])
    control_site = web.TCPSite(control_runner, "127.0.0.1", 0)
    await control_site.start()
    control_port = control_site._server.sockets[0].getsockname()[1]
    print(json.dumps({"ports": ports, "control": control_port}), flush=True)
    # Serve until the parent closes our stdin.
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()
    await control_runner.cleanup()


def _raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Peers:
    """The helper process playing the remote hosts."""

    def __init__(self, hosts: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.fanout", "--peers-process", str(hosts)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=REPO,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise ServerError("the peers process did not start")
        info = json.loads(line)
        self.ports: list[int] = info["ports"]
        self.control = f"http://127.0.0.1:{info['control']}"

    def get(self, path: str) -> object:
        with urllib.request.urlopen(self.control + path, timeout=30) as response:
            return json.loads(response.read())

    def reset(self) -> None:
        request = urllib.request.Request(self.control + "/reset", method="POST", data=b"")
        urllib.request.urlopen(request, timeout=30).read()

    def stop(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --- database setup, before the server starts -------------------------------------


def remote_account(db, port: int, j: int, now: datetime) -> dict:
    """The ``accounts`` row of remote account ``f{j}`` on the loopback host ``port``:
    its own inbox, and the host's shared inbox at ``/inbox``."""
    base = f"http://127.0.0.1:{port}"
    actor = f"{base}/users/f{j}"
    return {
        "id": db.new_id(),
        "username": f"f{j}",
        "username_key": f"f{j}",
        "domain": f"127.0.0.1:{port}",
        "uri": actor,
        "url": f"{base}/@f{j}",
        "actor_type": "Person",
        "inbox_url": f"{actor}/inbox",
        "shared_inbox_url": f"{base}/inbox",
        "outbox_url": f"{actor}/outbox",
        "followers_url": f"{actor}/followers",
        "following_url": f"{actor}/following",
        "display_name": f"Follower {j}",
        "fields": [],
        "created_at": now,
        "updated_at": now,
        "fetched_at": now,
    }


def accepted_follow(db, account: dict, target_id: int, now: datetime) -> dict:
    """The ``follows`` row of remote ``account`` (a ``remote_account`` row) following
    ``target_id``, accepted."""
    from server.store import graph as graph_q

    follow_id = db.new_id()
    return {
        "id": follow_id,
        "account_id": account["id"],
        "target_account_id": target_id,
        "state": graph_q.ACCEPTED,
        "uri": f"{account['uri']}#follows/{follow_id}",
        "created_at": now,
    }


async def seed(data: Path, authority: str, ports: list[int], per_host: int) -> tuple[int, float]:
    """Insert ``per_host`` remote followers of alice on every port; (rows, seconds)."""
    from sqlalchemy import insert

    from server.config import load_config
    from server.store import Database, tables
    from server.store import accounts as accounts_q

    started = time.perf_counter()
    config = load_config(domain=authority, listen=authority, data=str(data), dev=True)
    db = Database(config.effective_database_url)
    try:
        await db.migrate()
        now = datetime.now(UTC)
        async with db.transaction() as conn:
            alice = await accounts_q.get_local_account(conn, "alice")
            assert alice is not None
            accounts = [remote_account(db, p, j, now) for p in ports for j in range(per_host)]
            follows = [accepted_follow(db, a, alice.id, now) for a in accounts]
            await conn.execute(insert(tables.accounts), accounts)
            await conn.execute(insert(tables.follows), follows)
    finally:
        await db.close()
    return len(follows), time.perf_counter() - started


# --- one post, measured ---------------------------------------------------------------


def post_status(server: Server, token: str, text: str) -> dict:
    body = urllib.parse.urlencode({"status": text, "visibility": "public"}).encode()
    request = urllib.request.Request(
        f"{server.base}/api/v1/statuses",
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def alice_public_key(server: Server):
    from federation import keys

    request = urllib.request.Request(f"{server.base}/users/alice", headers={"Accept": AP_TYPE})
    with urllib.request.urlopen(request, timeout=30) as response:
        doc = json.loads(response.read())
    key = doc["publicKey"]
    return key["id"], keys.load_public_pem(key["publicKeyPem"])


def verify_records(records: list[dict], keys: dict[str, object]) -> tuple[list, Counter[str]]:
    """Each recorded request's signature, verified by the key its ``keyId`` names among
    ``keys`` (key id -> public key): the parsed bodies (None where the request is
    bad) and the problems found, counted."""
    from federation.httpsig import parse_request_signature, verify_parsed

    problems: Counter[str] = Counter()
    docs: list[dict | None] = []
    for rec in records:
        body = rec["body"].encode()
        url = f"http://127.0.0.1:{rec['port']}{rec['path']}"
        try:
            parsed = parse_request_signature("POST", url, rec["headers"], body)
            if parsed.key_id not in keys:
                problems[f"signed by {parsed.key_id}"] += 1
                docs.append(None)
                continue
            verify_parsed(parsed, keys[parsed.key_id])
        except Exception as exc:
            problems[f"signature: {type(exc).__name__}: {exc}"[:120]] += 1
            docs.append(None)
            continue
        docs.append(json.loads(body))
    return docs, problems


def check_records(records: list[dict], key_id: str, public_key, note_url: str) -> dict:
    """Each request: signed by alice's key, verifies, carries a Create of the new note."""
    docs, problems = verify_records(records, {key_id: public_key})
    for doc in docs:
        if doc is None:
            continue
        obj = doc.get("object")
        if doc.get("type") != "Create" or (obj or {}).get("id") != note_url:
            problems["not a Create of the new post"] += 1
    return dict(problems)


async def wait_for(peers: Peers, hosts: int, max_wait: float, requests: int = 0) -> dict:
    """Until ``hosts`` hosts were reached and ``requests`` requests received (or
    ``max_wait`` seconds passed); the peers' last count."""
    deadline = time.monotonic() + max_wait
    while True:
        count = await asyncio.to_thread(peers.get, "/count")
        done = count["hosts"] >= hosts and count["requests"] >= requests
        if done or time.monotonic() > deadline:
            return count
        await asyncio.sleep(0.02)


async def one_post(
    n: int, server: Server, peers: Peers, token: str, args: argparse.Namespace, key: tuple
) -> list[object]:
    peers.reset()
    pid = server.proc.pid
    cpu_before = cpu_seconds(pid)
    peak = 0
    t0 = time.monotonic()
    status = await asyncio.to_thread(post_status, server, token, f"Fan-out benchmark post {n}")
    api_s = time.monotonic() - t0
    stop = asyncio.Event()

    async def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, server.rss_kib().get("VmRSS", 0))
            await asyncio.sleep(0.05)

    sampler = asyncio.create_task(sample())
    await wait_for(peers, len(peers.ports), args.timeout)
    # The worker records every outcome (and each host's health) in one transaction per batch.
    db_path = server.data / "warmline.sqlite3"
    # Polling another process's database: no event to wait on.
    while delivery_states(db_path).get("pending", 0) and time.monotonic() - t0 < args.timeout:  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    recorded_s = time.monotonic() - t0
    stop.set()
    await sampler
    cpu = cpu_seconds(pid) - cpu_before
    await asyncio.sleep(args.settle)  # anything extra (duplicates) arrives meanwhile
    records = await asyncio.to_thread(peers.get, "/records")
    times = sorted(r["t"] - t0 for r in records)
    per_host = Counter(r["port"] for r in records)
    problems = check_records(records, key[0], key[1], status["uri"])
    reached = len(per_host)
    fanout_s = times[-1] if reached >= len(peers.ports) else float("nan")
    mid = spread(times)["p50"] if times else float("nan")
    print(
        f"  ... post {n}: {reached} hosts in {fanout_s:.2f}s, {len(records)} requests, "
        f"problems: {problems or 'none'}",
        flush=True,
    )
    return [
        n,
        api_s * 1e3,
        times[0] if times else float("nan"),
        mid,
        fanout_s,
        recorded_s,
        reached,
        len(records),
        max(per_host.values()) if per_host else 0,
        sum(problems.values()),
        cpu / recorded_s * 100,
        peak / 1024,
    ]


COLUMNS = [
    "post",
    "API ms",
    "first host s",
    "half the hosts s",
    "all hosts s",
    "all recorded s",
    "hosts reached",
    "requests",
    "max per host",
    "bad requests",
    "server CPU %",
    "peak RSS MiB",
]


async def drive(
    server: Server, peers: Peers, token: str, args: argparse.Namespace
) -> list[list[object]]:
    key = alice_public_key(server)
    rows = []
    spy = None
    if args.profile:
        spy = _pyspy.record(
            args.py_spy, server.proc.pid, args.profile / "fanout.txt", rate=500, gil=True
        )
        await asyncio.sleep(0.5)
    for n in range(1, args.posts + 1):
        rows.append(await one_post(n, server, peers, token, args, key))
    if spy is not None:
        _pyspy.stop(spy)
    return rows


def delivery_states(path: Path) -> dict[str, int]:
    import sqlite3

    with contextlib.closing(sqlite3.connect(path, timeout=30)) as conn:
        rows = conn.execute("SELECT state, count(*) FROM deliveries GROUP BY state").fetchall()
    return {state: int(n) for state, n in rows}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.fanout",
        description="Time for one post to reach every shared inbox of 10,000 followers "
        "on 500 loopback hosts, through a real server.",
    )
    parser.add_argument("--hosts", type=int, default=500, help="remote origins (default 500)")
    parser.add_argument(
        "--per-host",
        type=int,
        default=20,
        help="followers per host, all behind its shared inbox (default 20)",
    )
    parser.add_argument(
        "--posts", type=int, default=3, help="posts, one after the other (default 3)"
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
        help="seconds to wait after the last host for stray requests",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="py-spy record the server (samples holding the GIL) during the posts "
        "into DIR/fanout.txt and print a summary",
    )
    parser.add_argument("--py-spy", help="path to py-spy (default: PATH, then /tmp/pyspy/bin)")
    parser.add_argument(
        "--variant",
        nargs="+",
        default=[],
        choices=["count-sql", "time-sql", "time-begin", "write-lock"],
        help="experiment: run the server through bench/_variant_server.py (see bench/README.md)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the data dir (and server.log)")
    parser.add_argument("--peers-process", type=int, metavar="N", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    _raise_nofile()
    if args.peers_process:
        asyncio.run(_peers(args.peers_process))
        return
    if args.profile:
        args.py_spy = _pyspy.find_py_spy(args.py_spy)
        if not args.py_spy:
            parser.error("py-spy not found: .venv/bin/pip install --target /tmp/pyspy py-spy")
        args.profile.mkdir(parents=True, exist_ok=True)

    print(f"# bench.fanout: {machine()}")
    data = Path(tempfile.mkdtemp(prefix="warmline-bench-fanout-"))
    command = None
    if args.variant:
        command = [sys.executable, "-m", "bench._variant_server", *(f"--{v}" for v in args.variant)]
        print(
            f"# EXPERIMENT: server variant {' '.join(args.variant)} (monkeypatched, not Warmline)"
        )
    variant_lines: list[str] = []
    peers = None
    try:
        started = time.perf_counter()
        peers = Peers(args.hosts)
        # After the peers bound their 500 ports: a port picked before could be one of them.
        server = Server(data, free_port(), command)
        print(
            f"# {args.hosts} hosts listening in pid {peers.proc.pid} "
            f"({time.perf_counter() - started:.1f}s)",
            flush=True,
        )
        create_member(data, server.authority)
        follows, seed_s = asyncio.run(seed(data, server.authority, peers.ports, args.per_host))
        token = make_token(data, server.authority, "read write")
        print(f"# {follows:,} remote followers of alice inserted in {seed_s:.1f}s", flush=True)
        with server:
            server.start()
            print(
                f"# server pid {server.proc.pid} at {server.base}, idle RSS "
                f"{server.rss_kib().get('VmRSS', 0) / 1024:.1f} MiB",
                flush=True,
            )
            rows = asyncio.run(drive(server, peers, token, args))
            hwm = server.rss_kib().get("VmHWM", 0)
        states = delivery_states(data / "warmline.sqlite3")
        variant_lines = server.variant_lines()
    except ServerError as exc:
        sys.exit(f"bench.fanout: the server did not run:\n{exc}")
    finally:
        if peers is not None:
            peers.stop()
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)
        else:
            print(f"# data dir kept: {data}")
    print()
    print(table(COLUMNS, rows))
    print()
    print(
        f"deliveries rows by state: {states} (expected {args.hosts * args.posts:,} sent); "
        f"server VmHWM {hwm / 1024:.1f} MiB"
    )
    for line in variant_lines:
        print(line)
    if args.profile:
        print()
        print(_pyspy.summarize(args.profile / "fanout.txt", 25))
        print()
        print(_pyspy.phases(args.profile / "fanout.txt", PHASES))
        print()
        print(_pyspy.layers(args.profile / "fanout.txt"))


PHASES = [
    ("API: POST /api/v1/statuses (create_status + the answer)", ("api/statuses.py", "statuses.py")),
    ("delivery worker: claim", ("claim_deliveries", "host_states (")),
    ("delivery worker: sign", ("sign_cavage", "signer_for", "for_account")),
    ("delivery worker: POST (aiohttp client)", ("post_document",)),
    ("delivery worker: record outcomes", ("DeliveryWorker._record",)),
    ("delivery worker: other", ("server/workers/delivery.py",)),
    ("inbox worker", ("server/workers/inbox.py",)),
]


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
