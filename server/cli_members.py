"""``warmline member ...``: the command line parses and prints; the work is in
``services.members`` and ``services.member_admin``."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from server.cli_shared import CliError, config_flags, with_db, with_services
from server.config import Config
from server.store.accounts import MemberListing

Command = Callable[[argparse.Namespace, Config], int]
if TYPE_CHECKING:  # generic only to type checkers
    from server.services.context import Services
    from server.services.linkedin_import import ImportReport

    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]


def add_parsers(commands: SubParsers, parser_class: type[argparse.ArgumentParser]) -> None:
    member = commands.add_parser("member", help="manage members")
    actions = member.add_subparsers(
        dest="member_command", metavar="ACTION", parser_class=parser_class
    )
    actions.required = True
    create = actions.add_parser("create", help="create a member")
    create.add_argument("username")
    create.add_argument("--display-name", metavar="TEXT", default="")
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin",
    )
    create.add_argument("--admin", action="store_true", help="give the member the admin role")
    _update_parser(actions)
    actions.add_parser("list", help="list the members, their roles and states")
    password = actions.add_parser(
        "password", help="set a member's password (the first line of stdin)"
    )
    password.add_argument("username")
    role = actions.add_parser(
        "role", help="make a member an admin or a moderator, or a member again"
    )
    role.add_argument("username")
    role.add_argument("role", choices=("admin", "moderator", "member"))
    for name, text in (
        ("suspend", "suspend a member: no sign-in, no API, profile withheld (reversible)"),
        ("unsuspend", "lift a member's suspension"),
    ):
        actions.add_parser(name, help=text).add_argument("username")
    delete = actions.add_parser(
        "delete", help="delete a member and their posts for good; other servers are told"
    )
    delete.add_argument("username")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    imports = actions.add_parser(
        "import-linkedin", help="import a LinkedIn data export (the .zip) into a member's profile"
    )
    imports.add_argument("username")
    imports.add_argument("file", help="the .zip LinkedIn sent")
    imports.add_argument("--dry-run", action="store_true", help="report, change nothing")
    imports.add_argument(
        "--replace", action="store_true", help="overwrite the parts the export holds"
    )
    export = actions.add_parser(
        "export", help="write an archive of everything a member has (a .zip) to a file"
    )
    export.add_argument("username")
    export.add_argument("file", help="where to write the .zip (replaced if it exists)")
    for action in actions.choices.values():
        config_flags(action)


def _update_parser(actions: SubParsers) -> None:
    update = actions.add_parser("update", help="change a member's public profile")
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


def _handle(config: Config, username: str) -> str:
    return f"@{username}@{config.domain}"


def read_password(prompt: str) -> str:
    """The first line of stdin, or typed without echo at a terminal."""
    if sys.stdin.isatty():
        password = getpass.getpass(prompt)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise CliError("no password arrived on stdin")
    return password


def cmd_create(args: argparse.Namespace, config: Config) -> int:
    from server.services.members import create_member

    password = None
    if args.password_stdin:
        password = read_password(f"Password for {args.username}: ")
    role = "admin" if args.admin else "member"
    account = with_db(
        config,
        lambda db: create_member(
            db, args.username, display_name=args.display_name, password=password, role=role
        ),
    )
    print(_handle(config, account.username))
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


def cmd_update(args: argparse.Namespace, config: Config) -> int:
    from server.services.actors import change_profile
    from server.services.members import ProfileChanges

    changes = ProfileChanges(
        display_name=args.display_name,
        headline=args.headline,
        summary=args.summary,
        location=args.location,
        fields=_fields(args.field),
        locked=args.locked,
    )
    # Followers hear of the change: the server's delivery worker sends the Update.
    account = with_services(config, lambda svc: change_profile(svc, args.username, changes))
    print(_handle(config, account.username))
    return 0


def cmd_list(args: argparse.Namespace, config: Config) -> int:
    from server.services.member_admin import list_members

    found = with_db(config, list_members)
    if not found:
        print("no members yet (warmline member create USERNAME makes one)")
        return 0
    print(format_table(found))
    return 0


def format_table(found: list[MemberListing]) -> str:
    """One aligned line per member under a header."""
    from server.services.member_admin import state

    rows = [("USERNAME", "DISPLAY NAME", "ROLE", "STATE", "CREATED")]
    for m in found:
        created = m.created_at.strftime("%Y-%m-%d")
        rows.append((m.username, m.display_name or "-", m.role or "-", state(m), created))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]])
        for row in rows
    )


def cmd_password(args: argparse.Namespace, config: Config) -> int:
    from server.services.member_admin import set_password

    password = read_password(f"New password for {args.username}: ")
    account = with_db(config, lambda db: set_password(db, args.username, password))
    print(f"password changed for {_handle(config, account.username)}")
    return 0


def cmd_role(args: argparse.Namespace, config: Config) -> int:
    from server.services.member_admin import set_role

    account = with_db(config, lambda db: set_role(db, args.username, args.role))
    kind = "an admin" if args.role == "admin" else "a member"
    print(f"{_handle(config, account.username)} is now {kind}")
    return 0


def cmd_suspend(args: argparse.Namespace, config: Config) -> int:
    from server.services.member_admin import suspend, unsuspend

    change = suspend if args.member_command == "suspend" else unsuspend
    account = with_services(config, lambda svc: change(svc, args.username))
    print(f"{args.member_command}ed {_handle(config, account.username)}")
    return 0


def cmd_delete(args: argparse.Namespace, config: Config) -> int:
    from server.services.member_admin import delete_member
    from server.services.members import get_member

    member = with_db(config, lambda db: get_member(db, args.username))
    handle = _handle(config, member.username)
    if not args.yes:
        _confirm(handle, member.username)
    with_services(config, lambda svc: delete_member(svc, member.username))
    print(f"deleted {handle}")
    return 0


def _confirm(handle: str, username: str) -> None:
    if not sys.stdin.isatty():
        raise CliError(f"deleting {handle} cannot be undone: add --yes to confirm")
    sys.stderr.write(
        f"Delete {handle} for good? Their posts are deleted, other servers are told,"
        " and this cannot be undone.\nType the username to confirm: "
    )
    sys.stderr.flush()
    if sys.stdin.readline().strip().lstrip("@").lower() != username.lower():
        raise CliError(f"{handle} was not deleted: the confirmation did not match")


def cmd_import_linkedin(args: argparse.Namespace, config: Config) -> int:
    from server.services.linkedin_import import UPLOAD_MAX, import_export
    from server.services.linkedin_report import as_text
    from server.services.members import get_member

    try:
        with open(args.file, "rb") as handle:
            data = handle.read(UPLOAD_MAX + 1)
    except OSError as exc:
        raise CliError(f"cannot read {args.file}: {exc.strerror}") from None
    if len(data) > UPLOAD_MAX:
        raise CliError(f"{args.file} is larger than {UPLOAD_MAX} bytes")

    async def run(svc: Services) -> ImportReport:
        member = await get_member(svc.db, args.username)
        return await import_export(svc, member, data, dry_run=args.dry_run, replace=args.replace)

    print(as_text(with_services(config, run)))
    return 0


def cmd_export(args: argparse.Namespace, config: Config) -> int:
    """The archive the web settings offer, built here and now into FILE (through
    a temporary file beside it, so a stopped export leaves no half archive)."""
    from server.services.archive.build import build
    from server.services.members import get_member

    target = Path(args.file)
    if target.is_dir():
        raise CliError(f"{args.file} is a folder: name the .zip file to write")
    if not target.parent.is_dir():
        raise CliError(f"there is no folder {str(target.parent)!r} to write {target.name} in")
    temp = target.with_name(f".{target.name}.partial")

    shown = sys.stderr.isatty()  # a counter that rewrites itself, at a terminal only

    async def progress(done: int, total: int) -> None:
        if shown:
            print(f"\r{done}/{total} parts", end="", file=sys.stderr, flush=True)

    async def run(svc: Services) -> int:
        member = await get_member(svc.db, args.username)
        try:
            size = await build(svc, member, temp, progress)
            temp.replace(target)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise CliError(f"cannot write {args.file}: {exc.strerror or exc}") from None
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return size

    size = with_services(config, run)
    if shown:
        print(file=sys.stderr)
    print(f"wrote the archive of {args.username} to {args.file} ({size:,} bytes)")
    return 0


COMMANDS: dict[str, Command] = {
    "create": cmd_create,
    "update": cmd_update,
    "list": cmd_list,
    "password": cmd_password,
    "role": cmd_role,
    "suspend": cmd_suspend,
    "unsuspend": cmd_suspend,
    "delete": cmd_delete,
    "import-linkedin": cmd_import_linkedin,
    "export": cmd_export,
}
