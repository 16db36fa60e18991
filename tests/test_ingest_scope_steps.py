"""A declared scope evaluated step by step (ingest/scope.py): how a query is split into the
steps of its WITH, which lookups are written as constants, and that the records are those
of the query run as one statement."""

from __future__ import annotations

import duckdb
import pytest

from newsclaims.ingest import scope
from newsclaims.ingest.lookups import Lookups
from newsclaims.rules.sql_fragments import read_query

SPLITS = [
    # (query, step names, the final query's start); None: not split, run as one statement
    ("WITH a AS (SELECT 1 AS x), b AS (SELECT x FROM a) SELECT x AS record_id FROM b",
     ["a", "b"], "SELECT x AS record_id"),
    ("-- a comment (with a parenthesis\nWITH a AS (\n  SELECT f(g(1)) AS x -- ) here too\n)\nSELECT * FROM a",
     ["a"], "SELECT * FROM a"),
    ("WITH a AS (SELECT ')' AS x, '--' AS y) SELECT x FROM a", ["a"], "SELECT x FROM a"),
    ("with a as (select 1 as x) select x from a", ["a"], "select x from a"),
    ("SELECT figure_id AS record_id FROM figures", None, None),
    ("WITH RECURSIVE a AS (SELECT 1 AS x) SELECT x FROM a", None, None),
    ("WITH a(x) AS (SELECT 1) SELECT x FROM a", None, None),
    ("WITH a AS (SELECT 1 AS x SELECT x FROM a", None, None),
    ("WITH a AS (SELECT 1 AS x) INSERT INTO t SELECT x FROM a", None, None),
]


@pytest.mark.parametrize("query,names,final", SPLITS, ids=range(len(SPLITS)))
def test_a_query_is_split_into_the_steps_of_its_with(query, names, final):
    got = scope.split_steps(query)
    if names is None:
        assert got is None
    else:
        steps, rest = got
        assert [n for n, _ in steps] == names
        assert rest.startswith(final)


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("CREATE TABLE figures AS SELECT 'fig-' || i AS figure_id, 'clm-' || (i // 2) AS claim_id, "
                "i % 3 AS measure FROM range(1000) r(i)")
    con.execute("CREATE TABLE claims AS SELECT 'clm-' || i AS claim_id, 'inc-' || (i // 10) AS incident_id "
                "FROM range(500) r(i)")
    con.execute("CREATE INDEX nc_lookup_figures_claim_id ON figures (claim_id)")
    con.execute("CREATE TEMP TABLE changed AS SELECT unnest(['clm-3', 'clm-7', 'clm-3']) AS claim_id")
    yield con
    con.close()


LOOKUPS = [
    # (a step's body, what it becomes with an index on figures.claim_id)
    ("SELECT figure_id FROM figures WHERE claim_id IN (SELECT claim_id FROM changed)",
     "SELECT figure_id FROM figures WHERE figures.claim_id IN ('clm-3', 'clm-7')"),
    ("SELECT f.figure_id FROM figures f WHERE f.claim_id IN (SELECT claim_id FROM changed)",
     "SELECT f.figure_id FROM figures f WHERE f.claim_id IN ('clm-3', 'clm-7')"),
    ("SELECT f.figure_id FROM figures AS f WHERE claim_id IN (SELECT claim_id FROM changed) AND measure = 1",
     "SELECT f.figure_id FROM figures AS f WHERE f.claim_id IN ('clm-3', 'clm-7') AND measure = 1"),
    # no index on the column, or another table's column: left as it is
    ("SELECT claim_id FROM claims WHERE incident_id IN (SELECT incident_id FROM changed)", None),
    ("SELECT figure_id FROM figures f WHERE g.claim_id IN (SELECT claim_id FROM changed)", None),
    ("SELECT figure_id FROM figures WHERE measure IN (SELECT claim_id FROM changed)", None),
]


@pytest.mark.parametrize("body,want", LOOKUPS, ids=range(len(LOOKUPS)))
def test_a_lookup_of_an_indexed_column_is_written_as_constants(con, body, want):
    lookups = Lookups(con, {("figures", "claim_id")}, {"figures": 1000, "claims": 500})
    assert scope.with_lookups(body, lookups) == (want or body)


def test_the_rewritten_step_reads_the_index_and_finds_the_same_rows(con):
    lookups = Lookups(con, {("figures", "claim_id")}, {"figures": 1000})
    con.execute("SET index_scan_max_count = 2048")
    body = "SELECT figure_id FROM figures WHERE claim_id IN (SELECT claim_id FROM changed)"
    rewritten = scope.with_lookups(body, lookups)
    assert "Index Scan" in con.execute(f"EXPLAIN ANALYZE {rewritten}").fetchall()[0][1]
    assert sorted(con.execute(rewritten).fetchall()) == sorted(con.execute(body).fetchall())
    assert len(con.execute(rewritten).fetchall()) == 4


