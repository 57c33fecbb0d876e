"""blocks.uri: the Block activity's id, so a federated block can be undone by it

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Blocks from before this revision keep NULL: no Block was ever sent for them.
    with op.batch_alter_table("blocks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uri", sa.Text(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_blocks_uri"), ["uri"])


def downgrade() -> None:
    with op.batch_alter_table("blocks", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_blocks_uri"), type_="unique")
        batch_op.drop_column("uri")
