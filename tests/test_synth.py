"""The synthetic generator: ground truth equals what the rules report, for every rule."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from engine_api import run_checks
from newsclaims.rules.catalogue import load_catalogue
from newsclaims.synth import generate
from newsclaims.synth.truth import compare_with_check
from synth_fixtures import copy_synthetic

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
    """``synth`` with defects, then ``check`` (pandera rules included), both through the CLI."""
    out = tmp_path_factory.mktemp("synth") / "defects.duckdb"
    exe = Path(sys.executable).parent / "newsclaims"
    done = subprocess.run(
        [str(exe), "synth", "--claims", "20k", "--seed", "7", "--defect-rate", str(RATE), "--output", str(out)],
        capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, done.stderr
    truth = json.loads(Path(str(out) + ".truth.json").read_text())
    checked = subprocess.run([str(exe), "check", "--db", str(out), "--no-reports", "--pandera", "always"],
                             capture_output=True, text=True, timeout=180)
    assert checked.returncode == 1, checked.stderr  # error-level rules fail, as they must
    return out, truth


def test_every_rule_reports_exactly_the_ground_truth(defective):
    db, truth = defective
    assert truth["skipped"] == {}
    assert truth["schema"] == "loose"
    catalogue = [r.id for r in load_catalogue()]
    assert sorted(truth["rules"]) == sorted(catalogue)  # a defect of every rule
    compared = compare_with_check(db, Path(str(db) + ".truth.json"))
    assert sorted(compared) == sorted(catalogue)  # every rule ran and was compared
    mismatched = {rule: (missing[:5], extra[:5]) for rule, (missing, extra) in compared.items() if missing or extra}
    assert mismatched == {}
    con = duckdb.connect(str(db), read_only=True)
    statuses = dict(con.execute("SELECT rule_id, status FROM dq_results").fetchall())
    con.close()
    assert {rule for rule, status in statuses.items() if status == "error"} == set()


def test_verify_command_passes_and_catches_a_changed_record(defective, tmp_path):
    db, truth = defective
    exe = Path(sys.executable).parent / "newsclaims"
    done = subprocess.run([str(exe), "synth", "--verify", str(db)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1] == f"{len(truth['rules'])} rules compared, 0 mismatched"
    # one more offending record than the ground truth says: verify names the rule, exit 1
    copy = tmp_path / "tampered.duckdb"
    copy.write_bytes(db.read_bytes())
    Path(str(copy) + ".truth.json").write_text(Path(str(db) + ".truth.json").read_text())
    con = duckdb.connect(str(copy))
    con.execute("INSERT INTO dq_violations VALUES ('claims.quote_matches_text', 'error', 'claims', 'clm-x', 'm')")
    con.close()
    done = subprocess.run([str(exe), "synth", "--verify", str(copy)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "claims.quote_matches_text: 0 missing [], 1 extra ['clm-x']" in done.stdout
    assert done.stderr.strip() == f"Error: {copy}: 1 rule(s) differ from the ground truth"


def test_cross_source_recipe_plants_a_discrepancy_by_itself(tmp_path):
    """Many cross-source defects at once, with no help from the generator: targets whose
    partners include an interval reaching 0 (at_most, fewer_than) are set above every
    partner instead of to 0, and every declared pair is reported, nothing more."""
    from newsclaims.defects import inject

    rule = "figures.cross_source_discrepancy"
    db = generate(tmp_path / "x.duckdb", 5000, seed=3, strict=False).path
    con = duckdb.connect(str(db))
    expected = inject(con, rule, 40, seed=1)
    # the targets: exact figures whose value no longer reads as their stated text
    targets = con.execute(
        "SELECT stated_value FROM figures WHERE figure_id IN (SELECT unnest(?::VARCHAR[])) "
        "AND qualifier = 'exact' AND stated_text <> format('{:,}', stated_value)",
        [sorted(expected[rule])]).fetchall()
    con.close()
    words = "figures.stated_value_matches_text"  # the new value is not the number of its words
    assert set(expected) == {rule, words}
    assert len(expected[words]) == 40 and expected[words] <= expected[rule]
    assert len(targets) == 40
    assert 0 < sum(value > 0 for (value,) in targets) < 40  # some went above a partner reaching 0
    run_checks(db, select=[rule, words])
    assert _reported(db) == expected


def test_clean_data_fires_no_error_rule_and_only_the_designed_warnings(synthetic, tmp_path):
    result = synthetic(CLAIMS, 7)
    assert result.strict  # clean data fits the strict contract DDL
    db = copy_synthetic(result, tmp_path)
    run = run_checks(db)
    assert [r.rule_id for r in run.results if r.severity == "error" and r.violation_count] == []
    reported = _reported(db)
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


def test_same_seed_same_records_and_truth_where_duckdb_runs_in_parallel(tmp_path):
    """At 250k claims every generating statement reads several row groups on both threads,
    so rows may arrive in another order: the records and the ground truth must not change."""
    runs = [generate(tmp_path / f"{name}.duckdb", 250_000, seed=4, defect_rate=0.001) for name in "ab"]
    assert _content(runs[0].path) == _content(runs[1].path)
    assert runs[0].counts == runs[1].counts and runs[0].counts["claims"] > 2 * 122_880  # row groups
    assert runs[0].truth == runs[1].truth


def test_quotes_are_spans_of_their_documents(synthetic):
    db = synthetic(CLAIMS, 7).path
    con = duckdb.connect(str(db), read_only=True)
    bad, total, avg = con.execute(
        "SELECT count(*) FILTER (WHERE substr(d.text, c.quote_start + 1, c.quote_end - c.quote_start) <> c.quote), "
        "count(*), (SELECT avg(length(text)) FROM documents) FROM claims c JOIN documents d USING (doc_id)"
    ).fetchone()
    con.close()
    assert (bad, total) == (0, CLAIMS)
    assert 500 < avg < 1500


def test_bad_arguments_give_one_line_and_exit_2(tmp_path):
    exe = Path(sys.executable).parent / "newsclaims"
    for args, message in [
        (["--claims", "0"], "Error: --claims must be between 1 and 100,000,000, not 0"),
        (["--claims", "10", "--defect-rate", "2"], "Error: --defect-rate must be a fraction between 0 and 0.5, not 2.0"),
    ]:
        done = subprocess.run([str(exe), "synth", *args, "--output", str(tmp_path / "x.duckdb")],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 2
        assert done.stderr.strip().splitlines()[-1] == message
    assert not (tmp_path / "x.duckdb").exists()
    done = subprocess.run([str(exe), "synth", "--claims", "10", "--output", str(tmp_path / "no" / "x.duckdb")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stderr.strip() == f"Error: {tmp_path / 'no'}: folder does not exist"


@pytest.mark.parametrize("sig, code, line", [("SIGINT", 130, "Error: interrupted\n"),
                                             ("SIGTERM", 143, "Error: terminated\n")])
def test_ctrl_c_exits_130_with_one_line_and_keeps_the_previous_output(tmp_path, sig, code, line):
    """A real SIGINT (Ctrl-C) or SIGTERM (``timeout``, CI) to a real ``synth`` process while
    DuckDB runs one of its statements: DuckDB reports that as ``RuntimeError: Query
    interrupted``, which must read as a stop (exit 130 or 143), not as an internal error
    (exit 3); the database and truth file already at the output path stay as they were, and
    no temporary file is left (SIGTERM's default would kill the process on the spot)."""
    import hashlib
    import signal
    import time

    exe = Path(sys.executable).parent / "newsclaims"
    out = tmp_path / "s.duckdb"
    truth = Path(str(out) + ".truth.json")
    assert subprocess.run([str(exe), "synth", "--claims", "100", "--output", str(out)],
                          capture_output=True, text=True, timeout=60).returncode == 0
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (out, truth)}
    proc = subprocess.Popen([str(exe), "synth", "--claims", "2M", "--defect-rate", "0.001", "--output", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".s.duckdb.*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.05)  # wait for the temporary database: DuckDB statements are running
    time.sleep(2)
    assert proc.poll() is None, proc.communicate(timeout=60)
    proc.send_signal(getattr(signal, sig))
    _, err = proc.communicate(timeout=120)
    assert (proc.returncode, err) == (code, line)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(before)
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (out, truth)} == before


@pytest.mark.parametrize("margin", [0.01, 8])  # 0.01: every first bound is too narrow
def test_a_batch_read_under_a_hash_bound_is_the_batch_read_without_one(synthetic, tmp_path, monkeypatch, margin):
    """``allocation._batch`` narrows the candidates by a bound on their order hash before
    sorting them: whatever the bound, it must read exactly the rows an unbounded read does,
    at every offset, for rules with many candidates and with few."""
    from newsclaims import defects
    from newsclaims.synth import allocation

    db = copy_synthetic(synthetic(CLAIMS, 7), tmp_path)  # (temporary tables only; a copy all the same)
    con = duckdb.connect(str(db))
    rules = {r.id: r for r in load_catalogue()}
    chosen = [rules[i] for i in ("claims.claim_date_basis_accepted", "figures.unit_not_null",
                                 "claims.no_future_dates", "claims.quote_matches_text")]
    defects.prepare(con, chosen)
    con.execute("CREATE OR REPLACE TEMP TABLE nc_used AS SELECT 'doc:doc-00001' AS key")

    def read(rule, limit, offset, cut_margin):
        monkeypatch.setattr(allocation, "CUT_MARGIN", cut_margin)
        table = defects.recipe(rule).table
        rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        batch, read = allocation._batch(con, rule, "hash(rid, 3, 1)", limit, offset, rows)
        assert read == con.execute("SELECT count(*) FROM nc_pick").fetchone()[0]
        usable = [(rid, row, sorted(keys)) for rid, row, keys in batch]  # keys: a set, in any order
        return usable, con.execute("SELECT * FROM nc_pick ORDER BY o, row").fetchall()

    for rule in chosen:
        for limit, offset in [(20, 0), (20, 20), (200, 40)]:
            bounded = read(rule, limit, offset, margin)
            unbounded = read(rule, limit, offset, 10**12)  # a share >= 1: no bound at all
            assert bounded == unbounded, (rule.id, limit, offset)
            assert unbounded[1], rule.id  # the rule has candidates at this offset
    con.close()
