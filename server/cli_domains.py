"""``warmline domain ...``: server-wide domain blocks and the allowlist, as
admins manage them through the API and the admin pages
(``services.domain_blocks``); the command line parses and prints."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from server.cli_shared import EXIT_FAILED, CliError, config_flags, with_services
from server.config import Config

Command = Callable[[argparse.Namespace, Config], int]
if TYPE_CHECKING:  # generic only to type checkers
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]
    from server.services.context import Services
    from server.services.domain_blocks import ImportResult
    from server.store.domains import DomainAllowRow, DomainBlockRow

# What the CLI blocks with when no --severity is given (the API's default is silence).
DEFAULT_SEVERITY = "suspend"
COMMENT_WIDTH = 60  # the table shortens longer public comments


def add_parsers(commands: SubParsers, parser_class: type[argparse.ArgumentParser]) -> None:
    domain = commands.add_parser("domain", help="block or allow other servers (domain blocks)")
    actions = domain.add_subparsers(
        dest="domain_command", metavar="ACTION", parser_class=parser_class
    )
    actions.required = True
    _block_parser(actions)
    # The positional is stored as "name": "--domain" is a configuration flag.
    actions.add_parser("unblock", help="lift a domain's block").add_argument(
        "name", metavar="DOMAIN"
    )
    listing = actions.add_parser("list", help="list the blocked domains")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    for name, text in (
        ("allow", "add a domain to the allowlist (for [federation] allowlist_mode)"),
        ("disallow", "take a domain off the allowlist"),
    ):
        actions.add_parser(name, help=text).add_argument("name", metavar="DOMAIN")
    actions.add_parser("allows", help="list the allowed domains (for allowlist mode)")
    export = actions.add_parser("export", help="write the blocks as Mastodon's CSV")
    export.add_argument("file", nargs="?", metavar="FILE", help="where to write (default: stdout)")
    imported = actions.add_parser(
        "import", help="add or update blocks from a Mastodon CSV (or a list of domains)"
    )
    imported.add_argument("file", metavar="FILE", help='the CSV file ("-" reads stdin)')
    for action in actions.choices.values():
        config_flags(action)


def _block_parser(actions: SubParsers) -> None:
    block = actions.add_parser("block", help="block a domain, or change the options of its block")
    block.add_argument("name", metavar="DOMAIN", help="a domain (covers its subdomains)")
    block.add_argument(
        "--severity",
        metavar="suspend|silence|limit|noop",
        help=f"suspend: no contact at all; silence (limit): kept out of public timelines;"
        f" noop: only the comments (default for a new block: {DEFAULT_SEVERITY})",
    )
    for flag, text in (
        ("--reject-media", "do not fetch its media"),
        ("--reject-reports", "ignore reports from it"),
        ("--obfuscate", "partly hide the domain name where the list is public"),
    ):
        block.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=text)
    block.add_argument("--public-comment", metavar="TEXT", help="reason shown to everyone")
    block.add_argument("--private-comment", metavar="TEXT", help="note for admins only")


def _options(args: argparse.Namespace) -> dict[str, Any]:
    """The block options given on the command line (None: not given)."""
    return {
        "severity": args.severity,
        "reject_media": args.reject_media,
        "reject_reports": args.reject_reports,
        "obfuscate": args.obfuscate,
        "public_comment": args.public_comment,
        "private_comment": args.private_comment,
    }


def cmd_block(args: argparse.Namespace, config: Config) -> int:
    from server.services import domain_blocks
    from server.services.errors import NotFound

    options = _options(args)

    async def block_or_update(svc: Services) -> tuple[DomainBlockRow | None, DomainBlockRow]:
        try:
            existing = await domain_blocks.block_by_domain(svc, args.name)
        except NotFound:
            new = {**options, "severity": options["severity"] or DEFAULT_SEVERITY}
            return None, await domain_blocks.block(svc, args.name, **new)
        return existing, await domain_blocks.update_block(svc, existing.id, **options)

    before, after = with_services(config, block_or_update)
    if before is None:
        print(f"blocked {after.domain} ({_describe(after)})")
    elif _describe(before) == _describe(after) and _comments(before) == _comments(after):
        print(f"{after.domain} was blocked already ({_describe(after)}); nothing changed")
    else:
        print(f"updated the block on {after.domain} ({_describe(after)})")
    return 0


def _describe(block: DomainBlockRow) -> str:
    flags = _flags(block)
    return block.severity if flags == "-" else f"{block.severity}, {flags}"


def _flags(block: DomainBlockRow) -> str:
    names = ("reject_media", "reject_reports", "obfuscate")
    return ",".join(n.replace("_", "-") for n in names if getattr(block, n)) or "-"


def _comments(block: DomainBlockRow) -> tuple[str | None, str | None]:
    return block.public_comment, block.private_comment


def cmd_unblock(args: argparse.Namespace, config: Config) -> int:
    from server.services import domain_blocks

    async def lift(svc: Services) -> DomainBlockRow:
        found = await domain_blocks.block_by_domain(svc, args.name)
        return await domain_blocks.unblock(svc, found.id)

    lifted = with_services(config, lift)
    print(f"unblocked {lifted.domain} (was {lifted.severity})")
    return 0


def cmd_list(args: argparse.Namespace, config: Config) -> int:
    from server.services.domain_blocks import list_blocks

    found = with_services(config, list_blocks)
    if args.json:
        for b in found:
            print(json.dumps(as_json(b)))
    elif not found:
        print("no blocked domains (warmline domain block DOMAIN adds one)")
    else:
        print(format_table(found))
    return 0


def as_json(block: DomainBlockRow) -> dict[str, Any]:
    return {
        "id": str(block.id),
        "domain": block.domain,
        "severity": block.severity,
        "reject_media": block.reject_media,
        "reject_reports": block.reject_reports,
        "obfuscate": block.obfuscate,
        "public_comment": block.public_comment,
        "private_comment": block.private_comment,
        "created_at": block.created_at.isoformat(),
        "updated_at": block.updated_at.isoformat(),
    }


def format_table(found: list[DomainBlockRow]) -> str:
    """One aligned line per block under a header; the creation date last."""
    rows = [("DOMAIN", "SEVERITY", "FLAGS", "PUBLIC COMMENT", "CREATED")]
    for b in found:
        comment = " ".join((b.public_comment or "").split()) or "-"
        if len(comment) > COMMENT_WIDTH:
            comment = comment[: COMMENT_WIDTH - 1] + "…"
        rows.append((b.domain, b.severity, _flags(b), comment, b.created_at.strftime("%Y-%m-%d")))
    return _aligned(rows)


def _aligned(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]])
        for row in rows
    )


def cmd_allow(args: argparse.Namespace, config: Config) -> int:
    from server.services import domain_blocks

    async def add(svc: Services) -> tuple[bool, DomainAllowRow]:
        before = {a.id for a in await domain_blocks.list_allows(svc)}
        allowed = await domain_blocks.allow(svc, args.name)
        return allowed.id in before, allowed

    already, allowed = with_services(config, add)
    print(f"{allowed.domain} was allowed already" if already else f"allowed {allowed.domain}")
    _note_mode(config)
    return 0


def cmd_disallow(args: argparse.Namespace, config: Config) -> int:
    from server.services import domain_blocks
    from server.services.domains import normalise

    name = normalise(args.name)

    async def remove(svc: Services) -> DomainAllowRow:
        for allowed in await domain_blocks.list_allows(svc):
            if allowed.domain == name:
                return await domain_blocks.disallow(svc, allowed.id)
        raise CliError(f"{name} is not on the allowlist")

    removed = with_services(config, remove)
    print(f"disallowed {removed.domain}")
    _note_mode(config)
    return 0


def cmd_allows(args: argparse.Namespace, config: Config) -> int:
    from server.services.domain_blocks import list_allows

    found = with_services(config, list_allows)
    if not found:
        print("no allowed domains (warmline domain allow DOMAIN adds one)")
    else:
        rows = [("DOMAIN", "CREATED")]
        rows += [(a.domain, a.created_at.strftime("%Y-%m-%d")) for a in found]
        print(_aligned(rows))
    _note_mode(config)
    return 0


def _note_mode(config: Config) -> None:
    if not config.federation.allowlist_mode:
        print(
            "warmline: note: the allowlist is used only with [federation] allowlist_mode = true",
            file=sys.stderr,
        )


def cmd_export(args: argparse.Namespace, config: Config) -> int:
    from server.services.domain_blocks import export_csv, list_blocks

    found = with_services(config, list_blocks)
    text = export_csv(found)
    if args.file is None or args.file == "-":
        sys.stdout.write(text)
        return 0
    try:
        Path(args.file).write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise CliError(f"cannot write {args.file}: {exc.strerror or exc}") from None
    print(f"exported {len(found)} domain block{'' if len(found) == 1 else 's'} to {args.file}")
    return 0


def _read(file: str) -> str:
    try:
        if file == "-":
            return sys.stdin.read()
        # utf-8-sig: a spreadsheet may have saved the file with a byte order mark.
        return Path(file).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CliError(f"cannot read {file}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise CliError(f"cannot read {file}: it is not UTF-8 text") from None


def cmd_import(args: argparse.Namespace, config: Config) -> int:
    from server.services.domain_blocks import import_csv

    text = _read(args.file).removeprefix("\ufeff")
    result = with_services(config, lambda svc: import_csv(svc, text))
    print(summary(result))
    for error in result.errors:
        print(f"warmline: error: {error}", file=sys.stderr)
    return EXIT_FAILED if result.errors else 0


def summary(result: ImportResult) -> str:
    counts = (len(result.added), len(result.updated), len(result.unchanged), len(result.errors))
    return "added {}, updated {}, unchanged {}, bad lines {}".format(*counts)


COMMANDS: dict[str, Command] = {
    "block": cmd_block,
    "unblock": cmd_unblock,
    "list": cmd_list,
    "allow": cmd_allow,
    "disallow": cmd_disallow,
    "allows": cmd_allows,
    "export": cmd_export,
    "import": cmd_import,
}
