"""The ``warmline`` command: serve, member create, token create, --version.

Operators and outside checks rely on these names and flags; keep them. Every
config flag also reads from its ``WARMLINE_*`` environment variable. Misuse and
refused input end with a non-zero exit and one clear line on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import NoReturn

from server import __version__
from server.config import Config, ConfigError, load_config
from server.services.errors import ServiceError
from server.store import Database, DatabaseError

EXIT_USAGE = 2
EXIT_FAILED = 1


class CliError(Exception):
    """A failure to report as one line on stderr."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _config_flags(parser: argparse.ArgumentParser) -> None:
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


def build_parser() -> Parser:
    parser = Parser(prog="warmline", description="Warmline: a federated professional network.")
    parser.add_argument("--version", action="version", version=f"warmline {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True

    serve = commands.add_parser("serve", help="run the server")
    _config_flags(serve)
    serve.add_argument("--demo", action="store_true", help="create a demo member if missing")

    member = commands.add_parser("member", help="manage members")
    member_cmds = member.add_subparsers(
        dest="member_command", metavar="ACTION", parser_class=Parser
    )
    member_cmds.required = True
    create = member_cmds.add_parser("create", help="create a member")
    create.add_argument("username")
    create.add_argument("--display-name", metavar="TEXT", default="")
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin",
    )
    _config_flags(create)
    update = member_cmds.add_parser("update", help="change a member's public profile")
    update.add_argument("username")
    update.add_argument("--display-name", metavar="TEXT")
    update.add_argument("--headline", metavar="TEXT", help='e.g. "Founder at Example Co"')
    update.add_argument("--summary", metavar="TEXT", help="about text (plain text)")
    update.add_argument("--location", metavar="TEXT")
    update.add_argument(
        "--field",
        metavar="NAME=VALUE",
        action="append",
        help="a profile field; repeat for several (replaces all fields)",
    )
    update.add_argument(
        "--locked",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="approve followers by hand",
    )
    _config_flags(update)

    token = commands.add_parser("token", help="manage API tokens")
    token_cmds = token.add_subparsers(dest="token_command", metavar="ACTION", parser_class=Parser)
    token_cmds.required = True
    token_create = token_cmds.add_parser("create", help="print a new API bearer token")
    token_create.add_argument("username")
    token_create.add_argument(
        "--scopes", default="read write follow", help='e.g. "read write follow"'
    )
    _config_flags(token_create)
    return parser


def config_from(args: argparse.Namespace) -> Config:
    return load_config(
        config_file=args.config,
        domain=args.domain,
        listen=args.listen,
        data=args.data,
        database_url=args.database_url,
        dev=args.dev,
    )


async def _with_db(config: Config, action: Callable[[Database], Awaitable[str]]) -> str:
    db = Database(config.effective_database_url)
    try:
        await db.migrate()
        return await action(db)
    finally:
        await db.close()


def _read_password() -> str:
    line = sys.stdin.readline()
    password = line.rstrip("\r\n")
    if not password:
        raise CliError("--password-stdin given but no password arrived on stdin")
    return password


def cmd_member_create(args: argparse.Namespace, config: Config) -> int:
    from server.services.members import create_member

    password = _read_password() if args.password_stdin else None

    async def action(db: Database) -> str:
        account = await create_member(
            db, args.username, display_name=args.display_name, password=password
        )
        return f"@{account.username}@{config.domain}"

    print(asyncio.run(_with_db(config, action)))
    return 0


def _fields(values: list[str] | None) -> list[tuple[str, str]] | None:
    if values is None:
        return None
    pairs = []
    for value in values:
        name, sep, text = value.partition("=")
        if not sep:
            raise CliError(f"--field must look like NAME=VALUE, got {value!r}")
        pairs.append((name, text))
    return pairs


def cmd_member_update(args: argparse.Namespace, config: Config) -> int:
    from server.services.actors import change_profile
    from server.services.members import ProfileChanges
    from server.services.runtime import open_services

    changes = ProfileChanges(
        display_name=args.display_name,
        headline=args.headline,
        summary=args.summary,
        location=args.location,
        fields=_fields(args.field),
        locked=args.locked,
    )

    async def action(db: Database) -> str:
        # Followers hear of the change: the server's delivery worker sends the Update.
        async with open_services(config, db) as svc:
            account = await change_profile(svc, args.username, changes)
        return f"@{account.username}@{config.domain}"

    print(asyncio.run(_with_db(config, action)))
    return 0


def cmd_token_create(args: argparse.Namespace, config: Config) -> int:
    from server.services.tokens import create_token

    async def action(db: Database) -> str:
        return await create_token(db, args.username, scopes=args.scopes)

    print(asyncio.run(_with_db(config, action)))
    return 0


def cmd_serve(args: argparse.Namespace, config: Config) -> int:
    from server.serve import ListenError, serve

    try:
        serve(config, demo=args.demo)
    except ListenError as exc:
        raise CliError(str(exc)) from None
    return 0


def _dispatch(args: argparse.Namespace) -> Callable[[argparse.Namespace, Config], int]:
    if args.command == "serve":
        return cmd_serve
    if args.command == "member":
        return cmd_member_create if args.member_command == "create" else cmd_member_update
    return cmd_token_create


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = config_from(args)
        # Only the server logs as it goes; the other commands stay quiet unless it fails.
        level = config.log_level if args.command == "serve" else "WARNING"
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("alembic").setLevel(logging.WARNING)
        return _dispatch(args)(args, config)
    except (ConfigError, CliError, DatabaseError) as exc:
        print(f"warmline: error: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_FAILED
    except ServiceError as exc:
        print(f"warmline: error: {exc.message}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
