"""Queries on introductions (one row per introduction per instance)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import BindParameter

from server.store.statuses import Page, in_display_order, paged
from server.store.tables import introductions

REQUESTED = "requested"
FORWARDED = "forwarded"
ACCEPTED = "accepted"
DECLINED = "declined"
WITHDRAWN = "withdrawn"
EXPIRED = "expired"
OPEN = (REQUESTED, FORWARDED)


@dataclass(frozen=True, slots=True)
class IntroductionRow:
    id: int
    uri: str
    requester_id: int
    introducer_id: int
    target_id: int
    reason: str
    note: str
    state: str
    declined_by: str | None
    forward_uri: str | None
    status_id: int | None
    created_at: datetime
    updated_at: datetime
    expires_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> IntroductionRow:
        return cls(**{name: row[name] for name in cls.__slots__})

    def is_open(self, now: datetime) -> bool:
        """Still waiting for someone, and not past its expiry."""
        return self.state in OPEN and now < self.expires_at

    def effective_state(self, now: datetime) -> str:
        return EXPIRED if self.state in OPEN and now >= self.expires_at else self.state


async def insert_introduction(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(insert(introductions).values(**values))


async def get_introduction(conn: AsyncConnection, intro_id: int) -> IntroductionRow | None:
    query = select(introductions).where(introductions.c.id == intro_id)
    row = (await conn.execute(query)).mappings().first()
    return IntroductionRow.from_row(row) if row else None


async def get_introductions(
    conn: AsyncConnection, ids: Sequence[int]
) -> dict[int, IntroductionRow]:
    if not ids:
        return {}
    query = select(introductions).where(introductions.c.id.in_(sorted(set(ids))))
    rows = (await conn.execute(query)).mappings().all()
    return {r["id"]: IntroductionRow.from_row(r) for r in rows}


async def get_by_uri(conn: AsyncConnection, uri: str) -> IntroductionRow | None:
    """The introduction whose id (the request's) or whose forward's id is ``uri``."""
    query = select(introductions).where(
        or_(introductions.c.uri == uri, introductions.c.forward_uri == uri)
    )
    row = (await conn.execute(query)).mappings().first()
    return IntroductionRow.from_row(row) if row else None


async def update_introduction(
    conn: AsyncConnection, intro_id: int, now: datetime, **values: Any
) -> None:
    await conn.execute(
        update(introductions).where(introductions.c.id == intro_id).values(updated_at=now, **values)
    )


async def list_for(
    conn: AsyncConnection, account_id: int, role: str, page: Page
) -> list[IntroductionRow]:
    """Introductions in which the account plays ``role`` (requester, introducer,
    target), newest first. A target sees only what was forwarded to them."""
    column = {
        "requester": introductions.c.requester_id,
        "introducer": introductions.c.introducer_id,
        "target": introductions.c.target_id,
    }[role]
    query = select(introductions).where(column == account_id)
    if role == "target":
        query = query.where(introductions.c.forward_uri.is_not(None))
    rows = (await conn.execute(paged(query, introductions.c.id, page))).mappings().all()
    found = [IntroductionRow.from_row(r) for r in rows]
    return in_display_order(found, page, key=lambda r: r.id)


def waiting_for_counted(
    account_id: int | BindParameter[int], now: datetime | BindParameter[datetime]
) -> Select[tuple[int]]:
    """Open introductions waiting for the account: to introduce (asked of them) or
    to answer (forwarded to them)."""
    return select(func.count()).where(
        or_(
            (introductions.c.introducer_id == account_id) & (introductions.c.state == REQUESTED),
            (introductions.c.target_id == account_id) & (introductions.c.state == FORWARDED),
        ),
        introductions.c.expires_at > now,
    )


async def count_requested_since(conn: AsyncConnection, requester_id: int, since: datetime) -> int:
    query = select(func.count()).where(
        introductions.c.requester_id == requester_id, introductions.c.created_at >= since
    )
    return int((await conn.execute(query)).scalar_one())


async def requested_towards(
    conn: AsyncConnection, requester_id: int, target_id: int
) -> list[IntroductionRow]:
    """The requester's introductions to the target still in an open state
    (whether each has expired is the caller's to tell), newest first."""
    query = (
        select(introductions)
        .where(
            introductions.c.requester_id == requester_id,
            introductions.c.target_id == target_id,
            introductions.c.state.in_(OPEN),
        )
        .order_by(introductions.c.id.desc())
        .limit(20)
    )
    return [IntroductionRow.from_row(r) for r in (await conn.execute(query)).mappings().all()]


async def open_between(
    conn: AsyncConnection, a: int, b: int, now: datetime
) -> list[IntroductionRow]:
    """Open introductions (not expired at ``now``) in which ``a`` and ``b`` both
    play a part, whichever parts; oldest first."""
    parties = (
        introductions.c.requester_id,
        introductions.c.introducer_id,
        introductions.c.target_id,
    )
    query = (
        select(introductions)
        .where(
            or_(*(column == a for column in parties)),
            or_(*(column == b for column in parties)),
            introductions.c.state.in_(OPEN),
            introductions.c.expires_at > now,
        )
        .order_by(introductions.c.id)
    )
    return [IntroductionRow.from_row(r) for r in (await conn.execute(query)).mappings().all()]
