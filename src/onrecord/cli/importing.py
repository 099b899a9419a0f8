"""`onrecord import` (owned by the importers work in progress)."""


def import_package() -> None:
    """Import source files into a data package."""
    raise NotImplementedError
