"""Ingest into a database with the contract's constraints (``newsclaims build``, a synthetic
database without defects): DuckDB refuses to delete a row another table references, so a
correction of a referenced record is applied in place; a row the constraints reject refuses
the batch in one line naming it; the database is unchanged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from ingest_fixtures import copy, results_state, tables_state

from newsclaims.check import run_checks
from newsclaims.ingest import ingest
from newsclaims.synth import generate
from newsclaims.synth.batch import write_batch

EXE = str(Path(sys.executable).parent / "newsclaims")


def _strict(db: Path) -> None:
    con = duckdb.connect(str(db), read_only=True)
    try:
        kinds = {r[0] for r in con.execute("SELECT constraint_type FROM duckdb_constraints()").fetchall()}
    finally:
        con.close()
    assert {"FOREIGN KEY", "CHECK", "PRIMARY KEY"} <= kinds, kinds


def _one_claim_batch(db: Path, folder: Path, select: str) -> Path:
    """A batch of one claims row: ``select`` over the stored ``claims``."""
    folder.mkdir()
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute(f"COPY ({select}) TO '{folder / 'claims.parquet'}' (FORMAT parquet)")
    finally:
        con.close()
    return folder


def _ingest_cli(batch: Path, db: Path):
    return subprocess.run([EXE, "ingest", str(batch), "--db", str(db)], capture_output=True, text=True, timeout=120)


@pytest.mark.timeout(300)
def test_synthetic_batches_into_a_strict_database_keep_the_results_of_a_full_check(tmp_path):
    """New, corrected (a changed summary, an incident date moved) and retracted records:
    the corrected claims are referenced by figures, relays and links."""
    db = tmp_path / "strict.duckdb"
    generate(db, 1500, seed=5)
    _strict(db)
    run_checks(db, pandera="always")
    for step, seed in enumerate((1, 2)):
        batch = tmp_path / f"batch-{step}"
        made = write_batch(db, batch, 80, seed=seed)
        assert made.kinds["corrected"] and made.kinds["retracted"]
        run = ingest(db, batch, pandera="always")
        assert run.published, [c.rule_id for c in run.refused]
        assert sum(run.replaced.values()) > 0
        full = copy(db, tmp_path / f"full-{step}.duckdb")
        run_checks(full, pandera="always")
        assert results_state(db) == results_state(full), step


@pytest.mark.timeout(180)
def test_a_correction_of_a_referenced_curated_claim_is_published(built_db_copy, tmp_path):
    db = built_db_copy
    _strict(db)
    run_checks(db)
    batch = _one_claim_batch(db, tmp_path / "b", "SELECT * REPLACE ('retracted' AS status, 'corrected' AS notes) "
                             "FROM claims WHERE claim_id IN (SELECT claim_id FROM figures) ORDER BY claim_id LIMIT 1")
    done = _ingest_cli(batch, db)
    assert done.returncode == 0, done.stderr
    assert "1 corrected, 0 new" in done.stdout
    con = duckdb.connect(str(db), read_only=True)
    try:
        got = con.execute("SELECT status, notes FROM claims WHERE claim_id = (SELECT min(claim_id) FROM figures)"
                          ).fetchall()
    finally:
        con.close()
    assert got == [("retracted", "corrected")]
    full = copy(db, tmp_path / "full.duckdb")
    run_checks(full)
    assert results_state(db) == results_state(full)


@pytest.mark.timeout(180)
@pytest.mark.parametrize("select, code, line", [
    # a new claim whose id breaks the CHECK of its pattern
    ("SELECT * REPLACE ('clm-x' AS claim_id) FROM claims ORDER BY claim_id LIMIT 1", 1,
     "refused: claims record clm-x breaks the database's constraints (CHECK constraint failed"),
    # a new claim in a document that does not exist
    ("SELECT * REPLACE ('clm-9999' AS claim_id, 'doc-9999' AS doc_id) FROM claims ORDER BY claim_id LIMIT 1", 1,
     "refused: claims record clm-9999 breaks the database's constraints (Violates foreign key constraint because "
     "key \"doc_id: doc-9999\" does not exist"),
    # a referenced claim moved to another document: DuckDB cannot change an indexed column of it
    ("SELECT * REPLACE ((SELECT max(doc_id) FROM documents) AS doc_id) FROM claims "
     "WHERE claim_id IN (SELECT claim_id FROM figures) AND doc_id <> (SELECT max(doc_id) FROM documents) "
     "ORDER BY claim_id LIMIT 1", 2, "changes doc_id, which DuckDB cannot change in a record other rows reference"),
], ids=["check", "foreign-key", "moved-referenced-record"])
def test_a_row_the_constraints_reject_is_one_line_and_changes_nothing(built_db_copy, tmp_path, select, code, line):
    db = built_db_copy
    run_checks(db)
    before = tables_state(db)
    batch = _one_claim_batch(db, tmp_path / "b", select)
    done = _ingest_cli(batch, db)
    assert done.returncode == code, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert line in done.stderr and done.stderr.rstrip().endswith(f"{db} is unchanged")
    assert tables_state(db) == before
