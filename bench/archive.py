"""Building a member's archive (``services.archive.build``): by default 50,000 posts
and 1 GiB of media in 1,000 files, the issue's target ("built without holding
more than 100 MB of memory"). Member ``alice`` is made with ``warmline member
create`` in a temp dir (or ``--data DIR``, reused if it holds a database), plain
``sqlite3`` adds her posts (public/unlisted/private/direct, over two years),
media rows and files of random bytes, and ``--connections`` connections. The
archive is then built in a fresh child process (``--build-only``), so its peak
RSS is the build's; the parent checks the ZIP's listing and prints a table.

    .venv/bin/python -m bench.archive [--posts 50000] [--media-mb 1024]
        [--media-files 1000] [--connections 300] [--data DIR] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bench._bigdb import DB_NAME, WORDS, _ts
from bench._common import machine, proc_status, table
from bench._server import REPO, create_member, repo_env

if TYPE_CHECKING:
    from server.services.context import Services

AUTHORITY = "bench.example"
VISIBILITIES = ["public"] * 70 + ["unlisted"] * 15 + ["private"] * 10 + ["direct"] * 5
TWO_YEARS_MS = 730 * 86_400_000


def _text(rng: random.Random) -> str:
    """A paragraph or two of HTML, 200 to 400 characters."""
    target, words = rng.randrange(200, 400), []
    while sum(len(w) + 1 for w in words) < target - 20:
        words.append(rng.choice(WORDS))
    cut = len(words) // 2
    return f"<p>{' '.join(words[:cut])}.</p><p>{' '.join(words[cut:])}!</p>"


def setup(data: Path, args: argparse.Namespace) -> None:
    """alice, her posts, media (rows and files) and connections, in one transaction."""
    create_member(data, AUTHORITY)
    rng = random.Random(args.seed)
    conn = sqlite3.connect(data / DB_NAME, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    alice = conn.execute(
        "SELECT id FROM accounts WHERE username_key='alice' AND domain IS NULL"
    ).fetchone()[0]
    now_ms = int(time.time() * 1000)
    start_ms = now_ms - TWO_YEARS_MS
    posts = []  # (id, created_at)
    rows = []
    for i in range(args.posts):
        ms = start_ms + i * TWO_YEARS_MS // max(args.posts, 1)
        status_id, created = (ms << 16) | (i & 0xFFFF), _ts(datetime.fromtimestamp(ms / 1000, UTC))
        posts.append((status_id, created))
        rows.append((status_id, alice, _text(rng), rng.choice(VISIBILITIES), created))
    conn.executemany(
        "INSERT INTO statuses (id, account_id, local, uri, url, object_type, content, "
        "spoiler_text, sensitive, visibility, language, replies_count, reblogs_count, "
        "favourites_count, created_at) "
        "VALUES (?, ?, 1, NULL, NULL, 'Note', ?, '', 0, ?, 'en', 0, 0, 0, ?)",
        rows,
    )
    folder = data / "media"
    folder.mkdir(parents=True, exist_ok=True)
    total = args.media_mb * 2**20
    media = []
    attached = rng.sample(posts, min(args.media_files, len(posts)))
    for n, (status_id, created) in enumerate(attached):
        size = total // len(attached) + (total % len(attached) if n == len(attached) - 1 else 0)
        name = secrets.token_urlsafe(24) + ".jpg"
        with open(folder / name, "wb") as fh:
            for left in range(size, 0, -(2**20)):
                fh.write(os.urandom(min(left, 2**20)))
        media.append((status_id + 1 + n, alice, status_id, name, size, created))
    conn.executemany(
        "INSERT INTO media_attachments (id, account_id, status_id, position, file_name, "
        "content_type, file_size, thumbnail_size, description, remote_url, created_at) "
        "VALUES (?, ?, ?, 0, ?, 'image/jpeg', ?, 0, '', NULL, ?)",
        media,
    )
    stamp = _ts(datetime.now(UTC))
    peers = []
    for p in range(args.connections):
        domain = f"host{p % 20}.example"
        actor = f"https://{domain}/users/peer{p}"
        peers.append(((start_ms << 16) + 7_000_000 + p, f"peer{p}", domain, actor, stamp))
    conn.executemany(
        "INSERT INTO accounts (id, username, username_key, domain, uri, url, display_name, "
        "headline, fields, warmline, created_at, updated_at, fetched_at, inbox_url) "
        "VALUES (?1, ?2, ?2, ?3, ?4, ?4, 'Peer ' || ?2, 'Engineer at Company', '[]', 1, "
        "?5, ?5, ?5, ?4 || '/inbox')",
        peers,
    )
    pairs = [(a, b, stamp) for p in peers for a, b in ((alice, p[0]), (p[0], alice))]
    conn.executemany(
        "INSERT INTO connections (account_id, peer_id, note, created_at) VALUES (?, ?, '', ?)",
        pairs,
    )
    conn.execute("COMMIT")
    conn.close()


def _cpu() -> float:
    """User + system CPU seconds of this process so far (all its threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def build_only(data: Path) -> None:
    """In this (fresh) process: build alice's archive; print one line of JSON."""
    with contextlib.closing(sqlite3.connect(data / DB_NAME)) as conn:
        posts = conn.execute(
            "SELECT count(*) FROM statuses s JOIN accounts a ON a.id = s.account_id "
            "WHERE a.username_key = 'alice' AND a.domain IS NULL AND s.deleted_at IS NULL"
        ).fetchone()[0]
    from server.cli_shared import with_services
    from server.config import load_config
    from server.services.archive.build import build
    from server.services.members import get_member

    config = load_config(environ={}, dev=True, data=str(data), domain=AUTHORITY)
    target = data / "archive.zip"
    out: dict[str, float] = {"calls": 0}

    async def progress(done: int, total: int) -> None:
        out["calls"] += 1
        if done >= posts and "outbox_s" not in out:
            out["outbox_s"] = time.perf_counter() - out["started"]

    async def run(svc: Services) -> int:
        member = await get_member(svc.db, "alice")
        status = proc_status(os.getpid())
        out["rss_start_kib"], out["hwm_start_kib"] = status["VmRSS"], status["VmHWM"]
        out["cpu_start"] = _cpu()
        out["started"] = time.perf_counter()
        size = await build(svc, member, target, progress)
        out["seconds"] = time.perf_counter() - out["started"]
        out["cpu_s"] = _cpu() - out["cpu_start"]
        return size

    out["size"] = with_services(config, run)
    out["posts"] = posts
    out["peak_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out["hwm_kib"] = proc_status(os.getpid()).get("VmHWM", 0)
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--media-mb", type=int, default=1024, help="MiB of media in all")
    parser.add_argument("--media-files", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", help="data dir (default: a temp dir, removed afterwards)")
    parser.add_argument("--keep", action="store_true", help="keep the data dir and archive")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_only:
        build_only(Path(args.data))
        return
    data = Path(args.data or tempfile.mkdtemp(prefix="warmline-bench-archive-"))
    try:
        started = time.perf_counter()
        reused = (data / DB_NAME).exists()
        if not reused:
            setup(data, args)
        setup_s = time.perf_counter() - started
        media = sum(f.stat().st_size for f in (data / "media").iterdir()) / 2**20
        cmd = [sys.executable, "-m", "bench.archive", "--build-only", "--data", str(data)]
        done = subprocess.run(cmd, capture_output=True, text=True, env=repo_env(), cwd=REPO)
        if done.returncode != 0:
            sys.exit(f"the build failed ({done.returncode}):\n{done.stderr.strip()}")
        res = json.loads(done.stdout.strip().splitlines()[-1])
        with zipfile.ZipFile(data / "archive.zip") as zf:
            names = zf.namelist()
            outbox = zf.getinfo("outbox.json")
            with zf.open(outbox) as fh:  # totalItems is written last: read the tail
                fh.seek(max(0, outbox.file_size - 64))
                tail = fh.read().decode(errors="replace")
        files = sum(n.startswith("media_attachments/") for n in names)
        print(machine())
        print(
            f"data {'reused' if reused else 'made'} in {setup_s:.1f}s ({data}); ZIP: "
            f"{len(names)} entries, {files} media files, outbox.json "
            f"{outbox.file_size / 2**20:.1f} MiB ({outbox.compress_size / 2**20:.1f} zipped), "
            f"ends {tail[-24:]!r}; {res['calls']:.0f} progress calls"
        )
        mb = res["size"] / 2**20
        row = (
            res["posts"], media, res["seconds"], res["cpu_s"], res["posts"] / res["outbox_s"],
            mb / res["seconds"], mb, res["peak_kib"] / 1024, res["rss_start_kib"] / 1024,
        )  # fmt: skip
        headers = ["posts", "media MiB", "build s", "CPU s", "posts/s (outbox)", "MiB/s",
                   "archive MiB", "peak RSS MiB", "RSS at start MiB"]  # fmt: skip
        print(table(headers, [row]))
        print(
            f"outbox {res['outbox_s']:.1f}s, the rest (media, network, CSV) "
            f"{res['seconds'] - res['outbox_s']:.1f}s; peak RSS before the build "
            f"{res['hwm_start_kib'] / 1024:.0f} MiB"
        )
    finally:
        if not args.keep:
            (data / "archive.zip").unlink(missing_ok=True)
            if not args.data:
                shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
