"""Upcoming events lists (``mine``, ``network``, ``local``) on a large database.

The database (generated once, cached in the temp dir under a name made of the
parameters and a hash of the schema, as ``bench/_bigdb.py`` does): member
``alice`` is created with ``warmline member create`` (the migrations build the
schema), then plain ``sqlite3`` fills it in one transaction with
``executemany`` (non-unique indexes dropped during the load, rebuilt after):

* ``--accounts`` accounts: ``--members`` local members (alice first), the rest
  remote on 200 domains;
* ``--events`` events (a status of object type ``Event`` plus its ``events``
  row), starting uniformly from one year ago to one year ahead; organisers
  Zipf-distributed (s = 0.7), ``--local-share`` of the events by local members;
  80 % public, 15 % connections, 5 % invited; 5 % cancelled; 55 % end a few
  hours after they start, 5 % after one to five days, 40 % give no end; 20 %
  have a capacity (the going past it are waitlisted), 5 % need approval;
* ``--participants`` answers (``event_participants``): the organiser of each
  event is going, the others spread over the events by a Zipf law (s = 0.7, in
  a random order of the events, so popularity does not follow the date):
  going 65 %, maybe 20 %, not going 15 %, pending (approval) or waitlisted
  (capacity) as the event says;
* alice: ``--connections`` connections (two rows each, half of them local
  members), ``--follows`` accepted follows, answers to ``--answers`` events
  and ``--organised`` events of her own (counted in ``--events``).

Measured in process, through the app's own services (``create_app(config,
workers=False)`` started with an ``AppRunner``, no listener):
``server.services.events.upcoming(svc, viewer, scope, limit=20, offset=...)``
for each scope, first page and ``--deep`` offset, for alice, and ``local`` for
an anonymous viewer: ``--calls`` calls each after ``--warmup``: calls/s,
p50/p90/p99/max, SQL statements per call, rows per call, peak RSS of this
process during those calls. Then the store query alone
(``server.store.events.upcoming`` on one open connection) and the very SQL it
sends run by ``sqlite3`` directly (the floor), and that SQL's ``EXPLAIN QUERY
PLAN`` for each scope.

    .venv/bin/python -m bench.events [--calls 200] [--events 100000] [--participants 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import multiprocessing
import os
import random
import shutil
import sqlite3
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench._bigdb import DB_NAME, _cached, _copy_from_cache, _store, _ts, schema_hash
from bench._common import machine, proc_status, spread, table
from bench._server import create_member

GENERATOR = "v1"  # change when generate() writes something else (part of the cache's name)
BULK_TABLES = ("accounts", "statuses", "events", "event_participants", "connections", "follows")
DOMAINS = 200
ZIPF_S = 0.7
DAY_MS = 86_400_000
AUDIENCES = (("public", 0.80), ("connections", 0.15), ("invited", 0.05))
VISIBILITY = {"public": "public", "connections": "direct", "invited": "direct"}
ANSWERS = (("going", 0.65), ("maybe", 0.20), ("not_going", 0.15))
ALICE_ANSWERS = (
    ("going", 0.55), ("maybe", 0.20), ("not_going", 0.10), ("waitlisted", 0.08), ("pending", 0.07),
)  # fmt: skip
ZONES = ("UTC", "Europe/Paris", "Europe/Berlin", "America/New_York", "Asia/Tokyo")
TOWNS = ("Lyon", "Berlin", "Leeds", "Porto", "Gent", "Turin", "Bilbao", "Utrecht", "Aarhus")
TOPICS = (
    "Founders' breakfast", "Supply chain meetup", "Procurement roundtable", "Hiring fair",
    "Cooperative finance evening", "Logistics talks", "Small business clinic", "Demo night",
)  # fmt: skip


# --- generation ----------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that shape the generated database (they name its cache file)."""
    add = parser.add_argument
    add("--accounts", type=int, default=20_000, help="accounts, local and remote (20,000)")
    add("--members", type=int, default=2_000, help="local members, alice included (2,000)")
    add("--events", type=int, default=100_000, help="events (100,000)")
    add("--participants", type=int, default=1_000_000, help="event_participants rows (1,000,000)")
    add("--local-share", type=float, default=0.25, help="events organised here (0.25)")
    add("--connections", type=int, default=300, help="alice's connections (300)")
    add("--follows", type=int, default=300, help="accounts alice follows (300)")
    add("--answers", type=int, default=50, help="events alice answered (50)")
    add("--organised", type=int, default=10, help="events alice organises (10)")
    add("--seed", type=int, default=1, help="random seed (1)")
    add("--cache-dir", default=tempfile.gettempdir(), help="where the database is kept")
    add("--regenerate", action="store_true", help="ignore a cached database")


