"""Queries on OAuth applications and authorization codes (secrets stored hashed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.tables import oauth_applications, oauth_codes


@dataclass(frozen=True, slots=True)
class ApplicationRow:
    id: int
    name: str
    website: str | None
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]
    client_id: str
    client_secret_hash: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CodeRow:
    id: int
    application_id: int
    account_id: int
    redirect_uri: str
    scopes: str
    code_challenge: str | None
    expires_at: datetime
    used_at: datetime | None


def _application(row: object) -> ApplicationRow:
    m = row._mapping  # type: ignore[attr-defined]
    return ApplicationRow(
        m["id"],
        m["name"],
        m["website"],
        tuple(m["redirect_uris"].split("\n")),
        tuple(m["scopes"].split()),
        m["client_id"],
        m["client_secret_hash"],
        m["created_at"],
    )


async def insert_application(
    conn: AsyncConnection,
    *,
    app_id: int,
    name: str,
    website: str | None,
    redirect_uris: tuple[str, ...],
    scopes: tuple[str, ...],
    client_id: str,
    client_secret_hash: str,
    now: datetime,
) -> None:
    await conn.execute(
        insert(oauth_applications).values(
            id=app_id,
            name=name,
            website=website,
            redirect_uris="\n".join(redirect_uris),
            scopes=" ".join(scopes),
            client_id=client_id,
            client_secret_hash=client_secret_hash,
            created_at=now,
        )
    )


async def get_application(
    conn: AsyncConnection, *, client_id: str | None = None, app_id: int | None = None
) -> ApplicationRow | None:
    query = select(oauth_applications)
    if client_id is not None:
        query = query.where(oauth_applications.c.client_id == client_id)
    else:
        query = query.where(oauth_applications.c.id == app_id)
    row = (await conn.execute(query)).first()
    return _application(row) if row else None


async def insert_code(
    conn: AsyncConnection,
    *,
    code_id: int,
    code_hash: str,
    application_id: int,
    account_id: int,
    redirect_uri: str,
    scopes: str,
    code_challenge: str | None,
    now: datetime,
    expires_at: datetime,
) -> None:
    await conn.execute(
        insert(oauth_codes).values(
            id=code_id,
            code_hash=code_hash,
            application_id=application_id,
            account_id=account_id,
            redirect_uri=redirect_uri,
            scopes=scopes,
            code_challenge=code_challenge,
            created_at=now,
            expires_at=expires_at,
        )
    )


async def purge_codes(conn: AsyncConnection, expired_before: datetime, limit: int) -> int:
    """Delete up to ``limit`` authorization codes that expired before
    ``expired_before``; how many. Tokens bought with them keep working (their
    ``code_id`` becomes NULL)."""
    old = select(oauth_codes.c.id).where(oauth_codes.c.expires_at < expired_before).limit(limit)
    result = await conn.execute(
        delete(oauth_codes).where(oauth_codes.c.id.in_(old.scalar_subquery()))
    )
    return result.rowcount


async def claim_code(conn: AsyncConnection, code_hash: str, now: datetime) -> CodeRow | None:
    """The code, marked used in the same statement's transaction; None if unknown.

    ``used_at`` on the returned row is its value *before* this claim: a code
    seen with ``used_at`` set was already spent.
    """
    row = (
        await conn.execute(select(oauth_codes).where(oauth_codes.c.code_hash == code_hash))
    ).first()
    if row is None:
        return None
    m = row._mapping
    result = await conn.execute(
        update(oauth_codes)
        .where(oauth_codes.c.id == m["id"], oauth_codes.c.used_at.is_(None))
        .values(used_at=now)
    )
    # Another request claimed it between the select and the update.
    used_at = m["used_at"] if result.rowcount == 1 else (m["used_at"] or now)
    return CodeRow(
        m["id"],
        m["application_id"],
        m["account_id"],
        m["redirect_uri"],
        m["scopes"],
        m["code_challenge"],
        m["expires_at"],
        used_at,
    )


async def spend_member_codes(
    conn: AsyncConnection, account_id: int, application_id: int, now: datetime
) -> None:
    """Mark the member's unused codes for the application used: none of them can buy
    a token any more (one presented later counts as used twice)."""
    await conn.execute(
        update(oauth_codes)
        .where(
            oauth_codes.c.account_id == account_id,
            oauth_codes.c.application_id == application_id,
            oauth_codes.c.used_at.is_(None),
        )
        .values(used_at=now)
    )
