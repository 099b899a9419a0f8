"""The evidence vault (issue 14; contract: ``/work/shared/spec/vault.md``).

The custody log's pure core: an entry's canonical bytes (``canonical``), the RFC 9162 Merkle tree
over them (``merkle``), signed checkpoints of its head (``checkpoint``), and a single-file bundle
verifier a third party can copy (``verify_bundle``, which imports nothing from OnRecord).

Storage: the protocol the vault's services see (``store``), envelope encryption at rest
(``encryption``, pure), the department's key-encryption keys (``keyring``), and the stores that
implement the protocol over a local folder (``local_store``) or an S3-compatible object store
(``s3_store``), with what they share (``sealed_store``); ``stores.open_store`` picks one by
location.

Over the database and a blob store: creating a vault (``setup``, ``signing``), the log's appends
and proofs (``log``), the service every ingest path calls (``service``), bundles (``bundle``),
``verify``, the media times of local files (``media``), retention schedules (``retention``) and
disposition (``disposition``); for the console, who may see which item (``access``), legal
holds (``holds``), categories and cases (``labels``), share links (``shares``) and one entry per
playback (``playback``); the Axis content destination (``axis``). For the audit: the items as
the data package's recordings (``recordings``), their stop reasons by a department's mapping
(``stop_reasons``).
"""
