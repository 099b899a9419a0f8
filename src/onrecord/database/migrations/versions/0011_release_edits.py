"""Review edits being stored: a reviewer's re-rendered clip and record named before their bytes
enter the store (``release_edits``).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "release_edits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("output_sha256", sa.String(length=64), nullable=False),
        sa.Column("output_size", sa.BigInteger(), nullable=False),
        sa.Column("record_sha256", sa.String(length=64), nullable=False),
        sa.Column("record_size", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["release_jobs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_release_edits_job_id", "release_edits", ["job_id"])
    op.create_index("ix_release_edits_output_sha256", "release_edits", ["output_sha256"])
    op.create_index("ix_release_edits_record_sha256", "release_edits", ["record_sha256"])


def downgrade() -> None:
    op.drop_table("release_edits")
