"""`onrecord demo-data` (owned by the demo generator work in progress)."""


def demo_data() -> None:
    """Generate the demo department."""
    raise NotImplementedError
