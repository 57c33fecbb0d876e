"""Queries on reports to the moderators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.accounts import DuplicateError
from server.store.tables import reports


@dataclass(frozen=True, slots=True)
class ReportRow:
    id: int
    uri: str | None
    account_id: int
    target_account_id: int
    status_ids: list[int]
    comment: str
    category: str
    forwarded: bool
    resolved_at: datetime | None
    resolved_by_id: int | None
    created_at: datetime
    updated_at: datetime


def _row(row: Any) -> ReportRow:
    values = {name: row[name] for name in ReportRow.__slots__}
    values["status_ids"] = [int(i) for i in values["status_ids"] or []]
    return ReportRow(**values)


async def insert_report(conn: AsyncConnection, values: dict[str, Any]) -> None:
    """Raises :class:`DuplicateError` for a second report with the same ``uri``."""
    try:
        await conn.execute(insert(reports).values(**values))
    except IntegrityError as exc:
        raise DuplicateError(str(values.get("uri"))) from exc


async def get_report(conn: AsyncConnection, report_id: int) -> ReportRow | None:
    row = (await conn.execute(select(reports).where(reports.c.id == report_id))).mappings().first()
    return _row(row) if row else None


async def list_reports(
    conn: AsyncConnection,
    *,
    resolved: bool,
    limit: int,
    max_id: int | None = None,
    target_account_id: int | None = None,
) -> list[ReportRow]:
    """Newest first; open ones or resolved ones."""
    query = select(reports).order_by(reports.c.id.desc()).limit(limit)
    query = query.where(
        reports.c.resolved_at.is_not(None) if resolved else reports.c.resolved_at.is_(None)
    )
    if max_id is not None:
        query = query.where(reports.c.id < max_id)
    if target_account_id is not None:
        query = query.where(reports.c.target_account_id == target_account_id)
    return [_row(r) for r in (await conn.execute(query)).mappings()]


async def set_resolved(
    conn: AsyncConnection, report_id: int, *, at: datetime | None, by: int | None, now: datetime
) -> None:
    await conn.execute(
        update(reports)
        .where(reports.c.id == report_id)
        .values(resolved_at=at, resolved_by_id=by, updated_at=now)
    )
