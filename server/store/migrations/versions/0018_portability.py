"""Bringing a network in and taking it away (issue 13): a member's other
accounts (``account_aliases``, published as ``alsoKnownAs``), where an account
moved (``account_moves``), what a LinkedIn export brought (``linkedin_contacts``,
private to the member; ``imported_recommendations``; ``profile_extras`` for the
languages and certifications a profile lists) and who may be found by their
LinkedIn profile address (``linkedin_links``).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.store.tables import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _account(column: str = "account_id", *, primary_key: bool = False) -> sa.Column:
    return sa.Column(
        column,
        sa.BigInteger,
        sa.ForeignKey("accounts.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
        autoincrement=False,
    )


def upgrade() -> None:
    op.create_table(
        "account_aliases",
        _account(primary_key=True),
        sa.Column("uri", sa.Text, primary_key=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "account_moves",
        _account(primary_key=True),
        _account("target_account_id"),
        sa.Column("moved_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_account_moves_target_account_id", "account_moves", ["target_account_id"])
    op.create_table(
        "linkedin_links",
        _account(primary_key=True),
        sa.Column("url_key", sa.String(200), nullable=False),
        sa.Column("findable", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_linkedin_links_url_key", "linkedin_links", ["url_key"])
    op.create_table(
        "linkedin_contacts",
        sa.Column("id", ID, primary_key=True, autoincrement=False),
        _account(),
        sa.Column("first_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("last_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("url_key", sa.String(200), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("company", sa.String(200), nullable=False, server_default=""),
        sa.Column("position", sa.String(200), nullable=False, server_default=""),
        sa.Column("connected_on", sa.String(32), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_linkedin_contacts_account_id", "linkedin_contacts", ["account_id"])
    op.create_index("ix_linkedin_contacts_url_key", "linkedin_contacts", ["url_key"])
    op.create_table(
        "imported_recommendations",
        sa.Column("id", ID, primary_key=True, autoincrement=False),
        _account(),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("author_title", sa.String(200), nullable=False, server_default=""),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("written_on", sa.String(32), nullable=True),
        sa.Column("shown", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index(
        "ix_imported_recommendations_account_id", "imported_recommendations", ["account_id"]
    )
    op.create_table(
        "profile_extras",
        _account(primary_key=True),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("certifications", sa.JSON, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "profile_extras",
        "imported_recommendations",
        "linkedin_contacts",
        "linkedin_links",
        "account_moves",
        "account_aliases",
    ):
        op.drop_table(table)
