"""Table definitions (SQLAlchemy Core). The migrations in ``migrations/`` build
exactly these; a test compares the two so they cannot drift apart."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware.

    SQLite keeps no zone; PostgreSQL would keep one. Either way the code only
    ever sees aware UTC datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

# Local members, the instance actor and remote actors alike. ``domain`` is NULL
# for local accounts, whose URLs are derived from the configured domain (so a
# development instance can change port without rewriting rows); remote accounts
# keep the ``uri`` they were fetched from.
accounts = Table(
    "accounts",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("username", String(64), nullable=False),
    Column("username_key", String(64), nullable=False),
    Column("domain", String(255), nullable=True),
    Column("uri", Text, nullable=True, unique=True),
    Column("url", Text, nullable=True),
    Column("actor_type", String(32), nullable=False, server_default="Person"),
    Column("inbox_url", Text, nullable=True),
    Column("shared_inbox_url", Text, nullable=True),
    Column("outbox_url", Text, nullable=True),
    Column("followers_url", Text, nullable=True),
    Column("following_url", Text, nullable=True),
    Column("display_name", String(200), nullable=False, server_default=""),
    Column("headline", String(200), nullable=False, server_default=""),
    Column("summary", Text, nullable=False, server_default=""),
    Column("location", String(200), nullable=False, server_default=""),
    Column("fields", JSON, nullable=False, default=list),
    Column("avatar_url", Text, nullable=True),
    Column("header_url", Text, nullable=True),
    Column("locked", Boolean, nullable=False, server_default="0"),
    Column("discoverable", Boolean, nullable=False, server_default="1"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("fetched_at", UTCDateTime, nullable=True),
    Column("suspended_at", UTCDateTime, nullable=True),
    Index(
        "uq_accounts_local_username",
        "username_key",
        unique=True,
        sqlite_where=text("domain IS NULL"),
        postgresql_where=text("domain IS NULL"),
    ),
    # Not unique: some servers give a Person and a Group the same preferredUsername.
    Index("ix_accounts_username_key_domain", "username_key", "domain"),
)

# Credentials of local members (the instance actor has none).
users = Table(
    "users",
    metadata,
    Column(
        "account_id",
        BigInteger,
        ForeignKey("accounts.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("password_hash", Text, nullable=True),
    Column("role", String(16), nullable=False, server_default="member"),
    Column("created_at", UTCDateTime, nullable=False),
)

# Public keys of every account; private halves only for local accounts.
# ``key_uri`` is NULL for local keys (their ids derive from the actor URL).
keys = Table(
    "keys",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column(
        "account_id",
        BigInteger,
        ForeignKey("accounts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("kind", String(16), nullable=False),
    Column("key_uri", Text, nullable=True, unique=True),
    Column("public_pem", Text, nullable=False),
    Column("private_pem", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

# API bearer tokens; only a SHA-256 of the token is kept.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column(
        "account_id",
        BigInteger,
        ForeignKey("accounts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("scopes", Text, nullable=False),
    Column("label", String(100), nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
)

__all__ = ["accounts", "api_tokens", "keys", "metadata", "users"]
