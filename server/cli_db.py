"""``warmline db migrate``: bring the schema up to date and exit.

``warmline db copy --to URL``: move an instance's database (normally the
SQLite file in the data folder) into an empty PostgreSQL database.

Run it with the server and its workers stopped: what they write during the
copy would not be copied. Media files and account archives stay in the data
folder, which every process keeps using.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from server.cli_shared import CliError, config_flags, with_db
from server.config import Config
from server.store import Database, dbcopy
from server.store.database import migration_head, shown_url
from server.store.snapshots import known_revisions

if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]

SCHEMES = {"postgresql", "postgres", "postgresql+asyncpg"}


def add_parsers(commands: SubParsers, parser_class: type[argparse.ArgumentParser]) -> None:
    db = commands.add_parser("db", help="move the database")
    db_cmds = db.add_subparsers(dest="db_command", metavar="ACTION", parser_class=parser_class)
    db_cmds.required = True
    copy = db_cmds.add_parser(
        "copy",
        help="copy the whole database into an empty PostgreSQL database (stop the server first)",
    )
    copy.add_argument(
        "--to",
        required=True,
        metavar="URL",
        help="the PostgreSQL database: postgresql://USER:PASSWORD@HOST:PORT/NAME",
    )
    copy.add_argument(
        "--dry-run",
        action="store_true",
        help="check both databases and count what would be copied; write nothing",
    )
    copy.add_argument(
        "--force",
        action="store_true",
        help="copy even though worker processes of this database seem to be running",
    )
    config_flags(copy)
    migrate = db_cmds.add_parser(
        "migrate",
        help="bring the database to this version's schema and exit (before starting processes)",
    )
    config_flags(migrate)


def target_url(raw: str) -> str:
    """The asyncpg URL for ``raw``; refuses anything but a PostgreSQL URL."""
    try:
        url = make_url(raw.strip())
    except ArgumentError:
        raise CliError(
            f"--to {raw!r} is not a database URL (postgresql://USER@HOST/NAME)"
        ) from None
    if url.drivername not in SCHEMES:
        if url.get_backend_name() == "sqlite":
            raise CliError(
                "db copy writes to PostgreSQL only: to copy a SQLite instance,"
                " use warmline backup and warmline restore"
            )
        raise CliError(f"--to takes a postgresql:// URL, not {url.drivername}://")
    if not url.database:
        raise CliError("--to needs a database name: postgresql://USER@HOST:PORT/NAME")
    return url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def cmd_copy(args: argparse.Namespace, config: Config) -> int:
    target = target_url(args.to)
    source = config.effective_database_url
    if make_url(source) == make_url(target):
        raise CliError("--to names the database this instance uses already")
    parsed = make_url(source)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        raise CliError(f"no database at {parsed.database}: nothing to copy (check --data)")
    return asyncio.run(_copy(source, target, dry_run=args.dry_run, force=args.force))


def _open_target(url: str) -> Database:
    try:
        return Database(url)
    except ModuleNotFoundError:
        raise CliError(
            "asyncpg is not installed: pip install asyncpg (or warmline[postgres])"
        ) from None


async def _copy(source_url: str, target_url_: str, *, dry_run: bool, force: bool) -> int:
    source = Database(source_url)
    target = None
    try:
        await _check_source(source, source_url, force=force)
        target = _open_target(target_url_)
        try:
            foreign, rows = await dbcopy.target_contents(target)
        except dbcopy.CopyError as exc:
            raise CliError(str(exc)) from None
        await _check_target(target, foreign, rows)
        if dry_run:
            async with source.read() as conn:
                counts = await dbcopy.count_rows(conn)
            print(
                f"would copy {len(counts)} tables, {sum(counts.values()):,} rows"
                f" from {shown_url(source_url)} to {shown_url(target_url_)}"
                " (nothing written; stop the server before the real copy)"
            )
            return 0
        await target.migrate()
        print(f"copying {shown_url(source_url)} to {shown_url(target_url_)}", flush=True)

        def progress(name: str, count: int) -> None:
            if count:
                print(f"  {name}: {count:,} row{'' if count == 1 else 's'}", flush=True)

        try:
            report = await dbcopy.copy_all(source, target, progress)
        except dbcopy.CopyError as exc:
            raise CliError(f"{exc} (the target is left empty: run the copy again)") from None
    finally:
        await source.close()
        if target is not None:
            await target.close()
    print(
        f"copied {report.tables} tables, {report.rows:,} rows in {report.seconds:.1f} s;"
        " row counts checked"
    )
    print(
        "next: set database_url in [server] (or WARMLINE_DATABASE_URL) to the --to URL and"
        " start the server; media files and archives stay in the data folder"
    )
    return 0


async def _check_source(source: Database, url: str, *, force: bool) -> None:
    found = await dbcopy.revision(source)
    if found is None:
        raise CliError(f"{shown_url(url)} is not a Warmline database (no schema version)")
    head = migration_head()
    if found != head:
        raise CliError(
            f"the database is at schema {found}, this Warmline's is {head}:"
            " run warmline db migrate (with the server stopped), then copy"
        )
    live = await dbcopy.live_processes(source)
    if live and not force:
        raise CliError(
            f"{len(live)} Warmline process(es) are running on this database ({live[0]}):"
            " stop the server and its workers first, or pass --force"
        )


async def _check_target(target: Database, foreign: list[str], rows: dict[str, int]) -> None:
    if foreign:
        raise CliError(
            f"the target database holds tables that are not Warmline's ({', '.join(foreign[:3])}):"
            " give an empty database"
        )
    full = [name for name, count in rows.items() if count]
    if full:
        raise CliError(
            f"the target database is not empty ({full[0]} has rows): give an empty database"
        )
    revision = await dbcopy.revision(target)
    if revision is not None and revision not in known_revisions():
        raise CliError(f"the target database is at schema {revision}, newer than this Warmline")


def cmd_migrate(args: argparse.Namespace, config: Config) -> int:
    """What every process does at start, once, so several starting together
    (web replicas, workers) do not race to run the same migration."""
    del args

    async def schema(db: Database) -> str | None:
        return await dbcopy.revision(db)

    print(f"the database is at schema {with_db(config, schema)}")
    return 0


COMMANDS = {"copy": cmd_copy, "migrate": cmd_migrate}
