"""Queries on connections, connection requests and member blocks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Select,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    union,
    union_all,
    update,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from server.store.accounts import AccountRow
from server.store.statuses import Page, in_display_order, paged
from server.store.tables import accounts, blocks, connection_requests, connections

PENDING = "pending"
ACCEPTED = "accepted"
DECLINED = "declined"
WITHDRAWN = "withdrawn"


@dataclass(frozen=True, slots=True)
class RequestRow:
    id: int
    account_id: int
    target_account_id: int
    note: str
    state: str
    uri: str
    fallback: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> RequestRow:
        return cls(**{name: row[name] for name in cls.__slots__})


@dataclass(frozen=True, slots=True)
class ConnectionRow:
    peer: AccountRow
    note: str
    created_at: datetime


# --- connections ------------------------------------------------------------------


async def insert_connection(
    conn: AsyncConnection, a: int, b: int, note: str, now: datetime
) -> bool:
    """Connect ``a`` and ``b`` (both directions); False when they already were."""
    if await are_connected(conn, a, b):
        return False
    rows = [
        {"account_id": a, "peer_id": b, "note": note, "created_at": now},
        {"account_id": b, "peer_id": a, "note": note, "created_at": now},
    ]
    await conn.execute(insert(connections), rows)
    return True


async def delete_connection(conn: AsyncConnection, a: int, b: int) -> bool:
    """Disconnect ``a`` and ``b``; False when they were not connected."""
    result = await conn.execute(
        delete(connections).where(
            or_(
                and_(connections.c.account_id == a, connections.c.peer_id == b),
                and_(connections.c.account_id == b, connections.c.peer_id == a),
            )
        )
    )
    return result.rowcount > 0


_CONNECTED = select(
    exists().where(
        connections.c.account_id == bindparam("a"), connections.c.peer_id == bindparam("b")
    )
)


async def are_connected(conn: AsyncConnection, a: int, b: int) -> bool:
    return bool((await conn.execute(_CONNECTED, {"a": a, "b": b})).scalar())


async def connected_among(conn: AsyncConnection, account_id: int, ids: Iterable[int]) -> set[int]:
    """Which of ``ids`` ``account_id`` is connected with."""
    wanted = list(set(ids))
    if not wanted:
        return set()
    c = connections.c
    query = select(c.peer_id).where(c.account_id == account_id, c.peer_id.in_(wanted))
    return {row[0] for row in await conn.execute(query)}


async def list_connections(
    conn: AsyncConnection, account_id: int, *, limit: int, offset: int = 0
) -> list[ConnectionRow]:
    """The account's connections, most recent first."""
    params = {"account": account_id, "limit": limit, "offset": offset}
    rows = (await conn.execute(_CONNECTIONS, params)).mappings().all()
    return [ConnectionRow(AccountRow.from_row(r), r["note"], r["connected_at"]) for r in rows]


_CONNECTIONS = (
    select(connections.c.note, connections.c.created_at.label("connected_at"), accounts)
    .join(accounts, accounts.c.id == connections.c.peer_id)
    .where(connections.c.account_id == bindparam("account"))
    .order_by(connections.c.created_at.desc(), connections.c.peer_id.desc())
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)


def connections_counted(account_id: int | BindParameter[int]) -> Select[tuple[int]]:
    return select(func.count()).where(connections.c.account_id == account_id)


_COUNT_CONNECTIONS = connections_counted(bindparam("account"))


async def count_connections(conn: AsyncConnection, account_id: int) -> int:
    return int((await conn.execute(_COUNT_CONNECTIONS, {"account": account_id})).scalar_one())


# --- connection requests ------------------------------------------------------------


