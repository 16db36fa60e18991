"""For every rule of the catalogue: its defect recipe breaks exactly that rule.

The fixture (tests/rule_fixtures.py) passes every rule. The defects of every rule are
planted in copies of it (``MATRIX_COPIES`` copies of every record under other ids in one
database), many rules per database with disjoint footprints, and the whole catalogue runs
once per database (tests/defect_matrix.py). Each rule's test then compares, in every
database, the records the rule reported with those the recipes declare (normally only its
own recipe's, on its own rule)."""

from __future__ import annotations

import shutil
from dataclasses import replace

import duckdb
import pytest

import defect_matrix
from engine_api import run_checks, violations
from newsclaims.defects import inject, recipes
from newsclaims.rules.catalogue import load_catalogue
from rule_fixtures import MATRIX_COPIES

# The pandera rules (<table>.pandera_schema) re-check a whole table at once: its model
# rejects most structure defects too (a NULL, a bad enum or id, a duplicated key), so they
# would fire beside nearly every structure recipe here. They are left out of this
# "exactly its rule" comparison; tests/test_rules_engine.py shows that each one catches the
# structure defects of its table, and a defect that only the pandera model rejects.
RULES = [r for r in load_catalogue() if r.test != "pandera"]
TABLE_OF = {r.id: r.table for r in RULES}


def fired(db) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for rule_id, record_id, _ in violations(db):
        found.setdefault(rule_id, set()).add(record_id)
    return found


@pytest.fixture(scope="module")
def matrix(matrix_fixture_db, tmp_path_factory) -> defect_matrix.Matrix:
    return defect_matrix.build(matrix_fixture_db, tmp_path_factory.mktemp("matrix"), RULES)


@pytest.mark.parametrize("copies", [1, MATRIX_COPIES])
def test_unbroken_fixture_has_no_violation(fixture_db, matrix_fixture_db, tmp_path, copies):
    db = tmp_path / "clean.duckdb"
    shutil.copy(fixture_db if copies == 1 else matrix_fixture_db, db)
    run = run_checks(db, rules=RULES)
    assert [r.rule_id for r in run.results if r.status != "pass"] == []
    assert violations(db) == []
    assert len(run.results) == len(RULES)


@pytest.mark.parametrize("rule_id", [r.id for r in RULES])
def test_defect_breaks_exactly_its_rule(rule_id, matrix):
    defect_matrix.check_rule(matrix, rule_id, TABLE_OF)


def test_every_defect_is_planted_in_few_runs(matrix):
    """Every rule's defect has its place; one catalogue run holds them all today (a rule
    whose target collides with the others' goes to a second database, and so on: more than
    two runs means the fixture needs more copies, ``MATRIX_COPIES``)."""
    assert matrix.unplaced == {}
    assert len(matrix.groups) <= 2, [sorted(g.declared) for g in matrix.groups]
    assert sorted(matrix.group_of) == sorted(r.id for r in RULES)


def _one_more_figure(honest):  # breaks the stated text of a figure that is no target too
    def apply(con, rule):
        effects = honest(con, rule)
        con.execute("UPDATE figures SET stated_text = stated_text || ' (sic)' WHERE figure_id = "
                    f"(SELECT min(figure_id) FROM figures WHERE rowid NOT IN {recipes.T})")
        return effects
    return apply


def _lon_too(honest):  # removes lon of its targets too (places.coordinates_paired fires)
    def apply(con, rule):
        effects = honest(con, rule)
        con.execute(f"UPDATE places SET lon = NULL WHERE rowid IN {recipes.T}")
        return effects
    return apply


@pytest.mark.parametrize("sloppy, spoil, failing", [
    ("figures.stated_text_in_quote", _one_more_figure, {
        "figures.stated_text_in_quote": r"figures.stated_text_in_quote reported \['fig-[0-9]+'\] beyond"}),
    ("places.coordinates_in_range", _lon_too, {
        "places.coordinates_in_range": r"rules reported targets of the recipe of places.coordinates_in_range",
        "places.coordinates_paired": r"recipes whose targets these are: \{'places.coordinates_in_range': "}),
])
def test_the_matrix_notices_a_recipe_that_breaks_more_than_it_declares(
        fixture_db, tmp_path, monkeypatch, sloppy, spoil, failing):
    """A recipe that breaks more than it declares (a record beyond its targets, or another
    rule on its targets) fails the test of its rule or of the rule that fired, in the
    database it shares with other rules' defects; the other rules' tests still pass."""
    chosen = [r for r in RULES if r.id in (
        "figures.stated_text_in_quote", "places.coordinates_in_range", "places.coordinates_paired",
        "claims.quote_matches_text")]
    honest = recipes.RECIPES[sloppy]
    for name in ("honest", "sloppy"):
        folder = tmp_path / name
        folder.mkdir()
        shutil.copy(fixture_db, folder / "fixture.duckdb")
        with monkeypatch.context() as patch:
            if name == "sloppy":
                patch.setitem(recipes.RECIPES, sloppy, replace(honest, apply=spoil(honest.apply)))
            matrix = defect_matrix.build(folder / "fixture.duckdb", folder, chosen)
        assert len(matrix.groups) == 1
        for rule in chosen:
            if name == "sloppy" and rule.id in failing:
                with pytest.raises(AssertionError, match=failing[rule.id]):
                    defect_matrix.check_rule(matrix, rule.id, TABLE_OF)
            else:
                defect_matrix.check_rule(matrix, rule.id, TABLE_OF)


def test_inject_many_records_at_once(fixture_db, tmp_path):
    """k targets in one go (the synthetic generator's use): every one is reported."""
    db = tmp_path / "many.duckdb"
    shutil.copy(fixture_db, db)
    con = duckdb.connect(str(db))
    expected = inject(con, "figures.stated_text_in_quote", 3, seed=1, rules=RULES)
    con.close()
    assert len(expected["figures.stated_text_in_quote"]) == 3
    run_checks(db, rules=RULES)
    assert fired(db) == expected
