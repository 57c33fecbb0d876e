"""Web page latency and weight on a 1,000,000-post instance.

The database is ``bench.timeline``'s (``bench/_bigdb.py``: 1,000,000 posts by
10,000 remote authors, alice following 500 of them with a filled home feed)
plus what the pages show (``bench/_webdata.py``: alice's password and
profile, connections, endorsements, her posts and their replies, hashtags,
notifications, counters), both cached in the temp dir.

Against a real ``warmline serve`` on a copy of it, in production mode (no
``--dev``: templates compiled once, as an instance serves them), alice signs
in through the sign-in form (``GET /signin`` for the CSRF token, ``POST
/signin``, the session cookie kept). Then for each page of ``PAGES`` and each viewer it is
meant for (alice, and anonymous where the page is public):

1. one request at a time: ``--warmup`` requests, then ``--requests``:
   p50/p90/p99/max against the 50 ms p99 target, and the server process's
   CPU time per request (the steadiest figure on a shared machine);
2. ``--concurrency`` at a time (16): requests per second, p50/p99;
3. its weight (``bench/_pageweight.py``): the HTML, and the CSS and
   JavaScript it references, in bytes on the wire with ``Accept-Encoding:
   gzip``, against the 100 KB budget for CSS+JS before images; each asset's
   name and ``Cache-Control`` checked.

A page that answers 404 is not built yet and is skipped with a note, as is one
that sends the viewer elsewhere (a members' page seen anonymously) or refuses
them. Pages are requested in the table's order, as a browser would: viewing
``/notifications`` marks alice's notifications seen, so the pages after it
count none unread. The server's RSS is sampled during the runs.

``--only`` and ``--viewers`` narrow the run; ``--profile DIR`` records the
server with py-spy while the pages that miss the target are requested again
and prints where their time goes by phase; ``--variant time-pages`` (or
``time-sql``, ``count-sql``) runs the server through ``bench._variant_server``.

    .venv/bin/python -m bench.pages [--requests 200] [--only profile] [--profile /tmp/prof]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bench import _pyspy
from bench._bigdb import DB_NAME, add_arguments, describe, feed_ids, prepare_database
from bench._common import cpu_seconds, machine, spread, table
from bench._pageweight import Asset, Weight, weigh
from bench._rawhttp import RawResult, build_request, run_requests
from bench._server import Server, ServerError, free_port
from bench._webdata import ALICE_PASSWORD, LAYER

TARGET_P99_MS = 50.0
BUDGET_BYTES = 100_000  # CSS + JS before images, compressed
ALICE, ANONYMOUS = "alice", "anonymous"
BOTH = (ALICE, ANONYMOUS)


@dataclass(frozen=True, slots=True)
class PageSpec:
    """A page to measure: ``path`` may name fields of ``Targets`` (``{busy}``)."""

    name: str
    path: str
    viewers: tuple[str, ...] = BOTH


# The pages measured, in order. Add a row for a new page; a path that answers
# 404 is reported as not built yet. Placeholders come from ``Targets``.
PAGES: tuple[PageSpec, ...] = (
    PageSpec("home, first page", "/", (ALICE,)),
    PageSpec("home, ?max_id= deep pages", "/?max_id={max_id}", (ALICE,)),
    PageSpec("landing (/ signed out)", "/", (ANONYMOUS,)),
    PageSpec("own profile", "/@alice"),
    PageSpec("own connections", "/@alice/connections"),
    PageSpec("edit profile", "/profile/edit", (ALICE,)),
    PageSpec("busy remote profile", "/@{busy}"),
    PageSpec("remote thread", "/@{remote_thread}"),
    PageSpec("local thread", "/@alice/{local_thread}"),
    PageSpec("tag", "/tags/{tag}"),
    PageSpec("about", "/about"),
    PageSpec("sign in", "/signin", (ANONYMOUS,)),
    PageSpec("network", "/network", (ALICE,)),
    PageSpec("network: people you may know", "/network/suggestions", (ALICE,)),
    PageSpec("notifications", "/notifications", (ALICE,)),
    PageSpec("search", "/search?q={query}"),
    PageSpec("settings", "/settings", (ALICE,)),
    PageSpec("admin", "/admin", (ALICE,)),
    PageSpec("admin: members", "/admin/members", (ALICE,)),
)


@dataclass
class Targets:
    """What the placeholders of ``PAGES`` stand for, found in the generated data."""

    busy: str  # user@domain of the remote author with the most posts
    remote_thread: str  # user@domain/ID: a remote reply with the most replies
    local_thread: int  # alice's post with the biggest thread below it
    tag: str  # the most used hashtag
    query: str = "logistics"
    max_ids: list[int] = field(default_factory=list)  # random depths of alice's feed
    notes: dict[str, str] = field(default_factory=dict)


def find_targets(db: Path, n: int, seed: int) -> Targets:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        busy = conn.execute(
            "SELECT a.username, a.domain, s.statuses_count FROM accounts a JOIN account_stats s "
            "ON s.account_id = a.id WHERE a.domain IS NOT NULL ORDER BY s.statuses_count DESC "
            "LIMIT 1"
        ).fetchone()
        thread = None
        for parent_id, replies in conn.execute(
            "SELECT in_reply_to_id, count(*) AS n FROM statuses WHERE in_reply_to_id IS NOT NULL "
            "AND local = 0 GROUP BY in_reply_to_id ORDER BY n DESC LIMIT 200"
        ).fetchall():
            found = conn.execute(
                "SELECT a.username, a.domain FROM statuses s "
                "JOIN accounts a ON a.id = s.account_id WHERE s.id = ? AND s.visibility = 'public' "
                "AND s.in_reply_to_id IS NOT NULL AND a.domain IS NOT NULL",
                (parent_id,),
            ).fetchone()
            if found:
                thread = (f"{found[0]}@{found[1]}/{parent_id}", replies)
                break
        local = conn.execute(
            "WITH RECURSIVE thread(root, id) AS (SELECT s.id, s.id FROM statuses s "
            "JOIN accounts a ON a.id = s.account_id WHERE a.username_key = 'alice' "
            "AND a.domain IS NULL AND s.in_reply_to_id IS NULL "
            "UNION ALL SELECT thread.root, r.id FROM statuses r "
            "JOIN thread ON r.in_reply_to_id = thread.id) "
            "SELECT root, count(*) - 1 AS n FROM thread GROUP BY root ORDER BY n DESC LIMIT 1"
        ).fetchone()
        tag = conn.execute(
            "SELECT t.name, count(*) AS n FROM status_tags st JOIN tags t ON t.id = st.tag_id "
            "GROUP BY t.id ORDER BY n DESC LIMIT 1"
        ).fetchone()
    if thread is None or local is None or tag is None:
        raise ServerError("the generated data has no thread or tag to show (layer missing?)")
    _, ids = feed_ids(db)
    rng = random.Random(seed + 1)
    targets = Targets(
        busy=f"{busy[0]}@{busy[1]}",
        remote_thread=thread[0],
        local_thread=local[0],
        tag=tag[0],
        max_ids=[ids[rng.randrange(20, len(ids))] for _ in range(n)],
    )
    targets.notes = {
        "busy": f"{busy[2]:,} posts",
        "remote_thread": f"a reply with {thread[1]} direct replies",
        "local_thread": f"{local[1]} replies below it",
        "tag": f"on {tag[1]:,} posts",
    }
    return targets


def paths_for(spec: PageSpec, targets: Targets, n: int) -> list[str]:
    """``n`` request paths for a page (distinct ones where it pages by ``max_id``)."""
    values = {k: getattr(targets, k) for k in ("busy", "remote_thread", "local_thread", "tag")}
    values["query"] = targets.query
    if "{max_id}" in spec.path:
        return [spec.path.format(**values, max_id=m) for m in targets.max_ids[:n]]
    return [spec.path.format(**values)] * n


# --- signing in ------------------------------------------------------------------------


async def sign_in(session: aiohttp.ClientSession, base: str) -> str:
    """alice signs in through the form; the session cookie's value."""
    async with session.get(f"{base}/signin", headers={"Accept": "text/html"}) as response:
        page = await response.text()
        csrf_cookie = response.cookies.get("warmline_csrf")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if response.status != 200 or match is None or csrf_cookie is None:
        raise ServerError(f"GET /signin gave {response.status} without a CSRF token")
    form = {"csrf_token": match[1], "next": "/", "username": "alice", "password": ALICE_PASSWORD}
    headers = {"Cookie": f"warmline_csrf={csrf_cookie.value}", "Accept": "text/html"}
    async with session.post(
        f"{base}/signin", data=form, headers=headers, allow_redirects=False
    ) as response:
        await response.read()
        token = response.cookies.get("warmline_session")
    if response.status != 303 or token is None:
        raise ServerError(f"POST /signin gave {response.status} and no session cookie")
    return token.value


