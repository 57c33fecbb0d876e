"""``warmline invite ...``: invite links, as admins make them on the web
(``services.registrations``); the command line parses and prints."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from server.cli_shared import config_flags, with_services
from server.config import Config

Command = Callable[[argparse.Namespace, Config], int]
if TYPE_CHECKING:  # generic only to type checkers
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]
    from server.services.context import Services
    from server.store.registrations import InviteRow


def add_parsers(commands: SubParsers, parser_class: type[argparse.ArgumentParser]) -> None:
    invite = commands.add_parser("invite", help="manage invite links")
    actions = invite.add_subparsers(
        dest="invite_command", metavar="ACTION", parser_class=parser_class
    )
    actions.required = True
    create = actions.add_parser("create", help="print a new invite link (alone on stdout)")
    create.add_argument(
        "--max-uses", type=int, metavar="N", help="how many sign-ups it allows (default: any)"
    )
    create.add_argument(
        "--expires-in-days", type=int, metavar="D", help="days it works for (default: no end)"
    )
    actions.add_parser("list", help="list the invite links that still work")
    revoke = actions.add_parser("revoke", help="stop an invite link from working")
    revoke.add_argument("code", help="the invite's code (the end of its link) or its link")
    for action in actions.choices.values():
        config_flags(action)


def cmd_create(args: argparse.Namespace, config: Config) -> int:
    from server.services import registrations

    async def make(svc: Services) -> str:
        invite = await registrations.create_invite(
            svc, None, max_uses=args.max_uses, expires_in_days=args.expires_in_days
        )
        return registrations.invite_url(svc, invite)

    print(with_services(config, make))
    return 0


def cmd_list(args: argparse.Namespace, config: Config) -> int:
    from server.services import registrations

    async def listed(svc: Services) -> list[tuple[InviteRow, str]]:
        found = await registrations.usable_invites(svc)
        return [(i, registrations.invite_url(svc, i)) for i in found]

    found = with_services(config, listed)
    if not found:
        print("no invite links in use (warmline invite create makes one)")
        return 0
    print(format_table(found))
    return 0


def format_table(found: list[tuple[InviteRow, str]]) -> str:
    """One aligned line per invite under a header; the link last."""
    rows = [("CODE", "USES", "EXPIRES", "CREATED", "LINK")]
    for invite, link in found:
        uses = f"{invite.uses}/{invite.max_uses}" if invite.max_uses else f"{invite.uses}/any"
        expires = invite.expires_at.strftime("%Y-%m-%d %H:%M") if invite.expires_at else "never"
        rows.append((invite.code, uses, expires, invite.created_at.strftime("%Y-%m-%d"), link))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]])
        for row in rows
    )


def cmd_revoke(args: argparse.Namespace, config: Config) -> int:
    from server.services import registrations

    code = args.code.rstrip("/").rsplit("/", 1)[-1]  # a whole link works too
    invite = with_services(config, lambda svc: registrations.revoke_invite_code(svc, code))
    print(f"revoked invite {invite.code}")
    return 0


COMMANDS: dict[str, Command] = {"create": cmd_create, "list": cmd_list, "revoke": cmd_revoke}
