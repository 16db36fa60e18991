"""The cross-source rule's declared scope (sql/rules/figures.cross_source_discrepancy.scope.sql)
must hold the groups a batch touches before and after it: a claim moved to another incident
leaves its old group, whose verdicts change although none of its figures is in the batch."""

from __future__ import annotations

import duckdb
import pytest
from ingest_fixtures import checked_db, copy, results_state

from newsclaims.check import run_checks
from newsclaims.ingest import ingest

RULE = "figures.cross_source_discrepancy"


def _disagreeing_group(db):
    """Make one figure of a group of two or more claimants state a far figure (10^9), so
    every other figure of its group disagrees with it alone, and store a full check's
    results. Returns its claim and another incident, or None."""
    con = duckdb.connect(str(db))
    try:
        found = con.execute("""
            WITH f AS (SELECT t.figure_id, c.claim_id, c.claimant_id, c.incident_id, t.measure, t.victim_group
                       FROM figures t JOIN claims c USING (claim_id)
                       WHERE c.status = 'active' AND t.value_low IS NOT NULL AND t.measure IS NOT NULL
                         AND t.victim_group IS NOT NULL AND c.claimant_id IS NOT NULL),
            g AS (SELECT incident_id, measure, victim_group FROM f GROUP BY ALL HAVING count(DISTINCT claimant_id) >= 2)
            SELECT f.figure_id, f.claim_id, (SELECT min(incident_id) FROM incidents WHERE incident_id <> f.incident_id)
            FROM f JOIN g USING (incident_id, measure, victim_group)
            WHERE f.claim_id NOT IN (SELECT claim_id FROM claim_links UNION SELECT other_claim_id FROM claim_links)
            ORDER BY f.figure_id LIMIT 1""").fetchone()
        if found:
            con.execute("UPDATE figures SET value_low = 1000000000, value_high = 1000000000 WHERE figure_id = ?",
                        [found[0]])
    finally:
        con.close()
    if found:
        run_checks(db, pandera="always")
    return found and found[1:]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("index_from", [0, 10**9], ids=["lookup-indexes", "scans"])
def test_a_claim_moved_to_another_incident_clears_its_old_group(tmp_path, index_from):
    db = copy(checked_db(tmp_path, claims=3000, seed=11), tmp_path / "live.duckdb")
    found = _disagreeing_group(db)
    assert found, "the synthetic data should hold a group of two claimants"
    claim_id, other_incident = found
    batch = tmp_path / "batch"
    batch.mkdir()
    con = duckdb.connect(str(db), read_only=True)
    con.execute(f"COPY (SELECT * REPLACE ('{other_incident}' AS incident_id) FROM claims WHERE claim_id = ?) "
                f"TO '{batch / 'claims.parquet'}' (FORMAT parquet)", [claim_id])
    before = {r[0] for r in con.execute(f"SELECT record_id FROM dq_violations WHERE rule_id = '{RULE}'").fetchall()}
    con.close()
    run = ingest(db, batch, fail_on=None, pandera="always", index_from=index_from)
    assert run.published
    full = copy(db, tmp_path / "full.duckdb")
    run_checks(full, pandera="always")
    got, want = results_state(db), results_state(full)
    assert got[1] == want[1]
    after = {r[1] for r in want[1] if r[0] == RULE}
    assert before - after, "moving the claim should clear violations of its old group"
