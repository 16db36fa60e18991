"""Shared fixtures: the repository's paths and the real dataset built once per session.

Area-specific fixtures live beside their tests (``tests/<area>_fixtures.py``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def seed_path() -> Path:
    """The seed document as shared with the project (never edited)."""
    return REPO.parent / "shared" / "seed" / "kerry-syria-truce-2016.txt"


@pytest.fixture(scope="session")
def built_db(tmp_path_factory) -> Path:
    """The real curated dataset, built once into a temporary DuckDB file."""
    from newsclaims.build import build_database

    out = tmp_path_factory.mktemp("built") / "newsclaims.duckdb"
    build_database(REPO / "dataset", out)
    return out


@pytest.fixture
def dataset_copy(tmp_path) -> Path:
    """A writable copy of dataset/, for tests that corrupt it."""
    dst = tmp_path / "dataset"
    shutil.copytree(REPO / "dataset", dst)
    return dst


@pytest.fixture(scope="session")
def fixture_db(tmp_path_factory) -> Path:
    """The rule fixture (tests/rule_fixtures.py) in a loose-DDL DuckDB file, built once."""
    from rule_fixtures import write_loose

    return write_loose(tmp_path_factory.mktemp("rules") / "fixture.duckdb")
