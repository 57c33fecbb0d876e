"""``warmline serve`` with experimental variations, to size a bottleneck before fixing it.

Not a way to run Warmline: the variations are monkeypatches applied in this
process only, so a benchmark can answer "what would X buy?" without touching
the server code. Used by ``bench.inbox --variant``.

    python -m bench._variant_server [--no-workers] [--key-cache] [--host-cache] \\
        serve --dev --listen 127.0.0.1:PORT --domain 127.0.0.1:PORT --data DIR

``--no-workers``  the app without its delivery and inbox workers (the door alone).
``--key-cache``   RemoteActors.get_key answers from an in-process dict after the first
                  lookup of a key id (no read transaction, no PEM parse per request).
``--host-cache``  the blocked-host check reads the hosts table once a second at most,
                  instead of once per stored activity (a SELECT inside the write lock).
``--write-lock``  write transactions queue on one asyncio.Lock per database before
                  ``BEGIN IMMEDIATE``, so SQLite's busy handler (which sleeps 1..100 ms
                  between retries) never runs inside this process.
``--count-sql``   count SQL statements and aiosqlite thread round trips (each one a
                  hand-off to the connection's thread and back); totals to the log at exit.
``--time-sql``    time every SQL statement (cursor execute to fetched, as SQLAlchemy sees
                  it); the statements with the most total time go to the log at exit.
``--time-pages``  per route and viewer (signed in or not), the event loop thread's CPU time
                  for each request (one request at a time: the handler's Python work, not
                  the aiosqlite threads') and, within it, the CPU time of rendering its
                  templates, and its number of SQL statements; medians to the log at exit.
``--time-begin``  time every ``BEGIN IMMEDIATE`` (waiting for SQLite's write lock, as seen
                  from the event loop) and every write transaction (BEGIN IMMEDIATE to the
                  end of COMMIT); percentiles go to the log ("bench-variant:") at exit.
"""

from __future__ import annotations

import sys
import time


def _patch_key_cache() -> None:
    from server.services.remote import RemoteActors

    original = RemoteActors.get_key

    async def get_key(self, key_id: str, *, refresh: bool = False):
        cache = self.__dict__.setdefault("_bench_keys", {})
        if not refresh and key_id in cache:
            return cache[key_id]
        info = await original(self, key_id, refresh=refresh)
        cache[key_id] = info
        return info

    RemoteActors.get_key = get_key


def _patch_host_cache() -> None:
    from server.services import inbox
    from server.store import queues

    original = queues.blocked_hosts
    cached: dict[str, object] = {"at": 0.0, "all": set()}

    async def blocked_hosts(conn, hosts):
        if time.monotonic() - float(cached["at"]) > 1.0:
            from sqlalchemy import select

            from server.store.tables import hosts as table

            rows = await conn.execute(select(table.c.host).where(table.c.blocked.is_(True)))
            cached["all"], cached["at"] = {r[0] for r in rows}, time.monotonic()
        return {h for h in hosts if h in cached["all"]}

    # Only the inbox's use: the outbox keeps the real query.
    inbox.q = type(sys)("queues_with_host_cache")
    inbox.q.__dict__.update(queues.__dict__)
    inbox.q.blocked_hosts = blocked_hosts
    del original


def _patch_time_begin() -> None:
    import atexit

    from sqlalchemy import event

    from server.store import database

    begins: list[float] = []
    held: list[float] = []
    locked_at: dict[int, float] = {}  # id(Connection) -> when BEGIN IMMEDIATE returned
    original = database._sqlite_begin

    def timed_begin(conn):
        started = time.perf_counter()
        original(conn)
        now = time.perf_counter()
        if conn.get_execution_options().get("sqlite_immediate"):
            begins.append(now - started)
            locked_at[id(conn)] = now

    def on_end(conn):
        since = locked_at.pop(id(conn), None)
        if since is not None:
            held.append(time.perf_counter() - since)

    real_create = database.create_engine

    def create_engine(url):
        engine = real_create(url)
        event.listen(engine.sync_engine, "commit", on_end)
        event.listen(engine.sync_engine, "rollback", on_end)
        return engine

    database._sqlite_begin = timed_begin
    database.create_engine = create_engine

    def report() -> None:
        for name, values in (
            ("BEGIN IMMEDIATE wait", begins),
            ("write lock held (BEGIN IMMEDIATE .. COMMIT start)", held),
        ):
            values.sort()
            if not values:
                continue
            pct = {
                p: values[min(len(values) - 1, int(p / 100 * len(values)))] * 1e3
                for p in (50, 90, 99, 99.9)
            }
            print(
                f"bench-variant: {name}: n={len(values)} p50={pct[50]:.2f}ms "
                f"p90={pct[90]:.2f}ms p99={pct[99]:.2f}ms p99.9={pct[99.9]:.2f}ms "
                f"max={values[-1] * 1e3:.1f}ms total={sum(values):.2f}s",
                file=sys.stderr,
                flush=True,
            )

    atexit.register(report)


