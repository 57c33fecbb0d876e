"""Whose posts a member's timelines leave out: the accounts they block or mute,
and the accounts that block them.

One definition serves every timeline: the REST timelines apply it in SQL
(``hide_excluded``), the streams load it once per connection (``load``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, exists, or_, select, union
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.tables import blocks, mutes, statuses

# Built once: aliasing a table copies its columns, which costs more than the query.
_boosted = statuses.alias("boosted")


@dataclass(frozen=True, slots=True)
class Excluding:
    """Leave out what ``viewer_id`` excludes, as of ``now`` (mutes can expire)."""

    viewer_id: int
    now: datetime


def _blocking(viewer_id: int) -> Select[tuple[int]]:
    return select(blocks.c.target_account_id).where(blocks.c.account_id == viewer_id)


def _blocked_by(viewer_id: int) -> Select[tuple[int]]:
    return select(blocks.c.account_id).where(blocks.c.target_account_id == viewer_id)


def _muting(viewer_id: int, now: datetime) -> Select[tuple[int, datetime | None]]:
    """Mutes in force at ``now`` (an expired one no longer counts), with their end."""
    return select(mutes.c.target_account_id, mutes.c.expires_at).where(
        mutes.c.account_id == viewer_id,
        or_(mutes.c.expires_at.is_(None), mutes.c.expires_at > now),
    )


def hide_excluded(query: Select, excluding: Excluding | None) -> Select:
    """``query`` (over ``statuses``) without posts by the viewer's excluded
    accounts, nor boosts of their posts; unchanged for no viewer."""
    if excluding is None:
        return query
    viewer_id = excluding.viewer_id
    muting = _muting(viewer_id, excluding.now).with_only_columns(mutes.c.target_account_id)
    excluded = union(_blocking(viewer_id), _blocked_by(viewer_id), muting)
    return query.where(
        statuses.c.account_id.not_in(excluded),
        ~exists().where(
            _boosted.c.id == statuses.c.reblog_of_id, _boosted.c.account_id.in_(excluded)
        ),
    )


async def load(
    conn: AsyncConnection, viewer_id: int, now: datetime
) -> tuple[set[int], dict[int, datetime | None], set[int]]:
    """The same exclusions as data: accounts blocked either way, muted accounts
    with the end of their mute (None: until unmuted), and those of them whose
    mute covers notifications too (Mastodon's ``notifications`` flag)."""
    blocked = union(_blocking(viewer_id), _blocked_by(viewer_id))
    muting = _muting(viewer_id, now).add_columns(mutes.c.notifications)
    muted = (await conn.execute(muting)).all()
    return (
        set((await conn.execute(blocked)).scalars()),
        {account: until for account, until, _ in muted},
        {account for account, _, quiet in muted if quiet},
    )
