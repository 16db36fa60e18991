"""The ingest benchmark's baselines (bench/plain_load.py) write what `newsclaims ingest` writes:
the same batch leaves every contract table as the ingest leaves it, with and without the key
reads, so the benchmark's difference is the audit and nothing else."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from ingest_fixtures import checked_db, copy, tables_state
from newsclaims import contract
from newsclaims.ingest import ingest
from newsclaims.synth.batch import write_batch

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.timeout(120)


def _plain_load():
    spec = importlib.util.spec_from_file_location("plain_load", REPO / "bench" / "plain_load.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_plain_load_writes_what_the_ingest_publishes(tmp_path):
    base = checked_db(tmp_path, claims=600, seed=3)
    batch = tmp_path / "batch"
    write_batch(base, batch, 80, seed=5)  # new, corrected and retracted records
    audited = copy(base, tmp_path / "audited.duckdb")
    assert ingest(audited, batch, fail_on=None).published
    want = {t: rows for t, rows in tables_state(audited).items() if t in contract.TABLES}
    plain = _plain_load()
    for probed in (False, True):
        target = copy(base, tmp_path / f"plain-{probed}.duckdb")
        written = plain.load(batch, target, probed)
        got = {t: rows for t, rows in tables_state(target).items() if t in contract.TABLES}
        assert got == want, f"probed={probed}: the plain load's tables differ from the ingest's"
        assert written == _batch_rows(batch)


def _batch_rows(batch: Path) -> int:
    import duckdb

    return sum(duckdb.execute(f"SELECT count(*) FROM read_parquet('{p}')").fetchone()[0] for p in batch.glob("*.parquet"))


def test_the_probe_reaches_the_stored_rows_of_the_batchs_keys(tmp_path):
    """The key reads are reads: a batch correcting stored claims reaches at least those
    claims (by ``claims.claim_id``), and the probe changes nothing by itself."""
    import duckdb

    base = checked_db(tmp_path, claims=400, seed=4)
    batch = tmp_path / "batch"
    write_batch(base, batch, 40, seed=6)
    con = duckdb.connect(str(base))
    try:
        con.execute("CREATE TEMP TABLE nc_plain_claims AS SELECT * FROM read_parquet(?)", [str(batch / "claims.parquet")])
        stored = con.execute("SELECT count(*) FROM claims t WHERE t.claim_id IN "
                             "(SELECT claim_id FROM nc_plain_claims)").fetchone()[0]
        before = con.execute("SELECT count(*) FROM claims").fetchone()[0]
        assert stored > 0
        assert _plain_load().probe(con, {"claims"}) >= stored
        assert con.execute("SELECT count(*) FROM claims").fetchone()[0] == before
    finally:
        con.close()
