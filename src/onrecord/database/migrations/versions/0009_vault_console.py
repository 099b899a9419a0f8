"""The vault in the console: the evidence custodian and investigator roles, the cases each
investigator is assigned, share links and their items, and playback sessions.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('admin', 'manager', 'supervisor', 'auditor')"
NEW_ROLES = "role IN ('admin', 'manager', 'supervisor', 'auditor', 'custodian', 'investigator')"


def _roles(check: str) -> None:
    # SQLite cannot alter a constraint: batch mode copies the table with the new one.
    with op.batch_alter_table("users", recreate="auto") as batch:
        batch.drop_constraint("user_role", type_="check")
        batch.create_check_constraint("user_role", check)


def upgrade() -> None:
    _roles(NEW_ROLES)
    op.create_table(
        "investigator_cases",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=100), nullable=False),
        sa.Column("assigned_by", sa.String(length=64), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("user_id", "case_id"),
    )
    op.create_index("investigator_cases_case", "investigator_cases", ["case_id"])
    op.create_table(
        "vault_shares",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("recipient_role", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=1000), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_entry", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_by", sa.String(length=64), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoke_reason", sa.String(length=1000), nullable=True),
        sa.Column("revoked_entry", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "recipient_role IN ('prosecutor', 'defence', 'court', 'other')",
            name="vault_share_recipient_role",
        ),
        sa.CheckConstraint("expires_at > created_at", name="vault_share_expires"),
        sa.CheckConstraint(
            "(revoked_at IS NULL) = (revoked_by IS NULL) "
            "AND (revoked_at IS NULL) = (revoked_entry IS NULL)",
            name="vault_share_revoked",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "vault_share_items",
        sa.Column("share_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["vault_items.id"]),
        sa.ForeignKeyConstraint(["share_id"], ["vault_shares.id"]),
        sa.PrimaryKeyConstraint("share_id", "item_id"),
    )
    op.create_table(
        "vault_playbacks",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=20), nullable=False),
        sa.Column("entry", sa.BigInteger(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["vault_items.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_vault_playbacks_started_at", "vault_playbacks", ["started_at"])


def downgrade() -> None:
    op.drop_table("vault_playbacks")
    op.drop_table("vault_share_items")
    op.drop_table("vault_shares")
    op.drop_table("investigator_cases")
    op.execute("DELETE FROM users WHERE role IN ('custodian', 'investigator')")
    _roles(OLD_ROLES)
