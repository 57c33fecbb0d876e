"""Queue claims name the process holding them (``locked_by``), and processes
beat a heartbeat (``processes``), so the work of a process that died is picked
up within seconds instead of when its lease runs out

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.store.tables import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
QUEUES = ("deliveries", "inbox_items")


def upgrade() -> None:
    op.create_table(
        "processes",
        sa.Column("id", ID, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(255), nullable=False, server_default=""),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("heartbeat_at", UTCDateTime, nullable=False),
    )
    for table in QUEUES:
        op.add_column(table, sa.Column("locked_by", sa.BigInteger, nullable=True))


def downgrade() -> None:
    for table in QUEUES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("locked_by")
    op.drop_table("processes")
