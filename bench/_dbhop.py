"""What one aiosqlite call costs: the thread hand-off under every SQL statement.

aiosqlite runs each call (cursor(), execute(), fetchall(), close(), commit()...)
on the connection's own thread and wakes the event loop with the result, so
every call is two thread switches; SQLAlchemy's aiosqlite adapter makes about
four such calls per statement. This prints, on an in-memory database, one
thread: an empty round trip, ``SELECT 1`` through aiosqlite's cursor API, and
``SELECT 1`` through plain ``sqlite3``.

    .venv/bin/python -m bench._dbhop [--n 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import time

import aiosqlite

from bench._common import machine


async def measure(n: int) -> dict[str, float]:
    out: dict[str, float] = {}
    async with aiosqlite.connect(":memory:") as db:
        for _ in range(200):  # warm-up
            await db.execute_fetchall("SELECT 1")
        started = time.perf_counter()
        for _ in range(n):
            await db._execute(lambda: None)  # the bare hand-off, no SQLite work
        out["aiosqlite empty round trip"] = (time.perf_counter() - started) / n
        started = time.perf_counter()
        for _ in range(n):
            async with db.execute("SELECT 1") as cursor:
                await cursor.fetchall()
        out["SELECT 1 via aiosqlite (execute + fetchall + close)"] = (
            time.perf_counter() - started
        ) / n
    conn = sqlite3.connect(":memory:")
    started = time.perf_counter()
    for _ in range(n):
        conn.execute("SELECT 1").fetchall()
    out["SELECT 1 via sqlite3, same thread"] = (time.perf_counter() - started) / n
    conn.close()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench._dbhop", description=__doc__)
    parser.add_argument("--n", type=int, default=5000, help="calls per case (default 5000)")
    args = parser.parse_args(argv)
    print(f"# bench._dbhop: {machine()}")
    for label, seconds in asyncio.run(measure(args.n)).items():
        print(f"{label:55s} {seconds * 1e6:8.1f} µs")


if __name__ == "__main__":
    main()
