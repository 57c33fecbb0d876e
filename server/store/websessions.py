"""Queries on browser sessions (``web_sessions``): only token hashes are stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, case, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.accounts import AccountRow
from server.store.interactions import unseen_count
from server.store.tables import accounts, signups, users, web_sessions


@dataclass(frozen=True, slots=True)
class SessionRow:
    id: int
    account_id: int
    csrf_token: str
    user_agent: str
    ip: str
    created_at: datetime
    last_seen_at: datetime


def _row(values: object) -> SessionRow:
    return SessionRow(**{name: values[name] for name in SessionRow.__slots__})  # type: ignore[index]


async def insert_session(conn: AsyncConnection, values: dict[str, object]) -> None:
    await conn.execute(insert(web_sessions).values(**values))


@dataclass(frozen=True, slots=True)
class FoundSession:
    session: SessionRow
    account: AccountRow
    role: str
    notifications_seen_id: int
    unseen: int  # notifications since then (at most the cap asked for)
    waiting: int | None  # sign-ups awaiting approval, for the role asked about (else None)


def _find_session_query():  # type: ignore[no-untyped-def]
    unseen = unseen_count(
        accounts.c.id,
        users.c.notifications_seen_id,
        now=bindparam("now", type_=web_sessions.c.last_seen_at.type),
        cap=bindparam("cap"),
    )
    waiting = select(func.count()).select_from(signups).scalar_subquery()
    return (
        select(
            accounts,
            users.c.role,
            users.c.notifications_seen_id,
            unseen.label("unseen"),
            case((users.c.role == bindparam("waiting_role"), waiting)).label("waiting"),
            *(web_sessions.c[name].label(f"s_{name}") for name in SessionRow.__slots__),
        )
        .select_from(
            web_sessions.join(accounts, accounts.c.id == web_sessions.c.account_id).join(
                users, users.c.account_id == accounts.c.id
            )
        )
        .where(web_sessions.c.token_hash == bindparam("token_hash"))
    )


# Built once: every signed-in page runs it, and building it cost more than running it.
_FIND_SESSION = _find_session_query()


async def find_session(
    conn: AsyncConnection, token_hash: str, *, now: datetime, unseen_cap: int, waiting_role: str
) -> FoundSession | None:
    """The session with this token, its member, the member's role, how far they
    have seen their notifications and how many came since, and for a member of
    ``waiting_role`` how many sign-ups wait: one statement for what every
    signed-in page's frame needs."""
    params = {"token_hash": token_hash, "now": now, "cap": unseen_cap, "waiting_role": waiting_role}
    row = (await conn.execute(_FIND_SESSION, params)).mappings().first()
    if row is None:
        return None
    session = SessionRow(**{name: row[f"s_{name}"] for name in SessionRow.__slots__})
    return FoundSession(
        session,
        AccountRow.from_row(row),
        str(row["role"]),
        int(row["notifications_seen_id"]),
        int(row["unseen"]),
        None if row["waiting"] is None else int(row["waiting"]),
    )


async def touch_session(conn: AsyncConnection, session_id: int, now: datetime, ip: str) -> None:
    await conn.execute(
        update(web_sessions).where(web_sessions.c.id == session_id).values(last_seen_at=now, ip=ip)
    )


async def list_sessions(conn: AsyncConnection, account_id: int) -> list[SessionRow]:
    query = (
        select(web_sessions)
        .where(web_sessions.c.account_id == account_id)
        .order_by(web_sessions.c.last_seen_at.desc())
    )
    return [_row(r) for r in (await conn.execute(query)).mappings().all()]


async def delete_session(conn: AsyncConnection, account_id: int, session_id: int) -> bool:
    result = await conn.execute(
        delete(web_sessions).where(
            web_sessions.c.id == session_id, web_sessions.c.account_id == account_id
        )
    )
    return bool(result.rowcount)


async def delete_sessions(
    conn: AsyncConnection, account_id: int, *, keep: int | None = None
) -> int:
    """End every session of a member (but ``keep``); how many ended."""
    query = delete(web_sessions).where(web_sessions.c.account_id == account_id)
    if keep is not None:
        query = query.where(web_sessions.c.id != keep)
    return int((await conn.execute(query)).rowcount or 0)


async def delete_idle_sessions(conn: AsyncConnection, seen_before: datetime) -> int:
    query = delete(web_sessions).where(web_sessions.c.last_seen_at < seen_before)
    return int((await conn.execute(query)).rowcount or 0)
