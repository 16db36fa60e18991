"""Read-only queries: the locked-down connection, the CLI formats, the Python API."""

from __future__ import annotations

import csv
import io
import json

import polars as pl
import pytest
from click.testing import CliRunner

import newsclaims
from newsclaims.cli import cli
from newsclaims.errors import InputError
from newsclaims.query import LOCKED_CONFIG, connect, run
from release_fixtures import make_snapshot


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    folder = tmp_path_factory.mktemp("q") / "releases"
    make_snapshot(folder, "1.0.0")
    return folder


def invoke(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_connection_settings_are_locked(releases):
    con = connect("1.0.0", releases=releases, cache=releases / "nocache")
    try:
        for name, expected in LOCKED_CONFIG.items():
            value = con.execute("SELECT current_setting(?)", [name]).fetchone()[0]
            assert str(value).lower() == str(expected).lower(), name
        assert con.execute("SELECT count(*) FROM claims").fetchone()[0] == 2
    finally:
        con.close()


@pytest.mark.parametrize("sql", [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_parquet('{other}')",
    "COPY claims TO '{out}'",
    "ATTACH '{out}.duckdb' AS other",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "SET lock_configuration = false",
    "CREATE TABLE evil AS SELECT 1",
    "DELETE FROM claims",
])
def test_escapes_are_refused_with_one_line(releases, tmp_path, sql):
    other = releases / "1.0.0" / "data" / "claims.parquet"
    out = tmp_path / "stolen.csv"
    result = invoke("query", sql.format(other=other, out=out), "--version", "1.0.0",
                    "--releases", str(releases), "--cache", str(tmp_path / "cache"))
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: query refused: ")
    assert "Traceback" not in result.output
    assert not out.exists() and not (tmp_path / "stolen.csv.duckdb").exists()


def test_formats_match_the_api(releases, tmp_path):
    sql = "SELECT figure_id, stated_value, value_high FROM figures ORDER BY figure_id"
    common = ["--db", str(releases / "1.0.0" / "newsclaims.duckdb")]
    api = run(sql, path=releases / "1.0.0" / "newsclaims.duckdb")
    as_json = invoke("query", sql, "--format", "json", *common)
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout) == api.records()
    assert api.records() == [
        {"figure_id": "fig-0001", "stated_value": 62, "value_high": None},
        {"figure_id": "fig-0002", "stated_value": 40, "value_high": 40},
    ]
    as_csv = invoke("query", sql, "--format", "csv", *common)
    assert list(csv.reader(io.StringIO(as_csv.stdout))) == [
        ["figure_id", "stated_value", "value_high"], ["fig-0001", "62", ""],
        ["fig-0002", "40", "40"]]
    table = invoke("query", sql, *common)
    assert table.stdout.splitlines()[0].split() == ["figure_id", "stated_value", "value_high"]
    assert "fig-0001   62            NULL" in table.stdout and "(2 rows)" in table.stdout


def test_bad_sql_is_one_line(releases):
    result = invoke("query", "SELECT * FROM nowhere", "--db", str(releases / "1.0.0"))
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: query failed: Catalog Error")


def test_load_returns_polars_and_latest_is_the_default(releases, tmp_path):
    frame = newsclaims.load("figures", releases=releases, cache=tmp_path / "empty")
    assert isinstance(frame, pl.DataFrame)
    assert frame.sort("figure_id")["stated_value"].to_list() == [62, 40]
    with pytest.raises(InputError, match="no table 'nope'"):
        newsclaims.load("nope", version="1.0.0", releases=releases, cache=tmp_path / "empty")



def test_load_returns_what_the_pandera_models_validate(releases, tmp_path):
    """README's "For pipelines": ``SCHEMAS[table].validate(newsclaims.load(table))`` holds
    for every contract table, and the frame has the dtypes of the release's Parquet file
    (ENUM columns as text, not polars Categorical)."""
    from newsclaims import contract
    from newsclaims.schemas import SCHEMAS

    assert set(SCHEMAS) == set(contract.TABLES)
    for table, model in SCHEMAS.items():
        frame = newsclaims.load(table, version="1.0.0", releases=releases,
                                cache=tmp_path / "empty")
        model.validate(frame)
        assert pl.Categorical not in frame.schema.dtypes(), table
        parquet = pl.read_parquet(releases / "1.0.0" / "data" / f"{table}.parquet")
        assert frame.schema == parquet.schema, table
        keys = list(contract.tables()[table].primary_key)
        assert frame.sort(keys).equals(parquet.sort(keys)), table
    claims = newsclaims.load("claims", version="1.0.0", releases=releases,
                             cache=tmp_path / "empty")
    assert claims.schema["modality"] == pl.String
    assert sorted(claims["topic"].to_list()) == ["casualties", "casualties"]


