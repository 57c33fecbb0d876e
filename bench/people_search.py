"""Searching members by name, skill, headline and location (``store/people.py``).

A fresh database (SQLite in a temp dir, or ``--database-url`` on PostgreSQL)
gets ``--members`` local members with names, headlines, places and skills from
small vocabularies, plus ``--remote`` remote accounts (which a search of local
members must not read). Then ``search.people`` runs in process for a few kinds
of query, ``--runs`` times each: p50/p90/p99 in ms and how many results.

    .venv/bin/python -m bench.people_search [--members 5000] [--remote 50000]
        [--runs 200] [--database-url postgresql+asyncpg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, insert

from bench._common import machine, spread, table

FIRST = ["Ada", "Ben", "Chloé", "Dev", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jon", "Kai"]
LAST = ["Lovelace", "Okafor", "Martin", "Sato", "Novak", "Haddad", "Berg", "Costa", "Ivanova"]
TITLES = ["Data engineer", "Product designer", "Founder", "Recruiter", "Backend developer",
          "Marketing lead", "Researcher", "Accountant", "UX writer", "CTO"]  # fmt: skip
PLACES = ["Berlin", "Lisbon", "Paris", "Nairobi", "Toronto", "Tokyo", "São Paulo", "Oslo"]
SKILLS = ["Python", "SQL", "Figma", "Go", "Hiring", "Sales", "Kubernetes", "Copywriting",
          "Research", "Machine learning", "Rust", "Accounting", "Public speaking"]  # fmt: skip
FIRST_ID = 10_000_000
QUERIES = {
    "name prefix": "ada",
    "skill": "kubernetes",
    "place": "lisbon",
    "two words": "python berlin",
    "headline": "designer",
    "no match": "zzzz",
}


def _rows(members: int, remote: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    rows = []
    for n in range(members + remote):
        local = n < members
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        rows.append(
            {
                "id": FIRST_ID + n,
                "username": f"u{n}",
                "username_key": f"u{n}",
                "domain": None if local else f"peer{n % 500}.example",
                "uri": None if local else f"https://peer{n % 500}.example/users/u{n}",
                "display_name": name,
                "headline": rng.choice(TITLES),
                "location": rng.choice(PLACES),
                "skills": rng.sample(SKILLS, rng.randint(0, 6)),
                "created_at": now,
                "updated_at": now,
            }
        )
    return rows


async def _measure(svc: object, label: str, query: str, runs: int) -> tuple[object, ...]:
    from server.services import search

    found = await search.people(svc, query, limit=20)  # type: ignore[arg-type]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await search.people(svc, query, limit=20)  # type: ignore[arg-type]
        times.append((time.perf_counter() - t0) * 1000)
    s = spread(times)
    return (label, repr(query), len(found), s["p50"], s["p90"], s["p99"])


async def run(args: argparse.Namespace) -> None:
    from server.config import load_config
    from server.services.runtime import open_services
    from server.store import Database
    from server.store.tables import accounts

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'people.sqlite3'}"
        db = Database(url)
        await db.migrate()
        rows = _rows(args.members, args.remote, args.seed)
        started = time.perf_counter()
        async with db.transaction() as conn:  # a database used before: its rows replaced
            await conn.execute(delete(accounts).where(accounts.c.id >= FIRST_ID))
            for chunk in range(0, len(rows), 5000):
                await conn.execute(insert(accounts), rows[chunk : chunk + 5000])
        print(f"loaded {len(rows):,} accounts in {time.perf_counter() - started:.1f} s")
        config = load_config(environ={}, dev=True, data=tmp, database_url=url)
        async with open_services(config, db) as svc:
            results = [
                await _measure(svc, label, query, args.runs) for label, query in QUERIES.items()
            ]
        print(machine())
        print(f"{args.members:,} members, {args.remote:,} remote accounts, {db.dialect}")
        print(table(["query", "text", "results", "p50 ms", "p90 ms", "p99 ms"], results))
        await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--remote", type=int, default=50000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default="")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
