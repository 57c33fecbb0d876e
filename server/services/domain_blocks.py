"""What admins do to other servers: block (suspend, silence), allow, lift,
and move block lists in and out as Mastodon's CSV.

One function per action, called alike by the admin API, the CLI and the admin
pages. Suspending a domain suspends its accounts (stamped with the block's
own time, as Mastodon does, so lifting the block restores exactly those) and
ends every follow between them and our members; lifting it cannot bring the
follows back.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from server.services import audit
from server.services.context import Services
from server.services.domain_policy import SEVERITIES
from server.services.domains import covering, has_port, normalise
from server.services.errors import Conflict, NotFound, ValidationError
from server.store import domains as q
from server.store import graph as graph_q
from server.store.accounts import AccountRow, DuplicateError
from server.store.domains import DomainAllowRow, DomainBlockRow

FLAGS = ("reject_media", "reject_reports", "obfuscate")
COMMENTS = ("private_comment", "public_comment")
MAX_COMMENT = 1000
# Mastodon's export columns, in its order (the leading "#" is part of the header).
CSV_COLUMNS = ("#domain", "#severity", "#reject_media", "#reject_reports", "#public_comment",
               "#obfuscate")  # fmt: skip


def severity_of(value: str) -> str:
    """A severity as Mastodon spells it; ``limit`` (its web UI's word) is ``silence``."""
    name = value.strip().lower()
    name = "silence" if name == "limit" else name
    if name not in SEVERITIES:
        raise ValidationError(
            f"severity must be one of suspend, silence (limit) or noop, not {value!r}",
            field="severity",
        )
    return name


def _options(changes: dict[str, Any]) -> dict[str, Any]:
    """Checked column values from the optional fields an admin gave."""
    values: dict[str, Any] = {}
    if changes.get("severity") is not None:
        values["severity"] = severity_of(str(changes["severity"]))
    for flag in FLAGS:
        if changes.get(flag) is not None:
            values[flag] = _flag(changes[flag], flag)
    for name in COMMENTS:
        if changes.get(name) is not None:
            text = str(changes[name]).strip()
            if any((ord(c) < 32 and c not in "\t\n\r") or c == "\x7f" for c in text):
                raise ValidationError("control characters are not allowed", field=name)
            if len(text) > MAX_COMMENT:
                raise ValidationError(f"at most {MAX_COMMENT} characters", field=name)
            values[name] = text or None
    return values


def _flag(value: object, name: str) -> bool:
    """A yes/no option: a bool, or its spelling in a form, CSV or query string."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off", ""):
        return False
    raise ValidationError(f"{name} must be true or false, not {value!r}", field=name)


async def list_blocks(svc: Services) -> list[DomainBlockRow]:
    async with svc.db.read() as conn:
        return await q.list_blocks(conn)


async def get_block(svc: Services, block_id: int) -> DomainBlockRow:
    async with svc.db.read() as conn:
        block = await q.get_block(conn, block_id)
    if block is None:
        raise NotFound("no such domain block")
    return block


async def block(
    svc: Services, domain: str, *, by: AccountRow | None = None, **options: Any
) -> DomainBlockRow:
    """Block ``domain`` (default severity ``silence``, as Mastodon's API); ``by``
    is the moderator, for the log (None: the command line)."""
    name = normalise(domain)
    own = normalise(svc.config.domain)
    if name in covering(own) or (own in covering(name)[:2] and has_port(name)):
        raise ValidationError(f"A block of {name} would cover this server itself", field="domain")
    values = {"severity": "silence", **_options(options)}
    now = svc.now()
    row = {"id": svc.db.new_id(), "domain": name, "created_at": now, "updated_at": now}
    async with svc.db.transaction() as conn:
        try:
            await q.insert_block(conn, {**dict.fromkeys(FLAGS, False), **row, **values})
        except DuplicateError:
            raise ValidationError(f"There is a block of {name} already", field="domain") from None
        created = await q.get_block(conn, row["id"])
        assert created is not None
        await _apply(conn, None, created)
        await audit.record(svc, conn, by, f"domain_{created.severity}", name)
    svc.domains.changed()
    return created


async def update_block(
    svc: Services, block_id: int, *, by: AccountRow | None = None, **options: Any
) -> DomainBlockRow:
    values = _options(options)
    async with svc.db.transaction() as conn:
        before = await q.get_block(conn, block_id)
        if before is None:
            raise NotFound("no such domain block")
        if values:
            await q.update_block(conn, block_id, {**values, "updated_at": svc.now()})
        after = await q.get_block(conn, block_id)
        assert after is not None
        await _apply(conn, before, after)
        if after != before:
            await audit.record(svc, conn, by, f"domain_{after.severity}", after.domain)
    svc.domains.changed()
    return after


async def unblock(svc: Services, block_id: int, *, by: AccountRow | None = None) -> DomainBlockRow:
    async with svc.db.transaction() as conn:
        before = await q.get_block(conn, block_id)
        if before is None:
            raise NotFound("no such domain block")
        await q.delete_block(conn, block_id)
        await _apply(conn, before, None)
        await audit.record(svc, conn, by, "domain_unblock", before.domain)
    svc.domains.changed()
    return before


async def block_by_domain(svc: Services, domain: str) -> DomainBlockRow:
    async with svc.db.read() as conn:
        found = await q.get_block_by_domain(conn, normalise(domain))
    if found is None:
        raise NotFound(f"{normalise(domain)} is not blocked")
    return found


async def _apply(conn: Any, before: DomainBlockRow | None, after: DomainBlockRow | None) -> None:
    """Mark the domain's accounts as the block's severity says (suspended or
    limited), lift the marks of the severity it had, end follows with a domain
    that becomes suspended, and forget its pictures when it starts rejecting
    media (they are not fetched back when it stops)."""
    if after is not None and after.reject_media and not (before and before.reject_media):
        await q.drop_media(conn, domain=after.domain)
    was = before.severity if before is not None else None
    now = after.severity if after is not None else None
    if was == now:
        return
    if before is not None and was in ("suspend", "silence"):
        await q.release_accounts(conn, before.domain, was, before.created_at)
    if after is not None and now in ("suspend", "silence"):
        await q.withhold_accounts(conn, after.domain, now, after.created_at)
        if now == "suspend":
            for account_id in await q.account_ids_on(conn, after.domain):
                await graph_q.delete_follows_of(conn, account_id)


async def list_allows(svc: Services) -> list[DomainAllowRow]:
    async with svc.db.read() as conn:
        return await q.list_allows(conn)


async def get_allow(svc: Services, allow_id: int) -> DomainAllowRow:
    async with svc.db.read() as conn:
        allow = await q.get_allow(conn, allow_id)
    if allow is None:
        raise NotFound("no such domain allow")
    return allow


async def allow(svc: Services, domain: str, *, by: AccountRow | None = None) -> DomainAllowRow:
    """Allow ``domain`` (what counts in allowlist mode); allowing it twice is no error."""
    name = normalise(domain)
    async with svc.db.transaction() as conn:
        found = await q.get_allow_by_domain(conn, name)
        if found is None:
            row = {"id": svc.db.new_id(), "domain": name, "created_at": svc.now()}
            try:
                await q.insert_allow(conn, row)
            except DuplicateError:  # allowed a moment ago by another process
                raise Conflict(f"{name} was allowed at this moment by someone else") from None
            found = DomainAllowRow(**row)
            await audit.record(svc, conn, by, "domain_allow", name)
    svc.domains.changed()
    return found


async def disallow(svc: Services, allow_id: int, *, by: AccountRow | None = None) -> DomainAllowRow:
    async with svc.db.transaction() as conn:
        found = await q.get_allow(conn, allow_id)
        if found is None:
            raise NotFound("no such domain allow")
        await q.delete_allow(conn, allow_id)
        await audit.record(svc, conn, by, "domain_disallow", found.domain)
    svc.domains.changed()
    return found


def export_csv(blocks: list[DomainBlockRow]) -> str:
    """The block list as Mastodon exports it (admin-only comments left out)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for b in blocks:
        writer.writerow([b.domain, b.severity, _csv_bool(b.reject_media),
                         _csv_bool(b.reject_reports), b.public_comment or "",
                         _csv_bool(b.obfuscate)])  # fmt: skip
    return out.getvalue()


def _csv_bool(value: bool) -> str:
    return "true" if value else "false"


@dataclass
class ImportResult:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "line N: why"


async def import_csv(
    svc: Services, text: str, *, by: AccountRow | None = None, max_rows: int = 10_000
) -> ImportResult:
    """Add or update blocks from a Mastodon CSV (with or without its header;
    a plain list of domains works too). A bad line is reported, not fatal."""
    result = ImportResult()
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))  # a spreadsheet's BOM
    rows, end = [], 0
    try:
        for cells in reader:  # a quoted field can hold line breaks: number by where it starts
            rows.append((end + 1, cells))
            end = reader.line_num
    except csv.Error as exc:
        raise ValidationError(
            f"line {end + 1} cannot be read as CSV: {exc}", field="file"
        ) from None
    if len(rows) > max_rows:
        raise ValidationError(f"at most {max_rows:,} lines in one import", field="file")
    header = [c.strip().lstrip("#").lower() for c in rows[0][1]] if rows else []
    has_header = "domain" in header
    names = header if has_header else ["domain", "severity", "reject_media", "reject_reports",
                                       "public_comment", "obfuscate"]  # fmt: skip
    for number, cells in rows[1:] if has_header else rows:
        if not cells or not "".join(cells).strip() or cells[0].lstrip().startswith("#"):
            continue
        fields = dict(zip(names, (c.strip() for c in cells), strict=False))
        try:
            await _import_one(svc, fields, result, by)
        except (ValidationError, NotFound) as exc:
            result.errors.append(f"line {number}: {exc.message}")
    return result


async def _import_one(
    svc: Services, fields: dict[str, str], result: ImportResult, by: AccountRow | None
) -> None:
    """Add a block (``suspend`` when the line gives no severity) or change an
    existing one by what the line gives."""
    options: dict[str, Any] = {"severity": fields.get("severity") or None}
    for flag in FLAGS:
        if fields.get(flag):
            options[flag] = fields[flag]
    if fields.get("public_comment"):
        options["public_comment"] = fields["public_comment"]
    name = normalise(fields.get("domain", ""))
    async with svc.db.read() as conn:
        existing = await q.get_block_by_domain(conn, name)
    if existing is None:
        await block(svc, name, by=by, **{**options, "severity": options["severity"] or "suspend"})
        result.added.append(name)
        return
    updated = await update_block(svc, existing.id, by=by, **options)
    same = all(getattr(updated, k) == getattr(existing, k) for k in ("severity", *FLAGS))
    same = same and updated.public_comment == existing.public_comment
    (result.unchanged if same else result.updated).append(name)
