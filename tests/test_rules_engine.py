"""The fused engine: same violations as one query per rule, every record captured, a
broken rule isolated as status error, results stored in the database."""

from __future__ import annotations

import shutil
from dataclasses import replace

import duckdb
import pytest

from newsclaims.defects import inject
from newsclaims.rules.catalogue import load_catalogue
from newsclaims.rules.compile import compile_rules
from newsclaims.rules.engine import run_checks, violations

RULES = load_catalogue()


@pytest.fixture
def broken(fixture_db, tmp_path):
    """The fixture with several defects at once."""
    db = tmp_path / "broken.duckdb"
    shutil.copy(fixture_db, db)
    con = duckdb.connect(str(db))
    for rule_id in ("figures.stated_text_in_quote", "places.coordinates_in_range",
                    "claims.claim_date_not_after_publication", "actors.parent_acyclic",
                    "figures.cross_source_discrepancy", "claim_relays.key_unique"):
        inject(con, rule_id, 2 if rule_id.startswith("figures.stated") else 1, rules=RULES)
    con.close()
    return db


def test_fused_equals_one_query_per_rule(broken):
    fused = run_checks(broken, rules=RULES)
    fused_rows = violations(broken)
    single = run_checks(broken, rules=RULES, fuse=False)
    assert violations(broken) == fused_rows
    assert [(r.rule_id, r.violation_count) for r in fused.results] == [
        (r.rule_id, r.violation_count) for r in single.results]
    assert len(fused.timings) < len(single.timings) / 4


def test_one_statement_per_table_scan():
    labels = [s.label for s in compile_rules(RULES)]
    scans = [label for label in labels if label.startswith("scan ")]
    assert len(scans) == len(set(scans)) == 11
    assert len(labels) == 11 + 11 + sum(r.test == "sql" for r in RULES)


def test_a_broken_rule_gets_status_error_and_the_run_continues(broken):
    bad = replace(RULES[0], id="claims.bad_sql", params={"where": "t.no_such_column = 1", "message": "'x'"},
                  test="row", table="claims", severity="error")
    run = run_checks(broken, rules=[*RULES, bad])
    assert run.result("claims.bad_sql").status == "error"
    assert "no_such_column" in run.result("claims.bad_sql").detail
    assert run.result("claims.quote_matches_text").status == "pass"
    assert run.result("figures.stated_text_in_quote").violation_count == 2
    assert {r.rule_id for r in run.failed("error")} == {
        "claims.claim_date_not_after_publication", "claim_relays.key_unique", "figures.stated_text_in_quote",
        "places.coordinates_in_range", "actors.parent_acyclic", "claims.bad_sql"}


def test_results_are_stored_and_replace_the_previous_run(broken):
    run_checks(broken, rules=RULES)
    run = run_checks(broken, rules=RULES, select="family:geography")
    con = duckdb.connect(str(broken), read_only=True)
    stored = con.execute("SELECT rule_id, status, violation_count, engine FROM dq_results ORDER BY rule_id").fetchall()
    kept = con.execute("SELECT DISTINCT rule_id FROM dq_violations").fetchall()
    con.close()
    assert stored == sorted((r.rule_id, r.status, r.violation_count, "duckdb") for r in run.results)
    assert kept == [("places.coordinates_in_range",)]


def test_every_offending_record_is_captured(fixture_db, tmp_path):
    """No sampling cap: 3000 broken claims give 3000 violations."""
    db = tmp_path / "many.duckdb"
    shutil.copy(fixture_db, db)
    con = duckdb.connect(str(db))
    con.execute("""INSERT INTO claims SELECT 'clm-' || CAST(100000 + i AS VARCHAR), doc_id, incident_id,
        claimant_id, claim_date, claim_date_precision, claim_date_basis, quote || i, quote_start, quote_end,
        modality, topic, summary, status, notes FROM claims, range(3000) r(i) WHERE claim_id = 'clm-0006'""")
    con.close()
    run = run_checks(db, rules=RULES, select="claims.quote_matches_text")
    assert run.result("claims.quote_matches_text").violation_count == 3000
    assert len(violations(db)) == 3000


def test_real_dataset_passes_every_error_rule(built_db):
    run = run_checks(built_db, rules=RULES)
    assert [(r.rule_id, r.violation_count, r.detail) for r in run.failed("error")] == []
