"""Bad batches: one line, exit 2, the database unchanged."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest
from ingest_fixtures import checked_db, copy, tables_state


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return checked_db(tmp_path_factory.mktemp("ingest_input"), claims=300)


def _claims_csv(db, path, limit=2, extra="", where=""):
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute(f"COPY (SELECT *{extra} FROM claims {where} ORDER BY claim_id LIMIT {limit}) TO '{path}' (HEADER)")
    finally:
        con.close()


def _run(db, batch):
    return subprocess.run([sys.executable, "-m", "newsclaims", "ingest", str(batch), "--db", str(db)],
                          capture_output=True, text=True, timeout=120)


def _bad(tmp_path, base, make):
    db = copy(base, tmp_path / "db.duckdb")
    batch = tmp_path / "batch"
    batch.mkdir()
    make(db, batch)
    before = tables_state(db)
    got = _run(db, batch)
    assert got.returncode == 2, got.stderr
    assert tables_state(db) == before
    assert "Traceback" not in got.stderr and len(got.stderr.strip().splitlines()) == 1
    return got.stderr.strip().replace(str(batch), "BATCH")


def test_a_file_for_an_unknown_table(tmp_path, base):
    err = _bad(tmp_path, base, lambda db, b: (b / "claimz.csv").write_text("a\n1\n"))
    assert err == ("Error: BATCH/claimz.csv: no contract table 'claimz' (one of countries, actors, actor_aliases, places, "
                   "place_aliases, documents, incidents, claims, claim_relays, claim_links, figures)")


def test_a_column_the_contract_lacks(tmp_path, base):
    err = _bad(tmp_path, base, lambda db, b: _claims_csv(db, b / "claims.csv", extra=", 1 AS colour"))
    assert err == "Error: BATCH/claims.csv: column colour: the contract's table claims has no such column"


def test_a_column_of_the_wrong_type(tmp_path, base):
    def make(db, b):
        _claims_csv(db, b / "claims.csv", extra=" REPLACE ('many' AS quote_start)")
    assert _bad(tmp_path, base, make) == "Error: BATCH/claims.csv: line 2: column quote_start: 'many' is not a integer"


def test_a_truncated_parquet_file(tmp_path, base):
    def make(db, b):
        con = duckdb.connect(str(db), read_only=True)
        con.execute(f"COPY (SELECT * FROM claims LIMIT 50) TO '{b / 'claims.parquet'}' (FORMAT parquet)")
        con.close()
        data = (b / "claims.parquet").read_bytes()
        (b / "claims.parquet").write_bytes(data[: len(data) // 2])
    err = _bad(tmp_path, base, make)
    assert err.startswith("Error: BATCH/claims.parquet: not a readable Parquet file (")


def test_a_batch_that_deletes(tmp_path, base):
    err = _bad(tmp_path, base, lambda db, b: _claims_csv(db, b / "claims.csv", extra=", 'd' AS _op"))
    assert err == ("Error: BATCH/claims.csv: column _op: records are never deleted or renamed; "
                   "retract a record by setting its status to 'retracted'")


def test_a_batch_that_renames_an_id_to_nothing(tmp_path, base):
    err = _bad(tmp_path, base, lambda db, b: _claims_csv(db, b / "claims.csv", extra=" REPLACE (NULL AS claim_id)"))
    assert err == ("Error: BATCH/claims.csv: line 2: primary key column claim_id is empty "
                   "(a record cannot be placed without its id)")


def test_a_record_twice(tmp_path, base):
    def make(db, b):
        _claims_csv(db, b / "claims.csv", extra=" REPLACE ('clm-0001' AS claim_id)")
    assert _bad(tmp_path, base, make) == "Error: BATCH/claims.csv: record clm-0001 appears 2 times (one row per record)"


def test_an_empty_batch(tmp_path, base):
    assert _bad(tmp_path, base, lambda db, b: None) == "Error: BATCH: empty batch (no <table>.parquet or <table>.csv file)"


def test_a_batch_of_empty_files(tmp_path, base):
    err = _bad(tmp_path, base, lambda db, b: _claims_csv(db, b / "claims.csv", where="WHERE false"))
    assert err == "Error: BATCH: empty batch (its files hold no rows)"


def test_a_database_without_results(tmp_path, base):
    db = copy(base, tmp_path / "db.duckdb")
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE dq_results")
    con.close()
    batch = tmp_path / "batch"
    batch.mkdir()
    _claims_csv(db, batch / "claims.csv")
    got = _run(db, batch)
    assert got.returncode == 2
    assert got.stderr.strip() == (f"Error: {db}: no stored results (run `newsclaims check --db {db}` once "
                                  "before the first ingest)")
