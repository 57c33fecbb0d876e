"""What the web pages show, added on top of the 1,000,000-post database.

``bench/_bigdb.py`` generates posts, follows and home feeds: enough for the
home timeline, not for a profile page or a signed-in browser. This layer
(``LAYER``, cached by ``_bigdb`` as a file of its own, ~30 s to build) adds,
with plain ``sqlite3`` in one transaction and the project's own functions for
the shapes (``services.profiles`` for profile entries, ``services.text`` for a
local post's HTML, argon2 for the password):

- **alice** gets a password (``ALICE_PASSWORD``), the admin role and a full
  professional profile: headline, summary, location, industry, "open to",
  4 jobs, 2 schools, 12 skills, links, fields. ``member1``…``member9`` and
  the 200 busiest remote authors (``u0``…``u199``, marked as Warmline
  accounts) get a headline, 2 jobs and 6 skills.
- **Connections** (two rows each): alice with the 9 members and 40 of those
  authors; each member with 30 of them; each author with 10 others. Five
  pending connection requests to alice.
- **Endorsements**: every connection of alice, ``u0`` and the members endorses
  1–4 of their skills; 4 approved recommendations for alice, 2 for ``u0``.
- **Posts by alice**: 40 public posts over the past 40 days (a third with a
  hashtag), with 0–6 replies each from authors and members, nested up to 3
  deep; the newest-but-one gets 12 (the local thread page). Her own posts, and
  replies by accounts she follows, are in her home feed.
- **Hashtags**: 5 % of the generated original posts get one of 40 tags (Zipf
  weights: the busiest, ``#logistics``, is on ~10,500 posts); a link in the
  content and a ``status_tags`` row.
- **Counters**: ``replies_count`` and ``reblogs_count`` from the rows; alice
  likes 2,000 posts of her feed; ``account_stats`` for every account (the
  generator leaves it empty).
- **Notifications**: 2,000 for alice over 60 days (mentions, likes, boosts,
  follows); the newest 30 unseen.

Placeholders: the ``uri`` of a local member's endorsement or like names
``bench.invalid``, and links inside local content are relative, so the cached
file works whatever port the server gets.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench._bigdb import Layer

ALICE_PASSWORD = "bench-alice-password"
NETWORK = 200  # the busiest remote authors, on Warmline servers
TAGS = [
    "logistics", "hiring", "supplychain", "procurement", "fintech", "meetup", "coops",
    "smallbusiness", "introductions", "mentoring", "freight", "ecommerce", "retail",
    "manufacturing", "startups", "funding", "remote", "leadership", "sustainability", "export",
    "customs", "warehousing", "lastmile", "automation", "ai", "data", "design", "marketing",
    "sales", "legal", "accounting", "hr", "events", "conference", "jobs", "career", "networking",
    "community", "opensource", "fediverse",
]  # fmt: skip
SKILLS = [
    "Supply chain", "Procurement", "Negotiation", "Logistics", "Freight forwarding",
    "Customs", "Warehousing", "Team leadership", "Partnerships", "Public speaking",
    "Contract law", "Financial modelling", "Python", "SQL", "Product management",
    "Sales", "Marketing", "Mentoring", "Fundraising", "Operations",
]  # fmt: skip
ORGS = ["Northwind Logistics", "Contoso Freight", "Fabrikam", "Tailspin Toys", "Litware Co-op"]
WORDS = [
    "thanks", "for", "sharing", "this", "we", "should", "talk", "about", "the", "next", "meetup",
    "on", "freight", "costs", "and", "how", "small", "businesses", "can", "share", "warehouses",
    "across", "the", "city", "introductions", "welcome",
]  # fmt: skip


def _ts(moment: datetime) -> str:
    """How SQLAlchemy's SQLite DateTime stores a (UTC) timestamp."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass
class _Ctx:
    """What every step needs: the connection, the random source, the accounts."""

    conn: sqlite3.Connection
    rng: random.Random
    now: datetime
    alice: int
    members: list[int]  # member1..member9
    network: list[tuple[int, str, str]]  # (id, actor uri, domain) of u0..u199
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    taken: set[int] = field(default_factory=set)  # status ids handed out, not yet inserted
    local_tags: list[tuple[int, str]] = field(default_factory=list)  # alice's tagged posts

    def new_id(self) -> int:
        return next(self.ids)

    def status_id(self, moment: datetime) -> int:
        """An id that sorts by time like the server's, and is not taken."""
        ms = int(moment.timestamp() * 1000)
        while True:
            candidate = (ms << 16) | 0xFFFF
            if (
                candidate not in self.taken
                and not self.conn.execute(
                    "SELECT 1 FROM statuses WHERE id=?", (candidate,)
                ).fetchone()
            ):
                self.taken.add(candidate)
                return candidate
            ms += 1