# --- measuring -------------------------------------------------------------------------


def _ms(values: list[float]) -> list[float]:
    stats = spread(values)
    return [stats["p50"] * 1e3, stats["p90"] * 1e3, stats["p99"] * 1e3, stats["max"] * 1e3]


@dataclass
class Measured:
    spec: PageSpec
    viewer: str
    path: str
    latency: RawResult
    cpu_ms: float  # server CPU per request in the one-at-a-time run
    throughput: RawResult | None
    weight: Weight

    @property
    def p99_ms(self) -> float:
        return spread(self.latency.ok_latencies)["p99"] * 1e3


class Bench:
    """One server, alice's session, and what was measured."""

    def __init__(self, server: Server, args: argparse.Namespace, targets: Targets) -> None:
        self.server, self.args, self.targets = server, args, targets
        self.cookie = ""
        self.assets: dict[str, Asset] = {}
        self.measured: list[Measured] = []
        self.notes: list[str] = []
        self.peak_rss = 0

    def headers(self, viewer: str) -> dict[str, str]:
        headers = {
            "Host": self.server.authority,
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Encoding": "gzip",
            "User-Agent": "warmline-bench/pages",
        }
        if viewer == ALICE:
            headers["Cookie"] = f"warmline_session={self.cookie}"
        return headers

    def rss(self) -> int:
        value = self.server.rss_kib().get("VmRSS", 0)
        self.peak_rss = max(self.peak_rss, value)
        return value

    async def run(self) -> None:
        async with aiohttp.ClientSession(auto_decompress=False) as session:
            self.cookie = await sign_in(session, self.server.base)
            for spec in PAGES:
                if self.args.only and not any(o in spec.name for o in self.args.only):
                    continue
                for viewer in spec.viewers:
                    if viewer in self.args.viewers:
                        await self.page(session, spec, viewer)

    async def page(self, session: aiohttp.ClientSession, spec: PageSpec, viewer: str) -> None:
        args = self.args
        paths = paths_for(spec, self.targets, args.warmup + args.requests)
        headers = self.headers(viewer)
        async with session.get(
            self.server.base + paths[0], headers=headers, allow_redirects=False
        ) as response:
            await response.read()
            status, location = response.status, response.headers.get("Location", "")
        if status != 200:
            why = {404: "not built yet (404)"}.get(status, f"answered {status}")
            if 300 <= status < 400:
                why = f"sends {viewer} to {location} ({status})"
            self.notes.append(f"{spec.name} ({paths[0]}) as {viewer}: skipped, {why}")
            return
        requests = [build_request("GET", p, headers) for p in paths]
        warm, timed = requests[: args.warmup], requests[args.warmup :]
        port = self.server.port
        await run_requests("127.0.0.1", port, warm, 1)
        assert self.server.proc is not None
        cpu_before = cpu_seconds(self.server.proc.pid)
        latency = await run_requests("127.0.0.1", port, timed, 1, rss=self.rss)
        cpu_ms = (cpu_seconds(self.server.proc.pid) - cpu_before) * 1e3 / len(timed)
        throughput = None
        if args.concurrency > 1:
            throughput = await run_requests(
                "127.0.0.1", port, timed, args.concurrency, rss=self.rss
            )
        weight = await weigh(session, self.server.base, paths[0], headers, self.assets)
        done = Measured(spec, viewer, paths[0], latency, cpu_ms, throughput, weight)
        self.measured.append(done)
        rate = f", {throughput.count(200) / throughput.seconds:,.0f} req/s" if throughput else ""
        print(
            f"  ... {spec.name} as {viewer}: p99 {done.p99_ms:.1f} ms{rate}"
            + (f" (first error: {latency.first_error})" if latency.first_error else ""),
            flush=True,
        )

    async def profile(self, out: Path, py_spy: str) -> list[Path]:
        """py-spy (``--gil``) on the server while each page over the target is asked again."""
        slow = [m for m in self.measured if m.p99_ms > TARGET_P99_MS or self.args.profile_all]
        files = []
        for m in slow:
            paths = paths_for(m.spec, self.targets, self.args.requests)
            requests = [build_request("GET", p, self.headers(m.viewer)) for p in paths]
            name = re.sub(r"[^a-z0-9]+", "-", f"{m.spec.name}-{m.viewer}".lower()).strip("-")
            path = out / f"{name}.txt"
            assert self.server.proc is not None
            spy = _pyspy.record(py_spy, self.server.proc.pid, path, rate=500, gil=True)
            await asyncio.sleep(1.0)  # py-spy attaches
            await run_requests("127.0.0.1", self.server.port, requests, 1)
            await asyncio.to_thread(_pyspy.stop, spy)
            files.append(path)
        return files