def _patch_time_pages() -> None:
    import atexit
    import statistics
    from collections import defaultdict

    from aiohttp import web
    from sqlalchemy import event

    import server.serve
    from server.store import database
    from server.web import responses

    handled: defaultdict[str, list[float]] = defaultdict(list)  # route -> main-thread CPU s
    rendered: defaultdict[str, list[float]] = defaultdict(list)  # route -> render CPU s
    statements: defaultdict[str, list[float]] = defaultdict(list)  # route -> SQL statements
    current: dict[str, float] = {}
    real_render = responses.render_html
    real_engine = database.create_engine

    def create_engine(url):
        engine = real_engine(url)

        def count(*_args, **_kw):
            current["sql"] = current.get("sql", 0.0) + 1

        event.listen(engine.sync_engine, "before_cursor_execute", count)
        return engine

    def render_html(app, template, **context):
        started = time.thread_time()
        try:
            return real_render(app, template, **context)
        finally:
            current["render"] = current.get("render", 0.0) + time.thread_time() - started

    @web.middleware
    async def timing(request, handler):
        current.clear()
        started = time.thread_time()
        try:
            return await handler(request)
        finally:
            info = request.match_info.route.resource
            route = info.canonical if info is not None else request.path
            route += " (signed in)" if "warmline_session" in request.cookies else ""
            handled[route].append(time.thread_time() - started)
            rendered[route].append(current.get("render", 0.0))
            statements[route].append(current.get("sql", 0.0))

    real_create = server.serve.create_app

    def create_app(config, **kwargs):
        app = real_create(config, **kwargs)
        app.middlewares.insert(0, timing)
        return app

    responses.render_html = render_html
    server.serve.create_app = create_app
    database.create_engine = create_engine

    def report() -> None:
        for route, values in sorted(handled.items()):
            print(
                f"bench-variant: page {route}: n={len(values)} event-loop CPU "
                f"median={statistics.median(values) * 1e3:.2f}ms, of which rendering "
                f"median={statistics.median(rendered[route]) * 1e3:.2f}ms; SQL statements "
                f"median={statistics.median(statements[route]):.0f}",
                file=sys.stderr,
                flush=True,
            )

    atexit.register(report)


def _patch_write_lock() -> None:
    import asyncio
    import contextlib

    from server.store import database

    original = database.Database.transaction

    @contextlib.asynccontextmanager
    async def transaction(self):
        lock = self.__dict__.setdefault("_bench_write_lock", asyncio.Lock())
        async with lock, original(self) as conn:
            yield conn

    database.Database.transaction = transaction


def _patch_count_sql() -> None:
    import atexit

    import aiosqlite.core
    from sqlalchemy import event

    from server.store import database

    counts = {"statements": 0, "round trips": 0}
    original_execute = aiosqlite.core.Connection._execute

    async def _execute(self, fn, *args, **kwargs):
        counts["round trips"] += 1
        return await original_execute(self, fn, *args, **kwargs)

    aiosqlite.core.Connection._execute = _execute
    real_create = database.create_engine

    def create_engine(url):
        engine = real_create(url)

        def count(*_args, **_kw):
            counts["statements"] += 1

        event.listen(engine.sync_engine, "before_cursor_execute", count)
        return engine

    database.create_engine = create_engine
    atexit.register(lambda: print(f"bench-variant: totals {counts}", file=sys.stderr, flush=True))


def _patch_time_sql() -> None:
    import atexit
    from collections import defaultdict

    from sqlalchemy import event

    from server.store import database

    totals: defaultdict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    started: dict[int, float] = {}
    real_create = database.create_engine

    def create_engine(url):
        engine = real_create(url)

        def before(conn, cursor, statement, parameters, context, executemany):
            started[id(cursor)] = time.perf_counter()

        def after(conn, cursor, statement, parameters, context, executemany):
            t0 = started.pop(id(cursor), None)
            if t0 is not None:
                entry = totals[" ".join(statement.split())[:160]]
                entry[0] += 1
                entry[1] += time.perf_counter() - t0

        event.listen(engine.sync_engine, "before_cursor_execute", before)
        event.listen(engine.sync_engine, "after_cursor_execute", after)
        return engine

    database.create_engine = create_engine

    def report() -> None:
        ranked = sorted(totals.items(), key=lambda kv: -kv[1][1])[:12]
        for sql, (count, seconds) in ranked:
            print(
                f"bench-variant: sql total={seconds:.3f}s n={count} "
                f"mean={seconds / count * 1e3:.3f}ms :: {sql}",
                file=sys.stderr,
                flush=True,
            )

    atexit.register(report)


def main() -> int:
    argv = sys.argv[1:]
    flags = {
        "--no-workers",
        "--key-cache",
        "--host-cache",
        "--time-begin",
        "--write-lock",
        "--count-sql",
        "--time-sql",
        "--time-pages",
    }
    chosen = {a for a in argv if a in flags}
    rest = [a for a in argv if a not in flags]
    if "--key-cache" in chosen:
        _patch_key_cache()
    if "--host-cache" in chosen:
        _patch_host_cache()
    if "--time-sql" in chosen:
        _patch_time_sql()
    if "--count-sql" in chosen:
        _patch_count_sql()
    if "--write-lock" in chosen:
        _patch_write_lock()
    if "--time-begin" in chosen:
        _patch_time_begin()
    if "--time-pages" in chosen:
        _patch_time_pages()
    if "--no-workers" in chosen:
        import server.app
        import server.serve

        real = server.app.create_app
        server.serve.create_app = lambda config, demo=False: real(config, demo=demo, workers=False)
    from server.cli import main as warmline

    return warmline(rest)


if __name__ == "__main__":
    sys.exit(main())
