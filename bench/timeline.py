"""Home timeline latency on a large database (1,000,000 posts by default).

Generation (cached): member ``alice`` is created with ``warmline member create``
(so the schema is exactly what the migrations build), then plain ``sqlite3``
fills it in one transaction with ``executemany``: ``--authors`` remote accounts
on 200 domains whose post counts follow a Zipf law (s = 0.7: the busiest
author has ~2 % of all posts, the median one ~50), ``--posts`` statuses over the
past year (10 % boosts, 15 % replies; 85 % public, 10 % unlisted, 5 %
followers-only), and ``--members`` local members (alice first) who each follow
the 10 busiest authors and ``--following``−10 random others, with their home
feeds filled as fan-out on write would have (one ``home_feed`` row per followed
post). The non-unique indexes are dropped during the load and rebuilt after
it. The result is kept in ``/tmp`` under a name made of the parameters and a
hash of the schema, so later runs (same parameters, same migrations) only copy
it.

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
import hashlib
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench._common import machine, spread, table
from bench._rawhttp import build_request, run_requests
from bench._server import WARMLINE, Server, ServerError, create_member, free_port

DB_NAME = "warmline.sqlite3"
BULK_TABLES = ("accounts", "follows", "statuses", "home_feed")
DOMAINS = 200
ZIPF_S = 0.7
TOP_FOLLOWED = 10
WORDS = [
    "we",
    "are",
    "hiring",
    "senior",
    "engineers",
    "for",
    "the",
    "logistics",
    "platform",
    "meetup",
    "next",
    "week",
    "in",
    "the",
    "city",
    "introductions",
    "welcome",
    "if",
    "you",
    "know",
    "someone",
    "working",
    "on",
    "supply",
    "chain",
    "finance",
    "or",
    "procurement",
    "great",
    "talk",
    "today",
    "about",
    "cooperative",
    "ownership",
    "and",
    "the",
    "future",
    "of",
    "small",
    "business",
    "networks",
]


def _ts(moment: datetime) -> str:
    """How SQLAlchemy's SQLite DateTime stores a (UTC) timestamp."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def schema_hash(path: Path) -> str:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        rows = conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"
        ).fetchall()
        version = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    return hashlib.sha256(repr((rows, version)).encode()).hexdigest()[:12]


def cache_path(args: argparse.Namespace, schema: str) -> Path:
    name = (
        f"warmline-bench-timeline-p{args.posts}-a{args.authors}-m{args.members}"
        f"-f{args.following}-s{args.seed}-{schema}.sqlite3"
    )
    return Path(args.cache_dir) / name


# --- generation ----------------------------------------------------------------------


