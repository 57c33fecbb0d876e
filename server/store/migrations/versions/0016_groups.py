"""Groups: a group is a local or remote account of actor type Group; these
tables hold what the group's actor alone does not: who made a local group
(``groups``), its moderators (``group_roles``), whom it banned
(``group_bans``) and the posts made to it (``group_posts``, for local and
remote groups alike). Membership is a follow of the group's account.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.store.tables import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _account(column: str, *, primary_key: bool = False, nullable: bool = False) -> sa.Column:
    return sa.Column(
        column,
        sa.BigInteger,
        sa.ForeignKey("accounts.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=nullable,
        autoincrement=False,
    )


def upgrade() -> None:
    op.create_table(
        "groups",
        _account("account_id", primary_key=True),
        sa.Column(
            "created_by_id",
            sa.BigInteger,
            sa.ForeignKey("accounts.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "group_roles",
        _account("group_id", primary_key=True),
        _account("account_id", primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_group_roles_account_id", "group_roles", ["account_id"])
    op.create_table(
        "group_bans",
        _account("group_id", primary_key=True),
        _account("account_id", primary_key=True),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "group_posts",
        _account("group_id", primary_key=True),
        sa.Column(
            "status_id",
            sa.BigInteger,
            sa.ForeignKey("statuses.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        _account("author_id"),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("removed_at", UTCDateTime, nullable=True),
    )
    op.create_index("ix_group_posts_status_id", "group_posts", ["status_id"])
    op.create_index("ix_group_posts_author_id", "group_posts", ["author_id"])


def downgrade() -> None:
    op.drop_table("group_posts")
    op.drop_table("group_bans")
    op.drop_table("group_roles")
    op.drop_table("groups")
