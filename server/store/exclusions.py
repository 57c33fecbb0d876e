"""Whose posts a member's timelines leave out: the accounts they block or mute,
the accounts that block them, and the accounts on servers they block
(``account_domain_blocks``); and whom searches leave out: blocks either way.

One definition serves every timeline: the REST timelines apply it in SQL
(``hide_excluded``), the streams load it once per connection (``load``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    CompoundSelect,
    Select,
    cast,
    exists,
    false,
    literal_column,
    null,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import BindParameter

from server.store.tables import account_domain_blocks, accounts, blocks, mutes, statuses

# Built once: aliasing a table copies its columns, which costs more than the query.
_boosted = statuses.alias("boosted")


@dataclass(frozen=True, slots=True)
class Excluding:
    """Leave out what ``viewer_id`` excludes, as of ``now`` (mutes can expire)."""

    viewer_id: int
    now: datetime


def _blocking(viewer_id: int | BindParameter[int]) -> Select[tuple[int]]:
    return select(blocks.c.target_account_id).where(blocks.c.account_id == viewer_id)


def _blocked_by(viewer_id: int | BindParameter[int]) -> Select[tuple[int]]:
    return select(blocks.c.account_id).where(blocks.c.target_account_id == viewer_id)


def blocked_either_way(viewer_id: int | BindParameter[int]) -> CompoundSelect:
    """The accounts ``viewer_id`` blocks and those that block them (searches leave them out)."""
    return union(_blocking(viewer_id), _blocked_by(viewer_id))


def _muting(viewer_id: int, now: datetime) -> Select[tuple[int, datetime | None]]:
    """Mutes in force at ``now`` (an expired one no longer counts), with their end."""
    return select(mutes.c.target_account_id, mutes.c.expires_at).where(
        mutes.c.account_id == viewer_id,
        or_(mutes.c.expires_at.is_(None), mutes.c.expires_at > now),
    )


def hide_excluded(query: Select, excluding: Excluding | None) -> Select:
    """``query`` (over ``statuses``) without posts by the viewer's excluded
    accounts (those on servers they block too), nor boosts of their posts;
    unchanged for no viewer. The excluded accounts are one uncorrelated set,
    which the database builds once per query (empty for most viewers), not a
    lookup per row."""
    if excluding is None:
        return query
    viewer_id = excluding.viewer_id
    muting = _muting(viewer_id, excluding.now).with_only_columns(mutes.c.target_account_id)
    excluded = union(
        _blocking(viewer_id), _blocked_by(viewer_id), muting, _on_blocked_domains(viewer_id)
    )
    return query.where(
        statuses.c.account_id.not_in(excluded),
        ~exists().where(
            _boosted.c.id == statuses.c.reblog_of_id, _boosted.c.account_id.in_(excluded)
        ),
    )


def _on_blocked_domains(viewer_id: int) -> Select[tuple[int]]:
    """The accounts on the servers ``viewer_id`` blocks (none asked for without a block)."""
    return (
        select(accounts.c.id)
        .join(account_domain_blocks, account_domain_blocks.c.domain == accounts.c.domain)
        .where(account_domain_blocks.c.account_id == viewer_id)
    )


def _load_query(viewer_id: int, now: datetime) -> CompoundSelect:
    """Mutes in force (``m``, with their end and notifications flag), and blocks
    either way and accounts on blocked servers (``b``), as rows of one statement."""
    no_end = cast(null(), mutes.c.expires_at.type)
    muting = _muting(viewer_id, now).add_columns(mutes.c.notifications)
    return union_all(
        muting.add_columns(literal_column("'m'")),
        _blocking(viewer_id).add_columns(no_end, false(), literal_column("'b'")),
        _blocked_by(viewer_id).add_columns(no_end, false(), literal_column("'b'")),
        _on_blocked_domains(viewer_id).add_columns(no_end, false(), literal_column("'b'")),
    )


async def load(
    conn: AsyncConnection, viewer_id: int, now: datetime
) -> tuple[set[int], dict[int, datetime | None], set[int]]:
    """The same exclusions as data: accounts blocked either way, muted accounts
    with the end of their mute (None: until unmuted), and those of them whose
    mute covers notifications too (Mastodon's ``notifications`` flag); in one
    statement (a thread page and every stream start ask for it)."""
    blocked: set[int] = set()
    muted: dict[int, datetime | None] = {}
    quiet: set[int] = set()
    for account, until, notifications, kind in await conn.execute(_load_query(viewer_id, now)):
        if kind == "b":
            blocked.add(account)
            continue
        muted[account] = until
        if notifications:
            quiet.add(account)
    return blocked, muted, quiet
