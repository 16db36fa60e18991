"""The synthetic generator: ground truth equals what the rules report, for every rule."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from newsclaims.rules.catalogue import load_catalogue
from newsclaims.rules.engine import run_checks
from newsclaims.synth import generate

CLAIMS = 20_000
RATE = 0.0002


def _reported(db: Path) -> dict[str, set[str]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        out: dict[str, set[str]] = {}
        for rule_id, record_id in con.execute("SELECT rule_id, record_id FROM dq_violations").fetchall():
            out.setdefault(rule_id, set()).add(record_id)
        return out
    finally:
        con.close()


@pytest.fixture(scope="module")
def defective(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "defects.duckdb"
    exe = Path(sys.executable).parent / "newsclaims"
    done = subprocess.run(
        [str(exe), "synth", "--claims", "20k", "--seed", "7", "--defect-rate", str(RATE), "--output", str(out)],
        capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
    truth = json.loads(Path(str(out) + ".truth.json").read_text())
    run = run_checks(out)
    return out, truth, run


def test_every_rule_reports_exactly_the_ground_truth(defective):
    db, truth, run = defective
    assert truth["skipped"] == {}
    assert truth["schema"] == "loose"
    reported = _reported(db)
    catalogue = [r.id for r in load_catalogue()]
    assert sorted(truth["rules"]) == sorted(catalogue)  # a defect of every rule
    assert [r.rule_id for r in run.results if r.status == "error"] == []
    mismatched = {
        rule: {"missed": sorted(set(truth["rules"].get(rule, [])) - reported.get(rule, set()))[:5],
               "extra": sorted(reported.get(rule, set()) - set(truth["rules"].get(rule, [])))[:5]}
        for rule in catalogue
        if reported.get(rule, set()) != set(truth["rules"].get(rule, []))
    }
    assert mismatched == {}


def test_clean_data_fires_no_error_rule_and_only_the_designed_warnings(tmp_path):
    result = generate(tmp_path / "clean.duckdb", CLAIMS, seed=7)
    assert result.strict  # clean data fits the strict contract DDL
    run = run_checks(result.path)
    assert [r.rule_id for r in run.results if r.severity == "error" and r.violation_count] == []
    reported = _reported(result.path)
    assert set(reported) == set(result.truth) == {"claims.claimant_not_null", "claims.claim_date_not_null"}
    for rule, ids in result.truth.items():
        assert reported[rule] == set(ids)
    counts = result.counts
    assert counts["claims"] == CLAIMS and counts["documents"] == CLAIMS // 10
    assert 0.5 * CLAIMS < counts["figures"] < 0.7 * CLAIMS


def _content(db: Path) -> dict[str, str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        digest = {}
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall():
            digest[table] = con.execute(
                f"SELECT count(*) || ':' || coalesce(sum(hash(t::VARCHAR))::VARCHAR, '') FROM {table} t"
            ).fetchone()[0]
        return digest
    finally:
        con.close()


def test_same_seed_same_content_other_seed_other_content(tmp_path):
    a = generate(tmp_path / "a.duckdb", 3000, seed=11).path
    b = generate(tmp_path / "b.duckdb", 3000, seed=11).path
    c = generate(tmp_path / "c.duckdb", 3000, seed=12).path
    assert _content(a) == _content(b)
    differing = {t for t, d in _content(a).items() if _content(c)[t] != d}
    assert {"claims", "documents", "figures", "actors", "places"} <= differing


def test_quotes_are_spans_of_their_documents(tmp_path):
    db = generate(tmp_path / "q.duckdb", 2000, seed=5).path
    con = duckdb.connect(str(db), read_only=True)
    bad, total, avg = con.execute(
        "SELECT count(*) FILTER (WHERE substr(d.text, c.quote_start + 1, c.quote_end - c.quote_start) <> c.quote), "
        "count(*), (SELECT avg(length(text)) FROM documents) FROM claims c JOIN documents d USING (doc_id)"
    ).fetchone()
    con.close()
    assert (bad, total) == (0, 2000)
    assert 500 < avg < 1500


def test_bad_arguments_give_one_line_and_exit_2(tmp_path):
    exe = Path(sys.executable).parent / "newsclaims"
    for args, message in [
        (["--claims", "0"], "Error: --claims must be between 1 and 100,000,000, not 0"),
        (["--claims", "10", "--defect-rate", "2"], "Error: --defect-rate must be a fraction between 0 and 0.5, not 2.0"),
    ]:
        done = subprocess.run([str(exe), "synth", *args, "--output", str(tmp_path / "x.duckdb")],
                              capture_output=True, text=True)
        assert done.returncode == 2
        assert done.stderr.strip().splitlines()[-1] == message
    assert not (tmp_path / "x.duckdb").exists()
    done = subprocess.run([str(exe), "synth", "--claims", "10", "--output", str(tmp_path / "no" / "x.duckdb")],
                          capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.strip() == f"Error: {tmp_path / 'no'}: folder does not exist"
