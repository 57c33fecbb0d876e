"""The SQL of applying a batch of incoming posts at once (``services/inbound/note_batch``):
one query or one ``executemany`` for the whole batch each, statements built once."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, bindparam, case, exists, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store import account_domain_blocks as domain_blocks_q
from server.store.accounts import AccountRow
from server.store.graph import ACCEPTED
from server.store.statuses import StatusRow
from server.store.tables import (
    account_domain_blocks,
    account_stats,
    accounts,
    blocks,
    follows,
    home_feed,
    mentions,
    notifications,
    status_tags,
    statuses,
    tags,
)
from server.store.upsert import insert_for

_EXISTING = select(statuses.c.uri).where(statuses.c.uri.in_(bindparam("uris", expanding=True)))
_LOCAL_BY_KEYS = select(accounts).where(
    accounts.c.username_key.in_(bindparam("keys", expanding=True)), accounts.c.domain.is_(None)
)
_PARENTS = select(statuses).where(
    or_(
        statuses.c.id.in_(bindparam("ids", expanding=True)),
        statuses.c.uri.in_(bindparam("uris", expanding=True)),
    )
)
_FOLLOWERS = (
    select(follows.c.target_account_id, follows.c.account_id)
    .join(accounts, accounts.c.id == follows.c.account_id)
    .where(
        follows.c.target_account_id.in_(bindparam("authors", expanding=True)),
        follows.c.state == ACCEPTED,
        accounts.c.domain.is_(None),
    )
)
_INSERT_STATUS = insert(statuses)
_LINK_ORPHANS = (
    update(statuses)
    .where(
        and_(statuses.c.in_reply_to_uri == bindparam("b_uri"), statuses.c.in_reply_to_id.is_(None))
    )
    .values(in_reply_to_id=bindparam("b_id"), in_reply_to_account_id=bindparam("b_account"))
)
_REPLIES = statuses.c.replies_count + bindparam("b_delta")
_ADD_REPLIES = (
    update(statuses)
    .where(statuses.c.id == bindparam("b_id"))
    .values(replies_count=case((_REPLIES < 0, 0), else_=_REPLIES))
)
_INSERT_MENTIONS = insert(mentions)
_TAGS_BY_NAME = select(tags.c.name, tags.c.id).where(
    tags.c.name.in_(bindparam("names", expanding=True))
)
_INSERT_STATUS_TAGS = insert(status_tags)
_INSERT_HOME = insert(home_feed)
_INSERT_NOTIFICATIONS = insert(notifications)
_BLOCKS_BETWEEN = select(blocks.c.account_id, blocks.c.target_account_id).where(
    or_(
        and_(
            blocks.c.account_id.in_(bindparam("members", expanding=True)),
            blocks.c.target_account_id.in_(bindparam("others", expanding=True)),
        ),
        and_(
            blocks.c.account_id.in_(bindparam("others2", expanding=True)),
            blocks.c.target_account_id.in_(bindparam("members2", expanding=True)),
        ),
    )
)
_BLOCKING_DOMAINS = (
    select(account_domain_blocks.c.account_id)
    .where(account_domain_blocks.c.account_id.in_(bindparam("members", expanding=True)))
    .distinct()
)
_OTHER = accounts.alias("other")
_ON_BLOCKED_DOMAINS = select(_OTHER.c.id).where(
    _OTHER.c.id.in_(bindparam("others", expanding=True)),
    _OTHER.c.domain.in_(domain_blocks_q.blocked_domains(bindparam("member"))),
    ~exists().where(
        and_(
            follows.c.account_id == bindparam("member"),
            follows.c.target_account_id == _OTHER.c.id,
        )
    ),
)


@functools.cache
def _statements(dialect: str) -> tuple[Any, Any]:
    """The per-dialect upserts: new tags, and the authors' post counters."""
    new_tags = insert_for(dialect, tags).on_conflict_do_nothing(index_elements=["name"])
    c = account_stats.c
    counters = insert_for(dialect, account_stats).values(
        account_id=bindparam("b_account"),
        statuses_count=bindparam("b_count"),
        followers_count=0,
        following_count=0,
        last_status_at=bindparam("b_last"),
    )
    new = counters.excluded
    bump = counters.on_conflict_do_update(
        index_elements=["account_id"],
        set_={
            # The newest post's time, whatever order posts arrive in (as stats.bump).
            "statuses_count": c.statuses_count + new.statuses_count,
            "last_status_at": case(
                (c.last_status_at.is_(None), new.last_status_at),
                (c.last_status_at < new.last_status_at, new.last_status_at),
                else_=c.last_status_at,
            ),
        },
    )
    return new_tags, bump


