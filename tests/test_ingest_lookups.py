"""The lookup indexes of ``ingest`` (ingest/lookups.py): which columns get one, that DuckDB
really reads through them, and that a batch's audit is the same with them or without."""

from __future__ import annotations

import duckdb
import pytest
from ingest_fixtures import checked_db, copy

from newsclaims.ingest import lookups
from newsclaims.ingest.audit import lookup_pairs
from newsclaims.rules.catalogue import load_catalogue

SIZES_10M = {"claims": 10_002_000, "figures": 6_047_126, "documents": 1_000_600, "incidents": 505_303,
             "claim_relays": 476_081, "claim_links": 230_828, "places": 9_012, "actors": 5_001}


def test_keys_and_selective_foreign_keys_get_an_index_few_valued_columns_do_not():
    wanted = set(lookups.wanted(lookup_pairs(load_catalogue()), SIZES_10M, 50_000))
    assert {("claims", "claim_id"), ("figures", "figure_id"), ("documents", "doc_id"),
            ("figures", "claim_id"), ("claims", "doc_id"), ("claim_links", "other_claim_id")} <= wanted
    # 20 claims per incident, a few thousand actors: an index there costs each write more than it saves
    assert not wanted & {("claims", "incident_id"), ("claims", "claimant_id"), ("figures", "party_id"),
                         ("documents", "publisher_id")}
    assert not {t for t, _ in wanted} & {"places", "actors"}  # small tables are scanned


def test_by_default_only_tables_a_daily_batch_reads_through_an_index_get_one():
    """``INDEX_FROM``: below 2M rows a narrow table's indexes cost each write more than they
    save (measured at 1M claims, bench/ingest.md); at 10M claims, claims and figures get them
    by their rows (documents by their bytes: ``wide_tables``)."""
    assert lookups.INDEX_FROM == 2_000_000
    default = set(lookups.wanted(lookup_pairs(load_catalogue()), SIZES_10M, lookups.INDEX_FROM))
    assert {t for t, _ in default} == {"claims", "figures"}
    assert {("claims", "claim_id"), ("claims", "doc_id"), ("figures", "figure_id"), ("figures", "claim_id")} <= default
    at_1m = {t: n // 10 for t, n in SIZES_10M.items()}
    assert lookups.wanted(lookup_pairs(load_catalogue()), at_1m, lookups.INDEX_FROM) == []


@pytest.mark.timeout(300)
def test_a_table_under_the_row_threshold_is_indexed_when_its_stored_columns_are_wide(tmp_path):
    """``wide_tables``: a table of a quarter to all of the row threshold counts by the bytes a
    scan reads (documents hold their texts); one already indexed stays indexed."""
    db = copy(checked_db(tmp_path), tmp_path / "live.duckdb")
    con = duckdb.connect(str(db))
    try:
        sizes = {t: n for t, n in con.execute(
            "SELECT table_name, estimated_size FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
        large = sizes["documents"] + 1  # documents just under the threshold, claims above it
        assert "documents" in lookups.wide_tables(con, sizes, large, wide_bytes=1)
        assert "documents" not in lookups.wide_tables(con, sizes, large, wide_bytes=2**40)
        assert "claims" not in lookups.wide_tables(con, sizes, large, wide_bytes=1)  # past the threshold anyway
        assert "documents" not in lookups.wide_tables(con, sizes, 4 * large + 4, wide_bytes=1)  # under a quarter
        pairs = lookup_pairs(load_catalogue())
        assert ("documents", "doc_id") in lookups.wanted(pairs, sizes, large, {"documents"})
        assert ("documents", "doc_id") not in lookups.wanted(pairs, sizes, large)
        lookups.ensure(con, lookups.wanted(pairs, sizes, large, {"documents"}))
        assert "documents" in lookups.wide_tables(con, sizes, large, wide_bytes=2**40)
    finally:
        con.close()


@pytest.mark.timeout(300)
def test_lookups_read_through_the_index_and_unwanted_indexes_are_dropped(tmp_path):
    db = copy(checked_db(tmp_path), tmp_path / "live.duckdb")
    con = duckdb.connect(str(db))
    try:
        sizes = {t: 10**6 for t in SIZES_10M}
        wanted = lookups.wanted(lookup_pairs(load_catalogue()), sizes, 0)
        built = lookups.ensure(con, wanted)
        assert lookups.index_name("claims", "claim_id") in built
        found = lookups.Lookups(con, lookups.indexed(con), {"claims": 10**6})
        ids = "SELECT claim_id FROM claims ORDER BY claim_id LIMIT 5"
        sql = found.rows("claims", "claim_id", ids)
        assert "IN ('" in sql  # the values as constants: DuckDB's index scan needs them
        plan = con.execute("EXPLAIN ANALYZE " + sql).fetchall()[0][1]
        assert "Index Scan" in plan
        assert len(con.execute(sql).fetchall()) == 5
        assert found.condition("claims", "claim_id", "SELECT NULL::VARCHAR WHERE false") == "FALSE"
        # more keys than DuckDB would fetch by index (2,048, or 1 row in 1,000): a join, no constant list
        many = f"SELECT 'clm-x' || range FROM range({lookups.SCAN_MAX + 1})"
        assert "IN (SELECT" in found.rows("claims", "claim_id", many)
        assert "IN (SELECT" not in lookups.Lookups(con, lookups.indexed(con), {"claims": 10**7}).rows(
            "claims", "claim_id", many)  # 1 in 1,000 of 10M rows: still by index
        # a table no longer large enough keeps no index
        assert lookups.ensure(con, [p for p in wanted if p[0] != "claims"]) == []
        assert not {c for t, c in lookups.indexed(con) if t == "claims"}
    finally:
        con.close()


@pytest.mark.timeout(300)
def test_a_release_database_is_written_without_the_lookup_indexes(tmp_path):
    from newsclaims.text_policy import withhold_texts

    db = copy(checked_db(tmp_path), tmp_path / "live.duckdb")
    con = duckdb.connect(str(db))
    lookups.ensure(con, [("claims", "claim_id"), ("figures", "claim_id")])
    con.close()
    withhold_texts(db, tmp_path / "release.duckdb")
    con = duckdb.connect(str(tmp_path / "release.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT index_name FROM duckdb_indexes()").fetchall() == []
        assert con.execute("SELECT count(*) FROM claims").fetchone()[0] > 0
    finally:
        con.close()
