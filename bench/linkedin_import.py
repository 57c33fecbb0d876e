"""Importing a large LinkedIn export (``services.linkedin_import``): by default
5,000 connections, 50 positions and 200 skills, in process, on a fresh database
(SQLite in a temp dir, or ``--database-url``). Prints the time of a dry run and
of a real import (reading the ZIP, checking, one transaction), and peak RSS.

    .venv/bin/python -m bench.linkedin_import [--connections 5000] [--positions 50]
        [--skills 200] [--runs 3] [--database-url postgresql+asyncpg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import resource
import tempfile
import time
import zipfile
from pathlib import Path

from bench._common import machine, table


def _csv(header: list[str], rows: list[list[str]], preamble: str = "") -> str:
    out = io.StringIO()
    out.write(preamble)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def export(connections: int, positions: int, skills: int) -> bytes:
    files = {
        "Connections.csv": _csv(
            ["First Name", "Last Name", "URL", "Email Address", "Company", "Position",
             "Connected On"],
            [[f"First{i}", f"Last{i}", f"https://www.linkedin.com/in/person-{i}", "",
              f"Company {i % 300}", "Engineer", f"{1 + i % 28:02d} Mar 20{10 + i % 14}"]
             for i in range(connections)],
            preamble='Notes:\n"Some email addresses may be missing."\n\n',
        ),
        "Positions.csv": _csv(
            ["Company Name", "Title", "Description", "Location", "Started On", "Finished On"],
            [[f"Company {i}", f"Role {i}", "Led a team; shipped things. " * 10, "Lyon",
              f"Jan {1980 + i % 40}", ""] for i in range(positions)],
        ),
        "Skills.csv": _csv(["Name"], [[f"Skill {i}"] for i in range(skills)]),
    }  # fmt: skip
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()


async def run(args: argparse.Namespace) -> None:
    from server.config import load_config
    from server.services import members
    from server.services.linkedin_import import import_export
    from server.services.runtime import open_services
    from server.store import Database

    data = export(args.connections, args.positions, args.skills)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'linkedin.sqlite3'}"
        db = Database(url)
        await db.migrate()
        config = load_config(environ={}, dev=True, data=tmp, database_url=url)
        rows = []
        async with open_services(config, db) as svc:
            for run_no in range(args.runs):
                member = await members.create_member(db, f"bench{run_no}{time.time_ns() % 10**6}")
                for dry in (True, False):
                    started = time.perf_counter()
                    report = await import_export(svc, member, data, dry_run=dry, replace=False)
                    elapsed = time.perf_counter() - started
                    rows.append(
                        ("dry run" if dry else "import", run_no + 1, f"{elapsed:.3f}",
                         report.connections["found"], report.imported["experience"],
                         report.imported["skills"])
                    )  # fmt: skip
        await db.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(machine())
    print(
        f"export: {len(data) / 1024:.0f} KiB zipped; {args.connections:,} connections,"
        f" {args.positions} positions, {args.skills} skills; {db.dialect}"
    )
    print(table(["kind", "run", "seconds", "connections", "positions", "skills"], rows))
    print(f"peak RSS: {peak:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=5000)
    parser.add_argument("--positions", type=int, default=50)
    parser.add_argument("--skills", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
