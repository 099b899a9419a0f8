"""The evidence vault and its custody log (issue 14; contract: ``/work/shared/spec/vault.md``).

The pure core: an entry's canonical bytes (``canonical``), the RFC 9162 Merkle tree over them
(``merkle``), signed checkpoints of its head (``checkpoint``), and a single-file bundle verifier a
third party can copy (``verify_bundle``, which imports nothing from OnRecord). Over the database
and a blob store (``store``): creating a vault (``setup``, ``signing``), the log's appends and
proofs (``log``), the service every ingest path calls (``service``), bundles (``bundle``),
``verify`` and the media times of local files (``media``). For the audit: the items as the data
package's recordings (``recordings``), their stop reasons by a department's mapping
(``stop_reasons``).
"""
