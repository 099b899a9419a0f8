"""Alembic environment: migrations run programmatically on the connection ``upgrade`` passes."""

from __future__ import annotations

from alembic import context

# Each module registers its tables on Base.metadata.
from onrecord.database import (  # noqa: F401
    accounts,
    axis,
    fleet,
    policies,
    release,
    vault,
    vault_access,
)
from onrecord.database.base import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
