"""What the content destination needs of the vault: two calls, so it can be tested against a
fake and served over the real vault unchanged.

``ingest`` records a complete recording (idempotent on its source and external key: a retry
returns the same item with ``created`` false). ``record_failure`` writes a failure entry to the
custody log. The destination writes one for each upload it refuses and each refused sign-in:

- ``action`` ``ingest``: a container or object refused (400, 403, 404, 422, 507, or 503 because
  the store failed), ``details`` holding ``method``, ``path``, ``status`` and ``reason``;
- ``action`` ``sign_in``: credentials or a token refused (401), ``details`` holding the name
  presented (if any) and the reason;
- ``action`` ``access``: a read refused (403: only ``System`` objects are served) or a token used
  on another system's account (403).

A 503 because the destination is busy and a 401 for an expired token are routine (the system
retries, or signs in again) and are not logged; nor is an upload cut off mid-body (nothing was
stored, and the system sends it again).
"""

from __future__ import annotations

from typing import Any, Protocol

from onrecord.vault.items import IngestResult, NewItem

INGEST = "ingest"
SIGN_IN = "sign in"
ACCESS = "access"


class RecordingSink(Protocol):
    def ingest(self, item: NewItem, *, actor: str, address: str | None) -> IngestResult: ...

    def record_failure(
        self,
        action: str,
        *,
        actor: str,
        address: str | None,
        item: str | None,
        details: dict[str, Any],
    ) -> int: ...
