"""What one running console needs to know: where the results are, the database, the secrets.

Everything is explicit and immutable so that tests build an app per configuration and nothing is
read from the environment behind the caller's back (the CLI does that, once).
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Settings:
    """``audit_dir`` is an ``onrecord audit`` output folder; ``package_dir`` the data package it
    audited (default: the path recorded in its summary.json), read for the encounter timelines'
    recordings; ``db_url`` the operational database (accounts, access log, fleet);
    ``plan_dir`` an ``onrecord plan`` output folder, whose figures the fleet and gap pages show;
    ``vault_keys`` the evidence vault's keys folder on this machine, when it is not where
    ``onrecord vault init`` put it (the footage is decrypted with its keys).

    Redaction jobs for records requests: ``redactor`` names the redaction function
    (``module:function``; default ``release.redactor.DEFAULT_REDACTOR``); with ``redis_url``
    they go to that Redis's queue for ``onrecord worker``s, else the console runs
    ``redaction_workers`` local workers of its own (``web.redaction_jobs``)."""

    audit_dir: Path
    db_url: str
    package_dir: Path | None = None
    plan_dir: Path | None = None
    vault_keys: Path | None = None
    # Signs session and CSRF cookies. A random key per process means a restart logs everyone
    # out, which is safe; set ONRECORD_SECRET_KEY to keep sessions across restarts.
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    # The Secure cookie flag: on, except for the plain-http demo on 127.0.0.1.
    secure_cookies: bool = True
    session_hours: float = 8.0
    # Login throttling: this many failures for one account name from one client address, or
    # ``login_address_max_failures`` from one address whatever the names, within the window
    # refuse further attempts from that address until the window has passed.
    login_max_failures: int = 5
    login_address_max_failures: int = 20
    login_window_s: int = 15 * 60
    # The reverse proxies (addresses or networks) whose X-Forwarded-For is believed; from any
    # other peer, the header is ignored and the client is the socket's peer.
    trusted_proxies: tuple[str, ...] = ()
    redactor: str | None = None
    redis_url: str | None = None
    redaction_workers: int = 1

    def __post_init__(self) -> None:
        """Refuse a malformed proxy address at start rather than at the first request."""
        _ = self.proxy_networks
        if not 1 <= self.redaction_workers <= 64:
            raise ValueError(f"{self.redaction_workers} redaction workers: give 1 to 64")

    @cached_property
    def proxy_networks(self) -> tuple[Network, ...]:
        """``trusted_proxies`` parsed; raises ValueError naming one that is not an address."""
        networks = []
        for text in self.trusted_proxies:
            try:
                networks.append(ipaddress.ip_network(text.strip(), strict=False))
            except ValueError:
                raise ValueError(
                    f"{text!r} is not an IP address or network (e.g. 10.0.0.5, 10.0.0.0/24)"
                ) from None
        return tuple(networks)
