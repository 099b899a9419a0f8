"""Alembic environment: migrations run programmatically on the connection ``db.upgrade`` passes."""

from __future__ import annotations

from alembic import context

from onrecord.checkout.models import Base
from onrecord.web import models as _web_models  # noqa: F401  (the console's tables share the Base)

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
