"""statuses(local, id): this instance's newest posts (the landing page, local
timelines) without walking every post of the federation; the indexes of replies
and boosts made partial (``IS NOT NULL``), so the planner never takes them for
"not a boost" or "not a reply", which is nearly every row

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


PARTIAL = ("in_reply_to_id", "reblog_of_id")


def upgrade() -> None:
    op.create_index("ix_statuses_local_id", "statuses", ["local", "id"])
    for column in PARTIAL:
        name = f"ix_statuses_{column}"
        op.drop_index(name, table_name="statuses")
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(name, "statuses", [column], sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    for column in PARTIAL:
        name = f"ix_statuses_{column}"
        op.drop_index(name, table_name="statuses")
        op.create_index(name, "statuses", [column])
    op.drop_index("ix_statuses_local_id", table_name="statuses")
