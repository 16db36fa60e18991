"""Which columns of a table a query reads, from DuckDB's plan (ingest/columns.py), and the
two fetches that use what is known of a rule before reading rows by index: a partner table
narrowed to the columns the rule reads, a scope's few records fetched by key."""

from __future__ import annotations

import duckdb
import pytest

from newsclaims import contract
from newsclaims.ingest.audit import _scope_rows_by_key
from newsclaims.ingest.columns import columns_read
from newsclaims.ingest.lookups import ROW_FETCH_MAX, Lookups
from newsclaims.ingest.scope import IDS
from newsclaims.rules.sql_fragments import read_query


@pytest.fixture(scope="module")
def con(built_db):
    """The curated dataset (on empty tables DuckDB plans an empty result, with no scans)."""
    con = duckdb.connect(str(built_db), read_only=True)
    yield con
    con.close()


CASES = [
    # (query, table, the columns it reads; None: every column)
    ("SELECT claim_id FROM claims", "claims", {"claim_id"}),
    ("SELECT c.claim_id AS record_id FROM claims c WHERE CAST(c.status AS VARCHAR) = 'active'",
     "claims", {"claim_id", "status"}),
    ("SELECT f.figure_id FROM figures f JOIN claims c ON c.claim_id = f.claim_id WHERE c.quote LIKE '%a%'",
     "claims", {"claim_id", "quote"}),
    ("SELECT count(*) FROM claims", "claims", None),  # answered from statistics, no scan: all, to be safe
    ("SELECT count(*) FROM claims WHERE topic = 'casualties'", "claims", {"topic"}),
    ("SELECT * FROM claims", "claims", set(contract.tables()["claims"].column_names)),
    ("SELECT to_json(c) FROM claims c", "claims", set(contract.tables()["claims"].column_names)),
    ("SELECT figure_id FROM figures", "claims", None),  # not read at all: no plan of it
    ("SELECT no_such_column FROM claims", "claims", None),  # no plan
]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("query,table,want", CASES, ids=range(len(CASES)))
def test_the_columns_a_query_reads_are_those_of_its_plan(con, query, table, want):
    assert columns_read(con, query, table) == want


@pytest.mark.timeout(30)
def test_the_cross_source_rule_reads_four_columns_of_claims(con):
    """What the narrowed claims of the cross-source rule fetch; a column the rule started to
    read would show here, and be fetched."""
    query = read_query("rules/figures.cross_source_discrepancy.sql")
    assert columns_read(con, query, "claims") == {"claim_id", "incident_id", "claimant_id", "status"}


@pytest.fixture
def figures():
    con = duckdb.connect()
    con.execute("CREATE TABLE figures AS SELECT 'fig-' || i AS figure_id FROM range(2000) r(i)")
    con.execute("INSERT INTO figures VALUES (NULL), ('')")
    con.execute("CREATE INDEX nc_lookup_figures_figure_id ON figures (figure_id)")
    yield con
    con.close()


def _rows(con, ids: list[str]) -> tuple[str | None, list]:
    con.execute(f"CREATE OR REPLACE TEMP TABLE {IDS} AS SELECT unnest(?::VARCHAR[]) AS record_id", [ids])
    keyed = _scope_rows_by_key(con, "figures", Lookups(con, {("figures", "figure_id")}, {"figures": 2002}))
    by_scan = con.execute(f"SELECT rowid FROM figures t WHERE coalesce(CAST(t.figure_id AS VARCHAR), '') IN "
                          f"(SELECT record_id FROM {IDS}) ORDER BY 1").fetchall()
    if keyed is not None:
        assert con.execute(f"SELECT rowid FROM figures t WHERE {keyed} ORDER BY 1").fetchall() == by_scan
    return keyed, by_scan


@pytest.mark.timeout(30)
@pytest.mark.parametrize("ids,by_key", [
    (["fig-3", "fig-70", "fig-70"], True),
    ([], True),
    (["", "fig-1"], True),  # a record id '' is a NULL or an empty key: both rows
    ([f"fig-{i}" for i in range(ROW_FETCH_MAX + 1)], False),  # more: one scan costs less
], ids=["few", "none", "empty-id", "many"])
def test_a_scopes_few_records_are_fetched_by_key_with_the_rows_a_scan_picks(figures, ids, by_key):
    keyed, rows = _rows(figures, ids)
    assert (keyed is not None) == by_key
    if ids and by_key:
        assert "IN ('" in keyed  # constants: DuckDB reads them through the index
    if "" in ids:
        assert len(rows) == 3
