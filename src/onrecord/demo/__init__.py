"""The demo department: a realistic synthetic body-worn camera program, written as a data package.

``generate(out, officers=..., days=..., seed=...)`` is the library entry point; ``onrecord
demo-data`` is its command. See ``docs/demo-data.md`` for what is modelled and at what rates.
"""

from onrecord.demo.generate import DemoStats, generate
from onrecord.demo.profile import PROFILES, Profile

__all__ = ["PROFILES", "DemoStats", "Profile", "generate"]
