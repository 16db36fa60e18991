"""The stored rows a footprint's keyed conditions reach, read through a lookup index, are
probed with their key and the conditions' columns first and fetched whole only where a
condition holds (``footprint._fetch_keyed``): the verdicts stay a full check's, also for a
stored row whose own key is NULL."""

from __future__ import annotations

import duckdb
import pytest
from ingest_fixtures import checked_db, copy, results_state

from newsclaims.check import run_checks
from newsclaims.ingest import ingest

RULE = "claims.quote_unique_in_document"


@pytest.mark.timeout(300)
@pytest.mark.parametrize("index_from", [0, 2**62], ids=["lookup-indexes", "scans"])
def test_a_quote_a_batch_changes_frees_its_stored_twin_whose_key_is_null(tmp_path, index_from):
    """A stored claim without an id repeats a stored claim's (document, quote): both break
    the rule. A batch gives the claim another quote: the twin, found only by its document
    (its key is NULL, so no lookup by key reaches it), loses the violation, as a full check
    says."""
    db = copy(checked_db(tmp_path), tmp_path / "live.duckdb")
    con = duckdb.connect(str(db))
    try:
        claim, doc = con.execute(
            "SELECT claim_id, doc_id FROM claims WHERE claim_id IS NOT NULL AND quote IS NOT NULL AND doc_id IN "
            "(SELECT doc_id FROM claims GROUP BY doc_id HAVING count(*) > 1) ORDER BY claim_id LIMIT 1").fetchone()
        con.execute(f"INSERT INTO claims SELECT * REPLACE (NULL AS claim_id) FROM claims WHERE claim_id = '{claim}'")
        batch = tmp_path / "batch"
        batch.mkdir()
        con.execute(f"COPY (SELECT * REPLACE (quote || ' (as corrected)' AS quote) FROM claims "
                    f"WHERE claim_id = '{claim}') TO '{batch / 'claims.parquet'}' (FORMAT parquet)")
    finally:
        con.close()
    run_checks(db, pandera="always")
    con = duckdb.connect(str(db), read_only=True)
    try:
        flagged = {r[0] for r in con.execute(f"SELECT record_id FROM dq_violations WHERE rule_id = '{RULE}'").fetchall()}
    finally:
        con.close()
    assert {claim, ""} <= flagged, doc
    run = ingest(db, batch, pandera="always", fail_on=None, index_from=index_from)
    assert run.published
    full = copy(db, tmp_path / "full.duckdb")
    run_checks(full, pandera="always")
    assert results_state(db) == results_state(full)
    con = duckdb.connect(str(db), read_only=True)
    try:
        after = {r[0] for r in con.execute(f"SELECT record_id FROM dq_violations WHERE rule_id = '{RULE}'").fetchall()}
    finally:
        con.close()
    assert claim not in after and "" not in after
