"""statuses(local, id): this instance's newest posts (the landing page, local
timelines) without walking every post of the federation

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_statuses_local_id", "statuses", ["local", "id"])


def downgrade() -> None:
    op.drop_index("ix_statuses_local_id", table_name="statuses")
