"""The compiler's SQL, case by case, against golden files (tests/golden/compile/, format in
tests/golden_sql.py), and what that SQL selects when DuckDB runs it on the rule fixture."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

import golden_sql
from engine_api import compile_rules
from newsclaims.rules.catalogue import load_catalogue

CASES = sorted((Path(__file__).parent / "golden" / "compile").glob("*.sql"))
RULES = {r.id: r for r in load_catalogue()}
VIOLATIONS = ("CREATE TEMP TABLE golden_violations (rule_id VARCHAR, severity VARCHAR, table_name VARCHAR, "
              "record_id VARCHAR, message VARCHAR)")


def run_case(case: golden_sql.Case, db: Path):
    """(the statements the compiler makes, the rows they select after the case's setup)."""
    statements = compile_rules([RULES[rule_id] for rule_id in case.rules], case.sizes or None)
    con = duckdb.connect(str(db))
    try:
        for setup in case.setup:
            con.execute(setup)
        con.execute(VIOLATIONS)
        for statement in statements:
            for step in statement.steps("golden_violations"):
                con.execute(step)
        rows = con.execute("SELECT rule_id, record_id, message FROM golden_violations ORDER BY ALL").fetchall()
    finally:
        con.close()
    return [(s.label, s.group_by, golden_sql.normal(s.sql)) for s in statements], rows


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_compiled_sql_is_the_golden_sql_and_selects_the_expected_rows(path, fixture_db, tmp_path):
    case = golden_sql.read(path)
    db = tmp_path / "fixture.duckdb"
    shutil.copy(fixture_db, db)
    statements, rows = run_case(case, db)
    if golden_sql.UPDATE:
        case.statements, case.expect = statements, rows
        golden_sql.write(case)
    assert [label for label, _, _ in statements] == [label for label, _, _ in case.statements]
    for got, golden in zip(statements, case.statements):
        assert got == golden, f"{path.name}: statement {golden[0]!r} differs from the golden SQL"
    assert rows == case.expect


def test_there_are_golden_cases_of_every_statement_form():
    """Every form the compiler writes has a case: a fused scan, a joined rule alone (and one
    whose join can repeat a row, grouped), both forms of a lone reference, a shared anti
    join in both forms, both kinds of unique, an sql rule."""
    cases = [golden_sql.read(p) for p in CASES]
    forms = set()
    for case in cases:
        for label, group_by, sql in case.statements:
            kind = label.split(" ", 1)[0]
            if kind == "scan":
                forms.add("scan joined" + (" grouped" if group_by else "") if "[" in label else "scan fused")
                if "[" in label and "NOT EXISTS" in sql:
                    forms.add("reference not exists")
                elif "[" in label and "SELECT DISTINCT" in sql:
                    forms.add("reference distinct")
            elif kind == "references":
                forms.add("references " + ("not exists" if "NOT EXISTS" in sql else "distinct"))
            elif kind == "unique":
                forms.add("unique " + ("key" if "range(w.n)" in sql else "hashed"))
            else:
                forms.add(kind)
    assert forms >= {
        "scan fused", "scan joined", "scan joined grouped", "reference not exists", "reference distinct",
        "references not exists", "references distinct", "unique key", "unique hashed", "sql"}, forms


def test_a_golden_file_reads_back_as_it_was_written(tmp_path):
    case = golden_sql.Case(tmp_path / "x.sql", title="t", rules=["countries.name_not_null"],
                           sizes={"places": 3}, setup=["UPDATE countries SET name = NULL"],
                           expect=[("countries.name_not_null", "TUR", "name is NULL")],
                           statements=[("scan countries", None, "SELECT 1\nFROM x"), ("scan y", "row_key", "SELECT 2")])
    golden_sql.write(case)
    again = golden_sql.read(case.path)
    assert (again.title, again.rules, again.sizes, again.setup, again.expect, again.statements) == (
        case.title, case.rules, case.sizes, case.setup, case.expect, case.statements)
