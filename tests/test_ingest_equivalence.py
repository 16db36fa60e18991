"""After every published batch the stored results equal a fresh full check's, rule by rule
and record by record; a refused batch leaves every table as it was."""

from __future__ import annotations

import random

import pytest
from ingest_fixtures import checked_db, copy, results_state, tables_state

from newsclaims.check import run_checks
from newsclaims.ingest import ingest
from newsclaims.synth.batch import write_batch


@pytest.mark.timeout(900)
def test_a_seeded_sequence_of_batches_keeps_the_results_of_a_full_check(tmp_path):
    db = copy(checked_db(tmp_path), tmp_path / "live.duckdb")
    rnd = random.Random(15)
    published = refused = 0
    defect_rules: set[str] = set()
    modes: dict[str, set[str]] = {}
    copies: set[str] = set()
    indexes: set[str] = set()
    for step in range(8):
        batch = tmp_path / f"batch{step}"
        rate = rnd.choice([None, None, 0.03, 0.08])
        made = write_batch(db, batch, rnd.choice([20, 60, 150]), defect_rate=rate, seed=rnd.randrange(10**6))
        defect_rules |= set(made.added)
        before = tables_state(db)
        fail_on = rnd.choice(["error", "error", "warn"])
        # partners_from=0: every partner table the statements read is the audit's copy
        # (ingest.partners), as for the large tables of a real database; index_from=0 on
        # every other batch: the stored rows are read by key through the lookup indexes
        # (ingest.lookups), as in a large database, and by scans in between
        keyed = {"index_from": 0} if step % 2 == 0 else {}
        run = ingest(db, batch, fail_on=fail_on, pandera="always", partners_from=0, **keyed)
        indexes.update(run.indexes_built)
        copies.update(run.partner_copies)
        for change in run.changes:
            modes.setdefault(change.rule_id, set()).add(change.evaluated)
        if not run.published:
            refused += 1
            assert run.refused
            assert tables_state(db) == before, f"batch {step}: a refused batch changed the database"
            # published without a gate, its audit must be as exact
            run = ingest(db, batch, fail_on=None, pandera="always", partners_from=0, **keyed)
            assert run.published
        else:
            published += 1
        full = copy(db, tmp_path / f"full{step}.duckdb")
        run_checks(full, pandera="always")
        got, want = results_state(db), results_state(full)
        assert got[0] == want[0], f"batch {step}: dq_results differ"
        assert got[1] == want[1], f"batch {step}: dq_violations differ"
    assert published >= 2 and refused >= 1, (published, refused)
    assert len(defect_rules) >= 3
    # the grouped rule with a declared scope ran on its footprint, a row rule with joins too
    assert modes["figures.cross_source_discrepancy"] == {"footprint"}
    assert "footprint" in modes["claims.quote_offsets_within_text"]
    # the joins and lookups read partner copies: documents for the quote and date rules,
    # claims for the figures', relays' and links' references
    assert {"nc_part_documents_doc_id", "nc_part_claims_claim_id"} <= copies, copies
    # the first batch built every lookup index, once
    assert {"nc_lookup_claims_claim_id", "nc_lookup_figures_claim_id", "nc_lookup_claims_doc_id"} <= indexes, indexes


def test_a_refused_batch_names_only_the_violations_it_adds(tmp_path):
    db = copy(checked_db(tmp_path), tmp_path / "live.duckdb")
    batch = tmp_path / "bad"
    made = write_batch(db, batch, 30, defect_rate=0.05, seed=3)
    run = ingest(db, batch, pandera="never")
    errors = {c.rule_id for c in run.changes if c.added and c.severity == "error"}
    assert not run.published and errors
    assert {c.rule_id for c in run.refused} == errors
    for change in run.refused:
        assert {r for r, _, when in change.records if when == "new"} == set(made.added[change.rule_id])


@pytest.mark.timeout(300)
def test_a_rule_that_fails_inside_the_audit_refuses_the_batch_in_one_line(tmp_path):
    """DuckDB aborts a transaction on any error: the batch is refused naming the rule, the
    database unchanged (not a flood of 'transaction is aborted' errors for every later rule)."""
    from newsclaims.errors import GateFailure
    from newsclaims.rules.catalogue import load_catalogue, load_file

    checks = tmp_path / "extra.yml"
    checks.write_text("""
- id: claims.id_is_a_number
  title: A rule whose statement fails on any claim
  family: structure
  severity: warn
  rationale: A claim id cast to an integer fails for every claim.
  table: claims
  test: row
  where: "CAST(t.claim_id AS INTEGER) > 0"
  message: "'never'"
""")
    rules = [*load_file(checks), *(r for r in load_catalogue() if r.table in ("claims", "documents"))]
    db = copy(checked_db(tmp_path), tmp_path / "live.duckdb")
    run_checks(db, rules=rules, pandera="always")
    batch = tmp_path / "batch"
    write_batch(db, batch, 20, seed=5)
    before = tables_state(db)
    with pytest.raises(GateFailure) as refused:
        ingest(db, batch, rules=rules, pandera="always")
    text = str(refused.value)
    assert "claims.id_is_a_number could not run on the batch" in text and "unchanged" in text, text
    assert "\n" not in text
    assert tables_state(db) == before
