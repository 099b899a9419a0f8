"""Records requests: requests and their status history, proposed items, redaction jobs and
download links; vault items may now come from a release.

Revision ID: 0010
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SOURCES_BEFORE = "source IN ('axis', 'upload', 'folder')"
SOURCES_AFTER = "source IN ('axis', 'upload', 'folder', 'release')"


def _item_sources(before: str, after: str) -> None:
    """Let ``vault_items.source`` take the values of ``after`` instead of ``before``."""
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("vault_item_source", "vault_items", type_="check")
        op.create_check_constraint("vault_item_source", "vault_items", after)
        return
    # SQLite cannot alter a constraint, and copying the table (batch mode) would drop the one
    # the files, cases and holds refer to, which fails with foreign keys on, as they are for
    # the whole migration. SQLite's documented way for a change that leaves the stored rows
    # valid is to edit the table's definition in the schema and bump the schema's version
    # (https://www.sqlite.org/lang_altertable.html, "otheralter").
    bind = op.get_bind()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'vault_items'"
    ).scalar_one()
    if sql.count(before) != 1:
        raise RuntimeError(f"vault_items: expected the constraint {before!r} in {sql!r}")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'vault_items'",
        (sql.replace(before, after),),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    op.create_table(
        "release_requests",
        sa.Column("id", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("requester", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.String(length=500), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("officer_ids", sa.JSON(), nullable=False),
        sa.Column("time_from", sa.DateTime(), nullable=True),
        sa.Column("time_to", sa.DateTime(), nullable=True),
        sa.Column("station_id", sa.String(length=64), nullable=True),
        sa.Column("rule_name", sa.String(length=200), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("exemption", sa.String(length=64), nullable=True),
        sa.Column("exemption_citation", sa.String(length=500), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.Column("denied_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('received', 'found', 'redacting', 'review', 'released', 'denied')",
            name="release_request_status",
        ),
        sa.CheckConstraint(
            "time_from IS NULL OR time_to IS NULL OR time_from < time_to",
            name="release_request_times",
        ),
        sa.CheckConstraint(
            "(status = 'denied') = (exemption IS NOT NULL AND denied_on IS NOT NULL)",
            name="release_request_denied",
        ),
        sa.CheckConstraint(
            "(status = 'released') = (released_on IS NOT NULL)", name="release_request_released"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("year", "serial", name="release_requests_year_serial"),
    )
    op.create_index("release_requests_status", "release_requests", ["status"])
    op.create_table(
        "release_status_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["request_id"], ["release_requests.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_release_status_changes_request_id", "release_status_changes", ["request_id"]
    )
    op.create_table(
        "release_candidates",
        sa.Column("request_id", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.String(length=20), nullable=False),
        sa.Column("reasons", sa.String(length=1000), nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=True),
        sa.Column("taken", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["vault_items.id"]),
        sa.ForeignKeyConstraint(["request_id"], ["release_requests.id"]),
        sa.PrimaryKeyConstraint("request_id", "item_id"),
    )
    op.create_table(
        "release_jobs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.String(length=20), nullable=False),
        sa.Column("file_position", sa.Integer(), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("source_name", sa.String(length=1000), nullable=False),
        sa.Column("run", sa.Integer(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("queue_job_id", sa.String(length=100), nullable=True),
        sa.Column("worker", sa.String(length=200), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("output_sha256", sa.String(length=64), nullable=True),
        sa.Column("output_size", sa.BigInteger(), nullable=True),
        sa.Column("record_sha256", sa.String(length=64), nullable=True),
        sa.Column("record_size", sa.BigInteger(), nullable=True),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("release_item_id", sa.String(length=20), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'storing', 'done', 'failed', 'cancelled')",
            name="release_job_status",
        ),
        sa.CheckConstraint(
            "status NOT IN ('storing', 'done') OR "
            "(output_sha256 IS NOT NULL AND output_size IS NOT NULL "
            "AND record_sha256 IS NOT NULL AND record_size IS NOT NULL)",
            name="release_job_outputs",
        ),
        sa.ForeignKeyConstraint(["item_id"], ["vault_items.id"]),
        sa.ForeignKeyConstraint(["release_item_id"], ["vault_items.id"]),
        sa.ForeignKeyConstraint(["request_id"], ["release_requests.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "request_id", "item_id", "file_position", "run", name="release_jobs_clip_run"
        ),
    )
    op.create_index("release_jobs_request_run", "release_jobs", ["request_id", "run"])
    op.create_index("ix_release_jobs_output_sha256", "release_jobs", ["output_sha256"])
    op.create_index("ix_release_jobs_record_sha256", "release_jobs", ["record_sha256"])
    op.create_table(
        "release_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["request_id"], ["release_requests.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_release_links_request_id", "release_links", ["request_id"])
    _item_sources(SOURCES_BEFORE, SOURCES_AFTER)


def downgrade() -> None:
    _item_sources(SOURCES_AFTER, SOURCES_BEFORE)
    op.drop_table("release_links")
    op.drop_table("release_jobs")
    op.drop_table("release_candidates")
    op.drop_table("release_status_changes")
    op.drop_table("release_requests")
