"""One custody entry per playback, however many byte ranges the player asks for.

A video player fetches footage in many range requests: the first when play is pressed, more as
it buffers and whenever the viewer seeks. Logging each would bury the custody log in entries
that say nothing new, so the page hands each player a **play token** (random, in the address of
its source) and only the first request under a token logs: a ``play`` entry for an account, a
``share used`` entry for a share's holder. The token's SHA-256 is recorded with that entry's
index in the same transaction (``vault_playbacks``), so two first requests racing log once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from onrecord.database.vault_access import VaultPlayback
from onrecord.vault.log import Action
from onrecord.vault.service import Vault


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def record_playback(
    vault: Vault,
    token: str,
    *,
    action: Action,
    actor: str,
    address: str | None,
    item_id: str,
    details: Mapping[str, Any],
) -> int | None:
    """Log ``action`` for the playback under ``token`` unless it was logged already; returns
    the new entry's index, or None when the token had been used."""
    digest = _digest(token)
    with vault.readers() as s:
        if s.get(VaultPlayback, digest) is not None:
            return None
    with vault.writing() as log:
        s = log.session
        if s.get(VaultPlayback, digest) is not None:  # another request logged it meanwhile
            return None
        index = log.append(action, actor=actor, item=item_id, details=details, source=address)
        started = log.last_time
        assert started is not None
        s.add(VaultPlayback(token_hash=digest, item_id=item_id, entry=index, started_at=started))
        return index
