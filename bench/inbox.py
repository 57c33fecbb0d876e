"""Signed inbox deliveries: Create(Note) activities accepted (202, durably stored) per second.

Starts a real ``warmline serve --dev`` with member ``alice`` in a temporary data
dir, and in this process a small "remote peer" (aiohttp, another loopback port)
that serves ``--senders`` actors, each with its own RSA-2048 key. Before any
clock starts, every request is built and signed with draft-cavage
(``federation.httpsig.sign_cavage``) in a pool of worker processes: RSA signing
costs ~210 µs, which on a 2-core machine would otherwise eat the server's CPU.

Warm-up: one delivery per sender, so Warmline fetches each actor and caches its
key (checked in the ``keys`` table). Then, for each ``--concurrency`` level,
``--requests`` distinct signed ``Create(Note)`` activities (public, cc and
Mention of alice, so the inbox worker keeps them) are POSTed to ``/inbox``
over that many keep-alive connections by a lean raw-HTTP client
(``bench/_rawhttp.py``, ~65 µs of client CPU per request). Measured: 202s per
second, latency p50/p90/p99, errors, the server's CPU use and RSS (peak
sampled every 50 ms; VmHWM). Between levels the inbox worker is left to drain
its backlog (the door stores; the worker applies later), and the drain rate is
reported too: it is the rate the server can sustain for ever.

At the end the server is stopped and ``inbox_items`` is counted: it must equal
the number of 202 answers (warm-up included).

    .venv/bin/python -m bench.inbox [--requests 6000] [--concurrency 16 64] [--senders 50]
    .venv/bin/python -m bench.inbox --profile /tmp/prof    # py-spy during the first level
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from bench import _pyspy
from bench._common import cpu_seconds, machine, spread, table
from bench._rawhttp import RawResult, build_request, run_requests
from bench._server import Server, ServerError, create_member, free_port

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
AP_TYPE = "application/activity+json"
# What Mastodon 4.x sends with a Create(Note).
NOTE_CONTEXT = [
    "https://www.w3.org/ns/activitystreams",
    {
        "ostatus": "http://ostatus.org#",
        "atomUri": "ostatus:atomUri",
        "inReplyToAtomUri": "ostatus:inReplyToAtomUri",
        "conversation": "ostatus:conversation",
        "sensitive": "as:sensitive",
        "toot": "http://joinmastodon.org/ns#",
        "votersCount": "toot:votersCount",
        "Hashtag": "as:Hashtag",
    },
]


# --- the remote peer's actors --------------------------------------------------


def actor_document(peer: str, n: int, public_pem: str) -> dict:
    actor = f"{peer}/users/s{n}"
    return {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": actor,
        "type": "Person",
        "preferredUsername": f"s{n}",
        "name": f"Sender {n}",
        "summary": "<p>A benchmark sender.</p>",
        "url": f"{peer}/@s{n}",
        "inbox": f"{actor}/inbox",
        "outbox": f"{actor}/outbox",
        "followers": f"{actor}/followers",
        "following": f"{actor}/following",
        "endpoints": {"sharedInbox": f"{peer}/inbox"},
        "manuallyApprovesFollowers": False,
        "discoverable": True,
        "publicKey": {"id": f"{actor}#main-key", "owner": actor, "publicKeyPem": public_pem},
    }


def create_note(peer: str, n: int, seq: int, alice: str, alice_handle: str) -> dict:
    """A Mastodon-shaped public Create(Note) mentioning alice (~1.9 kB as JSON)."""
    actor = f"{peer}/users/s{n}"
    note = f"{actor}/statuses/{seq}"
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    cc = [f"{actor}/followers", alice]
    content = (
        f'<p><span class="h-card" translate="no"><a href="{alice}" class="u-url mention">'
        f"@<span>alice</span></a></span> Benchmark note {seq} from sender {n}: "
        "an introduction request about the supply-chain meetup next week, "
        'see you there? <a href="http://example.org/tags/meetup" class="mention hashtag" '
        'rel="tag">#<span>meetup</span></a></p>'
    )
    return {
        "@context": NOTE_CONTEXT,
        "id": f"{note}/activity",
        "type": "Create",
        "actor": actor,
        "published": now,
        "to": [PUBLIC],
        "cc": cc,
        "object": {
            "id": note,
            "type": "Note",
            "summary": None,
            "inReplyTo": None,
            "published": now,
            "url": f"{peer}/@s{n}/{seq}",
            "attributedTo": actor,
            "to": [PUBLIC],
            "cc": cc,
            "sensitive": False,
            "atomUri": note,
            "inReplyToAtomUri": None,
            "conversation": f"tag:127.0.0.1,2026:objectId={seq}:objectType=Conversation",
            "content": content,
            "contentMap": {"en": content},
            "attachment": [],
            "tag": [
                {"type": "Mention", "href": alice, "name": alice_handle},
                {"type": "Hashtag", "href": "http://example.org/tags/meetup", "name": "#meetup"},
            ],
            "replies": {
                "id": f"{note}/replies",
                "type": "Collection",
                "first": {
                    "type": "CollectionPage",
                    "next": f"{note}/replies?only_other_accounts=true&page=true",
                    "partOf": f"{note}/replies",
                    "items": [],
                },
            },
        },
    }


# --- signing, in worker processes ------------------------------------------------

_KEYS: list = []


def _make_key(_: int) -> tuple[str, str]:
    from federation import keys

    private = keys.generate_rsa()
    return keys.private_key_to_pem(private), keys.public_key_to_pem(private)


def _load_keys(pems: list[str]) -> None:
    from federation import keys

    _KEYS[:] = [keys.load_private_pem(p) for p in pems]


def _sign_batch(job: tuple) -> list[bytes]:
    """Raw request bytes for each (sender, seq), signed as that sender.

    ``job``: (server base URL, peer base URL, alice's URI, her handle, items,
    the body's shape (a name of ``bench._shapes.SHAPES``; None: this module's
    Mastodon-shaped note), the inbox path).
    """
    from bench._shapes import create_note as shaped_note
    from federation.httpsig import sign_cavage

    server, peer, alice, handle, items, shape, path = job
    url = f"{server}{path}"
    out = []
    for n, seq in items:
        if shape is None:
            doc = create_note(peer, n, seq, alice, handle)
        else:
            doc = shaped_note(shape, f"{peer}/users/s{n}", seq, alice, handle)
        body = json.dumps(doc, separators=(",", ":")).encode()
        headers = {"Content-Type": AP_TYPE}
        headers.update(
            sign_cavage(
                "POST",
                url,
                headers,
                body,
                key_id=f"{peer}/users/s{n}#main-key",
                private_key=_KEYS[n],
            )
        )
        headers["User-Agent"] = "warmline-bench/inbox"
        out.append(build_request("POST", path, headers, body))
    return out


def prepare(pool: ProcessPoolExecutor, args: argparse.Namespace, server: Server, plan: list[int]):
    """Keys, then the signed requests: warm-up (one per sender), then one list per level."""
    started = time.perf_counter()
    pairs = list(pool.map(_make_key, range(args.senders)))
    keygen = time.perf_counter() - started
    alice = f"{server.base}/users/alice"
    handle = f"@alice@{server.authority}"
    seq = 0
    batches: list[list[tuple[int, int]]] = [[(n, (seq := seq + 1)) for n in range(args.senders)]]
    for count in plan:
        batches.append([(i % args.senders, (seq := seq + 1)) for i in range(count)])
    return pairs, keygen, alice, handle, batches


def sign_all(
    pool_size: int,
    pems: list[str],
    server: Server,
    peer: str,
    alice: str,
    handle: str,
    batches: list[list[tuple[int, int]]],
    shapes: list[tuple[str | None, str]] | None = None,
) -> list[list[bytes]]:
    """Sign every batch in a process pool. ``shapes``: one (body shape, inbox
    path) per batch (see ``_sign_batch``); default the Mastodon note to /inbox."""
    chunk = 250
    shapes = shapes or [(None, "/inbox")] * len(batches)
    with ProcessPoolExecutor(pool_size, initializer=_load_keys, initargs=(pems,)) as pool:
        out = []
        for items, (shape, path) in zip(batches, shapes, strict=True):
            jobs = [
                (server.base, peer, alice, handle, items[i : i + chunk], shape, path)
                for i in range(0, len(items), chunk)
            ]
            out.append([r for part in pool.map(_sign_batch, jobs) for r in part])
    return out


# --- reading the server's database ----------------------------------------------


class Db:
    """Read-only peeks at the server's SQLite file (WAL: readers never block it)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def scalar(self, sql: str) -> int:
        with contextlib.closing(sqlite3.connect(self.path, timeout=30)) as conn:
            return int(conn.execute(sql).fetchone()[0])

    def inbox_states(self) -> dict[str, int]:
        with contextlib.closing(sqlite3.connect(self.path, timeout=30)) as conn:
            rows = conn.execute("SELECT state, count(*) FROM inbox_items GROUP BY state").fetchall()
        return {state: int(n) for state, n in rows}


