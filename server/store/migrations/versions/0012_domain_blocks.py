"""Domain blocks and allows (Mastodon's DomainBlock and DomainAllow): a
severity, what else is refused, comments for the admins and the public; the
old yes/no ``hosts.blocked`` becomes a ``suspend`` block of the same host;
accounts limited by a block (``silenced_at``), and an index of the accounts
public timelines leave out; the moderation log; reports

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from server.store.tables import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WITHHELD = sa.text("suspended_at IS NOT NULL OR silenced_at IS NOT NULL")


def upgrade() -> None:
    blocks = op.create_table(
        "domain_blocks",
        sa.Column("id", ID, primary_key=True, autoincrement=False),
        sa.Column("domain", sa.String(260), nullable=False, unique=True),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("reject_media", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("reject_reports", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("obfuscate", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("private_comment", sa.Text, nullable=True),
        sa.Column("public_comment", sa.Text, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "domain_allows",
        sa.Column("id", ID, primary_key=True, autoincrement=False),
        sa.Column("domain", sa.String(260), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    bind = op.get_bind()
    blocked = bind.execute(sa.text("SELECT host FROM hosts WHERE blocked")).scalars().all()
    now = datetime.now(UTC)
    first_id = int(time.time() * 1000) << 16
    op.bulk_insert(
        blocks,
        [
            {"id": first_id + i, "domain": host, "severity": "suspend", "created_at": now,
             "updated_at": now, "reject_media": True, "reject_reports": True,
             "obfuscate": False}
            for i, host in enumerate(blocked)
        ],
    )  # fmt: skip
    with op.batch_alter_table("hosts") as batch:
        batch.drop_column("blocked")
    op.create_table(
        "moderation_log",
        sa.Column("id", ID, primary_key=True, autoincrement=False),
        sa.Column(
            "account_id",
            sa.BigInteger,
            sa.ForeignKey("accounts.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "reports",
        sa.Column("id", ID, primary_key=True, autoincrement=False),
        sa.Column("uri", sa.Text, nullable=True, unique=True),
        sa.Column(
            "account_id",
            sa.BigInteger,
            sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "target_account_id",
            sa.BigInteger,
            sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("status_ids", sa.JSON, nullable=False),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("forwarded", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("resolved_at", UTCDateTime, nullable=True),
        sa.Column(
            "resolved_by_id",
            sa.BigInteger,
            sa.ForeignKey("accounts.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.add_column("accounts", sa.Column("silenced_at", UTCDateTime, nullable=True))
    op.create_index("ix_accounts_withheld", "accounts", ["id"], sqlite_where=WITHHELD,
                    postgresql_where=WITHHELD)  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_accounts_withheld", table_name="accounts")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("silenced_at")
    with op.batch_alter_table("hosts") as batch:
        batch.add_column(sa.Column("blocked", sa.Boolean, nullable=False, server_default="0"))
    op.drop_table("reports")
    op.drop_table("moderation_log")
    op.drop_table("domain_allows")
    op.drop_table("domain_blocks")
