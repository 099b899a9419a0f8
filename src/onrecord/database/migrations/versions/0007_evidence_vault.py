"""The evidence vault: its settings, items and files, cases and legal holds, and the custody log
(entries, stored Merkle subtrees, signed checkpoints, and the head row appends lock).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

LOG_INDEX = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite: the rowid itself


def upgrade() -> None:
    op.create_table(
        "vault_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("vkey", sa.String(length=300), nullable=False),
        sa.Column("store_location", sa.String(length=1000), nullable=False),
        sa.Column("endpoint_url", sa.String(length=1000), nullable=True),
        sa.Column("keys_folder", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("retention_name", sa.String(length=200), nullable=True),
        sa.Column("retention_text", sa.Text(), nullable=True),
        sa.CheckConstraint("id = 1", name="vault_settings_one_row"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "vault_log_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name="vault_log_head_one_row"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "vault_items",
        sa.Column("id", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("external_key", sa.String(length=500), nullable=True),
        sa.Column("officer_id", sa.String(length=64), nullable=False),
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("end", sa.DateTime(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column("trigger_on_reason", sa.String(length=200), nullable=True),
        sa.Column("trigger_on_time", sa.DateTime(), nullable=True),
        sa.Column("trigger_off_reason", sa.String(length=200), nullable=True),
        sa.Column("trigger_off_time", sa.DateTime(), nullable=True),
        sa.Column("source_metadata", sa.JSON(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(), nullable=False),
        sa.Column("ingest_entry", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("source IN ('axis', 'upload', 'folder')", name="vault_item_source"),
        sa.CheckConstraint('"end" >= start', name="vault_item_times"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ingest_entry"),
        sa.UniqueConstraint("source", "external_key", name="vault_items_source_key"),
        sa.UniqueConstraint("year", "serial", name="vault_items_year_serial"),
    )
    op.create_index("vault_items_camera_start", "vault_items", ["camera_id", "start"])
    op.create_index("vault_items_officer_start", "vault_items", ["officer_id", "start"])
    op.create_table(
        "vault_files",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("item_id", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=1000), nullable=False),
        sa.Column("media_type", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("disposed", sa.Boolean(), nullable=False),
        sa.Column("disposed_entry", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "role IN ('clip', 'gnss', 'bookmark', 'key', 'other')", name="vault_file_role"
        ),
        sa.CheckConstraint(
            "(disposed AND disposed_entry IS NOT NULL) "
            "OR (NOT disposed AND disposed_entry IS NULL)",
            name="vault_file_disposed_entry",
        ),
        sa.CheckConstraint("size >= 0", name="vault_file_size"),
        sa.ForeignKeyConstraint(["item_id"], ["vault_items.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "position", name="vault_files_item_position"),
    )
    op.create_index("ix_vault_files_sha256", "vault_files", ["sha256"])
    op.create_table(
        "vault_item_categories",
        sa.Column("item_id", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["vault_items.id"]),
        sa.PrimaryKeyConstraint("item_id", "category"),
    )
    op.create_table(
        "vault_cases",
        sa.Column("case_id", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("(status = 'open') = (closed_at IS NULL)", name="vault_case_closed_at"),
        sa.CheckConstraint("status IN ('open', 'closed')", name="vault_case_status"),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.create_table(
        "vault_item_cases",
        sa.Column("item_id", sa.String(length=20), nullable=False),
        sa.Column("case_id", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["vault_cases.case_id"]),
        sa.ForeignKeyConstraint(["item_id"], ["vault_items.id"]),
        sa.PrimaryKeyConstraint("item_id", "case_id"),
    )
    op.create_index("vault_item_cases_case", "vault_item_cases", ["case_id"])
    op.create_table(
        "vault_holds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("item_id", sa.String(length=20), nullable=True),
        sa.Column("case_id", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("placed_by", sa.String(length=64), nullable=False),
        sa.Column("placed_at", sa.DateTime(), nullable=False),
        sa.Column("placed_entry", sa.BigInteger(), nullable=False),
        sa.Column("released_by", sa.String(length=64), nullable=True),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.Column("release_reason", sa.String(length=1000), nullable=True),
        sa.Column("released_entry", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "(item_id IS NULL) <> (case_id IS NULL)", name="vault_hold_item_or_case"
        ),
        sa.CheckConstraint(
            "(released_at IS NULL) = (released_by IS NULL) "
            "AND (released_at IS NULL) = (released_entry IS NULL)",
            name="vault_hold_release",
        ),
        sa.ForeignKeyConstraint(["case_id"], ["vault_cases.case_id"]),
        sa.ForeignKeyConstraint(["item_id"], ["vault_items.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_vault_holds_case_id", "vault_holds", ["case_id"])
    op.create_index("ix_vault_holds_item_id", "vault_holds", ["item_id"])
    op.create_table(
        "vault_entries",
        sa.Column("idx", LOG_INDEX, autoincrement=False, nullable=False),
        sa.Column("time", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=20), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("leaf", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("idx"),
    )
    op.create_index("vault_entries_item", "vault_entries", ["item_id", "idx"])
    op.create_table(
        "vault_nodes",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "position"),
    )
    op.create_table(
        "vault_checkpoints",
        sa.Column("size", LOG_INDEX, autoincrement=False, nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("size"),
    )


def downgrade() -> None:
    for table in (
        "vault_checkpoints",
        "vault_nodes",
        "vault_entries",
        "vault_holds",
        "vault_item_cases",
        "vault_cases",
        "vault_item_categories",
        "vault_files",
        "vault_items",
        "vault_log_head",
        "vault_settings",
    ):
        op.drop_table(table)
