"""Importers: declarative YAML mappings that turn department source files into data packages.

``load_mapping`` validates a mapping (a file or a shipped name), ``run_import`` applies it, and
every problem that stops an import is an ``ImporterError``. See ``docs/import.md``.
"""

from onrecord.importers.engine import ImportResult, run_import
from onrecord.importers.errors import ImporterError
from onrecord.importers.mapping import Mapping, load_mapping

__all__ = ["ImportResult", "ImporterError", "Mapping", "load_mapping", "run_import"]
