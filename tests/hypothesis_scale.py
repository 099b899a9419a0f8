"""How many examples a property test runs, as a multiple of the Hypothesis profile in force.

``conftest.py`` registers the profiles (``dev``, ``ci``, ``deep``) and loads one before any test
module is imported. A test that runs the profile's number of examples needs nothing; one whose
examples are much cheaper or much dearer than the usual takes a multiple of that number from
``scaled`` rather than a count of its own, so that every profile keeps the tests' proportions:
``scaled(3)`` is 300 examples under ``ci`` (100 a test) and 60 under ``dev`` (20 a test).
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings


def scaled(factor: float, **options: Any) -> settings:
    """Settings for ``factor`` times the profile's ``max_examples`` (at least one example),
    with any other settings given (``deadline=None``...) as they are."""
    examples = max(1, round(settings.default.max_examples * factor))
    return settings(max_examples=examples, **options)


def slow(factor: float) -> settings:
    """``scaled(factor)`` with no deadline and no too-slow or too-large health checks: for tests
    that load a package or write a file per example (tenths of a second each)."""
    return scaled(
        factor,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
