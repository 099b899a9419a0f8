"""Database URLs, engines and migrations: SQLite files by default, PostgreSQL by URL.

Checkouts must serialise where they compete for a camera. On SQLite every transaction starts
with ``BEGIN IMMEDIATE`` (it takes the database's write lock up front, so a choice cannot be
invalidated before it is recorded); on PostgreSQL the service locks the rows it takes
(``FOR UPDATE SKIP LOCKED``) and both rely on the constraints in ``models.py``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_SECONDS = 60
"""How long a SQLite transaction waits for the write lock before failing."""
READ_ONLY = {"onrecord_read_only": True}
"""Execution options of an engine for transactions that only read: on SQLite they begin
deferred (no write lock), so listings never queue behind checkouts."""


class DatabaseError(Exception):
    """The database cannot be used as given (bad URL, not initialised, out of date)."""


def database_url(text: str) -> str:
    """A SQLAlchemy URL from ``text``: a URL as given (``postgresql://`` uses psycopg 3), or a
    file path, which means a SQLite database there."""
    if "://" not in text:
        return f"sqlite:///{Path(text).expanduser().resolve()}"
    try:
        url = make_url(text)
    except ArgumentError as e:
        raise DatabaseError(f"{text!r} is not a database URL: {e}") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseError(
            f"{url.get_backend_name()!r} databases are not supported; use a SQLite file "
            "(sqlite:///path or a plain path) or postgresql+psycopg://user@host/db"
        )
    return url.render_as_string(hide_password=False)


def connect(text: str, create: bool = False) -> Engine:
    """An engine for ``text`` (see :func:`database_url`), set up for safe concurrent checkouts.

    A SQLite file must exist unless ``create`` (only the commands that make a database pass it),
    so a mistyped path never leaves an empty database behind. The database is reached once here,
    so a folder, a file that is not a database or a server that does not answer is a
    :class:`DatabaseError` with a plain message instead of a traceback later."""
    url = make_url(database_url(text))
    if url.get_backend_name() != "sqlite":
        # About two connections per core: more only adds lock and CPU contention (measured with
        # bench/checkout_speed.py: 4 connections served 62 checkouts/s, 50 served 48).
        engine = create_engine(url, pool_size=2 * (os.cpu_count() or 2), max_overflow=0)
    else:
        _check_sqlite_path(Path(url.database or ""), create)
        engine = _sqlite_engine(url)
    try:
        with engine.connect():
            pass
    except SQLAlchemyError as e:
        engine.dispose()
        reason = str(getattr(e, "orig", None) or e).strip().splitlines()[0]
        raise DatabaseError(
            f"{url.render_as_string(hide_password=True)} cannot be used: {reason}"
        ) from None
    return engine


def _check_sqlite_path(path: Path, create: bool) -> None:
    if path.is_dir():
        example = path / "onrecord.db"
        raise DatabaseError(f"{path} is a folder; give a database file, e.g. {example}")
    if not create and not path.exists():
        raise DatabaseError(
            f"{path} does not exist; create it with `onrecord fleet init PACKAGE --db {path}`"
        )
    if create and not path.parent.is_dir():
        raise DatabaseError(f"{path}: the folder {path.parent} does not exist; create it first")


def _sqlite_engine(url: URL) -> Engine:
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})

    @event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode = WAL")  # readers never block the writer
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Any) -> None:
        reads = conn.get_execution_options().get("onrecord_read_only")
        conn.exec_driver_sql("BEGIN" if reads else "BEGIN IMMEDIATE")

    return engine


def alembic_config() -> Config:
    """Alembic's configuration for the migrations shipped in this package (no alembic.ini)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade(engine: Engine) -> None:
    """Migrate the database to the newest schema shipped with this package."""
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def require_current(engine: Engine) -> None:
    """Raise :class:`DatabaseError` unless the schema is the newest one (fail early, clearly)."""
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current is None:
        raise DatabaseError(
            f"{engine.url.render_as_string()} has no fleet database; "
            "create it with `onrecord fleet init PACKAGE --db URL`"
        )
    head = head_revision()
    if current != head:
        raise DatabaseError(
            f"{engine.url.render_as_string()} is at schema {current}, this version needs "
            f"{head}; run `onrecord fleet upgrade --db URL`"
        )
