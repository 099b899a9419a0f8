"""Initial schema: reference tables, device events, camera state and refusals.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cameras",
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=True),
        sa.Column("model", sa.String(length=100), nullable=True),
        sa.Column("assigned_officer_id", sa.String(length=64), nullable=True),
        sa.Column("battery_hours", sa.Float(), nullable=False),
        sa.Column("recharge_hours", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.CheckConstraint("status IN ('in_service', 'repair', 'retired')", name="camera_status"),
        sa.CheckConstraint("battery_hours > 0 AND recharge_hours > 0", name="camera_hours"),
        sa.PrimaryKeyConstraint("camera_id"),
    )
    op.create_index("ix_cameras_assigned_officer_id", "cameras", ["assigned_officer_id"])

    op.create_table(
        "department",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("policy", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "officers",
        sa.Column("officer_id", sa.String(length=64), nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=True),
        sa.Column("unit", sa.String(length=100), nullable=True),
        sa.Column("rank", sa.String(length=100), nullable=True),
        sa.Column("uniformed", sa.Boolean(), nullable=False),
        sa.Column("trained_on", sa.Date(), nullable=True),
        sa.Column("active_from", sa.Date(), nullable=True),
        sa.Column("active_to", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("officer_id"),
    )
    op.create_table(
        "refusals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("message", sa.String(length=1000), nullable=False),
        sa.Column("officer_id", sa.String(length=64), nullable=True),
        sa.Column("station_id", sa.String(length=64), nullable=True),
        sa.Column("camera_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "shifts",
        sa.Column("shift_id", sa.String(length=64), nullable=False),
        sa.Column("officer_id", sa.String(length=64), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("end", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=True),
        sa.Column("uniformed", sa.Boolean(), nullable=False),
        sa.Column("unit", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("shift_id"),
    )
    op.create_index("shifts_officer_start", "shifts", ["officer_id", "start"])

    op.create_table(
        "stations",
        sa.Column("station_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("dock_slots", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("station_id"),
    )
    op.create_table(
        "device_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("officer_id", sa.String(length=64), nullable=True),
        sa.Column("battery_pct", sa.Float(), nullable=True),
        sa.Column("estimated", sa.Boolean(), nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=True),
        sa.Column("shift_id", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "event IN ('checkout', 'checkin', 'undock', 'dock', 'power_on', 'power_off', "
            "'battery')",
            name="device_event_kind",
        ),
        sa.CheckConstraint("battery_pct BETWEEN 0 AND 100", name="device_event_battery"),
        sa.ForeignKeyConstraint(
            ["camera_id"],
            ["cameras.camera_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("device_events_camera_at", "device_events", ["camera_id", "at"])

    op.create_table(
        "camera_state",
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("docked", sa.Boolean(), nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=True),
        sa.Column("officer_id", sa.String(length=64), nullable=True),
        sa.Column("since", sa.DateTime(), nullable=True),
        sa.Column("charge", sa.Float(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("NOT docked OR officer_id IS NULL", name="docked_has_no_holder"),
        sa.CheckConstraint("charge BETWEEN 0 AND 1", name="charge_fraction"),
        sa.ForeignKeyConstraint(
            ["camera_id"],
            ["cameras.camera_id"],
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["device_events.id"],
        ),
        sa.PrimaryKeyConstraint("camera_id"),
        sa.UniqueConstraint("event_id"),
        sa.UniqueConstraint("officer_id"),
    )
    op.create_index("ix_camera_state_station_id", "camera_state", ["station_id"])


def downgrade() -> None:
    op.drop_index("ix_camera_state_station_id", "camera_state")

    op.drop_table("camera_state")
    op.drop_index("device_events_camera_at", "device_events")

    op.drop_table("device_events")
    op.drop_table("stations")
    op.drop_index("shifts_officer_start", "shifts")

    op.drop_table("shifts")
    op.drop_table("refusals")
    op.drop_table("officers")
    op.drop_table("department")
    op.drop_index("ix_cameras_assigned_officer_id", "cameras")

    op.drop_table("cameras")
