"""Great Expectations: suites exported per table, and the gx engine's counts on a database
with known defects, compared with hand counts and with the default engine."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

import report_fixtures as rf

pytest.importorskip("great_expectations")


@pytest.fixture(scope="module")
def defect_db(tmp_path_factory):
    return rf.build_fixture_db(tmp_path_factory.mktemp("gx") / "defects.duckdb", results=False)


@pytest.fixture(scope="module")
def gx_run(defect_db):
    from newsclaims.engines.gx.engine import run_gx

    return run_gx(defect_db, rf.fixture_rules())


@pytest.fixture(scope="module")
def default_run(defect_db, tmp_path_factory):
    from engine_api import run_checks

    copy = tmp_path_factory.mktemp("default") / "defects.duckdb"
    shutil.copy(defect_db, copy)
    rules = [r for r in rf.fixture_rules() if r.test != "sql"]  # no query file in sql/
    return run_checks(copy, rules=rules)


def test_export_writes_one_suite_per_table(tmp_path):
    from newsclaims.gx_suites import export_gx

    paths, export = export_gx(tmp_path, rf.fixture_rules())
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "actors.json", "claims.json", "figures.json", "summary.json"]
    claims = json.loads(paths["claims"].read_text())
    assert claims["name"] == "newsclaims.claims"
    types = {e["meta"]["rule_id"]: e["type"] for e in claims["expectations"]}
    assert types == {
        "claims.modality_valid": "expect_column_values_to_be_in_set",
        "claims.claim_id_unique": "expect_column_values_to_be_unique",
        "claims.claim_id_pattern": "expect_column_values_to_match_regex",
        "claims.incident_resolves": "unexpected_rows_expectation",
    }
    modality = next(e for e in claims["expectations"] if e["type"].endswith("in_set"))
    assert modality["kwargs"]["value_set"] == ["asserted", "probable", "possible", "denied",
                                              "unknown"]
    relation = next(e for e in claims["expectations"] if e["type"] == "unexpected_rows_expectation")
    query = relation["kwargs"]["unexpected_rows_query"]
    assert "LEFT JOIN" in query and "IS NULL" in query and "EXISTS" not in query
    summary = json.loads(paths["summary"].read_text())
    assert summary["not_expressible"] == {
        "claims.quote_matches_text": "a sql rule runs its own query file; GX has no equivalent"}
    assert len(summary["exported"]) == len(rf.FIXTURE_RULES) - 1


def test_exported_suites_load_back_into_gx(tmp_path):
    import great_expectations as gx
    from newsclaims.gx_suites import export_gx

    paths, _ = export_gx(tmp_path, rf.fixture_rules())
    data = json.loads(paths["figures"].read_text())
    suite = gx.ExpectationSuite(**{k: data[k] for k in ("name", "expectations", "meta")})
    assert {e.meta["rule_id"] for e in suite.expectations} == {
        "figures.stated_text_not_null", "figures.claim_resolves",
        "figures.low_not_above_high", "figures.casualty_claim_dated"}


def test_gx_counts_are_real_numbers_matching_hand_counts(gx_run):
    counts = {r.rule_id: r.violation_count for r in gx_run.results}
    assert all(r.status == "fail" and r.detail is None for r in gx_run.results)
    assert counts == rf.EXPECTED_COUNTS
    assert {r.engine for r in gx_run.results} == {"gx"}
    assert gx_run.skipped == {
        "claims.quote_matches_text": "a sql rule runs its own query file; GX has no equivalent"}


def test_gx_passes_a_clean_database(tmp_path):
    from newsclaims.engines.gx.engine import run_gx

    db = rf.build_fixture_db(tmp_path / "clean.duckdb", defects=False, results=False)
    run = run_gx(db, rf.fixture_rules())
    assert [(r.rule_id, r.violation_count) for r in run.results if r.status != "pass"] == []
    assert len(run.results) == len(rf.FIXTURE_RULES) - 1
    # GX let go of the file: our engine can open it for writing in the same process
    import duckdb

    duckdb.connect(str(db)).close()


def test_real_catalogue_parity_on_the_curated_dataset(built_db, tmp_path):
    from newsclaims.engines.gx.engine import run_gx
    from newsclaims.rules.catalogue import load_catalogue
    from engine_api import run_checks

    db = tmp_path / "curated.duckdb"
    shutil.copy(built_db, db)
    rules = load_catalogue()
    gx_run = run_gx(db, rules)
    ours = {r.rule_id: (r.status, r.violation_count) for r in run_checks(db, rules=rules).results}
    assert len(gx_run.results) + len(gx_run.skipped) == len(rules)
    assert {r.rule_id: (r.status, r.violation_count) for r in gx_run.results} == {
        r.rule_id: ours[r.rule_id] for r in gx_run.results}


# Counting semantics: both engines count rows. For `unique`, GX counts every row carrying a
# duplicated value and so does ours (one violation per such row), so no conversion is
# needed; the conversion below is the identity and stays explicit for that reason.
def _ours_as_gx(rule, count: int) -> int:
    return count


PARITY_RULES = [r["id"] for r in rf.FIXTURE_RULES if r["test"] != "sql"]


@pytest.mark.parametrize("rule_id", PARITY_RULES)
def test_parity_with_default_engine(rule_id, gx_run, default_run):
    ours = default_run.result(rule_id)
    theirs = gx_run.result(rule_id)
    assert _ours_as_gx(ours, ours.violation_count) == theirs.violation_count
    assert ours.status == theirs.status


def test_cli_export_gx(tmp_path, monkeypatch):
    from newsclaims.cli import cli

    result = CliRunner().invoke(cli, ["export-gx", "--output", str(tmp_path / "gx")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "gx" / "summary.json").is_file()
    assert "suite" in result.output


def test_missing_gx_says_which_extra_to_install():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "sys.modules['great_expectations'] = None  # as if the extra were not installed\n"
        "from newsclaims.errors import InputError\n"
        "try:\n"
        "    import newsclaims.engines.gx\n"
        "except InputError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout.strip()
    assert out == ("Great Expectations support needs great_expectations: "
                   "install newsclaims[gx] (pip install 'newsclaims[gx]')")


def test_check_engine_gx_stores_results_like_the_default_engine(built_db, tmp_path):
    """``newsclaims check --engine gx`` on the curated dataset: exit 0, dq_results rows with
    engine gx (what GX cannot run recorded as skipped), reports written, and the same counts
    as the default engine for every rule both run."""
    import duckdb

    from newsclaims.cli import cli
    from engine_api import run_checks

    db = tmp_path / "curated.duckdb"
    shutil.copy(built_db, db)
    result = CliRunner().invoke(cli, ["check", "--db", str(db), "--engine", "gx", "--format", "json",
                                      "--reports", str(tmp_path / "reports")])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    con = duckdb.connect(str(db), read_only=True)
    stored = {row[0]: row[1:] for row in con.execute(
        "SELECT rule_id, status, violation_count, engine, detail FROM dq_results").fetchall()}
    listed = dict(con.execute("SELECT rule_id, count(*) FROM dq_violations GROUP BY rule_id").fetchall())
    con.close()
    assert {engine for _, _, engine, _ in stored.values()} == {"gx"}
    assert printed["run"]["engines"] == ["gx"] and len(printed["rules"]) == len(stored)
    skipped = {rule for rule, (status, *_) in stored.items() if status == "skipped"}
    assert {"actors.parent_acyclic", "claims.pandera_schema"} <= skipped  # a sql and a pandera rule
    assert stored["actors.parent_acyclic"][3] == ("skipped: not run by Great Expectations: a sql rule "
                                                   "runs its own query file; GX has no equivalent")
    ran = {rule: count for rule, (status, count, _, _) in stored.items() if rule not in skipped}
    assert len(ran) > 100
    for rule, (status, count, _, detail) in stored.items():  # what GX listed is stored
        if rule in ran and count:
            assert 0 < listed[rule] <= count
            assert "may be partial" in detail
    report = json.loads((tmp_path / "reports" / "report.json").read_text())
    assert {r["engine"] for r in report["rules"]} == {"gx"}

    ours = run_checks(db)  # the default engine on the same file
    assert {rule: ours.result(rule).violation_count for rule in ran} == ran
    assert any(ran.values())  # the curated data's warnings: the comparison is not all zeros
