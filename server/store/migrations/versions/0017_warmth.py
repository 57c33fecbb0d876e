"""Reasons to talk: an account's latest change of job (``job_changes``, one row
an account), the suggestions a member dismissed (``warmth_dismissals``), and an
index for "where the people I know posted lately" on ``group_posts``.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.store.tables import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def _account() -> sa.Column:
    return sa.Column(
        "account_id",
        sa.BigInteger,
        sa.ForeignKey("accounts.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )


def upgrade() -> None:
    op.create_table(
        "job_changes",
        _account(),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("organization", sa.String(200), nullable=False, server_default=""),
        sa.Column("changed_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_job_changes_changed_at", "job_changes", ["changed_at"])
    op.create_table(
        "warmth_dismissals",
        _account(),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("subject_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("dismissed_at", UTCDateTime, nullable=False),
    )
    op.create_index(
        "ix_group_posts_author_id_created_at", "group_posts", ["author_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_group_posts_author_id_created_at", table_name="group_posts")
    op.drop_table("warmth_dismissals")
    op.drop_table("job_changes")
