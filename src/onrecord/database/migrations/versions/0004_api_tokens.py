"""API tokens of the standalone checkout API, their station scope, and the log of their uses.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("all_stations", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "api_token_stations",
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["token_id"], ["api_tokens.id"]),
        sa.ForeignKeyConstraint(["station_id"], ["stations.station_id"]),
        sa.PrimaryKeyConstraint("token_id", "station_id"),
    )
    op.create_table(
        "api_token_uses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("auth", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=True),
        sa.Column("officer_id", sa.String(length=64), nullable=True),
        sa.Column("camera_id", sa.String(length=64), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "auth IN ('ok', 'missing', 'unknown', 'revoked')", name="api_token_use_auth"
        ),
        sa.ForeignKeyConstraint(["token_id"], ["api_tokens.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("api_token_uses_at", "api_token_uses", ["at"])
    op.create_index("api_token_uses_token_at", "api_token_uses", ["token_id", "at"])


def downgrade() -> None:
    op.drop_index("api_token_uses_token_at", "api_token_uses")
    op.drop_index("api_token_uses_at", "api_token_uses")
    op.drop_table("api_token_uses")
    op.drop_table("api_token_stations")
    op.drop_table("api_tokens")
