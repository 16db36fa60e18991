"""The columns of the replaced rows an ingest fetches (``footprint.old_columns``): what the
footprints can read of them, no fewer (table-driven, sqlglot-style golden cases)."""

from __future__ import annotations

import pytest

from newsclaims import contract
from newsclaims.ingest.footprint import columns_of_old, old_columns
from newsclaims.rules.catalogue import load_catalogue

CASES = [
    # (table, the SQL texts of the footprints, the columns kept; None: every column)
    ("claims", [], {"claim_id"}),
    ("claims", ["SELECT doc_id FROM nc_batch_claims UNION SELECT doc_id FROM nc_old_claims"], {"claim_id", "doc_id"}),
    ("claims", ["SELECT claim_id, incident_id FROM ingest_batch_claims"], {"claim_id", "incident_id"}),
    ("claims", ["SELECT summary FROM ingest_before_claims WHERE status = 'active'"], {"claim_id", "summary", "status"}),
    ("claims", ["SELECT * FROM ingest_batch_claims"], None),
    ("claims", ["SELECT b.* FROM ingest_before_claims b"], None),
    ("claims", ["SELECT count(*) AS n, quote FROM nc_old_claims"], {"claim_id", "quote"}),
    # a text over another table's replaced rows keeps nothing of this one
    ("claims", ["SELECT summary FROM ingest_batch_figures", "SELECT * FROM nc_old_documents"], {"claim_id"}),
    ("claim_links", ["SELECT other_claim_id FROM nc_old_claim_links"], {"claim_id", "other_claim_id", "relation"}),
]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("table, texts, kept", CASES)
def test_the_columns_a_footprint_text_reads_are_kept(table, texts, kept):
    assert columns_of_old(table, texts) == kept


@pytest.mark.timeout(60)
def test_the_catalogues_footprints_keep_their_key_columns():
    """The catalogue's own needs: every primary key, and the columns its footprints and the
    cross-source scope read (a claim's incident for its old group, the (doc_id, quote) of
    the uniqueness rule, ...)."""
    kept = old_columns(load_catalogue(), set(contract.TABLES))
    for table, columns in kept.items():
        assert columns is not None and set(contract.tables()[table].primary_key) <= columns
    assert {"doc_id", "incident_id", "quote"} <= kept["claims"]
    assert {"claim_id", "measure", "victim_group"} <= kept["figures"]
    assert kept["actors"] >= {"name", "parent_id", "merged_into"}