QUERIES = [
    # stepwise
    """WITH changed_figures AS (SELECT figure_id, claim_id FROM figures WHERE claim_id IN (SELECT claim_id FROM changed)),
       their_claims AS (SELECT claim_id, incident_id FROM claims WHERE claim_id IN (SELECT claim_id FROM changed_figures)),
       group_claims AS (SELECT claim_id FROM claims WHERE incident_id IN (SELECT incident_id FROM their_claims)),
       group_figures AS (SELECT figure_id FROM figures WHERE claim_id IN (SELECT claim_id FROM group_claims))
       SELECT figure_id AS record_id FROM group_figures""",
    # a step named like a table: one statement
    """WITH claims AS (SELECT claim_id FROM main.claims WHERE incident_id = 'inc-0')
       SELECT figure_id AS record_id FROM figures WHERE claim_id IN (SELECT claim_id FROM claims)""",
    # no WITH: one statement
    "SELECT figure_id AS record_id FROM figures WHERE measure = 2 AND claim_id < 'clm-2'",
]


@pytest.mark.parametrize("query", QUERIES, ids=["steps", "step-named-like-a-table", "no-with"])
def test_the_records_are_those_of_the_query_run_as_one_statement(con, query):
    lookups = Lookups(con, {("figures", "claim_id")}, {"figures": 1000, "claims": 500})
    want = sorted(r[0] for r in con.execute(f"SELECT DISTINCT CAST(record_id AS VARCHAR) FROM ({query})").fetchall())
    scope.evaluate(con, query, lookups)
    got = sorted(r[0] for r in con.execute(f"SELECT record_id FROM {scope.IDS}").fetchall())
    assert got == want and got
    # the steps' tables are gone; the main tables were never shadowed
    temps = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}
    assert temps == {"changed", scope.IDS}


def test_the_cross_source_scope_reads_each_large_table_by_key_in_a_step_of_its_own():
    """The shipped scope keeps the stepwise shape: written otherwise, it would still be
    right but each lookup a scan of a 10M-row table (bench/ingest.md)."""
    steps, final = scope.split_steps(read_query("rules/figures.cross_source_discrepancy.scope.sql"))
    by_key = [name for name, body in steps if scope._LOOKUP.search(body)]
    assert by_key == ["now_figures", "changed_claim_rows", "group_claims", "group_figures"]
    assert "JOIN figures" not in final and "JOIN claims" not in final and "FROM figures" not in final


KEY_JOINS = [
    # (a grouped rule's query over figures, the partner tables it reads only joined straight to the figures by key)
    ("SELECT t.figure_id AS record_id FROM figures t JOIN claims c ON c.claim_id = t.claim_id", [("claims", "claim_id", "claim_id")]),
    ("-- claims, mentioned in a comment\nSELECT 1 FROM figures AS t LEFT JOIN claims AS c ON t.claim_id = c.claim_id",
     [("claims", "claim_id", "claim_id")]),
    # named twice: another read of claims may reach rows no figure matches
    ("SELECT 1 FROM figures t JOIN claims c ON c.claim_id = t.claim_id WHERE c.incident_id IN (SELECT incident_id FROM claims)", []),
    # joined to another alias, or from the partner's side
    ("SELECT 1 FROM figures t, documents d JOIN claims c ON c.claim_id = d.doc_id", []),
    ("SELECT 1 FROM figures t JOIN claims c ON c.claim_id = x.claim_id", []),
    ("SELECT 1 FROM claims c JOIN figures t ON c.claim_id = t.claim_id", []),
    # a RIGHT or FULL join keeps partner rows that match no figure
    ("SELECT 1 FROM figures t RIGHT JOIN claims c ON c.claim_id = t.claim_id", []),
    ("SELECT 1 FROM figures t JOIN nc_something c ON c.claim_id = t.claim_id", []),
]


@pytest.mark.parametrize("query,want", KEY_JOINS, ids=range(len(KEY_JOINS)))
def test_a_table_read_only_through_a_key_join_with_the_rules_table_is_found(query, want):
    assert scope.key_joined("figures", query) == want


def test_the_cross_source_rule_reads_claims_only_through_its_figures():
    """Its narrowed run reads the claims of the evaluated figures alone (bench/ingest.md)."""
    query = read_query("rules/figures.cross_source_discrepancy.sql")
    assert scope.key_joined("figures", query) == [("claims", "claim_id", "claim_id")]
