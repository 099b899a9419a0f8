"""The Axis content destination: credentials, tokens, the systems' users, cameras and system
objects, and the containers and objects staged until a recording is complete.

Revision ID: 0008
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "axis_accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("key_hash", sa.String(length=255), nullable=False),
        sa.Column("site_name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("key_set_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "axis_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["axis_accounts.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_axis_tokens_account_id", "axis_tokens", ["account_id"])
    op.create_table(
        "axis_users",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=256), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["axis_accounts.id"]),
        sa.PrimaryKeyConstraint("account_id", "uuid"),
    )
    op.create_table(
        "axis_devices",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=256), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("model", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["axis_accounts.id"]),
        sa.PrimaryKeyConstraint("account_id", "serial"),
    )
    op.create_table(
        "axis_systems",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.String(length=256), nullable=False),
        sa.Column("connection_id", sa.Text(), nullable=True),
        sa.Column("system_name", sa.Text(), nullable=True),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["axis_accounts.id"]),
        sa.PrimaryKeyConstraint("account_id", "system_id"),
    )
    op.create_table(
        "axis_containers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("item_id", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "kind IN ('system', 'users', 'devices', 'recording', 'rejected')",
            name="axis_container_kind",
        ),
        sa.ForeignKeyConstraint(["account_id"], ["axis_accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "name", name="axis_container_name"),
    )
    op.create_table(
        "axis_objects",
        sa.Column("container_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=1024), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("md5", sa.String(length=32), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["container_id"], ["axis_containers.id"]),
        sa.PrimaryKeyConstraint("container_id", "name"),
    )
    op.create_index("axis_objects_sha256", "axis_objects", ["sha256"])


def downgrade() -> None:
    op.drop_index("axis_objects_sha256", "axis_objects")
    op.drop_table("axis_objects")
    op.drop_table("axis_containers")
    op.drop_table("axis_systems")
    op.drop_table("axis_devices")
    op.drop_table("axis_users")
    op.drop_index("ix_axis_tokens_account_id", "axis_tokens")
    op.drop_table("axis_tokens")
    op.drop_table("axis_accounts")
