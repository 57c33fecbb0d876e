"""The inbox door for every inbox and sender shape, as ratios to the bare reference.

Issue 14's target: at 16 connections no shape below 0.5x the reference
(``bench/reference.py``: a bare handler that only verifies the cavage
signature with a cached key), p99 under 25 ms. The shapes:

- the shared inbox (``/inbox``) and a personal one (``/users/alice/inbox``);
- 50 senders taking turns, and one busy sender sending everything;
- the ``@context`` (and fields) Mastodon, Misskey, Pleroma/Akkoma, GoToSocial,
  Pixelfed, Lemmy and a plain ActivityStreams context send (real documents,
  ``bench/_shapes.py``), to the shared inbox from 50 senders.

A real ``warmline serve --no-workers`` (the door alone: the inbox worker
would take CPU from it while the backlog grows; ``--with-workers`` keeps it)
with member ``alice``; the remote peer, keys, signing and client are
``bench.inbox``'s. Per case: ``--warmup`` untimed requests, then
``--requests`` timed ones. The reference runs before and after the door
cases on the first case's requests, and the ratios use the mean of the two.
At the end ``inbox_items`` must hold one row per 202.

    .venv/bin/python -m bench.door [--requests 3000] [--only personal misskey]
    .venv/bin/python -m bench.door --profile /tmp/prof --only personal   # py-spy per case
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from bench import _pyspy, inbox
from bench._common import machine, table
from bench._rawhttp import run_requests
from bench._server import Server, ServerError, create_member, free_port
from bench._shapes import SHAPES
from bench.reference import Measured, measure, measure_reference, sender_keys

TARGET_RATIO = 0.5
TARGET_P99_MS = 25.0


@dataclass(frozen=True)
class Case:
    label: str
    shape: str | None  # a name of bench._shapes.SHAPES; None: bench.inbox's Mastodon note
    path: str
    senders: int


CASES = [
    Case("shared inbox, 50 senders", None, "/inbox", 50),
    Case("personal inbox, 50 senders", None, "/users/alice/inbox", 50),
    Case("shared inbox, one busy sender", None, "/inbox", 1),
    Case("personal inbox, one busy sender", None, "/users/alice/inbox", 1),
    *(Case(f"@context {name}", name, "/inbox", 50) for name in SHAPES),
]


def _chosen(only: list[str] | None) -> list[Case]:
    if not only:
        return CASES
    return [c for c in CASES if any(word.lower() in c.label.lower() for word in only)]


async def _drive(server: Server, args, cases, docs, peer_port, warm, signed, keys) -> list:
    fetches: list[str] = []
    runner = web.AppRunner(inbox.peer_app(docs, fetches), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", peer_port).start()
    rss = lambda: server.rss_kib().get("VmRSS", 0)  # noqa: E731
    try:
        done = await run_requests("127.0.0.1", server.port, warm, 8, expect=202)
        if done.count(202) != len(warm):
            raise ServerError(f"warm-up: {done.statuses}, first error: {done.first_error}")
        accepted = done.count(202)
        reference_requests = signed[0][args.warmup :]
        before = await measure_reference(keys, reference_requests, args.concurrency)
        print(f"  ... reference: {before.rate:,.0f}/s", flush=True)
        rows = []
        for case, requests in zip(cases, signed, strict=True):
            head, timed = requests[: args.warmup], requests[args.warmup :]
            done = await run_requests("127.0.0.1", server.port, head, args.concurrency, expect=202)
            accepted += done.count(202)
            spy = None
            if args.profile:
                name = "".join(ch if ch.isalnum() else "-" for ch in case.label)
                out = args.profile / f"door-{name}.txt"
                spy = _pyspy.record(args.py_spy, server.proc.pid, out, rate=250, gil=True)
                await asyncio.sleep(0.5)
            m = await measure(server.port, server.proc.pid, timed, args.concurrency, rss=rss)
            if spy is not None:
                await asyncio.to_thread(_pyspy.stop, spy)
            accepted += len(timed) - m.errors
            note = f"; first error: {m.first_error}" if m.errors else ""
            print(f"  ... {case.label}: {m.rate:,.0f} 202/s{note}", flush=True)
            rows.append((case, m))
        after = await measure_reference(keys, reference_requests, args.concurrency)
        print(f"  ... reference again: {after.rate:,.0f}/s", flush=True)
    finally:
        await runner.cleanup()
    return [before, after, rows, accepted, len(fetches)]


COLUMNS = [
    "case", "202/s", "p50 ms", "p99 ms", "server CPU %", "CPU ms/req", "x reference",
    "x reference (CPU)", "peak RSS MiB", "errors", "target",
]  # fmt: skip


def cpu_ms(m: Measured) -> float:
    """The server's CPU per answered request, ms (less moved by other load than req/s)."""
    return m.cpu_pct * 10 / m.rate if m.rate else float("nan")


