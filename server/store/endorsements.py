"""Queries on skill endorsements and recommendations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.statuses import Page, in_display_order, paged
from server.store.tables import endorsements, recommendations
from server.store.upsert import insert_on

PENDING = "pending"
APPROVED = "approved"
DECLINED = "declined"
WITHDRAWN = "withdrawn"
STATES = (PENDING, APPROVED, DECLINED, WITHDRAWN)


@dataclass(frozen=True, slots=True)
class EndorsementRow:
    id: int
    uri: str
    account_id: int  # the endorser
    target_account_id: int
    skill: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> EndorsementRow:
        return cls(**{name: row[name] for name in cls.__slots__})


@dataclass(frozen=True, slots=True)
class RecommendationRow:
    id: int
    uri: str
    account_id: int  # the author
    target_account_id: int
    text: str
    state: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> RecommendationRow:
        return cls(**{name: row[name] for name in cls.__slots__})


# --- endorsements -------------------------------------------------------------------


def _insert_new(conn: AsyncConnection, table: Any, values: dict[str, Any]) -> Any:
    """INSERT that skips a row clashing with a unique one (a repeat, or a race)."""
    return insert_on(conn, table).values(**values).on_conflict_do_nothing()


async def insert_endorsement(conn: AsyncConnection, values: dict[str, Any]) -> bool:
    """False when that endorsement (same uri, or same endorser, target and skill) exists."""
    result = await conn.execute(_insert_new(conn, endorsements, values))
    return result.rowcount > 0


async def get_endorsement(conn: AsyncConnection, endorsement_id: int) -> EndorsementRow | None:
    query = select(endorsements).where(endorsements.c.id == endorsement_id)
    row = (await conn.execute(query)).mappings().first()
    return EndorsementRow.from_row(row) if row else None


async def get_endorsements(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, EndorsementRow]:
    if not ids:
        return {}
    query = select(endorsements).where(endorsements.c.id.in_(sorted(set(ids))))
    rows = (await conn.execute(query)).mappings().all()
    return {r["id"]: EndorsementRow.from_row(r) for r in rows}


async def get_endorsement_by_uri(conn: AsyncConnection, uri: str) -> EndorsementRow | None:
    query = select(endorsements).where(endorsements.c.uri == uri)
    row = (await conn.execute(query)).mappings().first()
    return EndorsementRow.from_row(row) if row else None


async def find_endorsement(
    conn: AsyncConnection, account_id: int, target_id: int, skill: str
) -> EndorsementRow | None:
    query = select(endorsements).where(
        endorsements.c.account_id == account_id,
        endorsements.c.target_account_id == target_id,
        endorsements.c.skill == skill,
    )
    row = (await conn.execute(query)).mappings().first()
    return EndorsementRow.from_row(row) if row else None


async def delete_endorsement(conn: AsyncConnection, endorsement_id: int) -> None:
    await conn.execute(delete(endorsements).where(endorsements.c.id == endorsement_id))


_ENDORSEMENTS_OF = (
    select(endorsements)
    .where(endorsements.c.target_account_id == bindparam("target"))
    .order_by(endorsements.c.id.desc())
)


async def endorsements_of(conn: AsyncConnection, target_id: int) -> list[EndorsementRow]:
    """Every endorsement the account received, newest first."""
    rows = (await conn.execute(_ENDORSEMENTS_OF, {"target": target_id})).mappings().all()
    return [EndorsementRow.from_row(r) for r in rows]


async def endorsement_counts(conn: AsyncConnection, target_id: int) -> dict[str, int]:
    """{skill: number of endorsers} for one account."""
    query = (
        select(endorsements.c.skill, func.count())
        .where(endorsements.c.target_account_id == target_id)
        .group_by(endorsements.c.skill)
    )
    return {skill: int(n) for skill, n in (await conn.execute(query)).all()}


# --- recommendations ------------------------------------------------------------------


async def insert_recommendation(conn: AsyncConnection, values: dict[str, Any]) -> bool:
    """False when a recommendation with that uri exists."""
    result = await conn.execute(_insert_new(conn, recommendations, values))
    return result.rowcount > 0


async def get_recommendation(conn: AsyncConnection, rec_id: int) -> RecommendationRow | None:
    query = select(recommendations).where(recommendations.c.id == rec_id)
    row = (await conn.execute(query)).mappings().first()
    return RecommendationRow.from_row(row) if row else None


async def get_recommendations(
    conn: AsyncConnection, ids: Sequence[int]
) -> dict[int, RecommendationRow]:
    if not ids:
        return {}
    query = select(recommendations).where(recommendations.c.id.in_(sorted(set(ids))))
    rows = (await conn.execute(query)).mappings().all()
    return {r["id"]: RecommendationRow.from_row(r) for r in rows}


async def get_recommendation_by_uri(conn: AsyncConnection, uri: str) -> RecommendationRow | None:
    query = select(recommendations).where(recommendations.c.uri == uri)
    row = (await conn.execute(query)).mappings().first()
    return RecommendationRow.from_row(row) if row else None


async def set_recommendation_state(
    conn: AsyncConnection, rec_id: int, state: str, now: datetime
) -> None:
    await conn.execute(
        update(recommendations)
        .where(recommendations.c.id == rec_id)
        .values(state=state, updated_at=now)
    )


async def list_recommendations(
    conn: AsyncConnection,
    account_id: int,
    page: Page,
    *,
    received: bool,
    states: Sequence[str] = STATES,
) -> list[RecommendationRow]:
    """Recommendations the account received (or wrote) in ``states``, newest first."""
    column = recommendations.c.target_account_id if received else recommendations.c.account_id
    query = select(recommendations).where(
        column == account_id, recommendations.c.state.in_(list(states))
    )
    rows = (await conn.execute(paged(query, recommendations.c.id, page))).mappings().all()
    found = [RecommendationRow.from_row(r) for r in rows]
    return in_display_order(found, page, key=lambda r: r.id)


async def count_approved(conn: AsyncConnection, target_id: int) -> int:
    query = select(func.count()).where(
        recommendations.c.target_account_id == target_id, recommendations.c.state == APPROVED
    )
    return int((await conn.execute(query)).scalar_one())


_OPEN_RECOMMENDATION = select(recommendations).where(
    recommendations.c.account_id == bindparam("author"),
    recommendations.c.target_account_id == bindparam("target"),
    recommendations.c.state.in_([PENDING, APPROVED]),
)


async def open_recommendation(
    conn: AsyncConnection, author_id: int, target_id: int
) -> RecommendationRow | None:
    """The author's pending or approved recommendation of the target, if any."""
    params = {"author": author_id, "target": target_id}
    row = (await conn.execute(_OPEN_RECOMMENDATION, params)).mappings().first()
    return RecommendationRow.from_row(row) if row else None


async def endorsements_between(
    conn: AsyncConnection, account_id: int, target_id: int
) -> list[EndorsementRow]:
    """What ``account_id`` endorsed ``target_id`` for."""
    query = select(endorsements).where(
        endorsements.c.account_id == account_id, endorsements.c.target_account_id == target_id
    )
    return [EndorsementRow.from_row(r) for r in (await conn.execute(query)).mappings().all()]
