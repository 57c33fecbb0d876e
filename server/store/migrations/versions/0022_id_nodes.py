"""``id_nodes``: a PostgreSQL sequence each process draws its id node from, so
the processes of one database never make the same id (``server/ids.py``,
issue 14). SQLite has one writing process and no sequence.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08
"""

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE id_nodes")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE id_nodes")