def cache_path(args: argparse.Namespace, schema: str) -> Path:
    name = (
        f"warmline-bench-events-{GENERATOR}-a{args.accounts}-m{args.members}-e{args.events}"
        f"-p{args.participants}-l{args.local_share:g}-c{args.connections}-f{args.follows}"
        f"-x{args.answers}-o{args.organised}-s{args.seed}-{schema}.sqlite3"
    )
    return Path(args.cache_dir) / name


def _zipf_cum(n: int) -> list[float]:
    cum, total = [], 0.0
    for rank in range(n):
        total += 1 / (rank + 1) ** ZIPF_S
        cum.append(total)
    return cum


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    roll, acc = rng.random(), 0.0
    for value, weight in weighted:
        acc += weight
        if roll < acc:
            return value
    return weighted[-1][0]


def _ts_ms(ms: int) -> str:
    return _ts(datetime.fromtimestamp(ms / 1000, UTC))


class _Ids:
    """Snowflake-like ids (milliseconds << 16), strictly increasing."""

    def __init__(self) -> None:
        self.last = 0

    def at(self, ms: int) -> int:
        self.last = max(self.last + 1, ms << 16)
        return self.last


def _accounts(
    conn: sqlite3.Connection, args: argparse.Namespace, alice_id: int, now_ms: int
) -> tuple[list[int], list[str | None]]:
    """Account rows: local members (alice first), then remote accounts. Returns the
    ids (index 0 is alice), whether each is local, and the remote actors' URIs."""
    ids = _Ids()
    stamp = _ts_ms(now_ms)
    account_ids: list[int] = [alice_id]
    actors: list[str | None] = [None]
    rows = []
    base_ms = now_ms - 800 * DAY_MS
    for n in range(1, args.accounts):
        account_id = ids.at(base_ms + n)
        account_ids.append(account_id)
        if n < args.members:
            name, domain, uri, url = f"member{n}", None, None, None
        else:
            domain = f"host{n % DOMAINS}.example"
            name, uri = f"u{n}", f"https://{domain}/users/u{n}"
            url = f"https://{domain}/@u{n}"
        actors.append(uri)
        rows.append((account_id, name, name, domain, uri, url, f"Person {n}", "[]", stamp, stamp))
    conn.executemany(
        "INSERT INTO accounts (id, username, username_key, domain, uri, url, display_name, "
        "fields, created_at, updated_at, fetched_at, inbox_url, shared_inbox_url) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CASE WHEN ?4 IS NULL THEN NULL ELSE ?9 END, "
        "?5 || '/inbox', CASE WHEN ?4 IS NULL THEN NULL ELSE 'https://' || ?4 || '/inbox' END)",
        rows,
    )
    return account_ids, actors


