"""Kill the server again and again while peers deliver to its inbox; count what
is lost and what is applied twice.

A real ``warmline serve`` (SQLite) with member alice, and in this process a
remote peer serving ``--senders`` actors with their own keys. Every request is
signed before the clock starts (``bench.inbox``'s Mastodon-shaped
``Create(Note)`` mentioning alice). Senders deliver over ``--concurrency``
connections as a peer's queue does: a delivery that got no 2xx (the connection
reset by the kill, or refused while the server restarts) is sent again until
it gets one. Meanwhile the server is killed with SIGKILL at a random moment,
``--kills`` times, and started again at once.

At the end, after the inbox worker has drained, every activity answered 2xx
must be stored and applied: a post in ``statuses``, alice notified. A 2xx
answer whose activity is missing is a **loss** (the goal is none); a post
stored twice, or notified twice, is a **duplicate** (the goal is none: the door
stores by activity id, and the worker's handlers are idempotent: an item
applied but not marked done before a kill is applied again, changing nothing).
Also printed: how many deliveries were sent again after an error (the sender
could not know whether the server had stored them: the receiver must dedupe
those), and how long each restart took until the inbox answered.

    .venv/bin/python -m bench.crash_inbox                   # 20 kills
    .venv/bin/python -m bench.crash_inbox --kills 40 --requests 40000
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
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import aiohttp
from aiohttp import web

from bench._common import machine, percentile
from bench._server import Server, ServerError, create_member, free_port
from bench.inbox import AP_TYPE, _load_keys, _make_key, actor_document, create_note, peer_app

Signed = tuple[str, dict[str, str], bytes]  # (activity id, headers, body)


def _sign(job: tuple[str, str, str, str, list[tuple[int, int]]]) -> list[Signed]:
    from bench.inbox import _KEYS
    from federation.httpsig import sign_cavage

    server, peer, alice, handle, items = job
    out = []
    for n, seq in items:
        doc = create_note(peer, n, seq, alice, handle)
        body = json.dumps(doc, separators=(",", ":")).encode()
        headers = {"Content-Type": AP_TYPE}
        headers |= sign_cavage(
            "POST", f"{server}/inbox", headers, body,
            key_id=f"{peer}/users/s{n}#main-key", private_key=_KEYS[n],
        )  # fmt: skip
        out.append((doc["id"], headers, body))
    return out


def sign_requests(server: Server, peer: str, pems: list[str], items: list[tuple[int, int]]):
    alice, handle = f"{server.base}/users/alice", f"@alice@{server.authority}"
    chunks = [items[i : i + 250] for i in range(0, len(items), 250)]
    jobs = [(server.base, peer, alice, handle, chunk) for chunk in chunks]
    with ProcessPoolExecutor(initializer=_load_keys, initargs=(pems,)) as pool:
        return [signed for part in pool.map(_sign, jobs) for signed in part]


class Senders:
    """A peer's delivery queue: each request is sent until it gets a 2xx."""

    def __init__(self, server: Server, requests: list[Signed], concurrency: int) -> None:
        self.server, self.concurrency = server, concurrency
        self.queue: asyncio.Queue[Signed] = asyncio.Queue()
        for request in requests:
            self.queue.put_nowait(request)
        self.accepted: set[str] = set()
        self.errors: Counter[str] = Counter()
        self.resent = 0  # deliveries sent again after an error
        self.tried: set[str] = set()

    async def run(self) -> None:
        connector = aiohttp.TCPConnector(limit=self.concurrency, force_close=False)
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            await asyncio.gather(*(self._worker(http) for _ in range(self.concurrency)))

    async def _worker(self, http: aiohttp.ClientSession) -> None:
        while True:
            try:
                activity_id, headers, body = self.queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            if activity_id in self.tried:
                self.resent += 1
            self.tried.add(activity_id)
            try:
                async with http.post(
                    f"{self.server.base}/inbox", data=body, headers=headers
                ) as resp:
                    await resp.read()
                    ok = 200 <= resp.status < 300
                    outcome = str(resp.status)
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                ok, outcome = False, type(exc).__name__
            if ok:
                self.accepted.add(activity_id)
                continue
            self.errors[outcome] += 1
            await asyncio.sleep(0.05)  # a peer backs off, then tries again
            self.queue.put_nowait((activity_id, headers, body))


async def killer(server: Server, senders: Senders, kills: int, rng: random.Random) -> list[float]:
    """Kill the server ``kills`` times at random moments; seconds each restart took."""
    restarts = []
    for _ in range(kills):
        await asyncio.sleep(rng.uniform(0.2, 1.0))
        if senders.queue.empty():
            break
        assert server.proc is not None
        server.proc.kill()
        await asyncio.to_thread(server.proc.wait)
        restarts.append(await asyncio.to_thread(server.start))
    return restarts