# --- report ----------------------------------------------------------------------------


LATENCY_COLUMNS = [
    "page", "as", "path", "requests", "p50 ms", "p90 ms", "p99 ms", "max ms",
    "server CPU ms/req", "errors", f"p99 < {TARGET_P99_MS:g} ms",
]  # fmt: skip
THROUGHPUT_COLUMNS = ["page", "as", "requests", "req/s", "p50 ms", "p99 ms", "errors"]
WEIGHT_COLUMNS = [
    "page", "as", "HTML sent", "HTML gzip", "CSS", "JS", "CSS+JS",
    f"CSS+JS <= {BUDGET_BYTES // 1000} KB", "other (sprite, icon)", "images",
]  # fmt: skip
ASSET_COLUMNS = [
    "asset", "kind", "status", "KB", "KB on the wire", "encoding", "Cache-Control",
    "hashed name, long-lived, immutable",
]  # fmt: skip


def _kb(n: int) -> float:
    return n / 1000


def _rows(m: Measured) -> tuple[list[object], list[object] | None, list[object]]:
    """A measured page's rows of the latency, throughput and weight tables."""
    ok = m.latency.count(200)
    verdict = "yes" if m.p99_ms < TARGET_P99_MS else "NO"
    errors = len(m.latency.latencies) - ok
    latency = [
        m.spec.name, m.viewer, m.path, ok, *_ms(m.latency.ok_latencies), m.cpu_ms, errors, verdict
    ]  # fmt: skip
    throughput = None
    if m.throughput is not None:
        t, stats = m.throughput, spread(m.throughput.ok_latencies)
        done = t.count(200)
        throughput = [
            m.spec.name, m.viewer, done, done / t.seconds, stats["p50"] * 1e3, stats["p99"] * 1e3,
            len(t.latencies) - done,
        ]  # fmt: skip
    w = m.weight
    weight = [
        m.spec.name, m.viewer, _kb(w.html_sent), _kb(w.html_gzip),
        _kb(sum(a.wire for a in w.css)), _kb(sum(a.wire for a in w.js)), _kb(w.css_js),
        "yes" if w.css_js <= BUDGET_BYTES else "NO", _kb(sum(a.wire for a in w.other)), w.images,
    ]  # fmt: skip
    return latency, throughput, weight


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3] if url.count("/") >= 3 else url


