"""``warmline moderation ...``: act on one account, local or remote, and read the
moderation log (``services.account_moderation``, ``services.audit``); what
moderators do through the admin API, done by the machine's operator."""

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
    from server.store.accounts import AccountRow
    from server.store.moderation_log import LogEntry

ACTIONS = {
    "suspend": "suspend an account: a member cannot sign in or use the API; a remote "
    "account is hidden and its follows end (undo with unsuspend)",
    "silence": "limit an account: its posts stay out of public timelines (undo with unsilence)",
    "unsuspend": "lift an account's suspension",
    "unsilence": "lift an account's limit",
}


def add_parsers(commands: SubParsers, parser_class: type[argparse.ArgumentParser]) -> None:
    moderation = commands.add_parser(
        "moderation", help="suspend or limit one account; the moderation log"
    )
    actions = moderation.add_subparsers(
        dest="moderation_command", metavar="ACTION", parser_class=parser_class
    )
    actions.required = True
    for name, text in ACTIONS.items():
        action = actions.add_parser(name, help=text)
        action.add_argument("handle", metavar="ACCOUNT", help="a member's name or @user@host")
        if name in ("suspend", "silence"):
            action.add_argument("--text", default="", help="why, for the moderation log")
    log = actions.add_parser("log", help="the moderation log, newest first")
    log.add_argument("--limit", type=int, default=50, help="how many lines (default 50)")
    for action in actions.choices.values():
        config_flags(action)


def cmd_act(args: argparse.Namespace, config: Config) -> int:
    from server.services import account_moderation as moderation

    async def act(svc: Services) -> AccountRow:
        account = await moderation.find(svc, args.handle)
        name = args.moderation_command
        if name in ("suspend", "silence"):
            return await moderation.act(svc, None, account.id, name, text=args.text)
        undo = moderation.unsuspend if name == "unsuspend" else moderation.unsilence
        return await undo(svc, None, account.id)

    account = with_services(config, act)
    done = {"suspend": "suspended", "silence": "limited", "unsuspend": "unsuspended",
            "unsilence": "no longer limited"}[args.moderation_command]  # fmt: skip
    print(f"{moderation.handle(account, config.domain)} is {done}")
    return 0


def cmd_log(args: argparse.Namespace, config: Config) -> int:
    from server.services import audit

    async def entries(svc: Services) -> list[LogEntry]:
        return await audit.entries(svc, limit=max(1, min(args.limit, 1000)))

    for entry in with_services(config, entries):
        who = f"@{entry.moderator}" if entry.moderator else "(command line)"
        when = entry.created_at.strftime("%Y-%m-%d %H:%M")
        text = f" - {entry.text}" if entry.text else ""
        print(f"{when}  {who}  {entry.action}  {entry.target}{text}")
    return 0


COMMANDS: dict[str, Command] = {**dict.fromkeys(ACTIONS, cmd_act), "log": cmd_log}
