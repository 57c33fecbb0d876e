"""A thread's posts in one statement each way: the chain of parents above a post,
and the replies below it, level by level (recursive CTEs, on SQLite and
PostgreSQL alike), instead of a statement per parent and per level.

Both are bounded in depth, so a cycle of replies (a peer can send two posts
that each reply to the other) cannot make them run away; the service walks
what they return and applies who may see what.
"""

from __future__ import annotations

from sqlalchemy import bindparam, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.statuses import StatusRow
from server.store.tables import statuses


def _above_query():  # type: ignore[no-untyped-def]
    up = (
        select(statuses.c.id, statuses.c.in_reply_to_id, literal(1).label("depth"))
        .where(statuses.c.id == bindparam("start"))
        .cte("up", recursive=True)
    )
    parent = select(statuses.c.id, statuses.c.in_reply_to_id, up.c.depth + 1).join(
        up, statuses.c.id == up.c.in_reply_to_id
    )
    up = up.union_all(parent.where(up.c.depth < bindparam("levels")))
    return select(statuses).where(statuses.c.id.in_(select(up.c.id)))


def _below_query():  # type: ignore[no-untyped-def]
    live = statuses.c.deleted_at.is_(None)
    down = (
        select(statuses.c.id, literal(1).label("depth"))
        .where(statuses.c.in_reply_to_id == bindparam("parent"), live)
        .cte("down", recursive=True)
    )
    reply = select(statuses.c.id, down.c.depth + 1).join(
        down, statuses.c.in_reply_to_id == down.c.id
    )
    down = down.union_all(reply.where(live, down.c.depth < bindparam("levels")))
    return (
        select(statuses, down.c.depth)
        .join(down, statuses.c.id == down.c.id)
        .order_by(down.c.depth, statuses.c.id)
        .limit(bindparam("limit"))
    )


_ABOVE, _BELOW = _above_query(), _below_query()


async def above(conn: AsyncConnection, parent_id: int, levels: int) -> dict[int, StatusRow]:
    """The post ``parent_id`` and its parents, up to ``levels`` of them, by id
    (deleted ones too: the walk stops there)."""
    rows = await conn.execute(_ABOVE, {"start": parent_id, "levels": levels})
    return {r["id"]: StatusRow.from_row(r) for r in rows.mappings()}


async def below(
    conn: AsyncConnection, status_id: int, *, levels: int, limit: int
) -> tuple[dict[int, list[StatusRow]], int]:
    """Live replies below ``status_id``, down to ``levels`` levels and at most
    ``limit`` of them, grouped by the post they answer; and the deepest level
    read whole (levels below it must be read again, with ``replies_to``)."""
    params = {"parent": status_id, "levels": levels, "limit": limit}
    rows = (await conn.execute(_BELOW, params)).mappings().all()
    depth_of: dict[int, int] = {}
    children: dict[int, list[StatusRow]] = {}
    for r in rows:
        if r["id"] in depth_of:  # met again through a cycle of replies
            continue
        depth_of[r["id"]] = r["depth"]
        reply = StatusRow.from_row(r)
        children.setdefault(reply.in_reply_to_id or 0, []).append(reply)
    whole = levels if len(rows) < limit else rows[-1]["depth"] - 1
    return children, whole