async def drain(db: Db, max_wait: float) -> tuple[float, int, dict[str, int]]:
    """Wait until the inbox worker has no pending items; (seconds, items done meanwhile, states)."""
    started = time.perf_counter()
    before = db.inbox_states()
    states = before
    while states.get("pending", 0) and time.perf_counter() - started < max_wait:
        await asyncio.sleep(0.25)
        states = db.inbox_states()
    finished = sum(v for k, v in states.items() if k != "pending")
    finished_before = sum(v for k, v in before.items() if k != "pending")
    return time.perf_counter() - started, finished - finished_before, states


# --- the run ----------------------------------------------------------------------


COLUMNS = [
    "senders (conc)",
    "requests",
    "202/s",
    "p50 ms",
    "p90 ms",
    "p99 ms",
    "max ms",
    "errors",
    "server CPU %",
    "client CPU %",
    "peak RSS MiB",
]
# The inbox worker: items it applied while the load ran, then how it drained the rest.
WORKER_COLUMNS = [
    "senders (conc)",
    "stored",
    "applied during the load",
    "left after the load",
    "drain s",
    "applied/s (drain)",
    "server CPU % (drain)",
]


def peer_app(docs: dict[str, dict], fetches: list[str]) -> web.Application:
    async def actor(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        fetches.append(name)
        if name not in docs:
            raise web.HTTPNotFound()
        return web.json_response(docs[name], content_type=AP_TYPE)

    app = web.Application()
    app.router.add_get("/users/{name}", actor)
    return app


async def run_level(
    server: Server, db: Db, requests: list[bytes], concurrency: int, args, profile_out: Path | None
) -> tuple[list[object], RawResult, str]:
    pid = server.proc.pid
    states_before = db.inbox_states()
    spy = None
    if profile_out is not None:
        # py-spy shares the CPUs: the numbers of a profiled level are flagged in the table.
        spy = _pyspy.record(args.py_spy, pid, profile_out, rate=args.rate, gil=args.gil)
        await asyncio.sleep(0.5)  # let it attach
    cpu_before, own_before = cpu_seconds(pid), cpu_seconds(os.getpid())
    rss = lambda: server.rss_kib().get("VmRSS", 0)  # noqa: E731
    result = await run_requests(
        "127.0.0.1", server.port, requests, concurrency, expect=202, rss=rss
    )
    cpu = (cpu_seconds(pid) - cpu_before) / result.seconds * 100
    client_cpu = (cpu_seconds(os.getpid()) - own_before) / result.seconds * 100
    if spy is not None:
        await asyncio.to_thread(_pyspy.stop, spy)
    states_after = db.inbox_states()
    applied_during = sum(v for k, v in states_after.items() if k != "pending") - sum(
        v for k, v in states_before.items() if k != "pending"
    )
    drain_cpu_before = cpu_seconds(pid)
    drain_s, drained, _ = await drain(db, args.drain_timeout)
    drain_cpu = (cpu_seconds(pid) - drain_cpu_before) / drain_s * 100 if drain_s > 0.3 else None
    accepted = result.count(202)
    lat = spread(result.ok_latencies or [float("nan")])
    errors = len(requests) - accepted
    label = f"{concurrency}" + (" (py-spy on)" if spy is not None else "")
    note = f"; first error: {result.first_error}" if errors else ""
    print(
        f"  ... concurrency {concurrency}: {accepted / result.seconds:,.0f} 202/s{note}", flush=True
    )
    row = [
        label,
        len(requests),
        accepted / result.seconds,
        lat["p50"] * 1e3,
        lat["p90"] * 1e3,
        lat["p99"] * 1e3,
        lat["max"] * 1e3,
        errors,
        cpu,
        client_cpu,
        result.peak_rss_kib / 1024,
        applied_during,
        accepted - applied_during,
        drain_s,
        drained / drain_s if drain_s > 0.3 else float("nan"),
        drain_cpu if drain_cpu is not None else float("nan"),
    ]
    return row, result, label


async def drive(
    server: Server,
    db: Db,
    args,
    docs: dict[str, dict],
    peer_port: int,
    warmup: list[bytes],
    levels: list[list[bytes]],
) -> dict:
    fetches: list[str] = []
    runner = web.AppRunner(peer_app(docs, fetches), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", peer_port).start()
    report: dict = {"rows": [], "accepted": 0}
    try:
        started = time.perf_counter()
        warm = await run_requests("127.0.0.1", server.port, warmup, 8, expect=202)
        warm_s = time.perf_counter() - started
        if warm.count(202) != len(warmup):
            raise ServerError(f"warm-up: {warm.statuses}, first error: {warm.first_error}")
        report["accepted"] += warm.count(202)
        cached = db.scalar("SELECT count(*) FROM keys WHERE key_uri IS NOT NULL")
        print(
            f"# warm-up: {len(warmup)} deliveries in {warm_s:.2f}s, {len(fetches)} actor "
            f"fetches, {cached} remote keys cached",
            flush=True,
        )
        await drain(db, args.drain_timeout)
        fetches_before = len(fetches)
        for i, (concurrency, requests) in enumerate(zip(args.concurrency, levels, strict=True)):
            profile_out = None
            if args.profile and i == 0:
                profile_out = args.profile / f"inbox-c{concurrency}.txt"
            row, result, _ = await run_level(server, db, requests, concurrency, args, profile_out)
            report["rows"].append(row)
            report["accepted"] += result.count(202)
        report["refetches"] = len(fetches) - fetches_before
    finally:
        await runner.cleanup()
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.inbox",
        description="Signed Create(Note) deliveries to /inbox against a real server: "
        "202s per second, latency, RSS; inbox_items checked against the 202s.",
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=6000,
        help="distinct signed activities sent per level (default 6000)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        nargs="+",
        default=[16, 64],
        help="concurrent senders, i.e. connections (default: 16 64)",
    )
    parser.add_argument(
        "--senders",
        type=int,
        default=50,
        help="remote actors, each with its own RSA-2048 key (default 50)",
    )
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=90.0,
        help="seconds to let the inbox worker catch up after a level (default 90)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="run py-spy record on the server during the first level; "
        "writes DIR/inbox-cN.txt (raw stacks) and prints a summary",
    )
    parser.add_argument("--py-spy", help="path to py-spy (default: PATH, then /tmp/pyspy/bin)")
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples/s (default 250)")
    parser.add_argument(
        "--all-threads",
        dest="gil",
        action="store_false",
        help="py-spy: keep samples of threads not holding the GIL (by default "
        "only GIL holders count: on this VM py-spy's idle detection counts "
        "threads blocked in epoll/queue waits as busy)",
    )
    parser.add_argument(
        "--variant",
        nargs="+",
        default=[],
        choices=[
            "no-workers",
            "key-cache",
            "host-cache",
            "write-lock",
            "time-begin",
            "count-sql",
            "time-sql",
        ],
        help="experiment: run the server through bench/_variant_server.py with "
        "these monkeypatches (what would a fix buy?)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the data dir (and server.log)")
    parser.add_argument(
        "--metrics",
        action="store_true",
        help="serve with [metrics] enabled = true (what counting requests costs)",
    )
    args = parser.parse_args(argv)
    if "no-workers" in args.variant:
        args.drain_timeout = 0  # nothing applies the stored items
    if args.profile:
        args.py_spy = _pyspy.find_py_spy(args.py_spy)
        if not args.py_spy:
            parser.error("py-spy not found: .venv/bin/pip install --target /tmp/pyspy py-spy")
        args.profile.mkdir(parents=True, exist_ok=True)

    print(f"# bench.inbox: {machine()}")
    print("# NOTE: the client shares the CPUs with the server; requests are signed beforehand.")
    data = Path(tempfile.mkdtemp(prefix="warmline-bench-inbox-"))
    command = None
    if args.variant:
        command = [sys.executable, "-m", "bench._variant_server", *(f"--{v}" for v in args.variant)]
        print(
            f"# EXPERIMENT: server variant {' '.join(args.variant)} (monkeypatched, not Warmline)"
        )
    metrics = "[metrics]\nenabled = true\n" if args.metrics else ""
    print(f"# metrics: {'on ([metrics] enabled = true)' if args.metrics else 'off'}")
    server = Server(data, free_port(), command, extra_config=metrics)
    peer_port = free_port()
    peer = f"http://127.0.0.1:{peer_port}"
    workers = min(2, os.cpu_count() or 1)
    try:
        started = time.perf_counter()
        with ProcessPoolExecutor(workers) as pool:
            pairs, keygen, alice, handle, batches = prepare(
                pool, args, server, [args.requests] * len(args.concurrency)
            )
        pems = [private for private, _ in pairs]
        signed = sign_all(workers, pems, server, peer, alice, handle, batches)
        warmup, levels = signed[0], signed[1:]
        size = len(levels[0][0]) if levels and levels[0] else 0
        print(
            f"# {args.senders} RSA-2048 keys in {keygen:.1f}s; "
            f"{sum(map(len, signed)):,} requests signed in "
            f"{time.perf_counter() - started - keygen:.1f}s ({size:,} bytes each with headers)",
            flush=True,
        )
        docs = {f"s{n}": actor_document(peer, n, public) for n, (_, public) in enumerate(pairs)}
        _check_fast_path(levels[0][0] if levels and levels[0] else warmup[0])
        create_member(data, server.authority)
        db = Db(data / "warmline.sqlite3")
        with server:
            server.start()
            idle = server.rss_kib()
            print(
                f"# server pid {server.proc.pid} at {server.base}, idle RSS "
                f"{idle.get('VmRSS', 0) / 1024:.1f} MiB",
                flush=True,
            )
            report = asyncio.run(drive(server, db, args, docs, peer_port, warmup, levels))
            hwm = server.rss_kib().get("VmHWM", 0)
        rows_stored = db.scalar("SELECT count(*) FROM inbox_items")
        variant_lines = server.variant_lines()
        states = db.inbox_states()
    except ServerError as exc:
        sys.exit(f"bench.inbox: the server did not run:\n{exc}")
    finally:
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)
        else:
            print(f"# data dir kept: {data}")
    print()
    print(table(COLUMNS, [row[: len(COLUMNS)] for row in report["rows"]]))
    if args.drain_timeout > 0:
        print()
        worker_rows = [[row[0], row[1], *row[len(COLUMNS) :]] for row in report["rows"]]
        print(table(WORKER_COLUMNS, worker_rows))
    print()
    verdict = "OK" if rows_stored == report["accepted"] else "MISMATCH"
    print(
        f"inbox_items rows: {rows_stored:,}; 202 answers (warm-up included): "
        f"{report['accepted']:,} -> {verdict}; states {states}"
    )
    print(
        f"server VmHWM (lifetime peak RSS): {hwm / 1024:.1f} MiB; "
        f"actor refetches during the load: {report.get('refetches', '?')}"
    )
    for line in variant_lines if args.variant else []:
        print(line)
    if args.profile:
        for path in sorted(args.profile.glob("inbox-c*.txt")):
            print()
            print(_pyspy.summarize(path, 30, PROFILE_GROUPS))
            print()
            print(_pyspy.phases(path, PHASES))
            print()
            print(_pyspy.layers(path))


