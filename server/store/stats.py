"""Per-account counters (posts, followers, following), kept in step by the
store functions that change what they count."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.tables import account_stats, follows, statuses
from server.store.upsert import insert_on


@dataclass(frozen=True, slots=True)
class Stats:
    statuses: int = 0
    followers: int = 0
    following: int = 0
    last_status_at: datetime | None = None


async def bump(
    conn: AsyncConnection,
    account_id: int,
    *,
    statuses_delta: int = 0,
    followers_delta: int = 0,
    following_delta: int = 0,
    last_status_at: datetime | None = None,
) -> None:
    """Add to an account's counters (creating its row on first use)."""
    insert = insert_on(conn, account_stats)
    c = account_stats.c
    values = {
        "account_id": account_id,
        "statuses_count": max(statuses_delta, 0),
        "followers_count": max(followers_delta, 0),
        "following_count": max(following_delta, 0),
        "last_status_at": last_status_at,
    }
    changes: dict[str, Any] = {
        name: case((c[name] + delta < 0, 0), else_=c[name] + delta)
        for name, delta in (
            ("statuses_count", statuses_delta),
            ("followers_count", followers_delta),
            ("following_count", following_delta),
        )
        if delta
    }
    if last_status_at is not None:  # the newest post's time, whatever order posts arrive in
        changes["last_status_at"] = case(
            (c.last_status_at.is_(None), last_status_at),
            (c.last_status_at < last_status_at, last_status_at),
            else_=c.last_status_at,
        )
    statement = insert.values(**values)
    if changes:
        statement = statement.on_conflict_do_update(index_elements=["account_id"], set_=changes)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=["account_id"])
    await conn.execute(statement)


_BY_IDS = select(account_stats).where(
    account_stats.c.account_id.in_(bindparam("ids", expanding=True))
)


async def get_stats(conn: AsyncConnection, account_ids: Iterable[int]) -> dict[int, Stats]:
    wanted = list(set(account_ids))
    out = {a: Stats() for a in wanted}
    if wanted:
        rows = (await conn.execute(_BY_IDS, {"ids": wanted})).mappings()
        for r in rows:
            out[r["account_id"]] = Stats(
                r["statuses_count"], r["followers_count"], r["following_count"], r["last_status_at"]
            )
    return out


async def recount(conn: AsyncConnection, account_ids: Iterable[int]) -> None:
    """Recompute counters from the rows (after bulk changes such as an account's deletion)."""
    for account_id in set(account_ids):
        mine = (statuses.c.account_id == account_id, statuses.c.visibility != "direct")
        live = (*mine, statuses.c.deleted_at.is_(None))
        count = (await conn.execute(select(func.count()).where(*live))).scalar_one()
        # "Last posted", as Mastodon means it: a later deletion does not move it back.
        last = (
            await conn.execute(select(func.max(statuses.c.created_at)).where(*mine))
        ).scalar_one()
        followers = await _count_follows(conn, follows.c.target_account_id == account_id)
        following = await _count_follows(conn, follows.c.account_id == account_id)
        insert = insert_on(conn, account_stats)
        values = {
            "statuses_count": count,
            "followers_count": followers,
            "following_count": following,
            "last_status_at": last,
        }
        await conn.execute(
            insert.values(account_id=account_id, **values).on_conflict_do_update(
                index_elements=["account_id"], set_=values
            )
        )


async def _count_follows(conn: AsyncConnection, condition: Any) -> int:
    return int(
        (
            await conn.execute(select(func.count()).where(condition, follows.c.state == "accepted"))
        ).scalar_one()
    )
