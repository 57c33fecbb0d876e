"""Where a viewer stands with a few accounts, in one statement: follows both ways,
blocks both ways, mutes (and whether they cover notifications), featured, and
whether the account is on a server the viewer blocks.

The profile page, the API's relationships and every list of people ask this;
eight small queries, one per table and direction, cost more in round trips
than in SQL, so they are one UNION ALL built once and bound at each call.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import CompoundSelect, bindparam, literal_column, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.tables import (
    account_domain_blocks,
    account_pins,
    accounts,
    blocks,
    follows,
    mutes,
)

# The kinds of row the query answers (``state`` is a follow's state, else "").
FOLLOWING, FOLLOWED_BY = "following", "followed_by"
BLOCKING, BLOCKED_BY = "blocking", "blocked_by"
MUTING, MUTING_NOTIFICATIONS, ENDORSED = "muting", "muting_notifications", "endorsed"
DOMAIN_BLOCKING = "domain_blocking"


def _query() -> CompoundSelect:
    viewer, ids = bindparam("viewer"), bindparam("ids", expanding=True)
    now = bindparam("now", type_=mutes.c.expires_at.type)
    blank = literal_column("''")

    def kind(name: str) -> object:
        return literal_column(f"'{name}'")

    mute = (
        mutes.c.account_id == viewer,
        mutes.c.target_account_id.in_(ids),
        or_(mutes.c.expires_at.is_(None), mutes.c.expires_at > now),
    )
    return union_all(
        select(
            kind(FOLLOWING).label("kind"),
            follows.c.target_account_id.label("id"),
            follows.c.state.label("state"),
        ).where(follows.c.account_id == viewer, follows.c.target_account_id.in_(ids)),
        select(kind(FOLLOWED_BY), follows.c.account_id, follows.c.state).where(
            follows.c.target_account_id == viewer, follows.c.account_id.in_(ids)
        ),
        select(kind(BLOCKING), blocks.c.target_account_id, blank).where(
            blocks.c.account_id == viewer, blocks.c.target_account_id.in_(ids)
        ),
        select(kind(BLOCKED_BY), blocks.c.account_id, blank).where(
            blocks.c.target_account_id == viewer, blocks.c.account_id.in_(ids)
        ),
        select(kind(MUTING), mutes.c.target_account_id, blank).where(*mute),
        select(kind(MUTING_NOTIFICATIONS), mutes.c.target_account_id, blank).where(
            *mute, mutes.c.notifications.is_(True)
        ),
        select(kind(ENDORSED), account_pins.c.target_account_id, blank).where(
            account_pins.c.account_id == viewer, account_pins.c.target_account_id.in_(ids)
        ),
        select(kind(DOMAIN_BLOCKING), accounts.c.id, blank)
        .join(account_domain_blocks, account_domain_blocks.c.domain == accounts.c.domain)
        .where(account_domain_blocks.c.account_id == viewer, accounts.c.id.in_(ids)),
    )


_RELATIONS = _query()


async def relations(
    conn: AsyncConnection, viewer_id: int, ids: Iterable[int], now: datetime
) -> dict[str, dict[int, str]]:
    """By kind (the constants above), the accounts of ``ids`` it holds for, each with
    the follow's state ("" for the other kinds); a mute counts while in force at ``now``."""
    found: defaultdict[str, dict[int, str]] = defaultdict(dict)
    wanted = list(set(ids))
    if wanted:
        params = {"viewer": viewer_id, "ids": wanted, "now": now}
        for kind, account_id, state in await conn.execute(_RELATIONS, params):
            found[kind][account_id] = state
    return found