def generate(path: Path, args: argparse.Namespace) -> dict[str, int]:
    """Fill the migrated database at ``path`` (which holds alice) in one transaction."""
    rng = random.Random(args.seed)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=DELETE")  # no WAL copy of a 1 GB transaction
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-1000000")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA temp_store=MEMORY")
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({','.join('?' * len(BULK_TABLES))})",
        BULK_TABLES,
    ).fetchall()
    counts: dict[str, int] = {}
    conn.execute("BEGIN")
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')

    now = datetime.now(UTC).replace(microsecond=0)
    stamp = _ts(now)
    alice_id = conn.execute(
        "SELECT id FROM accounts WHERE username_key='alice' AND domain IS NULL"
    ).fetchone()[0]
    base_ms = int((now - timedelta(days=400)).timestamp() * 1000)
    account_ids = iter(range((base_ms << 16) + 1, 1 << 62))

    # Members (alice is already there; the others need only an account row).
    members = [alice_id]
    member_rows = []
    for m in range(1, args.members):
        member_id = next(account_ids)
        members.append(member_id)
        member_rows.append(
            (
                member_id,
                f"member{m}",
                f"member{m}",
                None,
                None,
                None,
                f"Member {m}",
                "[]",
                stamp,
                stamp,
            )
        )
    # Remote authors: rank 0 is the busiest.
    authors, author_rows = [], []
    for a in range(args.authors):
        domain = f"host{a % DOMAINS}.example"
        author_id = next(account_ids)
        actor = f"https://{domain}/users/u{a}"
        authors.append((author_id, actor))
        author_rows.append(
            (
                author_id,
                f"u{a}",
                f"u{a}",
                domain,
                actor,
                f"https://{domain}/@u{a}",
                f"Author {a}",
                "[]",
                stamp,
                stamp,
            )
        )
    conn.executemany(
        "INSERT INTO accounts (id, username, username_key, domain, uri, url, display_name, "
        "fields, created_at, updated_at, fetched_at, inbox_url, shared_inbox_url) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?9, ?5 || '/inbox', "
        "CASE WHEN ?4 IS NULL THEN NULL ELSE 'https://' || ?4 || '/inbox' END)",
        member_rows + author_rows,
    )
    counts["accounts"] = len(member_rows) + len(author_rows) + 1

    # Follows: every member follows the busiest authors and random others.
    followed: dict[int, set[int]] = {}
    follow_rows = []
    for member_id in members:
        chosen = set(range(min(TOP_FOLLOWED, args.authors)))
        while len(chosen) < min(args.following, args.authors):
            chosen.add(rng.randrange(args.authors))
        followed[member_id] = chosen
        for a in sorted(chosen):
            follow_id = next(account_ids)
            follow_rows.append(
                (
                    follow_id,
                    member_id,
                    authors[a][0],
                    "accepted",
                    f"{authors[a][1]}#followers/{follow_id}",
                    stamp,
                )
            )
    conn.executemany(
        "INSERT INTO follows (id, account_id, target_account_id, state, uri, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        follow_rows,
    )
    counts["follows"] = len(follow_rows)

    # Statuses, oldest first; ids sort by time like server.ids.IdGenerator's.
    cum, total = [], 0.0
    for rank in range(args.authors):
        total += 1 / (rank + 1) ** ZIPF_S
        cum.append(total)
    by_author = rng.choices(range(args.authors), cum_weights=cum, k=args.posts)
    span_ms = 365 * 86_400_000
    start_ms = int(now.timestamp() * 1000) - span_ms
    originals: list[tuple[int, int, str]] = []  # (id, author index, uri) of non-boosts
    per_author: list[list[int]] = [[] for _ in range(args.authors)]
    batch: list[tuple] = []
    sql = (
        "INSERT INTO statuses (id, account_id, local, uri, url, object_type, in_reply_to_id, "
        "in_reply_to_uri, in_reply_to_account_id, reblog_of_id, content, spoiler_text, "
        "sensitive, visibility, language, replies_count, reblogs_count, favourites_count, "
        "created_at) VALUES (?, ?, 0, ?, ?, 'Note', ?, ?, ?, ?, ?, '', 0, ?, 'en', 0, 0, 0, ?)"
    )
    for i, a in enumerate(by_author):
        ms = start_ms + i * span_ms // args.posts
        status_id = (ms << 16) | (i & 0xFFFF)
        author_id, actor = authors[a]
        created = _ts(datetime.fromtimestamp(ms / 1000, UTC))
        roll = rng.random()
        reply_to = reply_uri = reply_account = boost_of = None
        if roll < 0.10 and originals:
            boost_of = originals[rng.randrange(len(originals))][0]
            uri, url, content, visibility = (
                f"{actor}/statuses/{status_id}/activity",
                None,
                "",
                "public",
            )
        else:
            uri = f"{actor}/statuses/{status_id}"
            url = f"https://{actor.split('/')[2]}/@u{a}/{status_id}"
            if roll < 0.25 and originals:
                reply_to, reply_author, reply_uri = originals[rng.randrange(len(originals))]
                reply_account = authors[reply_author][0]
            start = rng.randrange(len(WORDS) - 20)
            content = f"<p>Post {i} by u{a}: {' '.join(WORDS[start : start + 20])}</p>"
            visibility = "public" if roll < 0.85 else "unlisted" if roll < 0.95 else "private"
            originals.append((status_id, a, uri))
        per_author[a].append(status_id)
        batch.append(
            (
                status_id,
                author_id,
                uri,
                url,
                reply_to,
                reply_uri,
                reply_account,
                boost_of,
                content,
                visibility,
                created,
            )
        )
        if len(batch) >= 20_000:
            conn.executemany(sql, batch)
            batch.clear()
    conn.executemany(sql, batch)
    counts["statuses"] = args.posts

    # Home feeds: every post of every followed author (fan-out on write).
    home = 0
    for member_id in members:
        rows = sorted((member_id, s) for a in followed[member_id] for s in per_author[a])
        conn.executemany("INSERT INTO home_feed (account_id, status_id) VALUES (?, ?)", rows)
        home += len(rows)
        if member_id == alice_id:
            counts["alice_home_feed"] = len(rows)
    counts["home_feed"] = home
    for _, create in indexes:
        conn.execute(create)
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    return counts


def prepare_database(data: Path, authority: str, args: argparse.Namespace) -> dict:
    """The data dir with alice and the generated rows: from the cache, or built now."""
    create_member(data, authority)
    db = data / DB_NAME
    cached = cache_path(args, schema_hash(db))
    info_file = cached.with_suffix(".json")
    if cached.exists() and info_file.exists() and not args.regenerate:
        started = time.perf_counter()
        for suffix in ("-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        shutil.copyfile(cached, db)
        info = json.loads(info_file.read_text())
        info["copied_s"] = time.perf_counter() - started
        info["cache"] = str(cached)
        return info
    started = time.perf_counter()
    counts = generate(db, args)
    elapsed = time.perf_counter() - started
    info = {"counts": counts, "generated_s": elapsed, "size": db.stat().st_size}
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".partial")
    shutil.copyfile(db, tmp)
    tmp.replace(cached)
    info_file.write_text(json.dumps(info))
    info["cache"] = str(cached)
    return info


