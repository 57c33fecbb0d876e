"""professional network: profiles, connections, introductions, endorsements, recommendations, blocks

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "blocks",
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("target_account_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_blocks_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_account_id"],
            ["accounts.id"],
            name=op.f("fk_blocks_target_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "target_account_id", name=op.f("pk_blocks")),
    )
    op.create_index("ix_blocks_target_account_id", "blocks", ["target_account_id"], unique=False)
    op.create_table(
        "connection_requests",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("target_account_id", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("uri", sa.Text(), nullable=False),
        sa.Column("fallback", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_connection_requests_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_account_id"],
            ["accounts.id"],
            name=op.f("fk_connection_requests_target_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connection_requests")),
        sa.UniqueConstraint("uri", name=op.f("uq_connection_requests_uri")),
    )
    op.create_index(
        "ix_connection_requests_account_id_state",
        "connection_requests",
        ["account_id", "state"],
        unique=False,
    )
    op.create_index(
        "ix_connection_requests_target_account_id_state",
        "connection_requests",
        ["target_account_id", "state"],
        unique=False,
    )
    op.create_table(
        "connections",
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("peer_id", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_connections_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["peer_id"],
            ["accounts.id"],
            name=op.f("fk_connections_peer_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "peer_id", name=op.f("pk_connections")),
    )
    op.create_table(
        "endorsements",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("uri", sa.Text(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("target_account_id", sa.BigInteger(), nullable=False),
        sa.Column("skill", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_endorsements_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_account_id"],
            ["accounts.id"],
            name=op.f("fk_endorsements_target_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_endorsements")),
        sa.UniqueConstraint("uri", name=op.f("uq_endorsements_uri")),
    )
    op.create_index(
        "ix_endorsements_target_account_id", "endorsements", ["target_account_id"], unique=False
    )
    op.create_index(
        "uq_endorsements_account_id_target_account_id_skill",
        "endorsements",
        ["account_id", "target_account_id", "skill"],
        unique=True,
    )
    op.create_table(
        "recommendations",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("uri", sa.Text(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("target_account_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_recommendations_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_account_id"],
            ["accounts.id"],
            name=op.f("fk_recommendations_target_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendations")),
        sa.UniqueConstraint("uri", name=op.f("uq_recommendations_uri")),
    )
    op.create_index(
        "ix_recommendations_account_id", "recommendations", ["account_id"], unique=False
    )
    op.create_index(
        "ix_recommendations_target_account_id_state",
        "recommendations",
        ["target_account_id", "state"],
        unique=False,
    )
    op.create_table(
        "introductions",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("uri", sa.Text(), nullable=False),
        sa.Column("requester_id", sa.BigInteger(), nullable=False),
        sa.Column("introducer_id", sa.BigInteger(), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("declined_by", sa.String(length=16), nullable=True),
        sa.Column("forward_uri", sa.Text(), nullable=True),
        sa.Column("status_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["introducer_id"],
            ["accounts.id"],
            name=op.f("fk_introductions_introducer_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"],
            ["accounts.id"],
            name=op.f("fk_introductions_requester_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["status_id"],
            ["statuses.id"],
            name=op.f("fk_introductions_status_id_statuses"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["accounts.id"],
            name=op.f("fk_introductions_target_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_introductions")),
        sa.UniqueConstraint("forward_uri", name=op.f("uq_introductions_forward_uri")),
        sa.UniqueConstraint("uri", name=op.f("uq_introductions_uri")),
    )
    op.create_index(
        "ix_introductions_introducer_id_id", "introductions", ["introducer_id", "id"], unique=False
    )
    op.create_index(
        "ix_introductions_requester_id_id", "introductions", ["requester_id", "id"], unique=False
    )
    op.create_index(
        "ix_introductions_target_id_id", "introductions", ["target_id", "id"], unique=False
    )
    op.add_column(
        "accounts", sa.Column("industry", sa.String(length=200), server_default="", nullable=False)
    )
    op.add_column("accounts", sa.Column("open_to", sa.JSON(), server_default="[]", nullable=False))
    op.add_column(
        "accounts", sa.Column("experience", sa.JSON(), server_default="[]", nullable=False)
    )
    op.add_column(
        "accounts", sa.Column("education", sa.JSON(), server_default="[]", nullable=False)
    )
    op.add_column("accounts", sa.Column("skills", sa.JSON(), server_default="[]", nullable=False))
    op.add_column("accounts", sa.Column("links", sa.JSON(), server_default="[]", nullable=False))
    op.add_column(
        "accounts",
        sa.Column(
            "connections_visibility",
            sa.String(length=16),
            server_default="connections",
            nullable=False,
        ),
    )
    op.add_column(
        "accounts",
        sa.Column("accepts_introductions", sa.Boolean(), server_default="1", nullable=False),
    )
    op.add_column(
        "accounts", sa.Column("warmline", sa.Boolean(), server_default="0", nullable=False)
    )
    op.add_column("accounts", sa.Column("connections_url", sa.Text(), nullable=True))
    op.add_column("notifications", sa.Column("subject_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("notifications", "subject_id")
    op.drop_column("accounts", "connections_url")
    op.drop_column("accounts", "warmline")
    op.drop_column("accounts", "accepts_introductions")
    op.drop_column("accounts", "connections_visibility")
    op.drop_column("accounts", "links")
    op.drop_column("accounts", "skills")
    op.drop_column("accounts", "education")
    op.drop_column("accounts", "experience")
    op.drop_column("accounts", "open_to")
    op.drop_column("accounts", "industry")
    op.drop_index("ix_introductions_target_id_id", table_name="introductions")
    op.drop_index("ix_introductions_requester_id_id", table_name="introductions")
    op.drop_index("ix_introductions_introducer_id_id", table_name="introductions")
    op.drop_table("introductions")
    op.drop_index("ix_recommendations_target_account_id_state", table_name="recommendations")
    op.drop_index("ix_recommendations_account_id", table_name="recommendations")
    op.drop_table("recommendations")
    op.drop_index("uq_endorsements_account_id_target_account_id_skill", table_name="endorsements")
    op.drop_index("ix_endorsements_target_account_id", table_name="endorsements")
    op.drop_table("endorsements")
    op.drop_table("connections")
    op.drop_index(
        "ix_connection_requests_target_account_id_state", table_name="connection_requests"
    )
    op.drop_index("ix_connection_requests_account_id_state", table_name="connection_requests")
    op.drop_table("connection_requests")
    op.drop_index("ix_blocks_target_account_id", table_name="blocks")
    op.drop_table("blocks")
