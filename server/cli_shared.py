"""What every ``warmline`` command shares: the parser class, the config flags,
one-line errors, and running an action against the database."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, NoReturn, TypeVar

from server.config import Config, load_config
from server.store import Database

if TYPE_CHECKING:
    from server.services.context import Services

EXIT_USAGE = 2
EXIT_FAILED = 1
T = TypeVar("T")


class CliError(Exception):
    """A failure to report as one line on stderr."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def config_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("configuration (each also as a WARMLINE_* variable)")
    group.add_argument("--config", metavar="FILE", help="TOML config file [WARMLINE_CONFIG]")
    group.add_argument(
        "--domain",
        metavar="AUTHORITY",
        help="public host or host:port used in ids [WARMLINE_DOMAIN]",
    )
    group.add_argument(
        "--listen", metavar="HOST:PORT", help="address to listen on [WARMLINE_LISTEN]"
    )
    group.add_argument(
        "--data", metavar="DIR", help="data folder (SQLite database) [WARMLINE_DATA]"
    )
    group.add_argument(
        "--database-url", metavar="URL", help="SQLAlchemy database URL [WARMLINE_DATABASE_URL]"
    )
    group.add_argument(
        "--dev",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="development: plain http ids, peers on loopback/private addresses [WARMLINE_DEV]",
    )


def log_flags(parser: argparse.ArgumentParser) -> None:
    """For the commands that log as they go (serve, worker)."""
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default=None,
        help="text (the default) or json: one JSON object a line [WARMLINE_LOG_FORMAT]",
    )


def config_from(args: argparse.Namespace) -> Config:
    return load_config(
        config_file=args.config,
        domain=args.domain,
        listen=args.listen,
        data=args.data,
        database_url=args.database_url,
        dev=args.dev,
        log_format=getattr(args, "log_format", None),
    )


def with_db(config: Config, action: Callable[[Database], Awaitable[T]]) -> T:
    """Run ``action`` on the migrated database, then close it."""

    async def run() -> T:
        db = Database(config.effective_database_url)
        try:
            await db.migrate()
            return await action(db)
        finally:
            await db.close()

    return asyncio.run(run())


def with_services(config: Config, action: Callable[[Services], Awaitable[T]]) -> T:
    """Run ``action`` with the services the server uses (keys, HTTP session).

    What it queues for other servers is sent by the running server's delivery
    worker, which finds the rows in the database."""
    from server.services.runtime import open_services

    async def on(db: Database) -> T:
        async with open_services(config, db) as svc:
            return await action(svc)

    return with_db(config, on)
