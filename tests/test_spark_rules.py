"""The rules Spark runs through what the translation was taught (``engines/spark/translate.py``,
``engines/spark/regex.py``) and the lake's catalogue (``engines/spark/lake.py``): the figure
text parser, regular expressions read as RE2 reads them, and ``documents.text_policy_honoured``
on a release snapshot's ``data/``. Each against DuckDB on the same data."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

import test_figure_text_rules as figure_text
from newsclaims import contract
from newsclaims.check import run_checks, run_lake_checks, violations
from newsclaims.engines.spark.sink import results_database
from newsclaims.engines.spark.translate import TranslationError, to_spark
from newsclaims.rules.catalogue import load_catalogue
from newsclaims.rules.sql_fragments import quote_literal
from newsclaims.synth.lake import export_lake

MASTER = "local[2]"
VALUE, QUALIFIER = figure_text.VALUE, figure_text.QUALIFIER
POLICY = "documents.text_policy_honoured"


@pytest.fixture(scope="module")
def spark():
    from newsclaims.engines.spark.session import get_session

    return get_session(MASTER)


def _lake_violations(results: Path) -> set[tuple[str, str, str]]:
    con = results_database(str(results), None)
    try:
        return set(con.execute("SELECT rule_id, record_id, message FROM dq_violations").fetchall())
    finally:
        con.close()


def _lake_of(db: Path, folder: Path) -> Path:
    con = duckdb.connect(str(db), read_only=True)
    try:
        folder.mkdir()
        export_lake(con, folder)
    finally:
        con.close()
    return folder


# ---- the figure text rules ------------------------------------------------------------------

# texts that Java's regular expressions read otherwise than RE2 (DuckDB), unless translated
EDGE = [
    ("ninety\u0663 troops", 91, "exact", {VALUE}),  # \b: an Arabic-Indic digit is no word character in RE2
    ("90\u000bor more", 90, "exact", set()),  # \s: RE2's leaves out the vertical tab, so "or more" is not read
    ("twenty-five dead", 26, "exact", {VALUE}),  # the replacement "\1 \2" splits "twenty-five"
    ("ninety", 90, "exact", set()),  # list_position: NULL, not 0, where a word is missing
]


@pytest.mark.timeout(600)
def test_the_figure_text_table_gives_the_same_verdicts_and_messages_on_spark(spark, tmp_path):
    cases = figure_text.CASES + EDGE
    db = figure_text.cases_database(tmp_path / "cases.duckdb", cases)
    lake = _lake_of(db, tmp_path / "lake")
    rules = [r for r in load_catalogue() if r.id in (VALUE, QUALIFIER)]
    run_checks(db, rules=rules)
    run = run_lake_checks(lake, rules=rules, spark_master=MASTER)
    assert {r.status for r in run.results} == {"fail"}
    got = _lake_violations(lake / "_newsclaims")
    assert got == set(violations(db))
    fired: dict[str, set[str]] = {}
    for rule_id, record_id, _ in got:
        fired.setdefault(record_id, set()).add(rule_id)
    assert fired == {f"fig-{n:04d}": case[3] for n, case in enumerate(cases) if case[3]}


# ---- regular expressions: RE2's meaning on Java ------------------------------------------------

MATCHES = [  # (pattern, text, options): DuckDB's regexp_matches and Spark's translation agree
    ("^clm-[0-9]{4,}$", "clm-0001\n", ""),  # $ is the end of the text, not before a last newline
    ("^clm-[0-9]{4,}$", "clm-0001", ""),
    ("a.b", "a\rb", ""), ("a.b", "a\u2028b", ""), ("a.b", "a\nb", ""), ("(?s)a.b", "a\nb", ""),
    ("x\\sy", "x\x0by", ""), ("x\\Sy", "x\x0by", ""), ("[^\\s]", "\x0b", ""), ("[\\s]", "\x0b", ""),
    ("ninety\\b", "ninety\u0663", ""), ("\\Bx", "\u0663x", ""), ("\\bx\\b", "a x b", ""),
    ("é", "É", "i"), ("(?i)straße", "STRASSE", ""), ("(?i)é", "É", ""),
    ("^[[:alpha:]]+$", "abc", ""), ("^[[:alpha:]]+$", "ab1", ""), ("[a&&b]", "&", ""), ("[[]", "[", ""),
    ("(?m)^b$", "a\nb\nc", ""), ("a$", "a\n", ""), ("[$]", "$", ""), ("\\$", "$", ""),
    ("(?P<n>a)b", "ab", ""), ("\\Q.$\\E", ".$", ""), ("\\Q.$\\E", "x", ""), ("[]a]", "]", ""),
]


def test_regular_expressions_mean_on_spark_what_they_mean_on_duckdb(spark):
    duck = duckdb.connect()
    for pattern, text, options in MATCHES:
        args = f"{quote_literal(text)}, {quote_literal(pattern)}" + (f", {quote_literal(options)}" if options else "")
        sql = f"SELECT regexp_matches({args}) AS m"
        (want,) = duck.execute(sql).fetchone()
        (got,) = spark.sql(to_spark(sql)).collect()[0]
        assert got == want, (pattern, text, options, to_spark(sql))
    for pattern, text in [("[a-z]+", "abc"), ("[a-z]+", "abc\n"), ("a|ab", "ab"), ("b", "ab")]:
        sql = f"SELECT regexp_full_match({quote_literal(text)}, {quote_literal(pattern)}) AS m"
        assert spark.sql(to_spark(sql)).collect()[0][0] == duck.execute(sql).fetchone()[0], (pattern, text)


REPLACES = [  # (text, pattern, replacement)
    ("twenty-five", "(twenty)-(five)", "\\1 \\2"), ("ab", "(a)(b)", "\\2\\1\\0"), ("a", "a", "$1"),
    ("a", "(a)", "\\12"), ("a.b", "\\.", "\\\\"), ("a-b-c", "-", "+"),
]


def test_regexp_replace_means_on_spark_what_it_means_on_duckdb(spark):
    duck = duckdb.connect()
    for text, pattern, replacement in REPLACES:
        sql = (f"SELECT regexp_replace({quote_literal(text)}, {quote_literal(pattern)}, "
               f"{quote_literal(replacement)}, 'g') AS r")
        (want,) = duck.execute(sql).fetchone()
        (got,) = spark.sql(to_spark(sql)).collect()[0]
        assert got == want, (text, pattern, replacement, to_spark(sql))


@pytest.mark.parametrize("sql, why", [
    ("regexp_replace(t.a, 'x', 'y')", "without 'g' DuckDB replaces the first match alone, Spark every match"),
    ("regexp_matches(t.a, 'x', 'n')", "the option(s) n have no Spark form"),
    ("regexp_matches(t.a, t.b)", "the pattern t.b is not a string literal"),
])
def test_what_has_no_spark_form_is_refused_not_changed(sql, why):
    with pytest.raises(TranslationError) as caught:
        to_spark(sql)
    assert str(caught.value).startswith("cannot translate to Spark SQL: ") and why in str(caught.value)


def test_list_position_chr_and_the_catalogue_translated():
    assert to_spark("list_position(['a', 'b'], t.x)") == "NULLIF(ARRAY_POSITION(ARRAY('a', 'b'), t.x), 0)"
    assert to_spark("chr(8239)") == "'\u202f'"
    assert to_spark("EXISTS (SELECT 1 FROM duckdb_tables() WHERE table_name = 'release')") == (
        "EXISTS(SELECT 1 FROM lake_tables WHERE table_name = 'release')")


# ---- documents.text_policy_honoured on a release snapshot's data/ -----------------------------

def _with_text(data: Path, text: str) -> None:
    """The release's data/documents.parquet with every document's text set to ``text``."""
    documents = data / "documents.parquet"
    staged = data.parent / "documents.parquet.new"
    duck = duckdb.connect()
    duck.execute(f"COPY (SELECT * REPLACE ({quote_literal(text)} AS text) FROM read_parquet('{documents}')) "
                 f"TO '{staged}' (FORMAT parquet)")
    staged.replace(documents)


def _duckdb_verdict(data: Path, db: Path, *, release: bool) -> list[tuple[str, str, str]]:
    """The rule on DuckDB over the same rows, in a database with a ``release`` table (as a
    snapshot's) or without one (as a working database)."""
    con = duckdb.connect(str(db))
    try:
        con.execute(contract.loose_ddl())
        for table in contract.TABLES:
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM read_parquet('{data / table}.parquet')")
        if release:
            con.execute("CREATE TABLE release (version VARCHAR)")
    finally:
        con.close()
    run_checks(db, rules=[r for r in load_catalogue() if r.id == POLICY])
    return violations(db)


@pytest.mark.timeout(600)
def test_a_release_snapshots_data_holding_a_withheld_text_fails_on_spark_as_on_duckdb(spark, tmp_path):
    """A lake whose folder above holds manifest.json is a release snapshot's data/: a quotes
    document's text in it is a violation, as in a snapshot's database. The same files in a
    folder of their own are a working lake, where curation keeps such texts."""
    from release_fixtures import TEXT, base_rows, make_snapshot

    rows = base_rows()
    rows["documents"][0].update(text=None, licence="LicenseRef-All-Rights-Reserved", text_policy="quotes")
    snap = make_snapshot(tmp_path / "releases", "1.0.0", rows=rows)
    rule = [r for r in load_catalogue() if r.id == POLICY]
    run = run_lake_checks(snap / "data", results=str(tmp_path / "as-released"), rules=rule, spark_master=MASTER)
    assert [(r.status, r.violation_count) for r in run.results] == [("pass", 0)]

    _with_text(snap / "data", TEXT)  # the text the release withholds, put into its data
    run = run_lake_checks(snap / "data", results=str(tmp_path / "leaked"), rules=rule, spark_master=MASTER)
    assert [(r.status, r.violation_count) for r in run.results] == [("fail", 1)]
    leaked = {(POLICY, "doc-0001", "holds the text of a quotes document (licence "
               "LicenseRef-All-Rights-Reserved), which a release must not ship")}
    assert _lake_violations(tmp_path / "leaked") == leaked
    assert set(_duckdb_verdict(snap / "data", tmp_path / "release.duckdb", release=True)) == leaked

    working = tmp_path / "working" / "data"  # no manifest.json above it
    shutil.copytree(snap / "data", working)
    run = run_lake_checks(working, results=str(tmp_path / "working-results"), rules=rule, spark_master=MASTER)
    assert [(r.status, r.violation_count) for r in run.results] == [("pass", 0)]
    assert _duckdb_verdict(working, tmp_path / "working.duckdb", release=False) == []