def apply(db: Path, args: argparse.Namespace) -> dict[str, int]:
    """Add the rows listed in the module docstring to ``db``; counts for the report."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-500000")
    conn.execute("BEGIN")
    now = datetime.now(UTC).replace(microsecond=0)
    row = conn.execute("SELECT id FROM accounts WHERE username_key='alice' AND domain IS NULL")
    alice = row.fetchone()[0]
    members = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM accounts WHERE domain IS NULL AND username_key LIKE 'member%' "
            "ORDER BY id LIMIT 9"
        )
    ]
    network = [
        conn.execute(
            "SELECT id, uri, domain FROM accounts WHERE username_key=? AND domain IS NOT NULL",
            (f"u{n}",),
        ).fetchone()
        for n in range(min(NETWORK, args.authors))
    ]
    first_id = (int(now.timestamp() * 1000) << 16) + 1
    ctx = _Ctx(conn, random.Random(args.seed + 10), now, alice, members, network)
    ctx.ids = itertools.count(first_id)
    counts: dict[str, int] = {}
    for step in (_profiles, _connections, _endorsements, _alice_posts, _tags, _counters):
        counts |= step(ctx)
    counts |= _notifications(ctx)  # after the replies it points at
    conn.execute("COMMIT")
    conn.execute("PRAGMA optimize")
    conn.close()
    return counts


def _profile(ctx: _Ctx, n_jobs: int, n_skills: int) -> dict[str, object]:
    from server.services import profiles

    rng = ctx.rng
    jobs = [
        {
            "title": rng.choice(["Head of Partnerships", "Operations Lead", "Buyer", "Founder"]),
            "organization": rng.choice(ORGS),
            "start": f"{2024 - 3 * i}-{rng.randrange(1, 13):02d}",
            "end": None if i == 0 else f"{2024 - 3 * i + 2}-{rng.randrange(1, 13):02d}",
            "description": " ".join(rng.choices(WORDS, k=25)),
        }
        for i in range(n_jobs)
    ]
    return {
        "headline": f"{jobs[0]['title']} at {jobs[0]['organization']}",
        "experience": json.dumps(profiles.experience(jobs)),
        "skills": json.dumps(profiles.skills(rng.sample(SKILLS, n_skills))),
    }


def _profiles(ctx: _Ctx) -> dict[str, int]:
    from server.services import passwords, profiles

    conn = ctx.conn
    hashed = asyncio.run(passwords.hash_password(ALICE_PASSWORD))
    conn.execute(
        "UPDATE users SET password_hash=?, role='admin' WHERE account_id=?", (hashed, ctx.alice)
    )
    mine = _profile(ctx, 4, 12)
    mine |= {
        "display_name": "Alice Martin",
        "summary": "<p>I connect shippers, carriers and the people who finance them.</p>"
        "<p>Ask me for an introduction to anyone in freight in the Rhône valley.</p>",
        "location": "Lyon, France",
        "industry": "Logistics",
        "open_to": json.dumps(profiles.open_to(["hiring", "mentoring", "speaking"])),
        "education": json.dumps(
            profiles.education(
                [
                    {"school": "Université Lyon 2", "degree": "MSc", "field": "Economics"},
                    {"school": "Lycée du Parc", "start": "2005-09", "end": "2007-06"},
                ]
            )
        ),
        "links": json.dumps(
            profiles.links(
                [
                    {"name": "Website", "url": "https://alice.example"},
                    {"name": "Northwind", "url": "https://northwind.example/team/alice"},
                    {"name": "Talks", "url": "https://talks.example/alice"},
                ]
            )
        ),
        "fields": json.dumps(
            [
                {"name": "Pronouns", "value": "she/her"},
                {"name": "Office hours", "value": "<p>Fridays, 9–11</p>"},
            ]
        ),
    }
    _update_account(conn, ctx.alice, mine)
    for account_id in ctx.members:
        _update_account(conn, account_id, _profile(ctx, 2, 6))
    for account_id, uri, _ in ctx.network:
        values = _profile(ctx, 2, 6) | {"warmline": 1, "connections_url": f"{uri}/connections"}
        _update_account(conn, account_id, values)
    return {"profiles": 1 + len(ctx.members) + len(ctx.network)}


def _update_account(conn: sqlite3.Connection, account_id: int, values: dict[str, object]) -> None:
    sets = ", ".join(f"{name}=?" for name in values)
    conn.execute(f"UPDATE accounts SET {sets} WHERE id=?", [*values.values(), account_id])


def _connections(ctx: _Ctx) -> dict[str, int]:
    rng, stamp = ctx.rng, _ts(ctx.now)
    remote = [a[0] for a in ctx.network]
    pairs: set[tuple[int, int]] = set()

    def connect(a: int, b: int) -> None:
        if a != b:
            pairs.add((min(a, b), max(a, b)))

    for member in ctx.members:
        connect(ctx.alice, member)
    for peer in remote[:10] + rng.sample(remote[10:], 30):
        connect(ctx.alice, peer)
    for member in ctx.members:
        for peer in rng.sample(remote, 30):
            connect(member, peer)
    for account in remote:
        for peer in rng.sample(remote, 10):
            connect(account, peer)
    rows = [(a, b, stamp) for a, b in pairs] + [(b, a, stamp) for a, b in pairs]
    ctx.conn.executemany(
        "INSERT INTO connections (account_id, peer_id, note, created_at) VALUES (?, ?, '', ?)",
        rows,
    )
    connected = {b for a, b in pairs if a == ctx.alice} | {a for a, b in pairs if b == ctx.alice}
    strangers = [(i, uri) for i, uri, _ in ctx.network if i not in connected][:5]
    ctx.conn.executemany(
        "INSERT INTO connection_requests (id, account_id, target_account_id, note, state, uri, "
        "fallback, created_at, updated_at) VALUES (?, ?, ?, 'Met at the meetup', 'pending', ?, "
        "0, ?, ?)",
        [
            (rid, i, ctx.alice, f"{uri}/connect/{rid}", stamp, stamp)
            for (i, uri), rid in ((s, ctx.new_id()) for s in strangers)
        ],
    )
    return {"connections": len(rows), "connection_requests": len(strangers)}


def _peers(ctx: _Ctx, account_id: int) -> list[int]:
    return [
        r[0]
        for r in ctx.conn.execute(
            "SELECT peer_id FROM connections WHERE account_id=? ORDER BY peer_id", (account_id,)
        )
    ]


def _endorsements(ctx: _Ctx) -> dict[str, int]:
    conn, rng, stamp = ctx.conn, ctx.rng, _ts(ctx.now)
    rows = []
    for target in [ctx.alice, ctx.network[0][0], *ctx.members]:
        skills = json.loads(
            conn.execute("SELECT skills FROM accounts WHERE id=?", (target,)).fetchone()[0]
        )
        for endorser in _peers(ctx, target):
            for skill in rng.sample(skills, rng.randint(1, min(4, len(skills)))):
                eid = ctx.new_id()
                rows.append(
                    (
                        eid,
                        f"http://bench.invalid/endorsements/{eid}",
                        endorser,
                        target,
                        skill,
                        stamp,
                    )
                )
    conn.executemany(
        "INSERT INTO endorsements (id, uri, account_id, target_account_id, skill, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    recs = []
    authors = [(ctx.alice, [*ctx.members[:2], *(a[0] for a in ctx.network[:2])])]
    authors.append((ctx.network[0][0], [ctx.alice, ctx.network[1][0]]))
    for target, by in authors:
        for author in by:
            rid = ctx.new_id()
            text = " ".join(rng.choices(WORDS, k=60)).capitalize() + "."
            recs.append(
                (rid, f"http://bench.invalid/recommendations/{rid}", author, target, text, stamp)
            )
    conn.executemany(
        "INSERT INTO recommendations (id, uri, account_id, target_account_id, text, state, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'approved', ?6, ?6)",
        recs,
    )
    return {"endorsements": len(rows), "recommendations": len(recs)}


def _alice_posts(ctx: _Ctx) -> dict[str, int]:
    from server.services import text

    conn, rng = ctx.conn, ctx.rng
    followed = {
        r[0]
        for r in conn.execute(
            "SELECT target_account_id FROM follows WHERE account_id=?", (ctx.alice,)
        )
    }
    repliers = [*ctx.members[:3], *(a[0] for a in ctx.network[:60])]
    uris = {a[0]: a[1] for a in ctx.network}
    statuses, feed, mentions, tags = [], [], [], []
    n_posts = 40
    for k in range(n_posts):
        moment = ctx.now - timedelta(days=n_posts - k, hours=rng.randrange(8))
        words = " ".join(rng.choices(WORDS, k=30))
        tag = TAGS[k % 6] if k % 3 == 0 else None
        source = f"Day {k}: {words}" + (f" #{tag}" if tag else "")
        post_id = ctx.status_id(moment)
        content = text.render(source, {}, "/tags/{tag}")
        statuses.append((post_id, ctx.alice, 1, None, None, None, None, content, source, moment))
        feed.append(post_id)
        if tag:
            tags.append((post_id, tag))
        n_replies = 12 if k == n_posts - 2 else rng.randrange(7)
        parents = [(post_id, ctx.alice, moment)]
        for _ in range(n_replies):
            parent_id, parent_author, parent_at = rng.choice(parents[-3:])
            author = rng.choice(repliers)
            moment = parent_at + timedelta(seconds=rng.randrange(300, 36_000))
            reply_id = ctx.status_id(moment)
            body = " ".join(rng.choices(WORDS, k=15))
            if author in uris:
                uri = f"{uris[author]}/statuses/{reply_id}"
                content = (
                    '<p><span class="h-card"><a href="/@alice" class="u-url mention">'
                    f"@<span>alice</span></a></span> {body}</p>"
                )
                statuses.append(
                    (reply_id, author, 0, uri, uri, parent_id, parent_author, content, None, moment)
                )
                if author in followed:
                    feed.append(reply_id)
            else:
                content = text.render(f"@alice {body}", {}, "/tags/{tag}")
                statuses.append(
                    (
                        reply_id,
                        author,
                        1,
                        None,
                        None,
                        parent_id,
                        parent_author,
                        content,
                        body,
                        moment,
                    )
                )
            mentions.append((reply_id, ctx.alice))
            parents.append((reply_id, author, moment))
    conn.executemany(
        "INSERT INTO statuses (id, account_id, local, uri, url, in_reply_to_id, "
        "in_reply_to_account_id, content, source_text, spoiler_text, sensitive, visibility, "
        "language, replies_count, reblogs_count, favourites_count, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '', 0, 'public', 'en', 0, 0, 0, ?)",
        [(*row[:-1], _ts(row[-1])) for row in statuses],
    )
    conn.executemany(
        "INSERT INTO home_feed (account_id, status_id) VALUES (?, ?)",
        [(ctx.alice, s) for s in feed],
    )
    conn.executemany("INSERT INTO mentions (status_id, account_id) VALUES (?, ?)", mentions)
    ctx.local_tags = tags  # tagged by _tags, with the rest
    return {"alice_posts": n_posts, "replies_to_alice": len(statuses) - n_posts}


def _tags(ctx: _Ctx) -> dict[str, int]:
    conn, rng = ctx.conn, ctx.rng
    tag_ids = {name: ctx.new_id() for name in TAGS}
    conn.executemany(
        "INSERT INTO tags (id, name) VALUES (?, ?)", [(i, n) for n, i in tag_ids.items()]
    )
    weights = [1 / (rank + 1) for rank in range(len(TAGS))]
    originals = [
        r[0] for r in conn.execute("SELECT id FROM statuses WHERE content LIKE '<p>Post %'")
    ]  # the generated posts that are not boosts
    picked = sorted(rng.sample(originals, len(originals) // 20))
    chosen = []
    for start in range(0, len(picked), 500):
        chunk = picked[start : start + 500]
        chosen += conn.execute(
            "SELECT s.id, s.content, a.domain FROM statuses s JOIN accounts a "
            f"ON a.id = s.account_id WHERE s.id IN ({','.join('?' * len(chunk))}) ORDER BY s.id",
            chunk,
        ).fetchall()
    updates, links = [], []
    for status_id, content, domain in chosen:
        tag = rng.choices(TAGS, weights)[0]
        link = (
            f' <a href="https://{domain}/tags/{tag}" class="mention hashtag" rel="tag">'
            f"#<span>{tag}</span></a></p>"
        )
        updates.append((content.removesuffix("</p>") + link, status_id))
        links.append((status_id, tag_ids[tag]))
    conn.executemany("UPDATE statuses SET content=? WHERE id=?", updates)
    links += [(s, tag_ids[t]) for s, t in ctx.local_tags]
    conn.executemany("INSERT INTO status_tags (status_id, tag_id) VALUES (?, ?)", links)
    return {"tagged_posts": len(links)}


def _counters(ctx: _Ctx) -> dict[str, int]:
    conn, rng = ctx.conn, ctx.rng
    for column, key in (("replies_count", "in_reply_to_id"), ("reblogs_count", "reblog_of_id")):
        conn.execute(
            f"UPDATE statuses SET {column} = c.n FROM (SELECT {key} AS id, count(*) AS n "
            f"FROM statuses WHERE {key} IS NOT NULL GROUP BY {key}) AS c WHERE statuses.id = c.id"
        )
    feed = conn.execute(
        "SELECT h.status_id FROM home_feed h JOIN statuses s ON s.id = h.status_id "
        "WHERE h.account_id=? AND s.reblog_of_id IS NULL",
        (ctx.alice,),
    ).fetchall()
    liked = rng.sample([r[0] for r in feed], min(2000, len(feed)))
    stamp = _ts(ctx.now)
    rows = []
    for status_id in liked:
        fid = ctx.new_id()
        rows.append((fid, ctx.alice, status_id, f"http://bench.invalid/likes/{fid}", stamp))
    conn.executemany(
        "INSERT INTO favourites (id, account_id, status_id, uri, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        rows,
    )
    conn.executemany(
        "UPDATE statuses SET favourites_count = favourites_count + 1 WHERE id=?",
        [(s,) for s in liked],
    )
    conn.execute("DELETE FROM account_stats")
    conn.execute(
        "INSERT INTO account_stats (account_id, statuses_count, followers_count, "
        "following_count, last_status_at) "
        "SELECT a.id, coalesce(s.n, 0), coalesce(f1.n, 0), coalesce(f2.n, 0), s.last "
        "FROM accounts a "
        "LEFT JOIN (SELECT account_id AS id, count(*) AS n, max(created_at) AS last FROM statuses "
        "  WHERE visibility != 'direct' AND deleted_at IS NULL GROUP BY account_id) s "
        "  ON s.id = a.id "
        "LEFT JOIN (SELECT target_account_id AS id, count(*) AS n FROM follows "
        "  WHERE state = 'accepted' GROUP BY target_account_id) f1 ON f1.id = a.id "
        "LEFT JOIN (SELECT account_id AS id, count(*) AS n FROM follows "
        "  WHERE state = 'accepted' GROUP BY account_id) f2 ON f2.id = a.id"
    )
    stats = conn.execute("SELECT count(*) FROM account_stats").fetchone()[0]
    return {"alice_likes": len(rows), "account_stats": stats}


def _notifications(ctx: _Ctx) -> dict[str, int]:
    conn, rng = ctx.conn, ctx.rng
    mine = [r[0] for r in conn.execute("SELECT id FROM statuses WHERE account_id=?", (ctx.alice,))]
    replies = conn.execute(
        "SELECT m.status_id, s.account_id FROM mentions m JOIN statuses s ON s.id = m.status_id "
        "WHERE m.account_id=?",
        (ctx.alice,),
    ).fetchall()
    people = [a[0] for a in ctx.network] + ctx.members
    rows = []
    for n in range(2000):
        moment = ctx.now - timedelta(days=60) + timedelta(seconds=n * 60 * 86_400 // 2000)
        kind = rng.choice(["mention", "favourite", "favourite", "reblog", "follow"])
        if kind == "mention":
            status_id, sender = rng.choice(replies)
        else:
            status_id = rng.choice(mine) if kind != "follow" else None
            sender = rng.choice(people)
        nid = (int(moment.timestamp() * 1000) << 16) | n % 0xFFFF
        rows.append((nid, ctx.alice, kind, sender, status_id, _ts(moment)))
    conn.executemany(
        "INSERT INTO notifications (id, account_id, type, from_account_id, status_id, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    seen = rows[-31][0]
    conn.execute("UPDATE users SET notifications_seen_id=? WHERE account_id=?", (seen, ctx.alice))
    return {"alice_notifications": len(rows)}


LAYER = Layer("web1", apply)
