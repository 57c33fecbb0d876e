"""api_tokens.code_id: the authorization code a token was exchanged for

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Tokens issued before this revision keep NULL: a reused old code revokes nothing.
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code_id", sa.BigInteger(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_api_tokens_code_id_oauth_codes"),
            "oauth_codes",
            ["code_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(batch_op.f("ix_api_tokens_code_id"), ["code_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_code_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_api_tokens_code_id_oauth_codes"), type_="foreignkey"
        )
        batch_op.drop_column("code_id")
