"""Database snapshots for ``warmline backup`` and ``restore``: an online,
consistent copy of the whole database, and loading one into an empty database.

SQLite uses its online backup API (one step, so one read transaction: a
consistent snapshot while the server writes beside it in WAL mode); PostgreSQL
uses ``pg_dump --format=custom`` and ``pg_restore``. Every function blocks (run
it in a thread or outside the event loop). Failures raise ``DatabaseError``
with one line saying why.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from server.store.database import (
    _REVISION,
    MIGRATIONS_DIR,
    Database,
    DatabaseError,
    driver_reason,
    shown_url,
)

PG_LIB = Path("/usr/lib/postgresql")  # Debian's versioned client tools: VERSION/bin/NAME
PG_TIMEOUT = 3600  # seconds: a large database takes a while, a hung one must end


def dialect_of(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise DatabaseError(f"unsupported database URL {url!r}")
    return name


def known_revisions() -> set[str]:
    """Every migration revision this Warmline has (a backup's schema must be one)."""
    return {
        value
        for path in MIGRATIONS_DIR.glob("*.py")
        for down, value in _REVISION.findall(path.read_text())
        if not down
    }


async def read_revision(db: Database) -> str:
    """The schema revision of a live database (PostgreSQL or SQLite)."""
    try:
        async with db.read() as conn:
            rows = (await conn.exec_driver_sql("SELECT version_num FROM alembic_version")).all()
    except Exception:  # no such table, or no such database: say it plainly
        rows = []
    if len(rows) != 1:
        raise DatabaseError(f"{shown_url(db.url)} is not a Warmline database (no schema version)")
    return str(rows[0][0])


async def pg_is_empty(db: Database) -> bool:
    """Whether the PostgreSQL database has no tables of its own."""
    query = (
        "SELECT count(*) FROM information_schema.tables"
        " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
    )
    try:
        async with db.read() as conn:
            return int((await conn.exec_driver_sql(query)).scalar_one()) == 0
    except Exception as exc:  # cannot connect: one line
        raise DatabaseError(f"cannot open {shown_url(db.url)}: {driver_reason(exc)}") from None


# ---- SQLite -----------------------------------------------------------------


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise DatabaseError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _revision(conn: sqlite3.Connection, what: str) -> str:
    try:
        rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.Error:
        rows = []
    if len(rows) != 1:
        raise DatabaseError(f"{what} is not a Warmline database (no schema version)")
    return str(rows[0][0])


def sqlite_snapshot(url: str, target: Path) -> str:
    """Copy the database at ``url`` into the new file ``target``; its schema revision."""
    source_path = sqlite_path(url)
    if not source_path.is_file():
        raise DatabaseError(f"no database at {source_path}: nothing to back up")
    try:
        # Read-write open, as the server's: a read-only one cannot join WAL mode
        # when the -shm file is missing. Nothing is written to the source.
        with (
            contextlib.closing(sqlite3.connect(source_path, timeout=30)) as source,
            contextlib.closing(sqlite3.connect(target)) as copy,
        ):
            source.execute("PRAGMA busy_timeout=30000")
            revision = _revision(source, str(source_path))
            source.backup(copy)  # all pages in one step: one consistent snapshot
            # One self-contained file, whatever the source's journal mode.
            copy.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise DatabaseError(f"cannot back up {source_path}: {exc}") from None
    return revision


def sqlite_check(path: Path) -> str:
    """The schema revision of the snapshot file ``path``, once SQLite finds it sound."""
    try:
        uri = f"{path.resolve().as_uri()}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
            result = conn.execute("PRAGMA quick_check").fetchone()
            if not result or result[0] != "ok":
                raise DatabaseError("the backup's database is damaged")
            return _revision(conn, "the backup's database")
    except sqlite3.Error as exc:
        raise DatabaseError(f"the backup's database cannot be read: {exc}") from None


def sqlite_is_empty(url: str) -> bool:
    """No database file, an empty one, or one without a single table."""
    path = sqlite_path(url)
    if not path.exists():
        return True
    if path.is_file() and path.stat().st_size == 0:
        return True
    try:
        with contextlib.closing(sqlite3.connect(path)) as conn:
            found = conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'")
            return int(found.fetchone()[0]) == 0
    except sqlite3.Error:
        return False


def sqlite_install(snapshot: Path, url: str) -> None:
    """Move the checked ``snapshot`` into place as the database at ``url``."""
    target = sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm", "-journal"):  # leftovers of an empty database
        with contextlib.suppress(FileNotFoundError):
            Path(f"{target}{suffix}").unlink()
    try:
        shutil.move(snapshot, target)
    except OSError as exc:
        raise DatabaseError(f"cannot write {target}: {exc.strerror or exc}") from None


# ---- PostgreSQL -------------------------------------------------------------


@dataclass(frozen=True)
class PgTarget:
    """libpq arguments for a SQLAlchemy URL; the password goes in the environment."""

    args: list[str]
    env: dict[str, str]
    label: str


def pg_target(url: str) -> PgTarget:
    parsed: URL = make_url(url)
    args = []
    for flag, value in (
        ("--host", parsed.host),
        ("--port", parsed.port),
        ("--username", parsed.username),
    ):
        if value is not None:
            args.append(f"{flag}={value}")
    args.append(f"--dbname={parsed.database or parsed.username or 'postgres'}")
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    ssl = parsed.query.get("ssl") or parsed.query.get("sslmode")
    if isinstance(ssl, str):
        env["PGSSLMODE"] = {"true": "require", "false": "disable"}.get(ssl, ssl)
    return PgTarget(args, env, shown_url(url))


def pg_tool(name: str) -> str:
    """``pg_dump`` or ``pg_restore``: on PATH, else the newest under /usr/lib/postgresql."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(
        PG_LIB.glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if versions:
        return str(versions[-1])
    raise DatabaseError(
        f"{name} is not installed (it comes with the PostgreSQL client tools): "
        f"install them, or put {name} on PATH"
    )


def _run_pg(name: str, args: list[str], target: PgTarget) -> None:
    try:
        done = subprocess.run(
            [pg_tool(name), *args, *target.args],
            env=target.env,
            capture_output=True,
            text=True,
            timeout=PG_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DatabaseError(f"{name} failed: {exc}") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        reason = lines[0] if lines else f"exit status {done.returncode}"
        raise DatabaseError(f"{name} failed on {target.label}: {reason}")


def pg_snapshot(url: str, target_file: Path) -> None:
    """``pg_dump --format=custom`` of the database at ``url`` into ``target_file``."""
    _run_pg("pg_dump", ["--format=custom", f"--file={target_file}"], pg_target(url))


def pg_load(snapshot: Path, url: str) -> None:
    """Load a custom-format dump into the (empty) database at ``url``, all or nothing."""
    args = ["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"]
    _run_pg("pg_restore", [*args, str(snapshot)], pg_target(url))
