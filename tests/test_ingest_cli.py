"""`newsclaims synth --batch-of` and `newsclaims ingest` as commands: a clean batch is
published (exit 0), a batch with new error-level violations is refused (exit 1, one line per
refusing rule, the offending records in the report, the database unchanged)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from ingest_fixtures import checked_db, copy, tables_state

from newsclaims.rules.catalogue import load_catalogue

EXE = str(Path(sys.executable).parent / "newsclaims")


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return checked_db(tmp_path_factory.mktemp("ingest_cli"), claims=800, seed=5)


def _run(*args):
    return subprocess.run([EXE, *map(str, args)], capture_output=True, text=True, timeout=300)


def test_a_clean_batch_is_published(tmp_path, base):
    db = copy(base, tmp_path / "db.duckdb")
    made = _run("synth", "--batch-of", db, "--records", "40", "--seed", "4", "--output", tmp_path / "day1")
    assert made.returncode == 0, made.stderr
    truth = json.loads((tmp_path / "day1.truth.json").read_text())
    assert truth["kinds"]["new_claims"] > 0 and truth["kinds"]["corrected"] > 0 and truth["kinds"]["retracted"] > 0
    got = _run("ingest", tmp_path / "day1", "--db", db, "--reports-dir", tmp_path / "out")
    assert got.returncode == 0, got.stderr
    rows = sum(truth["rows"].values())
    assert got.stdout.splitlines()[-1].startswith(f"published {rows} row(s) (")
    report = json.loads((tmp_path / "out" / "ingest.json").read_text())
    assert report["published"] and "seconds_per_family" in report


def test_a_batch_with_new_errors_is_refused(tmp_path, base):
    db = copy(base, tmp_path / "db.duckdb")
    made = _run("synth", "--batch-of", db, "--records", "40", "--defect-rate", "0.05", "--seed", "9",
                "--output", tmp_path / "bad")
    assert made.returncode == 0, made.stderr
    truth = json.loads((tmp_path / "bad.truth.json").read_text())
    severity = {r.id: r.severity for r in load_catalogue()}
    errors = sorted(r for r in truth["added"] if severity[r] == "error")
    assert errors
    before = tables_state(db)
    got = _run("ingest", tmp_path / "bad", "--db", db, "--reports-dir", tmp_path / "out")
    assert got.returncode == 1
    refused = [line.split()[2].rstrip(":") for line in got.stdout.splitlines() if line.startswith("REFUSE")]
    assert sorted(refused) == errors
    assert got.stderr.strip().endswith("is unchanged")
    assert tables_state(db) == before
    report = json.loads((tmp_path / "out" / "ingest.json").read_text())
    assert not report["published"]
    for rule in report["rules"]:
        if rule["refuses"]:
            new = {r["record_id"] for r in rule["records"] if r["when"] == "new"}
            assert new == set(truth["added"][rule["rule_id"]])