async def insert_request(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(insert(connection_requests).values(**values))


async def get_request(conn: AsyncConnection, request_id: int) -> RequestRow | None:
    query = select(connection_requests).where(connection_requests.c.id == request_id)
    row = (await conn.execute(query)).mappings().first()
    return RequestRow.from_row(row) if row else None


async def get_requests(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, RequestRow]:
    if not ids:
        return {}
    query = select(connection_requests).where(connection_requests.c.id.in_(sorted(set(ids))))
    rows = (await conn.execute(query)).mappings().all()
    return {r["id"]: RequestRow.from_row(r) for r in rows}


async def get_request_by_uri(conn: AsyncConnection, uri: str) -> RequestRow | None:
    query = select(connection_requests).where(connection_requests.c.uri == uri)
    row = (await conn.execute(query)).mappings().first()
    return RequestRow.from_row(row) if row else None


def _from_to(
    account_id: int | BindParameter[Any], target_id: int | BindParameter[Any]
) -> ColumnElement[bool]:
    return and_(
        connection_requests.c.account_id == account_id,
        connection_requests.c.target_account_id == target_id,
    )


async def count_requested_since(
    conn: AsyncConnection, account_id: int, since: datetime, *, except_uri_like: str | None = None
) -> int:
    """Connection requests ``account_id`` made since ``since``, whatever became of
    them (but those whose uri is ``LIKE except_uri_like``)."""
    query = select(func.count()).where(
        connection_requests.c.account_id == account_id, connection_requests.c.created_at >= since
    )
    if except_uri_like is not None:
        query = query.where(connection_requests.c.uri.not_like(except_uri_like))
    return int((await conn.execute(query)).scalar_one())


async def pending_request(
    conn: AsyncConnection, account_id: int, target_id: int
) -> RequestRow | None:
    """The pending request from ``account_id`` to ``target_id``, if any."""
    query = select(connection_requests).where(
        _from_to(account_id, target_id), connection_requests.c.state == PENDING
    )
    row = (await conn.execute(query)).mappings().first()
    return RequestRow.from_row(row) if row else None


async def ever_requested(conn: AsyncConnection, account_id: int, target_id: int) -> bool:
    """Whether ``account_id`` ever asked ``target_id`` to connect (any state)."""
    query = select(connection_requests.c.id).where(_from_to(account_id, target_id)).limit(1)
    return (await conn.execute(query)).first() is not None


_PENDING_BETWEEN = select(connection_requests).where(
    or_(_from_to(bindparam("a"), bindparam("b")), _from_to(bindparam("b"), bindparam("a"))),
    connection_requests.c.state == PENDING,
)


async def pending_between(conn: AsyncConnection, a: int, b: int) -> list[RequestRow]:
    """The pending requests between ``a`` and ``b``, either way (one read for a
    profile's relationship box instead of one per direction)."""
    rows = (await conn.execute(_PENDING_BETWEEN, {"a": a, "b": b})).mappings()
    return [RequestRow.from_row(r) for r in rows]


async def set_request_state(
    conn: AsyncConnection, request_id: int, state: str, now: datetime
) -> None:
    await conn.execute(
        update(connection_requests)
        .where(connection_requests.c.id == request_id)
        .values(state=state, updated_at=now)
    )


async def list_requests(
    conn: AsyncConnection, account_id: int, page: Page, *, incoming: bool
) -> list[RequestRow]:
    """Pending requests to (``incoming``) or from the account, newest first."""
    mine = connection_requests.c.target_account_id if incoming else connection_requests.c.account_id
    query = select(connection_requests).where(
        mine == account_id, connection_requests.c.state == PENDING
    )
    rows = (await conn.execute(paged(query, connection_requests.c.id, page))).mappings().all()
    found = [RequestRow.from_row(r) for r in rows]
    return in_display_order(found, page, key=lambda r: r.id)


def requests_counted(account_id: int | BindParameter[int], *, incoming: bool) -> Select[tuple[int]]:
    """How many pending requests were sent to (``incoming``) or by the account."""
    mine = connection_requests.c.target_account_id if incoming else connection_requests.c.account_id
    return select(func.count()).where(mine == account_id, connection_requests.c.state == PENDING)


def _states_query():  # type: ignore[no-untyped-def]
    """``connection_states`` in one statement (a list of people asks it per page):
    ``c`` connected, ``s`` a request sent, ``r`` one received (with its id)."""
    viewer, ids = bindparam("viewer"), bindparam("ids", expanding=True)
    pending = connection_requests.c.state == PENDING
    return union_all(
        select(literal_column("'c'"), connections.c.peer_id, connections.c.peer_id).where(
            connections.c.account_id == viewer, connections.c.peer_id.in_(ids)
        ),
        select(
            literal_column("'s'"), connection_requests.c.target_account_id, connection_requests.c.id
        ).where(
            connection_requests.c.account_id == viewer,
            connection_requests.c.target_account_id.in_(ids),
            pending,
        ),
        select(
            literal_column("'r'"), connection_requests.c.account_id, connection_requests.c.id
        ).where(
            connection_requests.c.target_account_id == viewer,
            connection_requests.c.account_id.in_(ids),
            pending,
        ),
    )


_STATES = _states_query()


async def connection_states(
    conn: AsyncConnection, viewer_id: int, ids: Sequence[int]
) -> tuple[set[int], set[int], dict[int, int]]:
    """Of ``ids``: who is connected to the viewer, to whom the viewer's request is
    pending, and who asked the viewer (with their pending request's id)."""
    wanted = sorted(set(ids) - {viewer_id})
    connected: set[int] = set()
    sent: set[int] = set()
    received: dict[int, int] = {}
    if wanted:
        for kind, account_id, row_id in await conn.execute(
            _STATES, {"viewer": viewer_id, "ids": wanted}
        ):
            if kind == "c":
                connected.add(account_id)
            elif kind == "s":
                sent.add(account_id)
            else:
                received[account_id] = row_id
    return connected, sent, received


# --- blocks ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BlockRow:
    account_id: int
    target_account_id: int
    uri: str | None


async def insert_block(
    conn: AsyncConnection, account_id: int, target_id: int, now: datetime, uri: str | None = None
) -> bool:
    """Store a block; False (and nothing changes) when it stands already."""
    if await blocked_either_way(conn, account_id, target_id, one_way=True):
        return False
    await conn.execute(
        insert(blocks).values(
            account_id=account_id, target_account_id=target_id, created_at=now, uri=uri
        )
    )
    return True


async def get_block(conn: AsyncConnection, account_id: int, target_id: int) -> BlockRow | None:
    query = select(blocks).where(
        blocks.c.account_id == account_id, blocks.c.target_account_id == target_id
    )
    row = (await conn.execute(query)).mappings().first()
    return BlockRow(row["account_id"], row["target_account_id"], row["uri"]) if row else None


async def get_block_by_uri(conn: AsyncConnection, uri: str) -> BlockRow | None:
    row = (await conn.execute(select(blocks).where(blocks.c.uri == uri))).mappings().first()
    return BlockRow(row["account_id"], row["target_account_id"], row["uri"]) if row else None


async def delete_block(conn: AsyncConnection, account_id: int, target_id: int) -> bool:
    result = await conn.execute(
        delete(blocks).where(
            blocks.c.account_id == account_id, blocks.c.target_account_id == target_id
        )
    )
    return bool(result.rowcount)


async def blocked_either_way(
    conn: AsyncConnection, a: int, b: int, *, one_way: bool = False
) -> bool:
    """True when ``a`` blocks ``b`` (or, unless ``one_way``, ``b`` blocks ``a``)."""
    forward = and_(blocks.c.account_id == a, blocks.c.target_account_id == b)
    backward = and_(blocks.c.account_id == b, blocks.c.target_account_id == a)
    query = select(exists().where(forward if one_way else or_(forward, backward)))
    return bool((await conn.execute(query)).scalar())


async def blocked_among(conn: AsyncConnection, account_id: int, ids: Iterable[int]) -> set[int]:
    """Which of ``ids`` block ``account_id`` or are blocked by it."""
    wanted = list(set(ids))
    if not wanted:
        return set()
    b = blocks.c
    forward = select(b.target_account_id).where(
        b.account_id == account_id, b.target_account_id.in_(wanted)
    )
    backward = select(b.account_id).where(
        b.target_account_id == account_id, b.account_id.in_(wanted)
    )
    return {row[0] for row in await conn.execute(union(forward, backward))}


async def list_blocked(
    conn: AsyncConnection, account_id: int, page: Page
) -> list[tuple[int, AccountRow]]:
    """Accounts the member blocks (paged by account id)."""
    query = (
        select(accounts)
        .join(blocks, blocks.c.target_account_id == accounts.c.id)
        .where(blocks.c.account_id == account_id)
    )
    rows = (await conn.execute(paged(query, blocks.c.target_account_id, page))).mappings().all()
    found = [(r["id"], AccountRow.from_row(r)) for r in rows]
    return in_display_order(found, page, key=lambda pair: pair[0])
