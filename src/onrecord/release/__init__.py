"""Public release of footage (issue 15): records requests, their redaction on a job queue, and
releases as new vault items with a download link for the requester (guide: docs/release.md).

Pure parts: the statutory deadline from a rule kept as YAML (``deadline``, built-in rules in
``rules/``), a request's statuses and the moves between them (``status``), which vault items
answer a request (``matching``), and the public monthly figures with small counts withheld
(``figures``).

Over the vault: ``service.Releases`` logs requests, proposes and takes items, plans redaction
jobs, approves (ingesting each redacted item and publishing it with its custody entries and the
requester's link) or denies, and serves the link's downloads, each use logged. What a redaction
needs of the engine is the narrow ``redactor.Redactor`` protocol; ``jobs`` runs one job safely
whatever kills it, and ``queue`` puts jobs on Redis with RQ, runs workers (``onrecord worker``),
and, with no Redis given, a private one with local workers.
"""
