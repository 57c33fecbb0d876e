"""Database bytes per post, per member, per queue row; a member's year projected.

Builds (or copies from the cache) the web pages' database: ``_bigdb.py``'s
1,000,000 posts, 10,000 authors and home feeds, with ``_webdata.py``'s layer
(profiles, connections, endorsements, likes, notifications, tags) on top, in a
schema made by the migrations. It then adds queue rows as a busy instance
holds them over the retention window: incoming ``Create``s in ``inbox_items``
(a Mastodon-shaped body as peers send it) and our posts' ``activities`` with
one ``deliveries`` row per peer. SQLite's ``dbstat`` gives each table's bytes,
its indexes included (``VACUUM``ed first, so pages are as full as a steady
database's, give or take), divided by its rows.

The projection multiplies those per-row figures by a member's yearly activity
(every assumption is an option, printed with the result). Bytes of posts
scale with their text: the generated posts are short, so the projection adds
the difference to ``--content-bytes`` per post.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import shutil
import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench._bigdb import DB_NAME, _ts, add_arguments, describe, prepare_database
from bench._common import machine, table
from bench._webdata import LAYER

SMALL = 1_000  # rows below which a table's pages say little about a row
RECORD_OVERHEAD = 20  # cell header, row id and pointer, about
PROFILED = "(SELECT id FROM accounts WHERE headline IS NOT NULL AND headline != '')"


def create_body(i: int, host: str) -> str:
    """An incoming Create(Note) as Mastodon sends it (context, cc, a mention, ~400 chars)."""
    actor = f"https://{host}/users/u{i % 977}"
    note = f"{actor}/statuses/{10**17 + i}"
    return json.dumps({
        "@context": ["https://www.w3.org/ns/activitystreams", {
            "ostatus": "http://ostatus.org#", "atomUri": "ostatus:atomUri",
            "inReplyToAtomUri": "ostatus:inReplyToAtomUri", "conversation": "ostatus:conversation",
            "sensitive": "as:sensitive", "toot": "http://joinmastodon.org/ns#",
            "votersCount": "toot:votersCount"}],
        "id": f"{note}/activity", "type": "Create", "actor": actor,
        "published": "2026-12-08T02:00:00Z", "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [f"{actor}/followers", "https://warmline.example/users/alice"],
        "object": {
            "id": note, "type": "Note", "summary": None, "inReplyTo": None,
            "published": "2026-12-08T02:00:00Z", "url": f"https://{host}/@u{i % 977}/{i}",
            "attributedTo": actor, "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [f"{actor}/followers", "https://warmline.example/users/alice"],
            "sensitive": False, "atomUri": note, "inReplyToAtomUri": None,
            "conversation": f"tag:{host},2026-12-08:objectId={i}:objectType=Conversation",
            "content": "<p>" + ("We are hiring for the logistics platform, meetup next week. " * 6)
            + '<span class="h-card"><a href="https://warmline.example/@alice" class="u-url '
            'mention">@<span>alice</span></a></span></p>',
            "contentMap": {"en": "<p>We are hiring…</p>"},
            "attachment": [], "tag": [{"type": "Mention", "href": "https://warmline.example/users/alice",
                                       "name": "@alice@warmline.example"}],
            "replies": {"id": f"{note}/replies", "type": "Collection", "first": {
                "type": "CollectionPage", "partOf": f"{note}/replies", "items": [],
                "next": f"{note}/replies?only_other_accounts=true&page=true"}},
        },
    }, separators=(",", ":"))  # fmt: skip


def add_queues(db: Path, items: int, posts: int, per_post: int, seed: int) -> dict[str, int]:
    """Finished queue rows: ``items`` incoming Creates, ``posts`` of our activities
    with ``per_post`` deliveries each (to distinct peers' shared inboxes)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN")
    alice = conn.execute(
        "SELECT id FROM accounts WHERE username_key='alice' AND domain IS NULL"
    ).fetchone()[0]
    base = 1 << 60
    rows = []
    for i in range(items):
        host = f"host{rng.randrange(20_000)}.example"
        body = create_body(i, host)
        at = _ts(now - timedelta(seconds=items - i))
        rows.append((base + i, json.loads(body)["id"], "Create", json.loads(body)["actor"],
                     body, "done", 1, at, None, None, None, at, at))  # fmt: skip
    conn.executemany(
        "INSERT INTO inbox_items (id, activity_uri, activity_type, actor_uri, payload, state, "
        "attempts, next_attempt_at, locked_until, locked_by, last_error, received_at, "
        "finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    activity_rows, delivery_rows = [], []
    for p in range(posts):
        activity_id = base + items + p * (per_post + 1)
        uri = f"https://warmline.example/users/alice/statuses/{activity_id}/activity"
        at = _ts(now - timedelta(seconds=posts - p))
        payload = create_body(p, "warmline.example")
        activity_rows.append((activity_id, uri, alice, "Create", uri[:-9], 1, payload, at))
        for d, peer in enumerate(rng.sample(range(20_000), per_post)):
            delivery_rows.append((activity_id + 1 + d, activity_id,
                                  f"https://host{peer}.example/inbox", f"host{peer}.example",
                                  "sent", 1, at, None, None, 202, None, at, at))  # fmt: skip
    conn.executemany(
        "INSERT INTO activities (id, uri, account_id, type, object_uri, public, payload, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        activity_rows,
    )
    conn.executemany(
        "INSERT INTO deliveries (id, activity_id, inbox_url, host, state, attempts, "
        "next_attempt_at, locked_until, locked_by, last_status, last_error, created_at, "
        "finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        delivery_rows,
    )
    conn.execute("COMMIT")
    conn.close()
    return {"inbox_items": items, "activities": posts, "deliveries": posts * per_post}


def record_length(conn: sqlite3.Connection, name: str) -> str:
    """An SQL expression: the bytes of a row's values (the record, roughly)."""
    columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')]
    return " + ".join(f'coalesce(length(CAST("{c}" AS BLOB)), 0)' for c in columns)


def measure(db: Path) -> dict[str, dict[str, float]]:
    """Per table: rows, bytes (table + its indexes), bytes a row."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("VACUUM")
        owner = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE tbl_name != ''"))
        sizes: dict[str, int] = {}
        for name, size in conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"):
            table_name = owner.get(name, name)
            sizes[table_name] = sizes.get(table_name, 0) + size
        result = {}
        for name, size in sizes.items():
            if name.startswith("sqlite_"):
                continue
            rows = conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            per_row = size / rows if rows else 0.0
            if 0 < rows < SMALL:  # a page or two: estimate from the record instead
                per_row = (
                    RECORD_OVERHEAD
                    + conn.execute(
                        f'SELECT avg({record_length(conn, name)}) FROM "{name}"'
                    ).fetchone()[0]
                )
            result[name] = {"rows": rows, "bytes": size, "per_row": per_row, "small": rows < SMALL}
        record = record_length(conn, "accounts")
        profiled, everyone = (
            conn.execute(f"SELECT avg({record}) FROM accounts {where}").fetchone()[0]
            for where in (f"WHERE id IN {PROFILED}", "")
        )
        result["_profile_extra"] = {"per_row": max(0.0, profiled - everyone)}
        result["_content"] = {
            "per_row": conn.execute(
                "SELECT avg(length(CAST(content AS BLOB))) FROM statuses WHERE reblog_of_id IS NULL"
            ).fetchone()[0]
        }
        result["_total"] = {"bytes": db.stat().st_size}
    return result


def projection(m: dict[str, dict[str, float]], a: argparse.Namespace) -> list[list[object]]:
    """Bytes one member adds in a year, item by item."""

    def row(name: str) -> float:
        return m.get(name, {}).get("per_row", 0.0)

    status = row("statuses") + max(0.0, a.content_bytes - row("_content"))
    days = 365
    items = [
        ("account row with a full profile, and its users row (once)", 1,
         row("accounts") + row("_profile_extra") + row("users")),
        ("own posts (statuses, --content-bytes of text)", a.posts_per_day * days, status),
        ("remote posts stored, this member's share", a.remote_posts_per_day * days, status),
        ("home feed rows (posts of the accounts followed)", a.feed_per_day * days,
         row("home_feed")),
        ("follows (once)", a.follows, row("follows")),
        ("connections, two rows each (once)", 2 * a.connections, row("connections")),
        ("notifications", a.notifications_per_day * days, row("notifications")),
        ("likes given", a.likes_per_day * days, row("favourites")),
        (f"inbox_items kept {a.retention_days} days, this member's share",
         a.inbound_per_day * a.retention_days, row("inbox_items")),
        (f"deliveries kept {a.retention_days} days ({a.deliveries_per_post:g} per post)",
         a.posts_per_day * a.deliveries_per_post * a.retention_days, row("deliveries")),
        (f"activities kept {a.retention_days} days", a.posts_per_day * a.retention_days,
         row("activities")),
    ]  # fmt: skip
    rows = [[what, round(n), round(per), round(n * per / 1024, 1)] for what, n, per in items]
    total = sum(n * per for _, n, per in items)
    rows.append(["total for one member's year", "", "", round(total / 1024, 1)])
    return rows


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.dbsize",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    q = parser.add_argument_group("queue rows added")
    q.add_argument("--inbox-items", type=int, default=20_000, help="finished incoming Creates")
    q.add_argument("--our-posts", type=int, default=2_000, help="our activities with deliveries")
    q.add_argument("--per-post", type=int, default=58, help="deliveries per activity (default 58)")
    y = parser.add_argument_group("a member's year (the projection)")
    y.add_argument("--posts-per-day", type=float, default=0.3, help="own posts (default 0.3)")
    y.add_argument("--content-bytes", type=int, default=500, help="HTML of a post (default 500)")
    y.add_argument("--remote-posts-per-day", type=float, default=8.0,
                   help="remote posts stored, per member (default 8)")  # fmt: skip
    y.add_argument("--feed-per-day", type=float, default=45.0,
                   help="home feed rows a day: 150 follows x 0.3 posts (default 45)")  # fmt: skip
    y.add_argument("--follows", type=int, default=150, help="accounts followed (default 150)")
    y.add_argument("--connections", type=int, default=100, help="connections (default 100)")
    y.add_argument("--notifications-per-day", type=float, default=3.0, help="(default 3)")
    y.add_argument("--likes-per-day", type=float, default=1.0, help="(default 1)")
    y.add_argument("--inbound-per-day", type=float, default=20.0,
                   help="incoming activities per member (default 20)")  # fmt: skip
    y.add_argument("--deliveries-per-post", type=float, default=58.0, help="(default 58)")
    y.add_argument("--retention-days", type=int, default=7, help="queue retention (default 7)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    print(f"# bench.dbsize: {machine()}")
    data = Path(tempfile.mkdtemp(prefix="warmline-bench-dbsize-"))
    try:
        info = prepare_database(data, "127.0.0.1:8080", args, LAYER)
        print(f"# {describe(info)}", flush=True)
        db = data / DB_NAME
        added = add_queues(db, args.inbox_items, args.our_posts, args.per_post, args.seed)
        print(f"# queue rows added: {added}", flush=True)
        m = measure(db)
        rows = [
            [
                name,
                v["rows"],
                round(v["bytes"] / 2**20, 1),
                f"~{v['per_row']:.0f} (record)" if v["small"] else round(v["per_row"]),
            ]
            for name, v in sorted(m.items(), key=lambda kv: -kv[1].get("bytes", 0))
            if not name.startswith("_") and v["rows"]
        ]
        print(table(["table (with its indexes)", "rows", "MiB", "bytes a row"], rows))
        print(
            f"\ndatabase file after VACUUM: {m['_total']['bytes'] / 2**20:,.0f} MiB; generated "
            f"post text {m['_content']['per_row']:.0f} bytes on average; a full profile adds "
            f"{m['_profile_extra']['per_row']:.0f} bytes to an account row\n"
        )
        print(table(["a member's year", "rows", "bytes a row", "KiB"], projection(m, args)))
    finally:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
