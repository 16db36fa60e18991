"""``newsclaims check``: exit codes, one-line errors, JSON equal to the API's result, and
``pytest checks/`` as the data test suite."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from engine_api import run_checks
from newsclaims.cli import cli
from newsclaims.defects import inject


@pytest.fixture
def db(fixture_db, tmp_path):
    path = tmp_path / "check.duckdb"
    shutil.copy(fixture_db, path)
    return path


def check(*args, cwd=None):
    return CliRunner().invoke(cli, ["check", *map(str, args)], catch_exceptions=False)


def test_clean_database_exits_0(db, tmp_path):
    result = check("--db", db, "--reports", tmp_path / "r")
    assert result.exit_code == 0, result.output
    assert "0 failed (error), 0 warnings, 0 could not run" in result.output


def test_warn_rule_fails_only_with_fail_on_warn(db, tmp_path):
    con = duckdb.connect(str(db))
    inject(con, "claims.claimant_not_null", 1)
    con.close()
    default = check("--db", db, "--reports", tmp_path / "r")
    assert default.exit_code == 0
    assert "WARN  warn  claims.claimant_not_null: 1 record(s)" in default.output
    assert "0 failed (error), 1 warnings, 0 could not run" in default.output
    result = check("--db", db, "--fail-on", "warn", "--reports", tmp_path / "r")
    assert result.exit_code == 1
    assert "Error: 1 rule(s) fail at level warn: claims.claimant_not_null" in result.stderr


def test_error_rule_exits_1(db, tmp_path):
    con = duckdb.connect(str(db))
    inject(con, "claims.quote_matches_text", 1)
    con.close()
    result = check("--db", db, "--reports", tmp_path / "r")
    assert result.exit_code == 1
    assert "FAIL  error claims.quote_matches_text: 1 record(s)" in result.output


def test_missing_database_exits_2_with_one_line(tmp_path):
    missing = tmp_path / "nope.duckdb"
    result = check("--db", missing)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {missing}: no such database file (build it with `newsclaims build`)\n"


def test_corrupt_database_exits_2_with_one_line(tmp_path):
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"this is not a database\n" * 100)
    result = check("--db", bad)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {bad}: not a DuckDB database file (rebuild it with `newsclaims build`)\n"


def test_database_without_contract_tables_exits_2(tmp_path):
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).execute("CREATE TABLE t (x INTEGER)").close()
    result = check("--db", other)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {other}: not a newsclaims database: missing table(s) countries, actors")


def test_bad_memory_limit_exits_2_with_one_line(db):
    result = check("--db", db, "--memory-limit", "lots")
    assert result.exit_code == 2
    assert result.stderr == "Error: --memory-limit lots: expected a size such as 1500MB or 4GB\n"


def test_memory_limit_is_duckdbs(db, tmp_path):
    from engine_api import open_database

    assert check("--db", db, "--memory-limit", "300MB", "--reports", tmp_path / "r").exit_code == 0
    con = open_database(db, memory_limit="300MB", read_only=True)
    assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == "286.1 MiB"
    con.close()


def test_jobs(db, tmp_path):
    one = check("--db", db, "--jobs", "1", "--format", "json", "--no-reports")
    two = check("--db", db, "--jobs", "2", "--format", "json", "--no-reports")
    assert one.exit_code == two.exit_code == 0
    counts = [[(r["id"], r["status"], r["violation_count"]) for r in json.loads(x.stdout)["rules"]]
              for x in (one, two)]
    assert counts[0] == counts[1] and len(counts[0]) > 100
    bad = check("--db", db, "--jobs", "0")
    assert bad.exit_code == 2
    assert "Invalid value for '--jobs': 0 is not in the range x>=1" in bad.stderr


def test_unknown_selector_exits_2(db):
    result = check("--db", db, "--select", "nosuch.*")
    assert result.exit_code == 2
    assert result.stderr == "Error: --select nosuch.*: matches no rule of the catalogue\n"


def test_json_output_is_report_json(db, tmp_path):
    import jsonschema

    from newsclaims.reporting.check_document import schema

    con = duckdb.connect(str(db))
    inject(con, "figures.low_le_high", 1)
    con.close()
    result = check("--db", db, "--format", "json", "--reports", tmp_path / "r")
    assert result.exit_code == 1
    printed = json.loads(result.stdout)
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    jsonschema.validate(printed, schema())
    jsonschema.validate(report, schema())
    assert "violations" not in report and "violations" not in printed  # violations.jsonl holds them
    printed["run"].pop("generated_at"), report["run"].pop("generated_at")
    assert printed == report
    api = run_checks(db)
    assert [r["id"] for r in printed["rules"]] == sorted(r.rule_id for r in api.results)
    # the recipe's rule and the one it declares, plus the figures pandera model (interval_ordered)
    assert printed["summary"]["failed"] == 3
    assert "figures.pandera_schema" in {r["id"] for r in printed["rules"] if r["status"] == "fail"}


def test_select_core_runs_the_15_core_rules(db, tmp_path):
    result = check("--db", db, "--select", "core", "--format", "json", "--reports", tmp_path / "r")
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)["rules"]) == 15


def test_pytest_checks_fails_on_a_broken_database(db, repo):
    con = duckdb.connect(str(db))
    expected = inject(con, "claims.quote_matches_text", 1)
    con.close()
    (claim,) = expected["claims.quote_matches_text"]
    before = db.read_bytes()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(repo / "checks" / "provenance.yml"), "-q", "-p", "no:cacheprovider",
         f"--newsclaims-db={db}", "-W", "error::UserWarning"],
        capture_output=True, text=True, cwd=repo, timeout=120,
    )
    assert proc.returncode == 1, proc.stdout
    assert "1 failed, 12 passed" in proc.stdout
    assert f"{claim}: quote " in proc.stdout  # the offending record is printed
    assert db.read_bytes() == before  # the gate ran on a copy: the database is unchanged


def test_no_reports_and_pandera_never(db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default report folder would be reports/latest here
    con = duckdb.connect(str(db))
    con.execute("UPDATE claims SET modality = 'rumoured' WHERE claim_id = (SELECT min(claim_id) FROM claims)")
    con.close()
    result = check("--db", db, "--no-reports", "--pandera", "never", "--select", "claims.*")
    assert result.exit_code == 1  # claims.modality_accepted; the skipped pandera rule is no failure
    assert "SKIP  error claims.pandera_schema: skipped: pandera rules are off (--pandera never)" in result.output
    assert ", 1 skipped; " in result.output
    assert "Error: 1 rule(s) fail at level error: claims.modality_accepted" in result.stderr
    assert check("--db", db, "--reports", "none", "--select", "claims.modality_accepted").exit_code == 1
    assert not (tmp_path / "reports").exists() and not (tmp_path / "none").exists()
    result = check("--db", db, "--select", "claims.pandera_schema")  # auto: a small table runs
    assert result.exit_code == 1
    assert "FAIL  error claims.pandera_schema: 1 record(s)" in result.output
    # a run of some rules never replaces a full run's reports/latest
    assert (tmp_path / "reports" / "selection" / "report.json").is_file()
    assert not (tmp_path / "reports" / "latest").exists()


def test_ctrl_c_exits_130_with_one_line_and_keeps_the_previous_results(db, tmp_path, repo):
    """A real SIGINT to a real `newsclaims check` process while a slow rule runs (a project
    root with one extra, deliberately slow, sql rule: NEWSCLAIMS_ROOT)."""
    import os
    import signal
    import time

    assert check("--db", db, "--no-reports").exit_code == 0
    con = duckdb.connect(str(db), read_only=True)
    before = con.execute("SELECT * FROM dq_results ORDER BY rule_id").fetchall()
    con.close()
    root = tmp_path / "root"
    for folder in ("sql", "checks", "dataset"):
        shutil.copytree(repo / folder, root / folder)
    (root / "sql" / "rules" / "claims.slow.sql").write_text(
        "SELECT CAST(range AS VARCHAR) AS record_id, 'm' AS message "
        "FROM range(100000000000) WHERE hash(range) = 0\n", encoding="utf-8")
    (root / "checks" / "zz_slow.yml").write_text(
        "- id: claims.slow\n  title: slow\n  family: coverage\n  severity: warn\n"
        "  rationale: a rule that runs for minutes\n  table: claims\n  test: sql\n"
        "  file: rules/claims.slow.sql\n", encoding="utf-8")
    env = {**os.environ, "NEWSCLAIMS_ROOT": str(root)}
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "newsclaims"), "check", "--db", str(db), "--no-reports"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(4)  # well into the slow rule, which alone would run for minutes
    assert proc.poll() is None
    started = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert time.perf_counter() - started < 30
    assert proc.returncode == 130
    assert err == "Error: interrupted\n"
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT * FROM dq_results ORDER BY rule_id").fetchall() == before
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '%_next'").fetchone() == (0,)
    con.close()


def _outputs(db: Path, reports: Path):
    """The stored results and the report folder (every file's bytes, temporary ones included)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        results = con.execute("SELECT * FROM dq_results ORDER BY rule_id").fetchall()
        staged = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '%_next'").fetchone()[0]
    finally:
        con.close()
    files = {p.name: p.read_bytes() for p in sorted(reports.iterdir())}
    return results, staged, files


def test_ctrl_c_while_the_reports_are_written_leaves_results_and_reports_as_they_were(tmp_path):
    """A real SIGINT the moment a report's temporary file appears (the rules have all run, the
    reports are being rendered from the new results): exit 130, and the stored results and
    the four reports are those of the previous run, with no temporary file left. A run
    that ends before the signal lands must leave all new outputs; the test needs at least
    one interrupted run (it stops trying after two)."""
    import os
    import signal
    import time

    from newsclaims.synth import generate

    db = generate(tmp_path / "r.duckdb", 20_000, seed=5, defect_rate=0.01).path
    reports = tmp_path / "rep"
    exe = [str(Path(sys.executable).parent / "newsclaims"), "check", "--db", str(db),
           "--reports", str(reports), "--pandera", "never"]
    assert subprocess.run(exe, capture_output=True, timeout=120).returncode == 1  # error rules fail, by design
    before = _outputs(db, reports)
    assert sorted(before[2]) == ["report.html", "report.json", "report.md", "violations.jsonl"] and before[1] == 0
    interrupted = 0
    for _ in range(5):
        proc = subprocess.Popen(exe, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while proc.poll() is None and not any(n.startswith(".") for n in os.listdir(reports)):
            if time.monotonic() > deadline:
                proc.kill()
                proc.communicate(timeout=30)
                pytest.fail("check neither ended nor started its reports within 120 s")
            time.sleep(0.0005)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
        after = _outputs(db, reports)
        assert after[1] == 0 and sorted(after[2]) == ["report.html", "report.json", "report.md", "violations.jsonl"]
        if proc.returncode == 130:
            assert err == "Error: interrupted\n"
            assert after == before
            interrupted += 1
        else:  # the run ended first: every output is the new run's
            assert proc.returncode == 1, err
            run_at = {str(row[-2]) for row in after[0]}  # dq_results.run_at
            assert run_at == {json.loads(after[2]["report.json"])["run"]["run_at"]}
            before = after
        if interrupted == 2:  # two interrupted runs seen: enough (up to 5 tries)
            break
    assert interrupted >= 1


def test_check_refuses_the_database_of_a_release_snapshot(tmp_path):
    from release_fixtures import make_snapshot

    folder = make_snapshot(tmp_path / "releases", "1.0.0")
    db = folder / "newsclaims.duckdb"
    before = db.read_bytes()
    result = CliRunner().invoke(cli, ["check", "--db", str(db), "--no-reports"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {db}: the database of a release snapshot ({folder / 'manifest.json'} lists its "
        "checksum), which a check would change; check a copy of it (its release's results are "
        "in its dq_results and reports/)\n")
    assert db.read_bytes() == before


def test_a_report_path_that_is_a_folder_is_refused_before_the_results_are_replaced(db, tmp_path):
    reports = tmp_path / "rep"
    assert check("--db", db, "--reports", reports).exit_code == 0
    con = duckdb.connect(str(db), read_only=True)
    before = con.execute("SELECT * FROM dq_results ORDER BY rule_id").fetchall()
    con.close()
    (reports / "report.md").unlink()
    (reports / "report.md").mkdir()
    result = check("--db", db, "--reports", reports)
    assert result.exit_code == 2
    assert result.stderr == (f"Error: {reports / 'report.md'}: exists and is not a file; the "
                             "report cannot replace it\n")
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT * FROM dq_results ORDER BY rule_id").fetchall() == before
    con.close()
    assert sorted(p.name for p in reports.iterdir()) == ["report.html", "report.json", "report.md", "violations.jsonl"]
