"""What one running console needs to know: where the results are, the database, the secrets.

Everything is explicit and immutable so that tests build an app per configuration and nothing is
read from the environment behind the caller's back (the CLI does that, once).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """``audit_dir`` is an ``onrecord audit`` output folder; ``package_dir`` the data package it
    audited (default: the path recorded in its summary.json), read for the encounter timelines'
    recordings; ``db_url`` the operational database (accounts, access log, fleet);
    ``plan_dir`` an ``onrecord plan`` output folder, whose figures the fleet and gap pages show."""

    audit_dir: Path
    db_url: str
    package_dir: Path | None = None
    plan_dir: Path | None = None
    # Signs session and CSRF cookies. A random key per process means a restart logs everyone
    # out, which is safe; set ONRECORD_SECRET_KEY to keep sessions across restarts.
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    # The Secure cookie flag: on, except for the plain-http demo on 127.0.0.1.
    secure_cookies: bool = True
    session_hours: float = 8.0
    # Login throttling: this many failures for one account name or one address within the
    # window refuse further attempts until the window has passed.
    login_max_failures: int = 5
    login_window_s: int = 15 * 60
