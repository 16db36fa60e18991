"""The package's structure: the declared layers hold, no import cycle, small modules, and
the contract defined in one place."""

from __future__ import annotations

import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

from newsclaims import contract

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "newsclaims"


def test_the_layers_of_pyproject_hold():
    """CLI -> library -> engines -> rules -> contract (pyproject.toml, [tool.importlinter])."""
    exe = Path(sys.executable).with_name("lint-imports")
    got = subprocess.run([str(exe), str(REPO / "pyproject.toml")], cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    assert got.returncode == 0, got.stdout[-3000:] + got.stderr[-2000:]
    assert "1 kept, 0 broken" in got.stdout


def test_every_module_has_a_layer():
    """A new module of the package is placed in the layers, or the contract would not see it."""
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    layers = config["tool"]["importlinter"]["contracts"][0]["layers"]
    placed = {name.strip() for layer in layers for name in layer.replace("|", ":").split(":")}
    modules = {f"newsclaims.{p.stem if p.is_file() else p.name}" for p in PACKAGE.iterdir()
               if (p.suffix == ".py" and p.stem != "__init__") or (p.is_dir() and (p / "__init__.py").is_file())}
    assert modules - placed == set()


def _graph():
    import grimp

    return grimp.build_graph("newsclaims")


@pytest.mark.parametrize("level", [1, 2])
def test_no_import_cycle_between_modules_or_packages(level):
    """Modules and packages at ``level`` below ``newsclaims`` import each other one way only
    (``newsclaims.rules`` and ``newsclaims.engines`` at level 1; ``newsclaims.engines.duckdb``
    and ``newsclaims.engines.gx`` at level 2)."""
    graph = _graph()
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        parts = module.split(".")
        if len(parts) <= level:
            continue
        source = ".".join(parts[:level + 1])
        for imported in graph.find_modules_directly_imported_by(module):
            target = ".".join(imported.split(".")[:level + 1])
            if imported.count(".") >= level and target != source and target.startswith("newsclaims."):
                if target.split(".")[:level] == source.split(".")[:level]:
                    edges.setdefault(source, set()).add(target)
    try:
        list(TopologicalSorter(edges).static_order())
    except CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")


def test_no_module_of_the_rules_and_engines_packages_is_over_300_lines():
    long = {str(p.relative_to(PACKAGE)): n for folder in ("rules", "engines")
            for p in (PACKAGE / folder).rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 300}
    assert long == {}


def test_measure_groups_are_values_of_the_measure_enum():
    enum = set(contract.tables()["figures"].column("measure").enum)
    for group, values in contract.MEASURE_GROUPS.items():
        assert set(values) <= enum, group


def test_tables_and_id_patterns_come_from_the_ddl():
    """The contract's tables (in load order) and id patterns are read from sql/schema.sql."""
    ddl = contract.schema_sql()
    positions = [ddl.index(f"CREATE TABLE {t} (") for t in contract.TABLES]
    assert positions == sorted(positions) and len(contract.TABLES) == ddl.count("CREATE TABLE ")
    for table, (column, pattern) in contract.ID_PATTERNS.items():
        assert f"{column} VARCHAR PRIMARY KEY CHECK (regexp_matches({column}, '{pattern}'))" in ddl
    assert set(contract.ID_PATTERNS) == {"documents", "incidents", "claims", "figures", "actors", "places"}