def counts(db: Path, alice: str) -> tuple[dict[str, int], Counter[str], Counter[str]]:
    """Inbox states, statuses per uri, and alice's mention notifications per status uri."""
    with contextlib.closing(sqlite3.connect(db, timeout=30)) as conn:
        states = dict(conn.execute("SELECT state, count(*) FROM inbox_items GROUP BY state"))
        posts = Counter(
            uri for (uri,) in conn.execute("SELECT uri FROM statuses WHERE uri IS NOT NULL")
        )
        notified = Counter(
            uri
            for (uri,) in conn.execute(
                "SELECT s.uri FROM notifications n JOIN statuses s ON s.id = n.status_id "
                "JOIN accounts a ON a.id = n.account_id "
                "WHERE n.type = 'mention' AND a.username = ? AND a.domain IS NULL",
                (alice,),
            )
        )
    return states, posts, notified


async def wait_drained(db: Path, limit: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        with contextlib.closing(sqlite3.connect(db, timeout=30)) as conn:
            (left,) = conn.execute(
                "SELECT count(*) FROM inbox_items WHERE state = 'pending'"
            ).fetchone()
        if not left:
            break
        await asyncio.sleep(0.25)
    return time.perf_counter() - started


async def run(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    data = Path(tempfile.mkdtemp(prefix="warmline-bench-crash-inbox-"))
    server = Server(data, free_port())
    peer_port = free_port()
    peer = f"http://127.0.0.1:{peer_port}"
    runner = None
    try:
        create_member(data, server.authority)
        with ProcessPoolExecutor() as pool:
            pairs = list(pool.map(_make_key, range(args.senders)))
        docs = {f"s{n}": actor_document(peer, n, public) for n, (_, public) in enumerate(pairs)}
        runner = web.AppRunner(peer_app(docs, []), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", peer_port).start()
        items = [(i % args.senders, i + 1) for i in range(args.requests)]
        requests = sign_requests(server, peer, [private for private, _ in pairs], items)
        server.start()
        senders = Senders(server, requests, args.concurrency)
        started = time.perf_counter()
        sending = asyncio.create_task(senders.run())
        restarts = await killer(server, senders, args.kills, rng)
        await sending
        sent_for = time.perf_counter() - started
        drained = await wait_drained(data / "warmline.sqlite3", args.timeout)
        server.stop()
        states, posts, notified = counts(data / "warmline.sqlite3", "alice")
    except ServerError as exc:
        print(f"bench.crash_inbox: the server did not run:\n{exc}", file=sys.stderr)
        return 2
    finally:
        server.stop()
        if runner is not None:
            await runner.cleanup()
        shutil.rmtree(data, ignore_errors=True)

    notes = {activity_id.removesuffix("/activity") for activity_id in senders.accepted}
    lost = sorted(note for note in notes if note not in posts)
    unnotified = sorted(note for note in notes if note not in notified)
    stored_twice = sum(n - 1 for n in posts.values() if n > 1)
    notified_twice = sum(n - 1 for n in notified.values() if n > 1)
    print(f"kills: {len(restarts)}; deliveries: {args.requests:,} from {args.senders} senders "
          f"over {args.concurrency} connections, all answered 2xx in {sent_for:.1f} s")  # fmt: skip
    print(f"errors seen by the senders (then sent again): {dict(senders.errors)}; "
          f"deliveries sent again: {senders.resent:,}")  # fmt: skip
    print(f"inbox items: {states}; drained {drained:.1f} s after the last delivery")
    print(f"lost (answered 2xx, not stored): {len(lost)}; not notified: {len(unnotified)}")
    print(f"duplicates: posts stored twice {stored_twice}, notified twice {notified_twice}")
    if restarts:
        restarts.sort()
        print(f"restart until /healthz answered: p50 {percentile(restarts, 50):.2f} s, "
              f"max {max(restarts):.2f} s")  # fmt: skip
    if len(restarts) < args.kills:
        print(f"(the deliveries were all through after {len(restarts)} kills: more --requests)")
    bad = lost or unnotified or stored_twice or notified_twice or states.get("pending")
    if bad:
        print("LOST:", lost[:5], "UNNOTIFIED:", unnotified[:5])
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.crash_inbox", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--kills", type=int, default=20, help="SIGKILLs during the load (20)")
    parser.add_argument("--requests", type=int, default=20_000, help="deliveries in all (20000)")
    parser.add_argument("--senders", type=int, default=40, help="remote actors (40)")
    parser.add_argument("--concurrency", type=int, default=16, help="connections (16)")
    parser.add_argument("--seed", type=int, default=1, help="random seed for the kill moments")
    parser.add_argument("--timeout", type=float, default=300.0, help="drain for at most this")
    args = parser.parse_args(argv)
    print(f"# bench.crash_inbox: {machine()}")
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
