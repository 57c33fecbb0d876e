"""The ``warmline`` command: serve, worker, member ..., invite ..., domain ...,
moderation ..., token create, backup, restore, db copy, db migrate, status, --version.

Operators and outside checks rely on these names and flags; keep them. Every
config flag also reads from its ``WARMLINE_*`` environment variable. Misuse and
refused input end with a non-zero exit and one clear line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from server import (
    __version__,
    cli_backup,
    cli_db,
    cli_domains,
    cli_invites,
    cli_members,
    cli_moderation,
    cli_status,
    logs,
)
from server.cli_shared import (
    EXIT_FAILED,
    EXIT_USAGE,
    CliError,
    Parser,
    config_flags,
    config_from,
    log_flags,
    with_db,
)
from server.config import Config, ConfigError
from server.services.errors import ServiceError
from server.store import DatabaseError
from server.workers import QUEUES

Command = Callable[[argparse.Namespace, Config], int]


def build_parser() -> Parser:
    parser = Parser(prog="warmline", description="Warmline: a federated professional network.")
    parser.add_argument("--version", action="version", version=f"warmline {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True

    serve = commands.add_parser("serve", help="run the server")
    config_flags(serve)
    log_flags(serve)
    serve.add_argument(
        "--demo",
        action="store_true",
        help="create a demo member if missing, with a password (and with --dev the admin role)",
    )

    serve.add_argument(
        "--no-workers",
        dest="workers",
        action="store_false",
        help="serve pages and APIs only; `warmline worker` processes work the queues",
    )
    worker = commands.add_parser(
        "worker", help="work the queues (deliveries, inbox, cleanup, archives) in this process"
    )
    config_flags(worker)
    log_flags(worker)
    worker.add_argument(
        "--queues",
        default=",".join(QUEUES),
        metavar="NAMES",
        help=f"comma-separated, from {','.join(QUEUES)} (default: all)",
    )
    worker.add_argument(
        "--concurrency",
        type=int,
        default=1,
        metavar="N",
        help="runners per claimed queue (delivery, inbox, archives), 1 to 16",
    )

    cli_members.add_parsers(commands, Parser)
    cli_invites.add_parsers(commands, Parser)
    cli_domains.add_parsers(commands, Parser)
    cli_moderation.add_parsers(commands, Parser)
    cli_backup.add_parsers(commands, Parser)
    cli_db.add_parsers(commands, Parser)
    cli_status.add_parsers(commands, Parser)

    token = commands.add_parser("token", help="manage API tokens")
    token_cmds = token.add_subparsers(dest="token_command", metavar="ACTION", parser_class=Parser)
    token_cmds.required = True
    token_create = token_cmds.add_parser("create", help="print a new API bearer token")
    token_create.add_argument("username")
    token_create.add_argument(
        "--scopes", default="read write follow", help='e.g. "read write follow"'
    )
    config_flags(token_create)
    return parser


def cmd_token_create(args: argparse.Namespace, config: Config) -> int:
    from server.services.tokens import create_token

    print(with_db(config, lambda db: create_token(db, args.username, scopes=args.scopes)))
    return 0


def cmd_serve(args: argparse.Namespace, config: Config) -> int:
    from server.serve import ListenError, serve

    try:
        serve(config, demo=args.demo, workers=args.workers)
    except ListenError as exc:
        raise CliError(str(exc)) from None
    return 0


def cmd_worker(args: argparse.Namespace, config: Config) -> int:
    from server.worker import WorkerStartError, run_worker

    queues = tuple(dict.fromkeys(q.strip() for q in args.queues.split(",") if q.strip()))
    unknown = [q for q in queues if q not in QUEUES]
    if not queues or unknown:
        raise CliError(
            f"--queues takes names from {', '.join(QUEUES)}"
            + (f" (not {', '.join(unknown)})" if unknown else "")
        )
    if not 1 <= args.concurrency <= 16:
        raise CliError("--concurrency must be between 1 and 16")
    try:
        run_worker(config, queues, args.concurrency)
    except WorkerStartError as exc:
        raise CliError(str(exc)) from None
    return 0


def _dispatch(args: argparse.Namespace) -> Command:
    if args.command == "serve":
        return cmd_serve
    if args.command == "worker":
        return cmd_worker
    if args.command == "member":
        return cli_members.COMMANDS[args.member_command]
    if args.command == "invite":
        return cli_invites.COMMANDS[args.invite_command]
    if args.command == "domain":
        return cli_domains.COMMANDS[args.domain_command]
    if args.command == "moderation":
        return cli_moderation.COMMANDS[args.moderation_command]
    if args.command == "db":
        return cli_db.COMMANDS[args.db_command]
    if args.command in cli_status.COMMANDS:
        return cli_status.COMMANDS[args.command]
    if args.command in cli_backup.COMMANDS:
        return cli_backup.COMMANDS[args.command]
    return cmd_token_create


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = config_from(args)
        # Only the server logs as it goes; the other commands stay quiet unless it fails.
        level = config.log_level if args.command in ("serve", "worker") else "WARNING"
        logs.configure(level, config.log_format)
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
