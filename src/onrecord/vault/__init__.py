"""The evidence vault's custody log (issue 14; contract: ``/work/shared/spec/vault.md``).

The pure core: an entry's canonical bytes (``canonical``), the RFC 9162 Merkle tree over them
(``merkle``), signed checkpoints of its head (``checkpoint``), and a single-file bundle verifier a
third party can copy (``verify_bundle``, which imports nothing from OnRecord). No database, no I/O.
"""