# Where the event loop's time goes, first matching rule wins (see bench/_pyspy.phases).
PHASES = [
    ("door: key lookup in the DB (RemoteActors.get_key)", ("RemoteActors.get_key",)),
    ("door: blocked-host check (a read transaction)", ("refuse_blocked",)),
    (
        "door: signature parse + RSA verify",
        ("verify_request (", "verify_parsed_request", "parse_signed", "parse_request_signature"),
    ),
    ("door: JSON Schema validation", ("validate (federation/validate",)),
    ("door: JSON-LD compaction", ("compact_inbound",)),
    ("door: store (INSERT + COMMIT in a write transaction)", ("receive (server/services/inbox",)),
    ("door: body read, JSON parse, origin checks", ("_accept (",)),
    ("inbox worker: claim, apply Create, mark done", ("server/workers/inbox.py",)),
    ("delivery worker", ("server/workers/delivery.py",)),
    ("aiohttp access log", ("web_log.py", "AccessLogger")),
    ("aiohttp + middlewares around the handler", ("web_protocol.py", "web_app.py")),
]

PROFILE_GROUPS = [
    "server/ap/inbox.py",
    "federation/validate.py",
    "jsonschema",
    "federation/verify.py",
    "federation/jsonld",
    "server/services/remote.py",
    "load_public_pem",
    "server/services/inbox.py",
    "server/workers/inbox.py",
    "server/services/inbound",
    "sqlalchemy",
    "aiosqlite",
    "aiohttp/web_protocol.py",
    "web_log.py",
    "json/",
]


def _check_fast_path(request: bytes) -> None:
    """Say whether compact_inbound() takes its pyld-free path for our payload."""
    from federation.jsonld import try_fast_path

    body = json.loads(request.split(b"\r\n\r\n", 1)[1])
    fast = try_fast_path(body) is not None
    print(f"# payload: JSON-LD fast path {'taken' if fast else 'NOT taken (pyld)'}", flush=True)


if __name__ == "__main__":
    main()
