"""API bearer tokens: issue, authenticate, revoke.

A token is 32 random bytes (URL-safe base64); only its SHA-256 is stored, so
a leaked database does not leak usable tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from server.services.errors import Forbidden, Unauthorized, ValidationError
from server.services.members import get_member
from server.store import Database
from server.store import accounts as account_queries
from server.store import tokens as q
from server.store.accounts import AccountRow

# Mastodon's scopes: the three top-level ones plus the granular ones.
TOP_LEVEL_SCOPES = frozenset(
    {"read", "write", "follow", "push", "profile", "admin:read", "admin:write"}
)
GRANULAR = {
    "read": (
        "accounts", "blocks", "bookmarks", "favourites", "filters", "follows", "lists",
        "mutes", "notifications", "search", "statuses",
    ),
    "write": (
        "accounts", "blocks", "bookmarks", "conversations", "favourites", "filters",
        "follows", "lists", "media", "mutes", "notifications", "reports", "statuses",
    ),
    # Mastodon's granular admin scopes, for the admin API routes this server answers.
    "admin:read": ("accounts", "domain_allows", "domain_blocks", "reports"),
    "admin:write": ("accounts", "domain_allows", "domain_blocks", "reports"),
}  # fmt: skip
KNOWN_SCOPES = TOP_LEVEL_SCOPES | {
    f"{top}:{name}" for top, names in GRANULAR.items() for name in names
}
DEFAULT_SCOPES = "read write follow"
# Record use at most this often: a write on every API call would cost too much.
TOUCH_EVERY = timedelta(hours=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_scopes(value: str) -> tuple[str, ...]:
    """Split and check a space-separated scope list; keep the given order."""
    scopes = tuple(dict.fromkeys(value.split()))
    if not scopes:
        raise ValidationError("at least one scope is needed", field="scopes")
    unknown = [s for s in scopes if s not in KNOWN_SCOPES]
    if unknown:
        raise ValidationError(f"unknown scope(s): {' '.join(unknown)}", field="scopes")
    return scopes


def scope_allows(granted: tuple[str, ...], needed: str) -> bool:
    """A scope grants the scopes under it (``read`` grants ``read:statuses``,
    ``admin:read`` grants ``admin:read:domain_blocks``, but ``read`` no admin
    scope); ``follow`` grants the follow parts of read and write."""
    if needed in granted:
        return True
    parts = needed.split(":")
    if any(":".join(parts[:i]) in granted for i in range(1, len(parts))):
        return True
    follow_parts = {
        "read:follows",
        "write:follows",
        "read:blocks",
        "write:blocks",
        "read:mutes",
        "write:mutes",
    }
    return "follow" in granted and needed in follow_parts


@dataclass(frozen=True, slots=True)
class Authenticated:
    account: AccountRow
    scopes: tuple[str, ...]
    token_id: int
    application_id: int | None = None


@dataclass(frozen=True, slots=True)
class Grant:
    """What a bearer token stands for: a member, or (app-only) just an application."""

    account: AccountRow | None
    scopes: tuple[str, ...]
    token_id: int
    application_id: int | None


def scopes_cover(granted: tuple[str, ...], wanted: tuple[str, ...]) -> bool:
    """Every wanted scope is allowed by the granted ones."""
    return all(scope_allows(granted, scope) for scope in wanted)


async def issue_token(
    db: Database,
    *,
    account_id: int | None,
    scopes: tuple[str, ...],
    label: str,
    application_id: int | None = None,
) -> str:
    """Store a new token (hashed) and return it; ``account_id`` None makes an app-only token."""
    async with db.transaction() as conn:
        return await add_token(
            conn,
            db.new_id(),
            account_id=account_id,
            scopes=scopes,
            label=label,
            application_id=application_id,
        )


async def add_token(
    conn: AsyncConnection,
    token_id: int,
    *,
    account_id: int | None,
    scopes: tuple[str, ...],
    label: str,
    application_id: int | None = None,
    code_id: int | None = None,
) -> str:
    """:func:`issue_token` inside the caller's transaction (``code_id``: the
    authorization code it is exchanged for)."""
    token = secrets.token_urlsafe(32)
    await q.insert_token(
        conn,
        token_id=token_id,
        account_id=account_id,
        token_hash=hash_token(token),
        scopes=" ".join(scopes),
        label=label,
        now=datetime.now(UTC),
        application_id=application_id,
        code_id=code_id,
    )
    return token


async def create_token(
    db: Database, username: str, *, scopes: str = DEFAULT_SCOPES, label: str = "cli"
) -> str:
    """Issue a new token for a member and return it (shown once, never stored)."""
    parsed = parse_scopes(scopes)
    member = await get_member(db, username)
    return await issue_token(db, account_id=member.id, scopes=parsed, label=label)


async def grant_for(db: Database, token: str) -> Grant:
    """The member (or app) and scopes behind a bearer token, or Unauthorized."""
    async with db.read() as conn:
        row = await q.find_active_token(conn, hash_token(token))
        account = None
        if row is not None and row.account_id is not None:
            account = await account_queries.get_account(conn, row.account_id)
    if row is None or (row.account_id is not None and account is None):
        raise Unauthorized("The access token is invalid")
    if account is not None and account.suspended_at is not None:
        raise Unauthorized("The access token is invalid")
    now = datetime.now(UTC)
    if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
        async with db.transaction() as conn:
            await q.touch_token(conn, row.id, now)
    return Grant(account, tuple(row.scopes.split()), row.id, row.application_id)


async def authenticate(db: Database, token: str) -> Authenticated:
    """The member and scopes behind a bearer token; an app-only token is Forbidden here."""
    grant = await grant_for(db, token)
    if grant.account is None:
        raise Forbidden("This method requires an authenticated user")
    return Authenticated(grant.account, grant.scopes, grant.token_id, grant.application_id)
