"""Queries on API bearer tokens (stored as SHA-256 hashes only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.tables import api_tokens


@dataclass(frozen=True, slots=True)
class TokenRow:
    id: int
    account_id: int | None
    scopes: str
    label: str
    created_at: datetime
    last_used_at: datetime | None
    application_id: int | None = None


async def insert_token(
    conn: AsyncConnection,
    *,
    token_id: int,
    account_id: int | None,
    token_hash: str,
    scopes: str,
    label: str,
    now: datetime,
    application_id: int | None = None,
    code_id: int | None = None,
) -> None:
    await conn.execute(
        insert(api_tokens).values(
            id=token_id,
            account_id=account_id,
            token_hash=token_hash,
            scopes=scopes,
            label=label,
            created_at=now,
            application_id=application_id,
            code_id=code_id,
        )
    )


async def find_active_token(conn: AsyncConnection, token_hash: str) -> TokenRow | None:
    query = select(api_tokens).where(
        api_tokens.c.token_hash == token_hash, api_tokens.c.revoked_at.is_(None)
    )
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    return TokenRow(
        row["id"],
        row["account_id"],
        row["scopes"],
        row["label"],
        row["created_at"],
        row["last_used_at"],
        row["application_id"],
    )


async def touch_token(conn: AsyncConnection, token_id: int, now: datetime) -> None:
    await conn.execute(
        update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=now)
    )


async def revoke_token(conn: AsyncConnection, token_id: int, now: datetime) -> None:
    await conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(revoked_at=now))


async def revoke_by_hash(
    conn: AsyncConnection, token_hash: str, application_id: int, now: datetime
) -> None:
    """Revoke a token if it belongs to the application (anything else: no change)."""
    await conn.execute(
        update(api_tokens)
        .where(
            api_tokens.c.token_hash == token_hash,
            api_tokens.c.application_id == application_id,
            api_tokens.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )


async def revoke_for_code(conn: AsyncConnection, code_id: int, now: datetime) -> int:
    """Revoke every live token exchanged for the authorization code; how many."""
    result = await conn.execute(
        update(api_tokens)
        .where(api_tokens.c.code_id == code_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount
