"""The generated database of the timeline and page benchmarks: 1,000,000 posts.

Member ``alice`` is created with ``warmline member create`` (so the schema is
exactly what the migrations build), then plain ``sqlite3`` fills it in one
transaction with ``executemany``: ``--authors`` remote accounts on 200 domains
whose post counts follow a Zipf law (s = 0.7: the busiest author has ~2 % of
all posts, the median one ~50), ``--posts`` statuses over the past year (10 %
boosts, 15 % replies; 85 % public, 10 % unlisted, 5 % followers-only), and
``--members`` local members (alice first) who each follow the 10 busiest
authors and ``--following``−10 random others, with their home feeds filled as
fan-out on write would have (one ``home_feed`` row per followed post). The
non-unique indexes are dropped during the load and rebuilt after it.

The result is kept in ``--cache-dir`` (the temp dir) under a name made of the
parameters and a hash of the schema, so later runs (same parameters, same
migrations) only copy it. A :class:`Layer` adds rows on top (``bench.pages``
adds what the web pages show: ``bench/_webdata.py``) and is cached as a file
of its own, built from the cached base.

Used by ``bench.timeline`` and ``bench.pages``; not a command itself.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import random
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench._server import create_member

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
    """A short hash of the schema the migrations built (part of the cache's name).

    Each statement's lines are sorted: the migrations do not always write a
    table's constraints in the same order (it changes from one process to the
    next), and that order does not matter here.
    """
    with contextlib.closing(sqlite3.connect(path)) as conn:
        rows = conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"
        ).fetchall()
        version = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    shape = [
        (kind, name, sorted(x.strip(" \t,") for x in sql.splitlines())) for kind, name, sql in rows
    ]
    return hashlib.sha256(repr((shape, version)).encode()).hexdigest()[:12]


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


@dataclass(frozen=True, slots=True)
class Layer:
    """Rows added on top of the generated database, cached as a file of its own.

    ``name`` is part of the cache file's name: change it whenever ``apply``
    changes what it writes. ``apply(db, args)`` returns counts for the report.
    """

    name: str
    apply: Callable[[Path, argparse.Namespace], dict[str, int]]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that shape the generated database (they name its cache file)."""
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
        "--cache-dir",
        default=tempfile.gettempdir(),
        help="where generated databases are kept (default: the temp dir)",
    )
    parser.add_argument("--regenerate", action="store_true", help="ignore a cached database")


def _cached(path: Path) -> bool:
    return path.exists() and path.with_suffix(".json").exists()


def _copy_from_cache(cached: Path, db: Path) -> dict:
    started = time.perf_counter()
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    shutil.copyfile(cached, db)
    info = json.loads(cached.with_suffix(".json").read_text())
    info["copied_s"] = time.perf_counter() - started
    info["cache"] = str(cached)
    return info


def _store(db: Path, cached: Path, info: dict) -> None:
    """Keep a copy of ``db`` (closed, checkpointed) and its ``info`` in the cache."""
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".partial")
    shutil.copyfile(db, tmp)
    tmp.replace(cached)
    saved = {k: v for k, v in info.items() if k not in ("copied_s", "cache", "built_now")}
    cached.with_suffix(".json").write_text(json.dumps(saved))


def prepare_database(
    data: Path, authority: str, args: argparse.Namespace, layer: Layer | None = None
) -> dict:
    """The data dir with alice and the generated rows (and ``layer``'s): from the
    cache, or built now (and cached). The returned info holds ``counts``,
    ``generated_s``, ``size``, ``cache``, ``copied_s`` when copied, and
    ``layer_counts``/``layer_s`` with a layer."""
    create_member(data, authority)
    db = data / DB_NAME
    base = cache_path(args, schema_hash(db))
    target = base if layer is None else base.with_name(f"{base.stem}-{layer.name}{base.suffix}")
    if _cached(target) and not args.regenerate:
        return _copy_from_cache(target, db)
    if layer is not None and _cached(base) and not args.regenerate:
        info = _copy_from_cache(base, db)
    else:
        started = time.perf_counter()
        counts = generate(db, args)
        info = {
            "counts": counts,
            "generated_s": time.perf_counter() - started,
            "size": db.stat().st_size,
        }
        _store(db, base, info)
    if layer is not None:
        started = time.perf_counter()
        info["layer_counts"] = layer.apply(db, args)
        info["layer_s"] = time.perf_counter() - started
        info["size"] = db.stat().st_size
        _store(db, target, info)
    info["built_now"] = True
    info["cache"] = str(target)
    return info


def describe(info: dict) -> str:
    """One line on where the database came from and what it holds."""
    counts = info["counts"]
    how = f"generated in {info['generated_s']:.1f}s"
    if "layer_s" in info:
        how += f", layer added in {info['layer_s']:.1f}s"
    if not info.get("built_now"):
        how = f"copied from the cache in {info['copied_s']:.1f}s ({how} when built)"
    return (
        f"database {how} ({info['size'] / 2**20:,.0f} MiB; {info['cache']}): "
        f"{counts['statuses']:,} statuses, {counts['accounts']:,} accounts, "
        f"{counts['follows']:,} follows, {counts['home_feed']:,} home_feed rows "
        f"(alice: {counts['alice_home_feed']:,})"
    )


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
