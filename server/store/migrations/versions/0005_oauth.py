"""OAuth applications, authorization codes and token grants

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "oauth_applications",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("website", sa.Text(), nullable=True),
        sa.Column("redirect_uris", sa.Text(), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("client_secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_applications")),
        sa.UniqueConstraint("client_id", name=op.f("uq_oauth_applications_client_id")),
    )
    op.create_table(
        "oauth_codes",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("used_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["oauth_applications.id"],
            name=op.f("fk_oauth_codes_application_id_oauth_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_oauth_codes_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_oauth_codes_code_hash")),
    )
    op.create_index("ix_oauth_codes_application_id", "oauth_codes", ["application_id"])
    op.create_index("ix_oauth_codes_account_id", "oauth_codes", ["account_id"])
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column("account_id", existing_type=sa.BigInteger(), nullable=True)
        batch_op.add_column(sa.Column("application_id", sa.BigInteger(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_api_tokens_application_id_oauth_applications"),
            "oauth_applications",
            ["application_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(
            batch_op.f("ix_api_tokens_application_id"), ["application_id"], unique=False
        )


def downgrade() -> None:
    op.execute("DELETE FROM api_tokens WHERE account_id IS NULL")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_application_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_api_tokens_application_id_oauth_applications"), type_="foreignkey"
        )
        batch_op.drop_column("application_id")
        batch_op.alter_column("account_id", existing_type=sa.BigInteger(), nullable=False)
    op.drop_index("ix_oauth_codes_account_id", table_name="oauth_codes")
    op.drop_index("ix_oauth_codes_application_id", table_name="oauth_codes")
    op.drop_table("oauth_codes")
    op.drop_table("oauth_applications")
