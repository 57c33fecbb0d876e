"""Queries on API bearer tokens (stored as SHA-256 hashes only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.tables import api_tokens, oauth_applications


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


@dataclass(frozen=True, slots=True)
class AppAccess:
    """The live tokens one application (``application_id`` None: tokens made on the
    command line) holds for one member, taken together."""

    application_id: int | None
    name: str
    website: str | None
    scopes: tuple[str, ...]
    authorized_at: datetime  # the oldest live token
    last_used_at: datetime | None
    tokens: int


async def member_app_access(conn: AsyncConnection, account_id: int) -> list[AppAccess]:
    """Every application holding a live token of the member, most recently authorised first."""
    live = (api_tokens.c.account_id == account_id) & api_tokens.c.revoked_at.is_(None)
    totals = (
        select(
            api_tokens.c.application_id,
            oauth_applications.c.name,
            oauth_applications.c.website,
            func.min(api_tokens.c.created_at).label("authorized_at"),
            func.max(api_tokens.c.created_at).label("newest"),
            func.max(api_tokens.c.last_used_at).label("last_used_at"),
            func.count().label("tokens"),
        )
        .select_from(api_tokens.outerjoin(oauth_applications))
        .where(live)
        .group_by(
            api_tokens.c.application_id, oauth_applications.c.name, oauth_applications.c.website
        )
    )
    scopes: dict[int | None, set[str]] = {}
    found = select(api_tokens.c.application_id, api_tokens.c.scopes).where(live).distinct()
    for app_id, granted in (await conn.execute(found)).all():
        scopes.setdefault(app_id, set()).update(granted.split())
    rows = sorted((await conn.execute(totals)).mappings().all(), key=lambda r: r["newest"])
    return [
        AppAccess(
            r["application_id"],
            r["name"] or "",
            r["website"],
            tuple(sorted(scopes.get(r["application_id"], ()))),
            r["authorized_at"],
            r["last_used_at"],
            int(r["tokens"]),
        )
        for r in reversed(rows)
    ]


async def revoke_member_tokens(
    conn: AsyncConnection,
    account_id: int,
    now: datetime,
    *,
    application_id: int | None = None,
    every_app: bool = False,
) -> int:
    """Revoke the member's live tokens held by one application (None: those made on
    the command line), or by every one; how many."""
    query = update(api_tokens).where(
        api_tokens.c.account_id == account_id, api_tokens.c.revoked_at.is_(None)
    )
    if not every_app:
        query = query.where(
            api_tokens.c.application_id.is_(None)
            if application_id is None
            else api_tokens.c.application_id == application_id
        )
    return int((await conn.execute(query.values(revoked_at=now))).rowcount or 0)