# --- measurements ----------------------------------------------------------------------


def feed_ids(db: Path, username: str = "alice") -> tuple[int, list[int]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        account_id = conn.execute(
            "SELECT id FROM accounts WHERE username_key=? AND domain IS NULL", (username,)
        ).fetchone()[0]
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT status_id FROM home_feed WHERE account_id=? ORDER BY status_id",
                (account_id,),
            )
        ]
    return account_id, ids


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
    config = with_overrides(config, api=ApiSettings(rate_limit_requests=0))  # one busy client
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
        rows += await _author_counts(svc, alice, data / DB_NAME, pages, args.count_pages)
    finally:
        await runner.cleanup()
    return rows, plans


COVERING = "CREATE INDEX bench_statuses_counts ON statuses (account_id, visibility, deleted_at, id)"


async def _author_counts(svc, alice, db: Path, pages: dict, n: int) -> list[list[object]]:
    """What the API's presenter adds per page: ``status_counts`` of the page's authors.

    Timed as it is, then (an experiment, on this copy only) with a covering index
    that lets SQLite count without visiting the table; the index is dropped after.
    """
    from server.services import timelines
    from server.store import statuses as statuses_q
    from server.store.statuses import Page

    if n <= 0:
        return []
    authors: dict[str, list[list[int]]] = {}
    for label, ids in pages.items():
        authors[label] = []
        for max_id in ids[:n]:
            found = await timelines.home(svc, alice, Page(limit=20, max_id=max_id))
            boosted = await _boosted_authors(svc, [s.reblog_of_id for s in found if s.reblog_of_id])
            authors[label].append(sorted({s.account_id for s in found} | boosted))
    rows: list[list[object]] = []
    for variant in (
        "store.statuses.status_counts (presenter)",
        "same, covering index [experiment]",
    ):
        if variant.endswith("[experiment]"):
            with contextlib.closing(sqlite3.connect(db)) as raw:
                raw.execute(COVERING)
        for label, groups in authors.items():
            times = []
            for group in groups:
                async with svc.db.read() as conn:
                    t0 = time.perf_counter()
                    await statuses_q.status_counts(conn, group)
                    times.append(time.perf_counter() - t0)
            mean_authors = sum(map(len, groups)) / len(groups)
            rows.append([variant, label, len(groups), mean_authors, *_ms(times)])
    with contextlib.closing(sqlite3.connect(db)) as raw:
        raw.execute("DROP INDEX IF EXISTS bench_statuses_counts")
    return rows


async def _boosted_authors(svc, ids: list[int]) -> set[int]:
    from server.store import statuses as statuses_q

    if not ids:
        return set()
    async with svc.db.read() as conn:
        found = await statuses_q.get_statuses(conn, ids)
    return {s.account_id for s in found.values()}


def make_token(data: Path, authority: str) -> str:
    cmd = [
        WARMLINE,
        "token",
        "create",
        "alice",
        "--scopes",
        "read",
        "--dev",
        "--domain",
        authority,
        "--data",
        str(data),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise ServerError(f"{' '.join(cmd)} failed: {done.stderr.strip()}")
    return done.stdout.strip().splitlines()[-1]


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
    parser.add_argument("--posts", type=int, default=1_000_000, help="statuses (default 1,000,000)")
    parser.add_argument(
        "--authors", type=int, default=10_000, help="remote accounts that post (default 10,000)"
    )
    parser.add_argument(
        "--members",
        type=int,
        default=10,
        help="local members with home feeds, alice included (default 10)",
    )
    parser.add_argument(
        "--following", type=int, default=500, help="accounts each member follows (default 500)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
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
        "--cache-dir",
        default=tempfile.gettempdir(),
        help="where generated databases are kept (default: the temp dir)",
    )
    parser.add_argument(
        "--count-pages",
        type=int,
        default=30,
        help="pages per kind for the presenter's per-author status count, as is and with a "
        "covering index (default 30; 0 skips)",
    )
    parser.add_argument("--regenerate", action="store_true", help="ignore a cached database")
    parser.add_argument(
        "--variant",
        nargs="+",
        default=[],
        choices=["time-sql", "count-sql", "no-status-counts"],
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
        counts = info["counts"]
        how = (
            f"copied from the cache in {info['copied_s']:.1f}s (generated in "
            f"{info['generated_s']:.1f}s)"
            if "copied_s" in info
            else f"generated in {info['generated_s']:.1f}s"
        )
        print(
            f"# database {how} ({info['size'] / 2**20:,.0f} MiB; {info['cache']}): "
            f"{counts['statuses']:,} statuses, {counts['accounts']:,} accounts, "
            f"{counts['follows']:,} follows, {counts['home_feed']:,} home_feed rows "
            f"(alice: {counts['alice_home_feed']:,})",
            flush=True,
        )
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
            variant_lines = [
                line
                for line in server.log_tail(10**9).splitlines()
                if line.startswith("bench-variant:")
            ]
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
