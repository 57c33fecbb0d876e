"""Events: an event is a status of object type Event with its own row
(``events``), the answers to it (``event_participants``), invitations
(``event_invites``) and members' calendar feeds (``calendar_feeds``)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.store.tables import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(column: str, target: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(
        column, sa.BigInteger, sa.ForeignKey(target, ondelete="CASCADE"), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column(
            "status_id",
            sa.BigInteger,
            sa.ForeignKey("statuses.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("starts_at", UTCDateTime, nullable=False),
        sa.Column("ends_at", UTCDateTime, nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False, server_default="UTC"),
        sa.Column("place_name", sa.String(200), nullable=True),
        sa.Column("street", sa.String(200), nullable=True),
        sa.Column("locality", sa.String(200), nullable=True),
        sa.Column("region", sa.String(200), nullable=True),
        sa.Column("postal_code", sa.String(32), nullable=True),
        sa.Column("country", sa.String(200), nullable=True),
        sa.Column("latitude", sa.Float, nullable=True),
        sa.Column("longitude", sa.Float, nullable=True),
        sa.Column("online_url", sa.Text, nullable=True),
        sa.Column("capacity", sa.Integer, nullable=True),
        sa.Column("audience", sa.String(16), nullable=False, server_default="public"),
        sa.Column("approval_required", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("group_id", sa.BigInteger, nullable=True),
        sa.Column("participants_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("waitlist_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("cancelled_at", UTCDateTime, nullable=True),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_events_starts_at", "events", ["starts_at"])
    op.create_table(
        "event_participants",
        sa.Column("id", ID, primary_key=True, autoincrement=False),
        _fk("event_id", "events.status_id"),
        _fk("account_id", "accounts.id"),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("uri", sa.Text, nullable=True, unique=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("reminded_at", UTCDateTime, nullable=True),
    )
    op.create_index(
        "ux_event_participants_event_account",
        "event_participants",
        ["event_id", "account_id"],
        unique=True,
    )
    op.create_index("ix_event_participants_account_id", "event_participants", ["account_id"])
    op.create_table(
        "event_invites",
        sa.Column(
            "event_id",
            sa.BigInteger,
            sa.ForeignKey("events.status_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "account_id",
            sa.BigInteger,
            sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        _fk("invited_by_id", "accounts.id"),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_event_invites_account_id", "event_invites", ["account_id"])
    op.create_table(
        "calendar_feeds",
        sa.Column(
            "account_id",
            sa.BigInteger,
            sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("calendar_feeds")
    op.drop_table("event_invites")
    op.drop_table("event_participants")
    op.drop_table("events")
