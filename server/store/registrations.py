"""Queries on invites and on sign-ups waiting for approval."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.accounts import DuplicateError
from server.store.tables import invites, signups


@dataclass(frozen=True, slots=True)
class InviteRow:
    id: int
    code: str
    created_by_id: int | None
    max_uses: int | None
    uses: int
    expires_at: datetime | None
    created_at: datetime
    revoked_at: datetime | None

    def usable(self, now: datetime) -> bool:
        return (
            self.revoked_at is None
            and (self.expires_at is None or self.expires_at > now)
            and (self.max_uses is None or self.uses < self.max_uses)
        )


@dataclass(frozen=True, slots=True)
class SignupRow:
    id: int
    username: str
    display_name: str
    password_hash: str
    reason: str
    ip: str
    created_at: datetime


def _invite(row: object) -> InviteRow:
    return InviteRow(**{name: row[name] for name in InviteRow.__slots__})  # type: ignore[index]


def _signup(row: object) -> SignupRow:
    return SignupRow(**{name: row[name] for name in SignupRow.__slots__})  # type: ignore[index]


async def insert_invite(conn: AsyncConnection, values: dict[str, object]) -> None:
    await conn.execute(insert(invites).values(**values))


async def get_invite_by_code(conn: AsyncConnection, code: str) -> InviteRow | None:
    row = (await conn.execute(select(invites).where(invites.c.code == code))).mappings().first()
    return _invite(row) if row else None


def _usable(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        invites.c.revoked_at.is_(None),
        or_(invites.c.expires_at.is_(None), invites.c.expires_at > now),
        or_(invites.c.max_uses.is_(None), invites.c.uses < invites.c.max_uses),
    )


async def list_invites(conn: AsyncConnection, now: datetime, *, limit: int) -> list[InviteRow]:
    """Invites that can still be used, newest first."""
    query = select(invites).where(*_usable(now)).order_by(invites.c.id.desc()).limit(limit)
    return [_invite(r) for r in (await conn.execute(query)).mappings().all()]


async def count_invites(conn: AsyncConnection, now: datetime) -> int:
    """How many invites can still be used."""
    query = select(func.count()).select_from(invites).where(*_usable(now))
    return int((await conn.execute(query)).scalar_one())


async def use_invite(conn: AsyncConnection, invite_id: int, now: datetime) -> bool:
    """Count one use, if the invite is still usable (checked and counted in one statement,
    so two sign-ups at once cannot both take an invite's last use)."""
    result = await conn.execute(
        update(invites)
        .where(invites.c.id == invite_id, *_usable(now))
        .values(uses=invites.c.uses + 1)
    )
    return bool(result.rowcount)


async def revoke_invite(conn: AsyncConnection, invite_id: int, now: datetime) -> bool:
    result = await conn.execute(
        update(invites)
        .where(invites.c.id == invite_id, invites.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return bool(result.rowcount)


async def insert_signup(conn: AsyncConnection, values: dict[str, object]) -> None:
    row = {**values, "username_key": str(values["username"]).lower()}
    try:
        await conn.execute(insert(signups).values(**row))
    except IntegrityError as exc:
        raise DuplicateError(str(exc.orig)) from exc


async def signup_waiting(conn: AsyncConnection, username: str) -> bool:
    query = select(signups.c.id).where(signups.c.username_key == username.lower())
    return (await conn.execute(query)).first() is not None


async def get_signup(conn: AsyncConnection, signup_id: int) -> SignupRow | None:
    row = (await conn.execute(select(signups).where(signups.c.id == signup_id))).mappings().first()
    return _signup(row) if row else None


async def list_signups(conn: AsyncConnection, *, limit: int) -> list[SignupRow]:
    query = select(signups).order_by(signups.c.id).limit(limit)
    return [_signup(r) for r in (await conn.execute(query)).mappings().all()]


async def count_signups(conn: AsyncConnection) -> int:
    return int((await conn.execute(select(func.count()).select_from(signups))).scalar_one())


async def delete_signup(conn: AsyncConnection, signup_id: int) -> bool:
    result = await conn.execute(delete(signups).where(signups.c.id == signup_id))
    return bool(result.rowcount)
