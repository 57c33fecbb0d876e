"""account stats: per-account counters

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_stats",
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("statuses_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("followers_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("following_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_status_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_stats_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_stats")),
    )
    # Count what is already there.
    op.execute(
        """
        INSERT INTO account_stats
            (account_id, statuses_count, followers_count, following_count, last_status_at)
        SELECT a.id,
            (SELECT count(*) FROM statuses s WHERE s.account_id = a.id
                AND s.deleted_at IS NULL AND s.visibility != 'direct'),
            (SELECT count(*) FROM follows f
                WHERE f.target_account_id = a.id AND f.state = 'accepted'),
            (SELECT count(*) FROM follows f WHERE f.account_id = a.id AND f.state = 'accepted'),
            (SELECT max(s.created_at) FROM statuses s WHERE s.account_id = a.id
                AND s.visibility != 'direct')
        FROM accounts a
        """
    )


def downgrade() -> None:
    op.drop_table("account_stats")
