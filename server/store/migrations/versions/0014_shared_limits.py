"""Rate limits and the sign-in throttle count in the database, so they hold
across every process serving one instance (``rate_counts``,
``throttle_attempts``)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "rate_counts",
        sa.Column("scope", sa.String(16), primary_key=True),
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("period", sa.BigInteger, primary_key=True),
        sa.Column("hits", sa.Integer, nullable=False),
    )
    op.create_table(
        "throttle_attempts",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("at", sa.Double, nullable=False),
        sa.Column("locks_until", sa.Double, nullable=True),
    )
    op.create_index("ix_throttle_attempts_key_at", "throttle_attempts", ["key", "at"])


def downgrade() -> None:
    op.drop_index("ix_throttle_attempts_key_at", "throttle_attempts")
    op.drop_table("throttle_attempts")
    op.drop_table("rate_counts")