def _alice_graph(
    conn: sqlite3.Connection, args: argparse.Namespace, rng: random.Random, account_ids: list[int],
    actors: list[str | None], now_ms: int,
) -> tuple[int, int]:  # fmt: skip
    """Alice's connections (two rows each; half local members) and accepted follows."""
    n, alice_id = len(account_ids), account_ids[0]
    local = rng.sample(range(1, args.members), min(args.connections // 2, args.members - 1))
    remote = set(local)
    while len(remote) < min(args.connections, n - 1):
        remote.add(rng.randrange(args.members, n))
    peers = sorted(remote)
    rows = []
    for p in peers:
        when = _ts_ms(now_ms - rng.randrange(700 * DAY_MS))
        rows += [(alice_id, account_ids[p], when), (account_ids[p], alice_id, when)]
    conn.executemany(
        "INSERT INTO connections (account_id, peer_id, note, created_at) VALUES (?, ?, '', ?)",
        rows,
    )
    followed = rng.sample(range(1, n), min(args.follows, n - 1))
    ids = _Ids()
    follow_rows = []
    for f in sorted(followed):
        follow_id = ids.at(now_ms - 700 * DAY_MS + f)
        target = actors[f] or f"local:{account_ids[f]}"
        follow_rows.append(
            (follow_id, alice_id, account_ids[f], f"{target}#follow/{follow_id}",
             _ts_ms(now_ms - rng.randrange(700 * DAY_MS)))
        )  # fmt: skip
    conn.executemany(
        "INSERT INTO follows (id, account_id, target_account_id, state, uri, created_at) "
        "VALUES (?, ?, ?, 'accepted', ?, ?)",
        follow_rows,
    )
    return len(rows), len(follow_rows)


def _event_plan(args: argparse.Namespace, rng: random.Random, now_ms: int) -> list[dict[str, Any]]:
    """Each event's organiser, times, audience and so on, before ids are given."""
    n = args.accounts
    # Organisers: Zipf over a shuffled order, local members for --local-share of events.
    local_order = list(range(1, args.members))
    remote_order = list(range(args.members, n))
    rng.shuffle(local_order)
    rng.shuffle(remote_order)
    local_cum, remote_cum = _zipf_cum(len(local_order)), _zipf_cum(len(remote_order))
    plan = []
    for i in range(args.events):
        if i < args.organised:
            organiser = 0  # alice
        elif rng.random() < args.local_share:
            organiser = local_order[bisect.bisect(local_cum, rng.random() * local_cum[-1])]
        else:
            organiser = remote_order[bisect.bisect(remote_cum, rng.random() * remote_cum[-1])]
        start_ms = now_ms + rng.randrange(-365 * DAY_MS, 365 * DAY_MS)
        start_ms -= start_ms % (15 * 60_000)  # quarter hours
        roll = rng.random()
        if roll < 0.55:
            end_ms = start_ms + rng.randrange(1, 9) * 30 * 60_000
        elif roll < 0.60:
            end_ms = start_ms + rng.randrange(1, 6) * DAY_MS
        else:
            end_ms = None
        created_ms = min(now_ms - 60_000, start_ms - rng.randrange(DAY_MS, 60 * DAY_MS))
        audience = _pick(rng, AUDIENCES)
        cancelled_ms = None
        if rng.random() < 0.05:
            cancelled_ms = rng.randrange(created_ms, max(created_ms + 1, min(now_ms, start_ms)))
        plan.append(
            {
                "organiser": organiser,
                "start_ms": start_ms,
                "end_ms": end_ms,
                "created_ms": created_ms,
                "audience": audience,
                "cancelled_ms": cancelled_ms,
                "capacity": rng.randrange(10, 200) if rng.random() < 0.20 else None,
                "approval": rng.random() < 0.05,
                "online": rng.random() < 0.30,
            }
        )
    plan.sort(key=lambda e: e["created_ms"])
    return plan


def _answers(
    args: argparse.Namespace, rng: random.Random, plan: list[dict[str, Any]]
) -> list[list[tuple[int, str]]]:
    """Per event: (account index, state), organiser first; alice's own answers added."""
    n_events, n = len(plan), args.accounts
    others_events = [e for e, event in enumerate(plan) if event["organiser"] != 0]
    alice_events = set(rng.sample(others_events, min(args.answers, len(others_events))))
    others = max(0, args.participants - n_events - args.answers)
    order = list(range(n_events))
    rng.shuffle(order)  # popularity rank -> event
    weights = [1 / (rank + 1) ** ZIPF_S for rank in range(n_events)]
    total = sum(weights)
    sizes = [0] * n_events
    for rank, e in enumerate(order):
        sizes[e] = min(int(others * weights[rank] / total), n - 2)
    for _ in range(others - sum(sizes)):  # the remainder, one each to random events
        e = rng.randrange(n_events)
        sizes[e] += sizes[e] < n - 2
    answers = []
    for e, event in enumerate(plan):
        organiser = event["organiser"]
        chosen = [(organiser, "going")]
        if e in alice_events:
            chosen.append((0, _pick(rng, ALICE_ANSWERS)))
        if sizes[e]:
            people = rng.sample(range(1, n), min(sizes[e] + 2, n - 1))
            people = [p for p in people if p != organiser][: sizes[e]]
            going = 1
            for p in people:
                state = _pick(rng, ANSWERS)
                if state == "going" and event["approval"] and rng.random() < 0.3:
                    state = "pending"
                elif state == "going" and event["capacity"] and going >= event["capacity"]:
                    state = "waitlisted"
                going += state == "going"
                chosen.append((p, state))
        answers.append(chosen)
    return answers


def generate(path: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Fill the migrated database at ``path`` (which holds alice) in one transaction."""
    rng = random.Random(args.seed)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-1000000")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA temp_store=MEMORY")
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({','.join('?' * len(BULK_TABLES))})",
        BULK_TABLES,
    ).fetchall()
    conn.execute("BEGIN")
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    now = datetime.now(UTC).replace(microsecond=0)
    now_ms = int(now.timestamp() * 1000)
    alice_id = conn.execute(
        "SELECT id FROM accounts WHERE username_key='alice' AND domain IS NULL"
    ).fetchone()[0]
    account_ids, actors = _accounts(conn, args, alice_id, now_ms)
    connection_rows, follow_rows = _alice_graph(conn, args, rng, account_ids, actors, now_ms)
    plan = _event_plan(args, rng, now_ms)
    answers = _answers(args, rng, plan)

    ids = _Ids()
    status_rows, event_rows, answer_rows = [], [], []
    answer_id = _Ids()
    for i, (event, chosen) in enumerate(zip(plan, answers, strict=True)):
        organiser = event["organiser"]
        status_id = ids.at(event["created_ms"])
        created = _ts_ms(event["created_ms"])
        local = organiser < args.members
        actor = actors[organiser]
        uri = None if local else f"{actor}/events/{status_id}"
        url = None if local else f"https://{actor.split('/')[2]}/events/{status_id}"
        title = f"{TOPICS[i % len(TOPICS)]} #{i}"
        status_rows.append(
            (status_id, account_ids[organiser], int(local), uri, url,
             f"<p>{title}: come and meet the people you know.</p>", title,
             VISIBILITY[event["audience"]], created)
        )  # fmt: skip
        going = sum(1 for _, state in chosen if state == "going")
        waiting = sum(1 for _, state in chosen if state == "waitlisted")
        online = event["online"]
        event_rows.append(
            (status_id, title, _ts_ms(event["start_ms"]),
             _ts_ms(event["end_ms"]) if event["end_ms"] else None, ZONES[i % len(ZONES)],
             None if online else f"Hall {i % 40}", None if online else TOWNS[i % len(TOWNS)],
             f"https://meet.example/r/{i}" if online else None, event["capacity"],
             event["audience"], int(event["approval"]), going, waiting,
             _ts_ms(event["cancelled_ms"]) if event["cancelled_ms"] else None, created)
        )  # fmt: skip
        answered_ms = event["created_ms"]
        for p, state in chosen:
            answered_ms = min(answered_ms + rng.randrange(1, 3 * 3_600_000), now_ms)
            row_id = answer_id.at(answered_ms)
            join = None if actors[p] is None else f"{actors[p]}/join/{row_id}"
            stamp = _ts_ms(answered_ms)
            answer_rows.append((row_id, status_id, account_ids[p], state, join, stamp, stamp))
        if len(answer_rows) >= 50_000:
            _insert_events(conn, status_rows, event_rows, answer_rows)
    _insert_events(conn, status_rows, event_rows, answer_rows)
    for _, create in indexes:
        conn.execute(create)
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode=WAL")
    counts = _counts(conn, alice_id, now)
    counts.update(connections=connection_rows, follows=follow_rows)
    counts["generated_at"] = now.isoformat()
    conn.close()
    return counts


def _insert_events(
    conn: sqlite3.Connection, statuses: list[tuple], events: list[tuple], answers: list[tuple]
) -> None:
    conn.executemany(
        "INSERT INTO statuses (id, account_id, local, uri, url, object_type, content, "
        "source_text, spoiler_text, sensitive, visibility, language, replies_count, "
        "reblogs_count, favourites_count, created_at) "
        "VALUES (?, ?, ?, ?, ?, 'Event', ?, ?, '', 0, ?, 'en', 0, 0, 0, ?)",
        statuses,
    )
    conn.executemany(
        "INSERT INTO events (status_id, title, starts_at, ends_at, timezone, place_name, "
        "locality, online_url, capacity, audience, approval_required, participants_count, "
        "waitlist_count, cancelled_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        events,
    )
    conn.executemany(
        "INSERT INTO event_participants (id, event_id, account_id, state, uri, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        answers,
    )
    statuses.clear()
    events.clear()
    answers.clear()


def _counts(conn: sqlite3.Connection, alice_id: int, now: datetime) -> dict[str, Any]:
    """What the database holds, as the report's header line says it."""
    over = _ts(now - timedelta(hours=12))
    not_over = f"(e.ends_at >= '{_ts(now)}' OR (e.ends_at IS NULL AND e.starts_at >= '{over}'))"
    one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    return {
        "accounts": one("SELECT count(*) FROM accounts"),
        "events": one("SELECT count(*) FROM events"),
        "participants": one("SELECT count(*) FROM event_participants"),
        "biggest_event": one(
            "SELECT max(n) FROM (SELECT count(*) n FROM event_participants GROUP BY event_id)"
        ),
        "not_over": one(f"SELECT count(*) FROM events e WHERE {not_over} AND cancelled_at IS NULL"),
        "local_public_not_over": one(
            f"SELECT count(*) FROM events e JOIN statuses s ON s.id = e.status_id WHERE {not_over}"
            " AND e.cancelled_at IS NULL AND s.local = 1 AND e.audience = 'public'"
        ),
        "alice_answers": one(
            f"SELECT count(*) FROM event_participants WHERE account_id={alice_id}"
        ),
    }


def prepare_database(data: Path, authority: str, args: argparse.Namespace) -> dict[str, Any]:
    """The data dir with alice and the generated rows: copied from the cache, or
    built now (and cached)."""
    create_member(data, authority)
    db = data / DB_NAME
    cached = cache_path(args, schema_hash(db))
    if _cached(cached) and not args.regenerate:
        return _copy_from_cache(cached, db)
    started = time.perf_counter()
    # In a child process, so the heap the generator leaves behind is not counted in
    # this process's RSS.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        counts = pool.submit(generate, db, args).result()
    info = {"counts": counts, "generated_s": time.perf_counter() - started}
    info["size"] = db.stat().st_size
    _store(db, cached, info)
    info.update(built_now=True, cache=str(cached))
    return info


def describe(info: dict[str, Any]) -> str:
    c = info["counts"]
    how = f"generated in {info['generated_s']:.1f}s on {c['generated_at'][:16]}"
    if not info.get("built_now"):
        how = f"copied from the cache in {info['copied_s']:.1f}s ({how})"
    return (
        f"database {how} ({info['size'] / 2**20:,.0f} MiB; {info['cache']}): "
        f"{c['accounts']:,} accounts, {c['events']:,} events ({c['not_over']:,} not over and "
        f"not cancelled, {c['local_public_not_over']:,} of them local and public), "
        f"{c['participants']:,} answers (biggest event {c['biggest_event']:,}); alice: "
        f"{c['connections'] // 2:,} connections, {c['follows']:,} follows, "
        f"{c['alice_answers']:,} answers (her own events included)"
    )


# --- measuring -----------------------------------------------------------------------------


def _reset_peak_rss() -> bool:
    """Reset this process's VmHWM (Linux: ``echo 5 > /proc/self/clear_refs``)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _ms(values: list[float]) -> list[float]:
    stats = spread(values)
    return [stats["p50"] * 1e3, stats["p90"] * 1e3, stats["p99"] * 1e3, stats["max"] * 1e3]


CASES = (  # (scope, viewer is alice, offset is the deep one)
    ("mine", True, False),
    ("mine", True, True),
    ("network", True, False),
    ("network", True, True),
    ("local", True, False),
    ("local", True, True),
    ("local", False, False),
    ("local", False, True),
)


class _Statements:
    """Counts (and keeps the last of) the statements sent through the app's engine."""

    def __init__(self) -> None:
        self.count = 0
        self.seen: list[tuple[str, Any]] = []
        self.keep = False

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        self.count += 1
        if self.keep:
            self.seen.append((statement, parameters))


async def in_process(
    data: Path, authority: str, args: argparse.Namespace
) -> tuple[list[list[object]], list[list[object]], dict[str, tuple[str, Any]]]:
    from aiohttp import web
    from sqlalchemy import event

    from server.app import create_app
    from server.appkeys import SERVICES
    from server.config import ApiSettings, load_config, with_overrides
    from server.services import events, members
    from server.store import events as events_q

    config = load_config(domain=authority, listen=authority, data=str(data), dev=True)
    config = with_overrides(config, api=ApiSettings.without_request_limits())
    runner = web.AppRunner(create_app(config, workers=False))
    await runner.setup()
    statements = _Statements()
    rows: list[list[object]] = []
    store_rows: list[list[object]] = []
    sql_of: dict[str, tuple[str, Any]] = {}
    try:
        svc = runner.app[SERVICES]
        engine = svc.db.engine.sync_engine
        event.listen(engine, "before_cursor_execute", statements)
        alice = await members.get_member(svc.db, "alice")
        for scope, signed_in, deep in CASES:
            viewer = alice if signed_in else None
            offset = args.deep if deep else 0
            for _ in range(args.warmup):  # caches, statement compilation
                await events.upcoming(svc, viewer, scope, limit=20, offset=offset)
            times, got = [], 0
            reset = _reset_peak_rss()
            before = statements.count
            started = time.perf_counter()
            for _ in range(args.calls):
                t0 = time.perf_counter()
                got += len(await events.upcoming(svc, viewer, scope, limit=20, offset=offset))
                times.append(time.perf_counter() - t0)
            wall = time.perf_counter() - started
            peak = proc_status(os.getpid()).get("VmHWM" if reset else "VmRSS", 0) / 1024
            who = "alice" if signed_in else "anonymous"
            rows.append(
                [f"{scope}, {who}", offset, args.calls, args.calls / wall, *_ms(times),
                 (statements.count - before) / args.calls, got / args.calls, peak]
            )  # fmt: skip
            print(f"  ... {scope}, {who}, offset {offset}: p99 {rows[-1][6]:.1f} ms", flush=True)

        # The store query alone, on one open connection, with the service's arguments.
        scopes = {
            "mine": {"mine_of": alice.id},
            "network": {"network_of": alice.id},
            "local": {"local_only": True, "public_only": True},
        }
        async with svc.db.read() as conn:
            for scope, kwargs in scopes.items():
                for offset in (0, args.deep):
                    statements.seen.clear()
                    statements.keep = True
                    await events_q.upcoming(conn, svc.now(), limit=20, offset=offset, **kwargs)
                    statements.keep = False
                    sql_of[f"{scope}, offset {offset}"] = statements.seen[-1]
                    times, got = [], 0
                    for _ in range(args.calls):
                        t0 = time.perf_counter()
                        found = await events_q.upcoming(
                            conn, svc.now(), limit=20, offset=offset, **kwargs
                        )
                        times.append(time.perf_counter() - t0)
                        got += len(found)
                    store_rows.append(
                        ["store.events.upcoming (one connection)", scope, offset, args.calls,
                         got / args.calls, *_ms(times)]
                    )  # fmt: skip
        event.remove(engine, "before_cursor_execute", statements)
    finally:
        await runner.cleanup()
    # The same SQL, same parameters, through sqlite3 directly: the floor.
    with contextlib.closing(sqlite3.connect(data / DB_NAME)) as raw:
        for label, (sql, params) in sql_of.items():
            scope, offset = label.split(", offset ")
            times = []
            for _ in range(args.calls):
                t0 = time.perf_counter()
                found = raw.execute(sql, params).fetchall()
                times.append(time.perf_counter() - t0)
            store_rows.append(
                ["same SQL via sqlite3 (floor)", scope, int(offset), args.calls,
                 float(len(found)), *_ms(times)]
            )  # fmt: skip
    return rows, store_rows, sql_of


def query_plans(db: Path, sql_of: dict[str, tuple[str, Any]]) -> list[str]:
    """``EXPLAIN QUERY PLAN`` of the store's SQL for each scope, as an indented tree."""
    lines = []
    with contextlib.closing(sqlite3.connect(db)) as raw:
        for label, (sql, params) in sql_of.items():
            if not label.endswith(", offset 0"):
                continue
            plan = raw.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
            depth: dict[int, int] = {0: 0}
            lines.append(f"query plan, {label.split(',')[0]}:")
            for node, parent, _, detail in plan:
                depth[node] = depth.get(parent, 0) + 1
                lines.append("  " * depth[node] + detail)
    return lines


COLUMNS = [
    "scope, viewer", "offset", "calls", "calls/s", "p50 ms", "p90 ms", "p99 ms", "max ms",
    "SQL/call", "rows/call", "peak RSS MiB",
]  # fmt: skip
STORE_COLUMNS = ["what", "scope", "offset", "calls", "rows/call", "p50 ms", "p90 ms", "p99 ms",
                 "max ms"]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.events",
        description="Upcoming events lists (mine, network, local) on a large generated database.",
    )
    add_arguments(parser)
    parser.add_argument("--calls", type=int, default=200, help="timed calls per case (200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed calls before (20)")
    parser.add_argument("--deep", type=int, default=200, help="the deep page's offset (200)")
    parser.add_argument("--keep", action="store_true", help="keep the data dir")
    args = parser.parse_args(argv)

    print(f"# bench.events: {machine()}", flush=True)
    data = Path(tempfile.mkdtemp(prefix="warmline-bench-events-"))
    authority = "127.0.0.1:8080"
    try:
        info = prepare_database(data, authority, args)
        print(f"# {describe(info)}", flush=True)
        rows, store_rows, sql_of = asyncio.run(in_process(data, authority, args))
        plans = query_plans(data / DB_NAME, sql_of)
    finally:
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)
        else:
            print(f"# data dir kept: {data}")
    print()
    print("events.upcoming(svc, viewer, scope, limit=20, offset) in process:")
    print(table(COLUMNS, rows))
    print(
        "(rows/call under 20: the store query returned 20 ids, and views() then dropped "
        "those the viewer may not see; SQL/call counts every statement of the call)"
    )
    print()
    print(table(STORE_COLUMNS, store_rows))
    print()
    print("\n".join(plans))
    print()
    print(f"# load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
