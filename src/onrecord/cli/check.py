"""`onrecord check` (in progress)."""


def check() -> None:
    """Check a data package."""
    raise NotImplementedError
