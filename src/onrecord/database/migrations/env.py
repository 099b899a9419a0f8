"""Alembic environment: migrations run programmatically on the connection ``upgrade`` passes."""

from __future__ import annotations

from alembic import context

# Each module registers its tables on Base.metadata.
from onrecord.database import accounts, axis, fleet, policies, vault, vault_access  # noqa: F401
from onrecord.database.base import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
