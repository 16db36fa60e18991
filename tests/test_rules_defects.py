"""For every rule of the catalogue: its defect recipe breaks exactly that rule.

The fixture (tests/rule_fixtures.py) passes every rule; each test copies it, injects one
rule's defect on one record, runs the whole catalogue and compares every rule's offending
record ids with what the recipe declares (normally only its own rule)."""

from __future__ import annotations

import shutil
from collections import defaultdict

import duckdb
import pytest

from newsclaims.defects import inject
from newsclaims.rules.catalogue import load_catalogue
from newsclaims.check import run_checks, violations

# The pandera rules (<table>.pandera_schema) re-check a whole table at once: its model
# rejects most structure defects too (a NULL, a bad enum or id, a duplicated key), so they
# would fire beside nearly every structure recipe here. They are left out of this
# "exactly its rule" comparison; tests/test_rules_engine.py shows that each one catches the
# structure defects of its table, and a defect that only the pandera model rejects.
RULES = [r for r in load_catalogue() if r.test != "pandera"]


def fired(db) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for rule_id, record_id, _ in violations(db):
        found[rule_id].add(record_id)
    return dict(found)


def test_unbroken_fixture_has_no_violation(fixture_db, tmp_path):
    db = tmp_path / "clean.duckdb"
    shutil.copy(fixture_db, db)
    run = run_checks(db, rules=RULES)
    assert [r.rule_id for r in run.results if r.status != "pass"] == []
    assert violations(db) == []
    assert len(run.results) == len(RULES)


@pytest.mark.parametrize("rule_id", [r.id for r in RULES])
def test_defect_breaks_exactly_its_rule(rule_id, fixture_db, tmp_path):
    db = tmp_path / "broken.duckdb"
    shutil.copy(fixture_db, db)
    con = duckdb.connect(str(db))
    try:
        expected = inject(con, rule_id, 1, seed=7, rules=RULES)
    finally:
        con.close()
    assert expected.get(rule_id), f"the recipe of {rule_id} declares no offending record"
    run = run_checks(db, rules=RULES)
    assert fired(db) == expected
    assert run.result(rule_id).status == "fail"
    errors = [r.rule_id for r in run.results if r.status == "error"]
    assert errors == []


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
