"""Queries on domain blocks and allows, and on the accounts a block covers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.accounts import DuplicateError
from server.store.tables import accounts, domain_allows, domain_blocks, media_attachments


@dataclass(frozen=True, slots=True)
class DomainBlockRow:
    id: int
    domain: str
    severity: str
    reject_media: bool
    reject_reports: bool
    obfuscate: bool
    private_comment: str | None
    public_comment: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class DomainAllowRow:
    id: int
    domain: str
    created_at: datetime


def _block(row: Any) -> DomainBlockRow:
    return DomainBlockRow(**{name: row[name] for name in DomainBlockRow.__slots__})


def _allow(row: Any) -> DomainAllowRow:
    return DomainAllowRow(**{name: row[name] for name in DomainAllowRow.__slots__})


async def list_blocks(conn: AsyncConnection) -> list[DomainBlockRow]:
    rows = await conn.execute(select(domain_blocks).order_by(domain_blocks.c.domain))
    return [_block(r) for r in rows.mappings()]


async def get_block(conn: AsyncConnection, block_id: int) -> DomainBlockRow | None:
    row = (
        (await conn.execute(select(domain_blocks).where(domain_blocks.c.id == block_id)))
        .mappings()
        .first()
    )
    return _block(row) if row else None


async def get_block_by_domain(conn: AsyncConnection, domain: str) -> DomainBlockRow | None:
    query = select(domain_blocks).where(domain_blocks.c.domain == domain)
    row = (await conn.execute(query)).mappings().first()
    return _block(row) if row else None


async def insert_block(conn: AsyncConnection, values: dict[str, Any]) -> None:
    """Raises :class:`DuplicateError` when the domain is blocked already."""
    try:
        await conn.execute(insert(domain_blocks).values(**values))
    except IntegrityError as exc:
        raise DuplicateError(values["domain"]) from exc


async def update_block(conn: AsyncConnection, block_id: int, values: dict[str, Any]) -> None:
    await conn.execute(update(domain_blocks).where(domain_blocks.c.id == block_id).values(values))


async def delete_block(conn: AsyncConnection, block_id: int) -> None:
    await conn.execute(delete(domain_blocks).where(domain_blocks.c.id == block_id))


async def list_allows(conn: AsyncConnection) -> list[DomainAllowRow]:
    rows = await conn.execute(select(domain_allows).order_by(domain_allows.c.domain))
    return [_allow(r) for r in rows.mappings()]


async def get_allow(conn: AsyncConnection, allow_id: int) -> DomainAllowRow | None:
    query = select(domain_allows).where(domain_allows.c.id == allow_id)
    row = (await conn.execute(query)).mappings().first()
    return _allow(row) if row else None


async def get_allow_by_domain(conn: AsyncConnection, domain: str) -> DomainAllowRow | None:
    query = select(domain_allows).where(domain_allows.c.domain == domain)
    row = (await conn.execute(query)).mappings().first()
    return _allow(row) if row else None


async def insert_allow(conn: AsyncConnection, values: dict[str, Any]) -> None:
    try:
        await conn.execute(insert(domain_allows).values(**values))
    except IntegrityError as exc:
        raise DuplicateError(values["domain"]) from exc


async def delete_allow(conn: AsyncConnection, allow_id: int) -> None:
    await conn.execute(delete(domain_allows).where(domain_allows.c.id == allow_id))


def _on(domain: str) -> ColumnElement[bool]:
    """Remote accounts whose domain is ``domain`` or, for a name without a
    port, one of its subdomains on any port."""
    if ":" in domain.removeprefix("[").split("]")[-1]:
        return accounts.c.domain == domain
    escaped = domain.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(
        accounts.c.domain == domain,
        accounts.c.domain.like(f"{escaped}:%", escape="\\"),
        accounts.c.domain.like(f"%.{escaped}", escape="\\"),
        accounts.c.domain.like(f"%.{escaped}:%", escape="\\"),
    )


def _column(severity: str) -> Any:
    return accounts.c.suspended_at if severity == "suspend" else accounts.c.silenced_at


async def withhold_accounts(conn: AsyncConnection, domain: str, severity: str, at: datetime) -> int:
    """Mark the accounts on ``domain`` suspended or silenced (by ``severity``)
    at ``at``: the block's own time, so lifting the block can tell these
    marks from others."""
    column = _column(severity)
    result = await conn.execute(
        update(accounts)
        .where(accounts.c.domain.is_not(None), column.is_(None), _on(domain))
        .values({column.name: at})
    )
    return result.rowcount or 0


async def release_accounts(conn: AsyncConnection, domain: str, severity: str, at: datetime) -> int:
    """Undo :func:`withhold_accounts`: only the marks made at ``at``."""
    column = _column(severity)
    result = await conn.execute(
        update(accounts)
        .where(accounts.c.domain.is_not(None), column == at, _on(domain))
        .values({column.name: None})
    )
    return result.rowcount or 0


async def mark_account(conn: AsyncConnection, account_id: int, names: tuple[str, ...]) -> bool:
    """An account just stored: as suspended or silenced as the blocks of
    ``names`` (the entries covering its domain) say, stamped with the block's
    time, and without its pictures when a block rejects the domain's media.
    True when it changed."""
    query = select(
        domain_blocks.c.severity, domain_blocks.c.created_at, domain_blocks.c.reject_media
    ).where(domain_blocks.c.domain.in_(names))
    rows = (await conn.execute(query)).all()
    found = {severity: at for severity, at, _ in rows if severity != "noop"}
    marked = False
    if any(no_media for _, _, no_media in rows):
        marked = await drop_media(conn, account_id=account_id) > 0
    for severity, at in found.items():
        column = _column(severity)
        result = await conn.execute(
            update(accounts)
            .where(accounts.c.id == account_id, column.is_(None))
            .values({column.name: at})
        )
        marked = marked or bool(result.rowcount)
    return marked


def withheld_accounts() -> Any:
    """Ids of the accounts public timelines leave out: suspended or limited."""
    return select(accounts.c.id).where(
        or_(accounts.c.suspended_at.is_not(None), accounts.c.silenced_at.is_not(None))
    )


async def account_ids_on(conn: AsyncConnection, domain: str) -> list[int]:
    query = select(accounts.c.id).where(accounts.c.domain.is_not(None), _on(domain))
    return list((await conn.execute(query)).scalars())


async def rejects_reports(conn: AsyncConnection, names: tuple[str, ...]) -> bool:
    """Whether a block among ``names`` (the entries covering a host) says to
    ignore the reports its servers send."""
    query = select(domain_blocks.c.id).where(
        domain_blocks.c.domain.in_(names), domain_blocks.c.reject_reports.is_(True)
    )
    return (await conn.execute(query.limit(1))).first() is not None


async def drop_media(
    conn: AsyncConnection, *, account_id: int | None = None, domain: str | None = None
) -> int:
    """Forget the pictures of one account, or of every account on ``domain``: their
    avatars and headers, and their posts' remote images (a block rejects the
    domain's media). Returns how many accounts or images changed."""
    which = accounts.c.id == account_id if account_id is not None else _on(domain or "")
    ids = select(accounts.c.id).where(accounts.c.domain.is_not(None), which)
    pictured = or_(accounts.c.avatar_url.is_not(None), accounts.c.header_url.is_not(None))
    result = await conn.execute(
        update(accounts)
        .where(accounts.c.id.in_(ids), pictured)
        .values(avatar_url=None, header_url=None)
    )
    images = await conn.execute(
        delete(media_attachments).where(
            media_attachments.c.account_id.in_(ids),
            media_attachments.c.remote_url.is_not(None),
        )
    )
    return (result.rowcount or 0) + (images.rowcount or 0)
