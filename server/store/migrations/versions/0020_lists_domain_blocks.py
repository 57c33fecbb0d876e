"""Mastodon's lists (``lists``, ``list_accounts``) and a member's own blocks of
whole servers (``account_domain_blocks``), so that their CSV files move in and
out as Mastodon's do (issue 13).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.store.tables import UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _account(*, primary_key: bool = False) -> sa.Column:
    return sa.Column(
        "account_id",
        sa.BigInteger,
        sa.ForeignKey("accounts.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
        autoincrement=False,
    )


def upgrade() -> None:
    op.create_table(
        "lists",
        sa.Column("id", ID, primary_key=True, autoincrement=False),
        _account(),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("replies_policy", sa.String(16), nullable=False, server_default="list"),
        sa.Column("exclusive", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_lists_account_id", "lists", ["account_id"])
    op.create_table(
        "list_accounts",
        sa.Column(
            "list_id",
            sa.BigInteger,
            sa.ForeignKey("lists.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        _account(primary_key=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_list_accounts_account_id", "list_accounts", ["account_id"])
    op.create_table(
        "account_domain_blocks",
        _account(primary_key=True),
        sa.Column("domain", sa.String(255), primary_key=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_account_domain_blocks_domain", "account_domain_blocks", ["domain"])


def downgrade() -> None:
    for table in ("account_domain_blocks", "list_accounts", "lists"):
        op.drop_table(table)
