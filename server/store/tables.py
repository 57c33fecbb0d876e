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
    Double,
    Float,
    ForeignKey,
    Index,
    Integer,
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

# 64-bit snowflake ids. On SQLite the column is declared INTEGER so it becomes
# the table's rowid (one B-tree lookup by id instead of two); INTEGER is
# 64-bit there anyway.
ID = BigInteger().with_variant(Integer(), "sqlite")

# Local members, the instance actor and remote actors alike. ``domain`` is NULL
# for local accounts, whose URLs are derived from the configured domain (so a
# development instance can change port without rewriting rows); remote accounts
# keep the ``uri`` they were fetched from.
accounts = Table(
    "accounts",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
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
    # The professional profile (docs/vocabulary.md): lists of small JSON
    # objects, read and written whole, never queried inside.
    Column("industry", String(200), nullable=False, server_default=""),
    Column("open_to", JSON, nullable=False, default=list),
    Column("experience", JSON, nullable=False, default=list),
    Column("education", JSON, nullable=False, default=list),
    Column("skills", JSON, nullable=False, default=list),
    Column("links", JSON, nullable=False, default=list),
    # Who may see the member's connections: public | connections | private.
    Column("connections_visibility", String(16), nullable=False, server_default="connections"),
    Column("accepts_introductions", Boolean, nullable=False, server_default="1"),
    # A remote actor that speaks Warmline's vocabulary (it publishes a
    # ``connections`` collection); others get the plain-ActivityPub fallbacks.
    Column("warmline", Boolean, nullable=False, server_default="0"),
    Column("connections_url", Text, nullable=True),
    Column("avatar_url", Text, nullable=True),
    Column("header_url", Text, nullable=True),
    Column("locked", Boolean, nullable=False, server_default="0"),
    Column("discoverable", Boolean, nullable=False, server_default="1"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("fetched_at", UTCDateTime, nullable=True),
    Column("suspended_at", UTCDateTime, nullable=True),
    # Limited by a domain block (``silence``): kept out of public timelines.
    Column("silenced_at", UTCDateTime, nullable=True),
    Index(
        "ix_accounts_withheld",
        "id",
        sqlite_where=text("suspended_at IS NOT NULL OR silenced_at IS NOT NULL"),
        postgresql_where=text("suspended_at IS NOT NULL OR silenced_at IS NOT NULL"),
    ),
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
    # The newest notification the member has seen (the web interface's unread count).
    Column("notifications_seen_id", BigInteger, nullable=False, server_default="0"),
)

# Public keys of every account; private halves only for local accounts.
# ``key_uri`` is NULL for local keys (their ids derive from the actor URL).
keys = Table(
    "keys",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
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
    Column("id", ID, primary_key=True, autoincrement=False),
    # NULL for an app-only token (OAuth client_credentials).
    Column(
        "account_id",
        BigInteger,
        ForeignKey("accounts.id", ondelete="CASCADE"),
        nullable=True,
        index=True,
    ),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("scopes", Text, nullable=False),
    Column("label", String(100), nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
    # The OAuth application that obtained the token (NULL: made with the CLI).
    Column(
        "application_id",
        BigInteger,
        ForeignKey("oauth_applications.id", ondelete="CASCADE"),
        nullable=True,
        index=True,
    ),
    # The authorization code it was exchanged for: a code used twice revokes
    # the tokens it bought (RFC 6749 4.1.2).
    Column(
        "code_id",
        BigInteger,
        ForeignKey("oauth_codes.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
)


def _fk(
    column: str, target: str, *, nullable: bool = False, ondelete: str = "CASCADE"
) -> Column[int]:
    return Column(column, BigInteger, ForeignKey(target, ondelete=ondelete), nullable=nullable)


# Posts, local and remote. A boost is a status whose ``reblog_of_id`` points at
# the boosted one (as in Mastodon). Local statuses store no ``uri``: their ids
# derive from the domain, like local accounts. A deleted status keeps its row
# (``deleted_at``) so its id answers 410 Gone with a Tombstone.
statuses = Table(
    "statuses",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    _fk("account_id", "accounts.id"),
    Column("local", Boolean, nullable=False),
    Column("uri", Text, nullable=True, unique=True),
    Column("url", Text, nullable=True),
    Column("object_type", String(16), nullable=False, server_default="Note"),
    _fk("in_reply_to_id", "statuses.id", nullable=True, ondelete="SET NULL"),
    Column("in_reply_to_uri", Text, nullable=True),
    _fk("in_reply_to_account_id", "accounts.id", nullable=True, ondelete="SET NULL"),
    _fk("reblog_of_id", "statuses.id", nullable=True),
    Column("content", Text, nullable=False, server_default=""),
    Column("source_text", Text, nullable=True),
    Column("spoiler_text", Text, nullable=False, server_default=""),
    Column("sensitive", Boolean, nullable=False, server_default="0"),
    Column("visibility", String(16), nullable=False),
    Column("language", String(16), nullable=True),
    Column("replies_count", Integer, nullable=False, server_default="0"),
    Column("reblogs_count", Integer, nullable=False, server_default="0"),
    Column("favourites_count", Integer, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("edited_at", UTCDateTime, nullable=True),
    Column("deleted_at", UTCDateTime, nullable=True),
    Index("ix_statuses_account_id_id", "account_id", "id"),
    # Partial: only "replies to X" and "boosts of X" look these up. A full index
    # also offers itself for "IS NULL" (nearly every row), and with statistics
    # SQLite's planner takes it for the public and local timelines: 12 ms, not 0.05.
    Index(
        "ix_statuses_in_reply_to_id",
        "in_reply_to_id",
        sqlite_where=text("in_reply_to_id IS NOT NULL"),
        postgresql_where=text("in_reply_to_id IS NOT NULL"),
    ),
    Index(
        "ix_statuses_reblog_of_id",
        "reblog_of_id",
        sqlite_where=text("reblog_of_id IS NOT NULL"),
        postgresql_where=text("reblog_of_id IS NOT NULL"),
    ),
    Index("ix_statuses_in_reply_to_uri", "in_reply_to_uri"),
    # The landing page and local timelines: newest posts of this instance.
    Index("ix_statuses_local_id", "local", "id"),
)

mentions = Table(
    "mentions",
    metadata,
    Column(
        "status_id", BigInteger, ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True
    ),
    Column(
        "account_id", BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    ),
    Index("ix_mentions_account_id", "account_id"),
)

tags = Table(
    "tags",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("name", String(100), nullable=False, unique=True),
)

status_tags = Table(
    "status_tags",
    metadata,
    Column(
        "status_id", BigInteger, ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("tag_id", BigInteger, ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_status_tags_tag_id_status_id", "tag_id", "status_id"),
)

# Who follows whom. ``uri`` is the id of the Follow activity (ours or theirs),
# which an Accept, Reject or Undo must name.
follows = Table(
    "follows",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    _fk("account_id", "accounts.id"),
    _fk("target_account_id", "accounts.id"),
    Column("state", String(16), nullable=False),  # pending | accepted
    Column("uri", Text, nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index(
        "uq_follows_account_id_target_account_id", "account_id", "target_account_id", unique=True
    ),
    Index("ix_follows_target_account_id_state", "target_account_id", "state"),
)

favourites = Table(
    "favourites",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    _fk("account_id", "accounts.id"),
    _fk("status_id", "statuses.id"),
    Column("uri", Text, nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("uq_favourites_account_id_status_id", "account_id", "status_id", unique=True),
    Index("ix_favourites_status_id", "status_id"),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    _fk("account_id", "accounts.id"),
    Column("type", String(32), nullable=False),
    _fk("from_account_id", "accounts.id"),
    _fk("status_id", "statuses.id", nullable=True),
    # What a Warmline notification is about (a connection request, an
    # introduction, a recommendation): that row's id.
    Column("subject_id", BigInteger, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_notifications_account_id_id", "account_id", "id"),
)

# Fan-out on write: one row per (local reader, status) for home timelines, so
# reading a timeline is one index range scan whatever the number of follows.
home_feed = Table(
    "home_feed",
    metadata,
    Column(
        "account_id", BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    ),
    Column(
        "status_id", BigInteger, ForeignKey("statuses.id", ondelete="CASCADE"), primary_key=True
    ),
    Index("ix_home_feed_status_id", "status_id"),
)

# Every activity a local actor sent, as sent (the outbox and the delivery source).
activities = Table(
    "activities",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("uri", Text, nullable=False, unique=True),
    _fk("account_id", "accounts.id"),
    Column("type", String(32), nullable=False),
    Column("object_uri", Text, nullable=True),
    Column("public", Boolean, nullable=False, server_default="0"),
    Column("payload", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_activities_account_id_id", "account_id", "id"),
)

# The durable delivery queue: one row per (activity, destination inbox).
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    _fk("activity_id", "activities.id"),
    Column("inbox_url", Text, nullable=False),
    Column("host", String(255), nullable=False),
    Column("state", String(16), nullable=False, server_default="pending"),  # pending|sent|dead
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("locked_until", UTCDateTime, nullable=True),
    Column("locked_by", BigInteger, nullable=True),  # the process holding the claim
    Column("last_status", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Index("ix_deliveries_state_next_attempt_at", "state", "next_attempt_at"),
    Index("uq_deliveries_activity_id_inbox_url", "activity_id", "inbox_url", unique=True),
)

# Per-account counters kept in step with the rows they count (as Mastodon's
# account_stats): listing accounts must not count every post of every author.
account_stats = Table(
    "account_stats",
    metadata,
    Column(
        "account_id", BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("statuses_count", Integer, nullable=False, server_default="0"),
    Column("followers_count", Integer, nullable=False, server_default="0"),
    Column("following_count", Integer, nullable=False, server_default="0"),
    Column("last_status_at", UTCDateTime, nullable=True),
)

# What we know about other servers' delivery health (circuit breaker).
hosts = Table(
    "hosts",
    metadata,
    Column("host", String(255), primary_key=True),
    Column("consecutive_failures", Integer, nullable=False, server_default="0"),
    Column("circuit_open_until", UTCDateTime, nullable=True),
    Column("last_success_at", UTCDateTime, nullable=True),
    Column("last_failure_at", UTCDateTime, nullable=True),
)

# Server-wide moderation of other servers (Mastodon's DomainBlock and
# DomainAllow): ``domain`` is spelt by ``services/domains.normalise`` and covers
# its subdomains; ``host:port`` covers exactly that origin.
domain_blocks = Table(
    "domain_blocks",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("domain", String(260), nullable=False, unique=True),
    Column("severity", String(16), nullable=False),  # suspend | silence | noop
    Column("reject_media", Boolean, nullable=False, server_default="0"),
    Column("reject_reports", Boolean, nullable=False, server_default="0"),
    Column("obfuscate", Boolean, nullable=False, server_default="0"),
    Column("private_comment", Text, nullable=True),
    Column("public_comment", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Server processes running the queue workers, and when each last said it was
# alive: a claim whose process stopped beating is free at once, not when its
# lease runs out (a process killed and restarted resumes within seconds).
processes = Table(
    "processes",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    # Machine and listening address: two live processes never share one.
    Column("name", String(255), nullable=False, server_default=""),
    Column("started_at", UTCDateTime, nullable=False),
    Column("heartbeat_at", UTCDateTime, nullable=False),
)

# Reports to the moderators (Mastodon's Report): by a member, or by another
# server's ``Flag`` (then ``uri`` is the Flag's id and the reporter its actor).
reports = Table(
    "reports",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("uri", Text, nullable=True, unique=True),
    Column("account_id", BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column(
        "target_account_id",
        BigInteger,
        ForeignKey("accounts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("status_ids", JSON, nullable=False),
    Column("comment", Text, nullable=False, server_default=""),
    Column("category", String(16), nullable=False),  # spam | legal | violation | other
    Column("forwarded", Boolean, nullable=False, server_default="0"),
    Column("resolved_at", UTCDateTime, nullable=True),
    Column(
        "resolved_by_id", BigInteger, ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True
    ),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Every moderator action, for the admins to read later: who, what, on what.
moderation_log = Table(
    "moderation_log",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    # The moderator; None for the command line (the operator of the machine).
    Column("account_id", BigInteger, ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True),
    Column("action", String(32), nullable=False),
    Column("target", Text, nullable=False),  # "@user@host" or a domain
    Column("text", Text, nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
)

domain_allows = Table(
    "domain_allows",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("domain", String(260), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)

# The durable inbox: verified activities, stored before we answer 202 and
# processed by the inbox worker. ``activity_uri`` dedupes redeliveries.
inbox_items = Table(
    "inbox_items",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("activity_uri", Text, nullable=False, unique=True),
    Column("activity_type", String(32), nullable=False),
    Column("actor_uri", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("state", String(16), nullable=False, server_default="pending"),  # pending|done|failed
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("locked_until", UTCDateTime, nullable=True),
    Column("locked_by", BigInteger, nullable=True),  # the process holding the claim
    Column("last_error", Text, nullable=True),
    Column("received_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Index("ix_inbox_items_state_next_attempt_at", "state", "next_attempt_at"),
)

# A connection is mutual: one row each way, so "my connections" and "their
# connections" are the same index range scan (people-you-may-know joins it
# with itself). Connections between two remote accounts are kept when we learn
# them, for degrees across instances.
connections = Table(
    "connections",
    metadata,
    Column(
        "account_id", BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("peer_id", BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("note", Text, nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
)

# Connection requests, ours and theirs. ``uri`` is the Connect activity's id
# (an Accept, Reject or Undo names it). ``fallback`` marks a request to a
# plain ActivityPub account, sent as a Follow and a direct message.
connection_requests = Table(
    "connection_requests",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    _fk("account_id", "accounts.id"),
    _fk("target_account_id", "accounts.id"),
    Column("note", Text, nullable=False, server_default=""),
    Column("state", String(16), nullable=False),  # pending|accepted|declined|withdrawn
    Column("uri", Text, nullable=False, unique=True),
    Column("fallback", Boolean, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_connection_requests_target_account_id_state", "target_account_id", "state"),
    Index("ix_connection_requests_account_id_state", "account_id", "state"),
)

# Introductions as this instance sees them (each party's instance keeps its
# own row). ``uri`` is the id of the requester's RequestIntroduction, which
# every later step names; ``forward_uri`` the introducer's Introduce.
# ``declined_by`` is kept only where that party may know it.
introductions = Table(
    "introductions",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("uri", Text, nullable=False, unique=True),
    _fk("requester_id", "accounts.id"),
    _fk("introducer_id", "accounts.id"),
    _fk("target_id", "accounts.id"),
    Column("reason", Text, nullable=False, server_default=""),
    Column("note", Text, nullable=False, server_default=""),
    # requested|forwarded|accepted|declined|withdrawn|expired
    Column("state", String(16), nullable=False),
    Column("declined_by", String(16), nullable=True),  # introducer | target
    Column("forward_uri", Text, nullable=True, unique=True),
    _fk("status_id", "statuses.id", nullable=True, ondelete="SET NULL"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_introductions_requester_id_id", "requester_id", "id"),
    Index("ix_introductions_introducer_id_id", "introducer_id", "id"),
    Index("ix_introductions_target_id_id", "target_id", "id"),
)

endorsements = Table(
    "endorsements",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("uri", Text, nullable=False, unique=True),
    _fk("account_id", "accounts.id"),
    _fk("target_account_id", "accounts.id"),
    Column("skill", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index(
        "uq_endorsements_account_id_target_account_id_skill",
        "account_id",
        "target_account_id",
        "skill",
        unique=True,
    ),
    Index("ix_endorsements_target_account_id", "target_account_id"),
)

# Recommendations appear on the recipient's profile once they approve them.
recommendations = Table(
    "recommendations",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("uri", Text, nullable=False, unique=True),
    _fk("account_id", "accounts.id"),
    _fk("target_account_id", "accounts.id"),
    Column("text", Text, nullable=False),
    Column("state", String(16), nullable=False),  # pending|approved|declined|withdrawn
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_recommendations_target_account_id_state", "target_account_id", "state"),
    Index("ix_recommendations_account_id", "account_id"),
)

# Member blocks (who blocks whom); introductions and connections respect them.
blocks = Table(
    "blocks",
    metadata,
    Column(
        "account_id", BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    ),
    Column(
        "target_account_id",
        BigInteger,
        ForeignKey("accounts.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("created_at", UTCDateTime, nullable=False),
    # The Block activity's id: ours when a member blocks a remote account, the
    # peer's when a remote account blocks a member (an Undo names it). NULL for
    # blocks from before 0009 and for blocks between two local members.
    Column("uri", Text, nullable=True, unique=True),
    Index("ix_blocks_target_account_id", "target_account_id"),
)

# A member's own lists (the everyday Mastodon API): bookmarks, mutes, the
# accounts they feature on their profile ("endorse" in Mastodon's API).
bookmarks = Table(
    "bookmarks",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    _fk("account_id", "accounts.id"),
    _fk("status_id", "statuses.id"),
    Column("created_at", UTCDateTime, nullable=False),
    Index("uq_bookmarks_account_id_status_id", "account_id", "status_id", unique=True),
)

mutes = Table(
    "mutes",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    _fk("account_id", "accounts.id"),
    _fk("target_account_id", "accounts.id"),
    Column("notifications", Boolean, nullable=False, server_default="1"),
    Column("expires_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("uq_mutes_account_id_target_account_id", "account_id", "target_account_id", unique=True),
)

account_pins = Table(
    "account_pins",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    _fk("account_id", "accounts.id"),
    _fk("target_account_id", "accounts.id"),
    Column("created_at", UTCDateTime, nullable=False),
    Index(
        "uq_account_pins_account_id_target_account_id",
        "account_id",
        "target_account_id",
        unique=True,
    ),
)

# Direct-message conversations are threads of direct posts, found when read;
# this keeps, per member, how far they read one and up to where they removed it.
conversation_marks = Table(
    "conversation_marks",
    metadata,
    Column(
        "account_id", BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("conversation_id", BigInteger, primary_key=True),  # the thread's first post id
    Column("read_up_to", BigInteger, nullable=False, server_default="0"),
    Column("hidden_up_to", BigInteger, nullable=False, server_default="0"),
)

# ``Idempotency-Key`` of a post: a client retrying the same request gets the
# same status, not a second one.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    _fk("account_id", "accounts.id"),
    Column("key", String(128), nullable=False),
    _fk("status_id", "statuses.id"),
    Column("created_at", UTCDateTime, nullable=False),
    Index("uq_idempotency_keys_account_id_key", "account_id", "key", unique=True),
)

# Images: uploaded by local members (files under the data dir, by random name)
# or attached to remote posts (``remote_url`` only, never fetched). A row with
# no ``status_id`` is an upload not attached to a post yet.
media_attachments = Table(
    "media_attachments",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    _fk("account_id", "accounts.id"),
    _fk("status_id", "statuses.id", nullable=True, ondelete="SET NULL"),
    Column("position", Integer, nullable=False, server_default="0"),
    Column("file_name", String(100), nullable=True),
    Column("thumbnail_name", String(100), nullable=True),
    Column("content_type", String(64), nullable=False),
    Column("file_size", Integer, nullable=False, server_default="0"),
    Column("thumbnail_size", Integer, nullable=False, server_default="0"),
    Column("width", Integer, nullable=True),
    Column("height", Integer, nullable=True),
    Column("thumbnail_width", Integer, nullable=True),
    Column("thumbnail_height", Integer, nullable=True),
    Column("description", Text, nullable=False, server_default=""),
    Column("focus_x", Float, nullable=True),
    Column("focus_y", Float, nullable=True),
    Column("blurhash", String(100), nullable=True),
    Column("remote_url", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_media_attachments_status_id", "status_id"),
    Index("ix_media_attachments_account_id", "account_id"),
)

# OAuth client applications (POST /api/v1/apps). Only the secret's SHA-256 is kept.
oauth_applications = Table(
    "oauth_applications",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("website", Text, nullable=True),
    Column("redirect_uris", Text, nullable=False),  # newline-separated
    Column("scopes", Text, nullable=False),
    Column("client_id", String(64), nullable=False, unique=True),
    Column("client_secret_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Authorization codes: single use, short-lived, stored hashed, PKCE challenge kept.
oauth_codes = Table(
    "oauth_codes",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("code_hash", String(64), nullable=False, unique=True),
    _fk("application_id", "oauth_applications.id"),
    _fk("account_id", "accounts.id"),
    Column("redirect_uri", Text, nullable=False),
    Column("scopes", Text, nullable=False),
    Column("code_challenge", String(128), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    Index("ix_oauth_codes_application_id", "application_id"),
    Index("ix_oauth_codes_account_id", "account_id"),
)

# Browser sessions of the web interface. Only a SHA-256 of the cookie's token is
# kept; ``csrf_token`` is the session's anti-forgery token, put in every form.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    _fk("account_id", "accounts.id"),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("csrf_token", String(64), nullable=False),
    Column("user_agent", String(300), nullable=False, server_default=""),
    Column("ip", String(64), nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Index("ix_web_sessions_account_id", "account_id"),
)

# Invitations to sign up (registration modes ``invite`` and ``approval``): the
# code is the secret in the invite link; admins list and copy them.
invites = Table(
    "invites",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("code", String(32), nullable=False, unique=True),
    _fk("created_by_id", "accounts.id", nullable=True, ondelete="SET NULL"),
    Column("max_uses", Integer, nullable=True),  # NULL: any number
    Column("uses", Integer, nullable=False, server_default="0"),
    Column("expires_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
)

# Sign-ups waiting for an admin (registration mode ``approval``). The member,
# keys and all, is only made when approved, so nothing unapproved federates.
signups = Table(
    "signups",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("username", String(64), nullable=False),
    Column("username_key", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False, server_default=""),
    Column("password_hash", Text, nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("ip", String(64), nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
)

# What admins change from the web interface (registration mode, description,
# rules): each overrides the configuration file's value of the same name.
instance_settings = Table(
    "instance_settings",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Client API requests counted per key and fixed window, shared by every process
# (``services.rate_limits``); ``scope`` names the limit, ``period`` is the unix
# second the window began.
rate_counts = Table(
    "rate_counts",
    metadata,
    Column("scope", String(16), primary_key=True),
    Column("key", String(80), primary_key=True),
    Column("period", BigInteger, primary_key=True),
    Column("hits", Integer, nullable=False),
)

# Sign-in and sign-up attempts per key ("account:alice", "address:192.0.2.7"),
# shared by every process (``services.throttle``); the attempt that reached the
# limit carries the end of the lockout it caused.
throttle_attempts = Table(
    "throttle_attempts",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("key", String(80), nullable=False),
    Column("at", Double, nullable=False),  # unix time
    Column("locks_until", Double, nullable=True),
    Index("ix_throttle_attempts_key_at", "key", "at"),
)

# Events (what members meet at): a status of object type ``Event`` (so it is
# posted, replied to and boosted like any post, and Mastodon shows it as one)
# with what makes it an event. Remote events (Mobilizon, Gancio, Warmline) too.
# ``audience`` is who may see it: public, connections or invited.
events = Table(
    "events",
    metadata,
    Column(
        "status_id",
        BigInteger,
        ForeignKey("statuses.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("title", String(200), nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=True),
    Column("timezone", String(64), nullable=False, server_default="UTC"),
    Column("place_name", String(200), nullable=True),
    Column("street", String(200), nullable=True),
    Column("locality", String(200), nullable=True),
    Column("region", String(200), nullable=True),
    Column("postal_code", String(32), nullable=True),
    Column("country", String(200), nullable=True),
    Column("latitude", Float, nullable=True),
    Column("longitude", Float, nullable=True),
    Column("online_url", Text, nullable=True),
    Column("capacity", Integer, nullable=True),  # None: no limit
    Column("audience", String(16), nullable=False, server_default="public"),
    Column("approval_required", Boolean, nullable=False, server_default="0"),
    Column("group_id", BigInteger, nullable=True),
    Column("participants_count", Integer, nullable=False, server_default="0"),  # going
    Column("waitlist_count", Integer, nullable=False, server_default="0"),
    Column("cancelled_at", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_events_starts_at", "starts_at"),
)

# Who answered an event, and how: going, maybe, not_going, waitlisted (going
# when a place frees up) or pending (waiting for the organiser's approval).
# ``uri`` is the Join (or our own id for it) that carried the answer.
event_participants = Table(
    "event_participants",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    _fk("event_id", "events.status_id"),
    _fk("account_id", "accounts.id"),
    Column("state", String(16), nullable=False),
    Column("uri", Text, nullable=True, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("reminded_at", UTCDateTime, nullable=True),  # a member here was reminded
    Index("ux_event_participants_event_account", "event_id", "account_id", unique=True),
    Index("ix_event_participants_account_id", "account_id"),
)

# Invitations to an event, by whom: an invited member may see an event shown
# only to those invited, and is told.
event_invites = Table(
    "event_invites",
    metadata,
    Column(
        "event_id", BigInteger, ForeignKey("events.status_id", ondelete="CASCADE"), primary_key=True
    ),
    Column(
        "account_id",
        BigInteger,
        ForeignKey("accounts.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
    _fk("invited_by_id", "accounts.id"),
    Column("created_at", UTCDateTime, nullable=False),
)

# A member's private calendar feed of the events they answered: the URL holds a
# token, of which only the SHA-256 is kept (as for API tokens).
calendar_feeds = Table(
    "calendar_feeds",
    metadata,
    Column(
        "account_id", BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)


# Groups (FEP-1b12). A group is an account of actor type Group, local or remote;
# membership is a follow of it. These hold what its actor alone does not: who
# made a local group, its moderators ("owner" or "moderator"), whom it banned,
# and the posts made to it (a local group's redistributed ones, and those a
# remote group announced to us), a moderator's removal kept as ``removed_at``.
def _account_key(column: str, *, primary_key: bool = False) -> Column[int]:
    """A non-null reference to an account, deleted with it (part of a key, or not)."""
    return Column(
        column,
        BigInteger,
        ForeignKey("accounts.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
        autoincrement=False,
    )


groups = Table(
    "groups",
    metadata,
    _account_key("account_id", primary_key=True),
    _fk("created_by_id", "accounts.id", nullable=True, ondelete="SET NULL"),
    Column("created_at", UTCDateTime, nullable=False),
)

group_roles = Table(
    "group_roles",
    metadata,
    _account_key("group_id", primary_key=True),
    _account_key("account_id", primary_key=True),
    Column("role", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_group_roles_account_id", "account_id"),
)

group_bans = Table(
    "group_bans",
    metadata,
    _account_key("group_id", primary_key=True),
    _account_key("account_id", primary_key=True),
    Column("reason", Text, nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
)

group_posts = Table(
    "group_posts",
    metadata,
    _account_key("group_id", primary_key=True),
    Column(
        "status_id",
        BigInteger,
        ForeignKey("statuses.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    _account_key("author_id"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("removed_at", UTCDateTime, nullable=True),
    Index("ix_group_posts_status_id", "status_id"),
    Index("ix_group_posts_author_id", "author_id"),
    # Where the people one knows posted lately (services/warmth.py): a range each.
    Index("ix_group_posts_author_id_created_at", "author_id", "created_at"),
)

# Reasons to talk (services/warmth.py). ``job_changes``: an account's latest
# change of job, a current position (an experience entry without an end) that
# was not on the profile before, noticed when the profile changed, here or on
# its own server; one row an account. Nobody is told: it is suggested to the
# account's connections for a while, and that is all.
job_changes = Table(
    "job_changes",
    metadata,
    Column(
        "account_id",
        BigInteger,
        ForeignKey("accounts.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("title", String(200), nullable=False),
    Column("organization", String(200), nullable=False, server_default=""),
    Column("changed_at", UTCDateTime, nullable=False),
    Index("ix_job_changes_changed_at", "changed_at"),
)

# Suggestions a member put away: ``kind`` job_change (``subject_id`` the account
# that changed jobs: a later change is suggested again), event or group.
warmth_dismissals = Table(
    "warmth_dismissals",
    metadata,
    Column(
        "account_id",
        BigInteger,
        ForeignKey("accounts.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("kind", String(16), primary_key=True),
    Column("subject_id", BigInteger, primary_key=True, autoincrement=False),
    Column("dismissed_at", UTCDateTime, nullable=False),
)


# Bringing a network in and taking it away (migration 0018). A member's other
# accounts, published as ``alsoKnownAs``; where an account moved (``Move``);
# who may be found by their LinkedIn profile address (``url_key``: the address
# normalised, as ``linkedin.com/in/name``); the contacts and recommendations a
# LinkedIn export brought, private to the member until they act; the languages
# and certifications a profile lists.
account_aliases = Table(
    "account_aliases",
    metadata,
    _account_key("account_id", primary_key=True),
    Column("uri", Text, primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
)

account_moves = Table(
    "account_moves",
    metadata,
    _account_key("account_id", primary_key=True),
    _account_key("target_account_id"),
    Column("moved_at", UTCDateTime, nullable=False),
    Index("ix_account_moves_target_account_id", "target_account_id"),
)

linkedin_links = Table(
    "linkedin_links",
    metadata,
    _account_key("account_id", primary_key=True),
    Column("url_key", String(200), nullable=False),
    Column("findable", Boolean, nullable=False, server_default="0"),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_linkedin_links_url_key", "url_key"),
)

linkedin_contacts = Table(
    "linkedin_contacts",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    _account_key("account_id"),
    Column("first_name", String(200), nullable=False, server_default=""),
    Column("last_name", String(200), nullable=False, server_default=""),
    Column("url_key", String(200), nullable=True),
    Column("email", String(320), nullable=True),
    Column("company", String(200), nullable=False, server_default=""),
    Column("position", String(200), nullable=False, server_default=""),
    Column("connected_on", String(32), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_linkedin_contacts_account_id", "account_id"),
    Index("ix_linkedin_contacts_url_key", "url_key"),
)

imported_recommendations = Table(
    "imported_recommendations",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    _account_key("account_id"),
    Column("author", String(200), nullable=False),
    Column("author_title", String(200), nullable=False, server_default=""),
    Column("text", Text, nullable=False),
    Column("written_on", String(32), nullable=True),
    Column("shown", Boolean, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_imported_recommendations_account_id", "account_id"),
)

profile_extras = Table(
    "profile_extras",
    metadata,
    _account_key("account_id", primary_key=True),
    Column("languages", JSON, nullable=False),
    Column("certifications", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# A member's archive of everything they have (migration 0019): asked for, then
# built by a worker that claims the row as the queues' workers claim theirs
# (a process that dies lets its lease run out and another builds it again).
# ``file_name`` is unguessable; the ZIP is kept until ``expires_at``.
account_archives = Table(
    "account_archives",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    _account_key("account_id"),
    Column("state", String(16), nullable=False, server_default="pending"),  # pending|ready|failed
    Column("done", Integer, nullable=False, server_default="0"),
    Column("total", Integer, nullable=False, server_default="0"),
    Column("file_name", String(80), nullable=True, unique=True),
    Column("file_size", BigInteger, nullable=False, server_default="0"),
    Column("error", Text, nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("locked_until", UTCDateTime, nullable=True),
    Column("locked_by", BigInteger, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("expires_at", UTCDateTime, nullable=True),
    Index("ix_account_archives_account_id_created_at", "account_id", "created_at"),
    Index("ix_account_archives_state_next_attempt_at", "state", "next_attempt_at"),
)

# Mastodon's lists (migration 0020): a member's named lists of accounts they
# follow, each with its own timeline; ``replies_policy`` followed|list|none and
# ``exclusive`` (posts of its accounts leave the home timeline) as Mastodon has them.
lists = Table(
    "lists",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    _account_key("account_id"),
    Column("title", String(200), nullable=False),
    Column("replies_policy", String(16), nullable=False, server_default="list"),
    Column("exclusive", Boolean, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_lists_account_id", "account_id"),
)

list_accounts = Table(
    "list_accounts",
    metadata,
    Column(
        "list_id",
        BigInteger,
        ForeignKey("lists.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    _account_key("account_id", primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_list_accounts_account_id", "account_id"),
)

# A member's own blocks of whole servers (Mastodon's ``/api/v1/domain_blocks``,
# not the admins' ``domain_blocks``): what comes from ``domain`` is hidden from them.
account_domain_blocks = Table(
    "account_domain_blocks",
    metadata,
    _account_key("account_id", primary_key=True),
    Column("domain", String(255), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_account_domain_blocks_domain", "domain"),
)

# Stream events too large for a PostgreSQL NOTIFY (a post that lands in more
# home feeds than a payload can name): the message carries the row's id and
# the other processes read the event here. Rows are dropped after minutes.
relayed_events = Table(
    "relayed_events",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=False),
    Column("body", Text, nullable=False),
)

__all__ = [
    "account_aliases",
    "account_archives",
    "account_domain_blocks",
    "account_moves",
    "account_pins",
    "account_stats",
    "accounts",
    "activities",
    "api_tokens",
    "blocks",
    "bookmarks",
    "calendar_feeds",
    "connection_requests",
    "connections",
    "conversation_marks",
    "deliveries",
    "domain_allows",
    "domain_blocks",
    "endorsements",
    "event_invites",
    "event_participants",
    "events",
    "favourites",
    "follows",
    "group_bans",
    "group_posts",
    "group_roles",
    "groups",
    "home_feed",
    "hosts",
    "idempotency_keys",
    "imported_recommendations",
    "inbox_items",
    "instance_settings",
    "introductions",
    "invites",
    "job_changes",
    "keys",
    "linkedin_contacts",
    "linkedin_links",
    "list_accounts",
    "lists",
    "media_attachments",
    "mentions",
    "metadata",
    "moderation_log",
    "mutes",
    "notifications",
    "oauth_applications",
    "oauth_codes",
    "processes",
    "profile_extras",
    "rate_counts",
    "recommendations",
    "relayed_events",
    "reports",
    "signups",
    "status_tags",
    "statuses",
    "tags",
    "throttle_attempts",
    "users",
    "warmth_dismissals",
    "web_sessions",
]
