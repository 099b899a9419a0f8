"""OnRecord: body-worn camera program audit, fleet planning and transparency."""

__version__ = "0.1.0"