async def existing_uris(conn: AsyncConnection, uris: list[str]) -> set[str]:
    """Which of ``uris`` are posts we have."""
    return {r[0] for r in await conn.execute(_EXISTING, {"uris": uris})}


async def local_accounts(conn: AsyncConnection, keys: list[str]) -> dict[str, AccountRow]:
    """Our accounts by username key."""
    found = (await conn.execute(_LOCAL_BY_KEYS, {"keys": keys})).mappings().all()
    return {r["username_key"]: AccountRow.from_row(r) for r in found}


async def statuses_by(conn: AsyncConnection, ids: list[int], uris: list[str]) -> list[StatusRow]:
    """The posts with these ids or these uris."""
    rows = (await conn.execute(_PARENTS, {"ids": ids, "uris": uris})).mappings().all()
    return [StatusRow.from_row(r) for r in rows]


async def local_followers(conn: AsyncConnection, author_ids: set[int]) -> dict[int, list[int]]:
    """Each author's accepted followers who are members here."""
    out: dict[int, list[int]] = {a: [] for a in author_ids}
    for target, follower in await conn.execute(_FOLLOWERS, {"authors": sorted(author_ids)}):
        out[target].append(follower)
    return out


async def insert_statuses(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    await conn.execute(_INSERT_STATUS, rows)


async def link_orphans(conn: AsyncConnection, posts: Iterable[StatusRow]) -> None:
    """Replies stored before these posts (their parents) now point at them."""
    rows = [{"b_uri": s.uri, "b_id": s.id, "b_account": s.account_id} for s in posts]
    await conn.execute(_LINK_ORPHANS, rows)


async def insert_mentions(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(_INSERT_MENTIONS, rows)


async def tag_ids(conn: AsyncConnection, names: list[str], new_id: Any) -> dict[str, int]:
    """The ids of the tags ``names`` (lower case), made for those not there yet."""
    found = dict((await conn.execute(_TAGS_BY_NAME, {"names": names})).all())
    missing = [n for n in names if n not in found]
    if missing:
        new_tags = _statements(conn.dialect.name)[0]
        await conn.execute(new_tags, [{"id": new_id(), "name": n} for n in missing])
        found.update((await conn.execute(_TAGS_BY_NAME, {"names": missing})).all())
    return found


async def insert_status_tags(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(_INSERT_STATUS_TAGS, rows)


async def insert_home(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(_INSERT_HOME, rows)


async def insert_notifications(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(_INSERT_NOTIFICATIONS, rows)


async def add_replies(conn: AsyncConnection, deltas: dict[int, int]) -> None:
    """Add to posts' reply counts, in id order (see ``count_posts``)."""
    if deltas:
        rows = [{"b_id": i, "b_delta": n} for i, n in sorted(deltas.items())]
        await conn.execute(_ADD_REPLIES, rows)


async def count_posts(
    conn: AsyncConnection, counts: dict[int, int], newest: dict[int, Any]
) -> None:
    """Add to each author's post counter and newest post time (as ``insert_status``),
    in id order: rows another worker's batch may update too are locked briefly,
    never crosswise."""
    if counts:
        rows = [
            {"b_account": a, "b_count": n, "b_last": newest[a]} for a, n in sorted(counts.items())
        ]
        await conn.execute(_statements(conn.dialect.name)[1], rows)


async def silenced(conn: AsyncConnection, pairs: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """The (member, other) pairs ``notify`` stays silent for: a block either way,
    or the other on a server the member blocks (and does not follow)."""
    members = sorted({m for m, _ in pairs})
    others = sorted({o for _, o in pairs})
    out: set[tuple[int, int]] = set()
    params = {"members": members, "others": others, "members2": members, "others2": others}
    for a, b in await conn.execute(_BLOCKS_BETWEEN, params):
        out |= {(a, b), (b, a)} & pairs
    blocking = [r[0] for r in await conn.execute(_BLOCKING_DOMAINS, {"members": members})]
    for member in blocking:
        mine = sorted({o for m, o in pairs if m == member})
        for r in await conn.execute(_ON_BLOCKED_DOMAINS, {"others": mine, "member": member}):
            out.add((member, r[0]))
    return out