def report(bench: Bench) -> str:
    """The tables: latency, throughput, weight, assets."""
    rows = [_rows(m) for m in bench.measured]
    throughput = [r[1] for r in rows if r[1] is not None]
    assets = [
        [_path(a.url), a.kind, a.status, _kb(a.raw), _kb(a.wire), a.encoding, a.cache_control,
         "yes" if a.cached_for_good else "NO"]
        for a in bench.assets.values()
    ]  # fmt: skip
    parts = ["One request at a time (latency):", table(LATENCY_COLUMNS, [r[0] for r in rows])]
    if throughput:
        parts += [
            "",
            f"{bench.args.concurrency} at a time (throughput):",
            table(THROUGHPUT_COLUMNS, throughput),
        ]
    parts += [
        "",
        "Page weight, KB (1,000 bytes) on the wire with Accept-Encoding: gzip "
        "(HTML is sent uncompressed; 'HTML gzip' is what a proxy at level 5 would send):",
        table(WEIGHT_COLUMNS, [r[2] for r in rows]),
        "",
        "Assets referenced:",
        table(ASSET_COLUMNS, assets),
    ]
    return "\n".join(parts)


# --- main ------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pages",
        description="Web page latency and weight on a 1,000,000-post instance.",
    )
    add_arguments(parser)
    parser.add_argument(
        "--requests", type=int, default=200, help="timed requests per page and viewer (200)"
    )
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests first (20)")
    parser.add_argument(
        "--concurrency", type=int, default=16, help="for the throughput run; 1 skips it (16)"
    )
    parser.add_argument(
        "--only", nargs="+", default=[], help="pages whose name contains one of these"
    )
    parser.add_argument(
        "--viewers",
        nargs="+",
        choices=BOTH,
        default=list(BOTH),
        help="measure as these viewers only (default: both, where the page allows)",
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help=f"py-spy the server while pages over {TARGET_P99_MS:g} ms p99 are asked again",
    )
    parser.add_argument("--profile-all", action="store_true", help="with --profile: every page")
    parser.add_argument("--py-spy", help="path to py-spy (default: PATH, then /tmp/pyspy/bin)")
    parser.add_argument(
        "--variant",
        nargs="+",
        default=[],
        choices=["time-sql", "count-sql", "time-pages"],
        help="run the server through bench/_variant_server.py (time-sql: the statements "
        "with the most total time; count-sql: statements and aiosqlite round trips; "
        "time-pages: per route, the event loop's CPU per request, its rendering part and "
        "its SQL statements)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the data dir (and server.log)")
    args = parser.parse_args(argv)
    if args.profile:
        args.py_spy = _pyspy.find_py_spy(args.py_spy)
        if args.py_spy is None:
            parser.error("py-spy not found: .venv/bin/pip install --target /tmp/pyspy py-spy")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    print(f"# bench.pages: {machine()}")
    data = Path(tempfile.mkdtemp(prefix="warmline-bench-pages-"))
    command = None
    if args.variant:
        command = [sys.executable, "-m", "bench._variant_server", *(f"--{v}" for v in args.variant)]
    server = Server(data, free_port(), command, dev=False)  # as in production
    profiles: list[Path] = []
    try:
        info = prepare_database(data, server.authority, args, LAYER)
        print(f"# {describe(info)}", flush=True)
        targets = find_targets(data / DB_NAME, args.warmup + args.requests, args.seed)
        print(
            "# targets: "
            + "; ".join(f"{k} {getattr(targets, k)} ({v})" for k, v in targets.notes.items()),
            flush=True,
        )
        with server:
            server.start()
            idle = server.rss_kib().get("VmRSS", 0)
            print(
                f"# server pid {server.proc.pid} at {server.base}, idle RSS {idle / 1024:.1f} MiB"
            )
            bench = Bench(server, args, targets)
            asyncio.run(bench.run())
            if args.profile:
                out = Path(args.profile)
                out.mkdir(parents=True, exist_ok=True)
                profiles = asyncio.run(bench.profile(out, args.py_spy))
            hwm = server.rss_kib().get("VmHWM", 0)
        variant_lines = server.variant_lines()
    except ServerError as exc:
        sys.exit(f"bench.pages: the server did not run:\n{exc}")
    finally:
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)
        else:
            print(f"# data dir kept: {data}")
    print()
    print(report(bench))
    for note in bench.notes:
        print(f"note: {note}")
    print()
    print(
        f"server RSS: idle {idle / 1024:.1f} MiB, peak sampled during the runs "
        f"{bench.peak_rss / 1024:.1f} MiB, VmHWM (lifetime peak) {hwm / 1024:.1f} MiB"
    )
    for line in variant_lines:
        print(line)
    for path in profiles:
        print(f"\n## profile {path} (py-spy --gil: Python holding the GIL)")
        print(_pyspy.phases(path, PHASES))
        print("\n".join(_pyspy.layers(path).splitlines()[:13]))  # the 12 biggest
    print(f"\n# bench.pages took {time.perf_counter() - started:.0f} s")


# Where a page's time goes (bench/_pyspy.phases: the first rule that matches a
# sample's stack wins, so the narrower rules come first).
PHASES = [
    (
        "dates and numbers in templates (babel)",
        ("timestamp (server/web/templating", "ago (server/web/templating", "number (server/"),
    ),
    ("rendering templates (jinja2, markupsafe)", ("render_html",)),
    ("frame: session, unread count, site settings", ("chrome (server/web", "viewer (server/web")),
    ("people you may know (home)", ("people_you_may_know",)),
    ("loading the posts' people, counts, flags (Views.load)", ("Views.load",)),
    ("skills and recommendations (profile)", ("endorsements.py", "recommendations.py")),
    ("thread above and below (timelines.context)", ("context (server/services/timelines",)),
    ("the page's posts (timelines, posts)", ("server/services/timelines", "server/services/posts")),
    ("other page handler code", ("server/web/", "server/ap/")),
    ("aiohttp access log", ("AccessLog",)),
    ("aiohttp + middlewares around the handler", ("web_protocol.py", "web_app.py")),
]


if __name__ == "__main__":
    main()
