"""A member's lists as Mastodon's CSV files: written for export, read for import.

The formats are Mastodon's own (``app/models/export.rb``, ``bulk_import``):

- ``following.csv``: ``Account address,Show boosts,Notify on new posts,Languages``
  (Warmline has no per-follow boost, notify or language settings: it writes
  ``true,false,`` as Mastodon does for a plain follow, and ignores them on import);
- ``followers.csv`` and ``blocks.csv``: one ``user@domain`` a line, no header;
- ``mutes.csv``: ``Account address,Hide notifications``;
- ``bookmarks.csv``: one post's URL (its ActivityPub id) a line, no header;
- ``lists.csv``: ``List name,Account address``, one line per account per list,
  no header (a list with no accounts has no line).
- ``domain_blocks.csv``: one blocked server's domain a line, no header (an
  import also takes Mastodon's ``#domain`` header).

Older exports have no header: a file is read either way, and an address may
start with ``@``. Local accounts are written ``user@thisdomain``. A cell a
spreadsheet would read as a formula is written with a leading ``'``. Applying
an import is ``csv_import.py``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from server.services import lists, member_domain_blocks, objects
from server.services.context import Services
from server.services.errors import ValidationError
from server.store import accounts as accounts_q
from server.store import connections as connections_q
from server.store import graph as graph_q
from server.store import personal as personal_q
from server.store.accounts import AccountRow
from server.store.graph import ACCEPTED
from server.store.statuses import Page, StatusRow

EXPORTS = ("following", "followers", "blocks", "mutes", "bookmarks", "lists", "domain_blocks")
IMPORTS = ("following", "blocks", "mutes", "bookmarks", "lists", "domain_blocks")
FILENAMES = {
    "following": "following_accounts.csv",
    "followers": "followers.csv",
    "blocks": "blocked_accounts.csv",
    "mutes": "muted_accounts.csv",
    "bookmarks": "bookmarks.csv",
    "lists": "lists.csv",
    "domain_blocks": "domain_blocks.csv",
}
MAX_BYTES = 1024 * 1024  # a form's files may be larger (the image limit): this is the cap
MAX_ROWS = 2_000  # as Mastodon's follow limit
BATCH = 500
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ADDRESS = "account address"
DOMAIN_HEADERS = ("#domain", "domain")
TRUE = {"true", "1", "yes"}
FALSE = {"false", "0", "no"}


# --- export --------------------------------------------------------------------------


def safe_cell(value: str) -> str:
    """A cell no spreadsheet runs as a formula (OWASP's advice: a leading ``'``)."""
    return f"'{value}" if value.startswith(FORMULA_START) else value


def address(svc: Services, account: AccountRow) -> str:
    """``user@domain``, for local accounts too (as Mastodon exports them)."""
    return (
        objects.acct(svc, account)
        if not account.is_local
        else f"{account.username}@{svc.config.domain}"
    )


def _write(rows: list[list[str]], header: list[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(header)
    writer.writerows([[safe_cell(cell) for cell in row] for row in rows])
    return out.getvalue()


Lister = Callable[[AsyncConnection, int, Page], Awaitable[list[tuple[int, AccountRow]]]]


async def every(svc: Services, me: AccountRow, lister: Lister) -> list[AccountRow]:
    """Every account a paged store listing gives (its cursor the first of each pair)."""
    found: list[AccountRow] = []
    cursor: int | None = None
    async with svc.db.read() as conn:
        while True:
            rows = await lister(conn, me.id, Page(limit=BATCH, max_id=cursor))
            found += [account for _, account in rows]
            if len(rows) < BATCH:
                return found
            cursor = rows[-1][0]


def related(direction: str, state: str = ACCEPTED) -> Lister:
    """Followed accounts or followers (``state``: accepted, or requests not answered)."""

    async def lister(conn: AsyncConnection, me: int, page: Page) -> list[tuple[int, AccountRow]]:
        return await graph_q.list_related(conn, me, page, direction=direction, state=state)

    return lister


async def all_mutes(svc: Services, me: AccountRow) -> list[tuple[AccountRow, bool]]:
    """Accounts muted now, each with whether their notifications are hidden too."""
    found: list[tuple[AccountRow, bool]] = []
    cursor: int | None = None
    async with svc.db.read() as conn:
        now = svc.now()
        current = await personal_q.muted_ids(conn, me.id, now)
        quiet = await personal_q.muted_ids(conn, me.id, now, notifications_only=True)
        while True:
            page = Page(limit=BATCH, max_id=cursor)
            rows = await personal_q.list_accounts(conn, "mutes", me.id, page)
            found += [(a, a.id in quiet) for _, a in rows if a.id in current]
            if len(rows) < BATCH:
                return found
            cursor = rows[-1][0]


def status_address(svc: Services, status: StatusRow, author: AccountRow | None) -> str:
    """A post's ActivityPub id: a remote one's own, a local one's made from its author."""
    if not status.local or author is None:
        return status.uri or ""
    return objects.status_uri(svc, status, author)