def test_missing_version_and_path_traversal(releases, tmp_path):
    result = invoke("query", "SELECT 1", "--version", "../../etc", "--cache", str(tmp_path))
    assert result.exit_code == 2
    assert "release.version_syntax: invalid version '../../etc'" in result.stderr
    result = invoke("query", "SELECT 1", "--version", "9.9.9", "--cache", str(tmp_path))
    assert result.exit_code == 2 and "version 9.9.9 is not in" in result.stderr
    result = invoke("query", "SELECT 1", "--cache", str(tmp_path / "none"))
    assert result.exit_code == 2 and "no snapshot to query" in result.stderr


def test_a_folder_planted_beside_the_database_does_not_open_the_sandbox(releases, tmp_path):
    """DuckDB lets a connection read and write its spill folder (``<db>.tmp/``); a symbolic
    link planted under that name would reach any file. Queries run without a spill folder."""
    import shutil

    folder = tmp_path / "snap"
    shutil.copytree(releases / "1.0.0", folder)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret\n", encoding="utf-8")
    (folder / "newsclaims.duckdb.tmp").symlink_to(outside)
    planted = folder / "newsclaims.duckdb.tmp"
    for sql in (f"SELECT content FROM read_text('{planted}/secret.txt')",
                f"COPY (SELECT 'x') TO '{planted}/written.csv'"):
        result = invoke("query", sql, "--db", str(folder))
        assert result.exit_code == 2, (sql, result.output)
        assert result.stderr.startswith("Error: query refused: ")
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]


def test_one_statement_only(releases, tmp_path):
    result = invoke("query", "SELECT 1; SELECT 2", "--version", "1.0.0", "--releases", str(releases),
                    "--cache", str(tmp_path / "cache"))
    assert result.exit_code == 2
    assert result.stderr == "Error: query: give one statement, not 2\n"


def test_connect_gives_pandas_and_polars_frames_with_the_frames_extra(releases, tmp_path):
    """README: ``connect().df()`` and ``.pl()`` work with ``newsclaims[frames]`` installed
    (this environment has it; a base install is tested in test_researcher_path.py)."""
    import pandas as pd

    con = newsclaims.connect("1.0.0", releases=releases, cache=tmp_path / "none")
    try:
        frame = con.execute("SELECT figure_id FROM figures ORDER BY 1").df()
        assert isinstance(frame, pd.DataFrame)
        assert frame["figure_id"].tolist() == ["fig-0001", "fig-0002"]
        assert con.sql("SELECT count(*) AS n FROM claims").pl()["n"].to_list() == [2]
    finally:
        con.close()


def test_csv_safe_neutralises_formulas_and_only_on_request(releases):
    """A spreadsheet runs a CSV cell starting with = + - @ as a formula. Plain CSV keeps
    values as they are; ``--csv-safe`` prefixes such text with ``'`` (numbers stay numbers)."""
    sql = ("SELECT '=HYPERLINK(\"http://x\")' AS a, '+1' AS b, '-2' AS c, '@SUM(A1)' AS d, "
           "-5 AS n, 'plain' AS e, chr(9) || 'tab' AS f")
    common = ["--db", str(releases / "1.0.0"), "--format", "csv"]
    plain = invoke("query", sql, *common)
    assert list(csv.reader(io.StringIO(plain.stdout)))[1] == [
        '=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "-5", "plain", "\ttab"]
    safe = invoke("query", sql, *common, "--csv-safe")
    assert safe.exit_code == 0, safe.output
    assert list(csv.reader(io.StringIO(safe.stdout)))[1] == [
        '\'=HYPERLINK("http://x")', "'+1", "'-2", "'@SUM(A1)", "-5", "plain", "'\ttab"]
    wrong = invoke("query", sql, "--db", str(releases / "1.0.0"), "--csv-safe")
    assert wrong.exit_code == 2 and wrong.stderr == "Error: --csv-safe applies to --format csv only\n"


def test_the_table_format_shows_control_and_bidi_characters_as_escapes(releases):
    """Data must not drive the terminal: an escape sequence, a newline that would fake a
    row, a right-to-left override. CSV and JSON carry the values unchanged."""
    sql = "SELECT 'red' || chr(27) || '[31m' || chr(10) || 'fake row' || chr(8238) || 'txt' AS v"
    table = invoke("query", sql, "--db", str(releases / "1.0.0"))
    assert table.exit_code == 0
    assert table.stdout.splitlines()[2] == "red\\x1b[31m\\nfake row\\u202etxt"
    assert "\x1b" not in table.stdout and "\u202e" not in table.stdout
    as_json = invoke("query", sql, "--db", str(releases / "1.0.0"), "--format", "json")
    assert json.loads(as_json.stdout) == [{"v": "red\x1b[31m\nfake row\u202etxt"}]