def _row(label: str, m: Measured, reference: float, reference_cpu_ms: float) -> list[object]:
    ratio = m.rate / reference if reference else float("nan")
    ok = ratio >= TARGET_RATIO and m.p99_ms < TARGET_P99_MS and not m.errors
    return [
        label, m.rate, m.p50_ms, m.p99_ms, m.cpu_pct, cpu_ms(m), ratio,
        reference_cpu_ms / cpu_ms(m), m.peak_rss_mib, m.errors, "ok" if ok else "MISSED",
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.door",
        description="The inbox door for every inbox, sender and @context shape: "
        "202/s, p50/p99 and the ratio to the bare signature-verifying reference.",
    )
    parser.add_argument("--requests", type=int, default=3000, help="timed per case (3000)")
    parser.add_argument("--warmup", type=int, default=200, help="untimed per case (200)")
    parser.add_argument("--concurrency", type=int, default=16, help="connections (16)")
    parser.add_argument(
        "--only", nargs="+", metavar="WORD", help="cases whose label contains one of the words"
    )
    parser.add_argument(
        "--with-workers",
        action="store_true",
        help="keep the server's workers (the inbox worker applies while the door is measured)",
    )
    parser.add_argument("--profile", type=Path, metavar="DIR", help="py-spy (--gil) per case")
    parser.add_argument("--py-spy", help="path to py-spy (default: PATH, then /tmp/pyspy/bin)")
    parser.add_argument("--keep", action="store_true", help="keep the data dir (and server.log)")
    args = parser.parse_args(argv)
    cases = _chosen(args.only)
    if not cases:
        parser.error(f"no case matches {args.only}: {[c.label for c in CASES]}")
    if args.profile:
        args.py_spy = _pyspy.find_py_spy(args.py_spy)
        if not args.py_spy:
            parser.error("py-spy not found: .venv/bin/pip install --target /tmp/pyspy py-spy")
        args.profile.mkdir(parents=True, exist_ok=True)
    args.senders = max(c.senders for c in cases)

    print(f"# bench.door: {machine()}")
    data = Path(tempfile.mkdtemp(prefix="warmline-bench-door-"))
    serve_args = () if args.with_workers else ("--no-workers",)
    server = Server(data, free_port(), serve_args=serve_args)
    peer_port = free_port()
    peer = f"http://127.0.0.1:{peer_port}"
    workers = min(2, os.cpu_count() or 1)
    per_case = args.warmup + args.requests
    try:
        started = time.perf_counter()
        with ProcessPoolExecutor(workers) as pool:
            pairs, _, alice, handle, batches = inbox.prepare(pool, args, server, [])
        seq = len(batches[0])
        for case in cases:
            batches.append([(i % case.senders, seq + i + 1) for i in range(per_case)])
            seq += per_case
        shapes = [(None, "/inbox")] + [(c.shape, c.path) for c in cases]
        signed = inbox.sign_all(
            workers, [p for p, _ in pairs], server, peer, alice, handle, batches, shapes
        )
        print(
            f"# {sum(map(len, signed)):,} requests signed in "
            f"{time.perf_counter() - started:.1f}s; door: warmline serve {' '.join(serve_args)}",
            flush=True,
        )
        docs = {f"s{n}": inbox.actor_document(peer, n, pub) for n, (_, pub) in enumerate(pairs)}
        create_member(data, server.authority)
        db = inbox.Db(data / "warmline.sqlite3")
        keys = sender_keys(peer, pairs)
        with server:
            server.start()
            before, after, rows, accepted, fetches = asyncio.run(
                _drive(server, args, cases, docs, peer_port, signed[0], signed[1:], keys)
            )
            hwm = server.rss_kib().get("VmHWM", 0)
        stored = db.scalar("SELECT count(*) FROM inbox_items")
    except ServerError as exc:
        sys.exit(f"bench.door: the server did not run:\n{exc}")
    finally:
        if args.keep:
            print(f"# data dir kept: {data}")
        else:
            shutil.rmtree(data, ignore_errors=True)
    reference = (before.rate + after.rate) / 2
    reference_cpu_ms = (cpu_ms(before) + cpu_ms(after)) / 2
    print()
    print(
        f"reference (bare aiohttp handler, cavage verify with a cached key), "
        f"{args.concurrency} connections: {before.rate:,.0f}/s before, {after.rate:,.0f}/s after "
        f"(mean {reference:,.0f}/s; p99 {before.p99_ms:.1f} / {after.p99_ms:.1f} ms; "
        f"CPU {before.cpu_pct:.0f} / {after.cpu_pct:.0f} %, {reference_cpu_ms:.3f} ms/req)"
    )
    print(
        "x reference (CPU): the reference's CPU per request over the case's; what the "
        "req/s ratio would be if both had the same CPU (other load moves it less)"
    )
    print(
        f"target: every case >= {TARGET_RATIO}x the reference "
        f"(>= {TARGET_RATIO * reference:,.0f}/s) and p99 < {TARGET_P99_MS:g} ms"
    )
    print()
    print(table(COLUMNS, [_row(case.label, m, reference, reference_cpu_ms) for case, m in rows]))
    print()
    verdict = "OK" if stored == accepted else "MISMATCH"
    print(
        f"inbox_items rows {stored:,}, 202 answers {accepted:,} -> {verdict}; actor fetches "
        f"{fetches}; server VmHWM {hwm / 1024:.1f} MiB; load average now "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    if args.profile:
        for path in sorted(args.profile.glob("door-*.txt")):
            print(f"\n## {path.name}")
            print(_pyspy.phases(path, inbox.PHASES))
            print()
            print(_pyspy.summarize(path, 20, inbox.PROFILE_GROUPS))


if __name__ == "__main__":
    main()
