"""Shared fixtures: the repository's paths and the real dataset built once per session.

Area-specific fixtures live beside their tests (``tests/<area>_fixtures.py``)."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import pytest

# A test run started in the background by a shell without job control (`make test &`) inherits
# SIGINT ignored, and so would every command the tests start: the Ctrl-C tests send real SIGINTs
# and need them delivered, as from a terminal. A handler, unlike SIG_IGN, is reset at exec.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# helper modules whose assertions the tests call: pytest's detailed failure messages there too
pytest.register_assert_rewrite("defect_matrix", "golden_sql")

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


# The SHA-256 of the seed document as it was given to the project (never edited): the
# curated copy is dataset/documents/doc-0001.txt. Pinned here, so the test suite needs
# nothing outside the repository.
SEED_SHA256 = "11ce2f2648bf7831b96b70b94bf4ede14c339b3d002570980341e6f33e381225"
SEED_DOCUMENT = REPO / "dataset" / "documents" / "doc-0001.txt"


@pytest.fixture(scope="session")
def built_db(tmp_path_factory) -> Path:
    """The real curated dataset, built once into a temporary DuckDB file."""
    from newsclaims.build import build_database

    out = tmp_path_factory.mktemp("built") / "newsclaims.duckdb"
    build_database(REPO / "dataset", out)
    return out


@pytest.fixture
def built_db_copy(built_db, tmp_path_factory) -> Path:
    """A copy of ``built_db`` of the test's own, in a folder of its own, for a command that
    writes into the database (``release`` stores its check's results): the session's
    ``built_db`` stays as built, whatever ran before."""
    out = tmp_path_factory.mktemp("built-copy") / "newsclaims.duckdb"
    shutil.copyfile(built_db, out)
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


@pytest.fixture(scope="session")
def matrix_fixture_db(tmp_path_factory) -> Path:
    """``rule_fixtures.MATRIX_COPIES`` copies of the rule fixture in one loose-DDL file, built
    once: room for the defects of every rule at once (tests/defect_matrix.py)."""
    from rule_fixtures import MATRIX_COPIES, write_loose

    return write_loose(tmp_path_factory.mktemp("rules") / "matrix.duckdb", copies=MATRIX_COPIES)


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory):
    """Synthetic databases made once per test run: ``synthetic(claims, seed, **options)`` is
    the ``SynthResult`` of ``newsclaims.synth.generate`` with those arguments, made the first
    time a test asks for it. A test that changes the database works on a copy
    (``synth_fixtures.copy_synthetic``)."""
    from newsclaims.synth import generate

    made = {}

    def make(claims: int, seed: int, **options):
        key = (claims, seed, tuple(sorted(options.items())))
        if key not in made:
            folder = tmp_path_factory.mktemp("synthetic")
            made[key] = generate(folder / f"synth-{claims}-{seed}.duckdb", claims, seed=seed, **options)
        return made[key]

    return make