async def all_bookmarks(svc: Services, me: AccountRow) -> list[tuple[int, str]]:
    """(status id, its ActivityPub id) of every bookmarked post, newest bookmark first."""
    found: list[tuple[int, str]] = []
    cursor: int | None = None
    async with svc.db.read() as conn:
        while True:
            rows = await personal_q.list_bookmarks(conn, me.id, Page(limit=BATCH, max_id=cursor))
            for _, status in rows:
                author = (
                    None
                    if not status.local
                    else (await accounts_q.get_account(conn, status.account_id))
                )
                if not status.local or author is not None:
                    found.append((status.id, status_address(svc, status, author)))
            if len(rows) < BATCH:
                return found
            cursor = rows[-1][0]


async def following(svc: Services, me: AccountRow) -> list[AccountRow]:
    return await every(svc, me, related("following"))


async def blocked(svc: Services, me: AccountRow) -> list[AccountRow]:
    return await every(svc, me, connections_q.list_blocked)


async def export_csv(svc: Services, me: AccountRow, kind: str) -> str:
    """The member's list ``kind`` (one of ``EXPORTS``) as Mastodon writes it."""
    if kind == "following":
        rows = [[address(svc, a), "true", "false", ""] for a in await following(svc, me)]
        return _write(rows, ["Account address", "Show boosts", "Notify on new posts", "Languages"])
    if kind == "followers":
        return _write([[address(svc, a)] for a in await every(svc, me, related("followers"))])
    if kind == "blocks":
        return _write([[address(svc, a)] for a in await blocked(svc, me)])
    if kind == "mutes":
        found = await all_mutes(svc, me)
        rows = [[address(svc, a), "true" if quiet else "false"] for a, quiet in found]
        return _write(rows, ["Account address", "Hide notifications"])
    if kind == "bookmarks":
        return _write([[uri] for _, uri in await all_bookmarks(svc, me)])
    if kind == "lists":
        pairs = await lists.entries(svc, me)
        return _write([[found.title, address(svc, a)] for found, a in pairs])
    if kind == "domain_blocks":
        return _write([[domain] for domain in await member_domain_blocks.all_domains(svc, me)])
    raise ValidationError(f"Nothing is exported as {kind!r}: choose one of {', '.join(EXPORTS)}")


# --- reading a file ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Line:
    """One line of an imported file: its number, its address (an account's
    ``user@domain`` or a post's URL) and, for mutes, whether notifications are hidden."""

    number: int
    value: str
    hide_notifications: bool = True
    list_name: str = ""  # lists.csv: the list the account goes on


def _text(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ValidationError(
            f"This file is larger than {MAX_BYTES // 1_048_576} MB: split it into smaller files",
            field="file",
        )
    if b"\x00" in data:
        raise ValidationError("This is not a CSV file (it holds binary data)", field="file")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")  # a spreadsheet's BOM
    except UnicodeDecodeError:
        raise ValidationError(
            "This file is not UTF-8 text: save it as CSV (UTF-8)", field="file"
        ) from None


def _rows(text: str) -> list[tuple[int, list[str]]]:
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ValidationError(f"This file cannot be read as CSV: {exc}", field="file") from None
    found = [(n, [c.strip() for c in row]) for n, row in enumerate(rows, 1)]
    return [(n, row) for n, row in found if any(row)]


def _flag(value: str, default: bool) -> bool:
    lowered = value.strip().lower()
    return True if lowered in TRUE else False if lowered in FALSE else default


def read_lines(kind: str, data: bytes) -> list[Line]:
    """The lines of an uploaded file of ``kind``, with or without Mastodon's header.
    Refused as a whole when it is not a CSV file, too large or too long."""
    if kind not in IMPORTS:
        raise ValidationError(
            "Choose what the file holds: follows, blocks, mutes, bookmarks, lists or "
            "blocked servers",
            field="type",
        )
    rows = _rows(_text(data))
    if not rows:
        raise ValidationError("This file is empty", field="file")
    columns: dict[str, int] = {}
    if kind == "domain_blocks" and rows[0][1][0].lower() in DOMAIN_HEADERS:
        rows = rows[1:]
    elif kind not in ("bookmarks", "lists") and rows[0][1][0].lower() == ADDRESS:
        columns = {name.lower(): i for i, name in enumerate(rows[0][1])}
        rows = rows[1:]
    if len(rows) > MAX_ROWS:
        raise ValidationError(
            f"This file has {len(rows):,} lines: at most {MAX_ROWS:,} can be imported at once",
            field="file",
        )
    if kind == "lists":  # List name,Account address
        return [Line(n, row[1] if len(row) > 1 else "", list_name=row[0]) for n, row in rows]
    quiet = columns.get("hide notifications", 1)
    return [
        Line(n, row[0], _flag(row[quiet], True) if len(row) > quiet else True) for n, row in rows
    ]
