"""``newsclaims build``: the fixture dataset and the real one, derived columns, the
contract's tables and types, determinism, atomic output."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from build_fixtures import (
    DOC1_TEXT,
    EXPECTED_INTERVALS,
    FILES,
    ROW_COUNTS,
    build_fixture_db,
    edit,
    write_dataset,
)
from conftest import SEED_DOCUMENT, SEED_SHA256
from newsclaims import contract, intervals, offsets
from newsclaims.build import STEPS, build_database
from newsclaims.snapshot import row_counts
from newsclaims.cli import cli
from newsclaims.sources import read_dataset

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory) -> Path:
    return build_fixture_db(tmp_path_factory.mktemp("fixture"))


def rows(db: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def table_contents(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table, in stored order (row order is part of determinism)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {t: con.execute(f"SELECT * FROM {t}").fetchall() for t in names}
    finally:
        con.close()


# --- the fixture dataset --------------------------------------------------------------


def test_fixture_row_counts(fixture_db):
    assert row_counts(fixture_db) == ROW_COUNTS


def test_fixture_intervals_are_derived(fixture_db):
    got = rows(fixture_db, "SELECT figure_id, value_low, value_high FROM figures ORDER BY 1")
    assert {f: (lo, hi) for f, lo, hi in got} == EXPECTED_INTERVALS


def test_fixture_quotes_sit_at_their_offsets_in_python_and_duckdb(fixture_db):
    got = rows(
        fixture_db,
        "SELECT c.claim_id, c.quote, c.quote_start, c.quote_end, d.text, "
        "substr(d.text, c.quote_start + 1, c.quote_end - c.quote_start) "
        "FROM claims c JOIN documents d USING (doc_id) ORDER BY 1",
    )
    assert len(got) == ROW_COUNTS["claims"]
    for claim_id, quote, start, end, text, sql_slice in got:
        assert text[start:end] == quote, claim_id
        assert sql_slice == quote, claim_id


def test_offsets_count_characters_not_bytes(fixture_db):
    (start,) = rows(fixture_db, "SELECT quote_start FROM claims WHERE claim_id = 'clm-0001'")[0]
    assert start == DOC1_TEXT.index("rebels had violated")
    assert len(DOC1_TEXT[:start].encode("utf-8")) > start  # the fixture has multi-byte text before it


def test_occurrence_picks_the_second_match(fixture_db):
    first = DOC1_TEXT.index("We will respond")
    second = DOC1_TEXT.index("We will respond", first + 1)
    assert rows(fixture_db, "SELECT quote_start FROM claims WHERE claim_id = 'clm-0003'") == [(second,)]


def test_text_and_its_sha256_are_the_file_bytes(fixture_db):
    got = dict(rows(fixture_db, "SELECT doc_id, text_sha256 FROM documents"))
    for doc_id, sha in got.items():
        assert sha == hashlib.sha256(FILES[f"documents/{doc_id}.txt"].encode("utf-8")).hexdigest()
    (text,) = rows(fixture_db, "SELECT text FROM documents WHERE doc_id = 'doc-0001'")[0]
    assert text == DOC1_TEXT


def test_self_references_load_parents_first(fixture_db):
    # act-syrian-army (child) sorts before its parent; act-is is merged into act-isis.
    got = rows(fixture_db, "SELECT actor_id, parent_id, merged_into FROM actors ORDER BY 1")
    assert ("act-syrian-army", "act-syrian-government", None) in got
    assert ("act-is", None, "act-isis") in got


def test_build_info_records_the_dataset_digest(fixture_db, tmp_path):
    digest = read_dataset(fixture_db.parent / "dataset").digest
    assert rows(fixture_db, "SELECT contract_version, dataset_digest FROM build_info") == [("1.1", digest)]
    changed = write_dataset(tmp_path / "dataset")
    edit(changed, "claims/doc-0001.yml", "status: active\n- claim_id: clm-0002", "status: retracted\n- claim_id: clm-0002")
    assert read_dataset(changed).digest != digest


def test_no_clock_time_in_any_table(fixture_db):
    types = rows(fixture_db, "SELECT DISTINCT data_type FROM duckdb_columns() WHERE NOT internal")
    assert not [t for (t,) in types if "TIME" in t]


def test_progress_reports_every_step(tmp_path):
    seen: list[str] = []
    build_database(write_dataset(tmp_path / "dataset"), tmp_path / "db.duckdb", progress=seen.append)
    assert tuple(seen) == STEPS


def test_success_leaves_only_the_database(tmp_path):
    out = tmp_path / "out" / "nc.duckdb"
    assert build_database(write_dataset(tmp_path / "dataset"), out) == out
    assert os.listdir(out.parent) == ["nc.duckdb"]


def test_rebuild_replaces_a_previous_database(tmp_path):
    ds = write_dataset(tmp_path / "dataset")
    out = build_database(ds, tmp_path / "nc.duckdb")
    edit(ds, "countries.csv", "SYR,Syria,", "SYR,Syrian Arab Republic,")
    build_database(ds, out)
    assert rows(out, "SELECT name FROM countries WHERE country = 'SYR'") == [("Syrian Arab Republic",)]


def test_determinism_on_the_fixture(tmp_path, fixture_db):
    again = build_fixture_db(tmp_path)
    assert table_contents(again) == table_contents(fixture_db)


def test_output_that_is_a_folder_is_refused(tmp_path):
    runner_result = CliRunner().invoke(
        cli, ["build", "--dataset", str(write_dataset(tmp_path / "dataset")), "--output", str(tmp_path)]
    )
    assert runner_result.exit_code == 2
    assert runner_result.stderr == f"Error: {tmp_path}: is a folder; --output takes the path of the database file\n"


# --- offsets and intervals --------------------------------------------------------------


def test_locate_counts_overlapping_matches():
    assert offsets.find_all("aaaa", "aa") == [0, 1, 2]
    assert offsets.locate("xaaay", "aa", 2) == (2, 4)
    with pytest.raises(offsets.QuoteError, match="occurs 2 times in the document text; add occurrence: N"):
        offsets.locate("xaaay", "aa")


def test_locate_counts_code_points():
    text = "e\u0301 \U0001F600 said"  # a combining accent and an emoji before the quote
    assert offsets.locate(text, "said") == (5, 9)


def test_curation_guide_shows_the_interval_rules():
    """docs/curation.md's table is the same definition as ``intervals.RULES``."""
    guide = (REPO / "docs" / "curation.md").read_text(encoding="utf-8")
    table = {}
    for q, lo, hi in re.findall(r"^\| `(\w+)` \| ([^|]+) \| ([^|]+) \|$", guide, flags=re.M):
        if q in intervals.RULES:
            table[q] = tuple(re.sub(r" \(.*\)$", "", x.strip()).replace("−", "-") for x in (lo, hi))
    assert table == {q: (lo, hi) for q, lo, hi in intervals.rule_table()}
    assert set(table) == set(contract.tables()["figures"].column("qualifier").enum)


@pytest.mark.parametrize(
    ("qualifier", "value", "expected"),
    [
        ("exact", 7, (7, 7)),
        ("at_least", 62, (62, None)),
        ("more_than", 100, (101, None)),
        ("about", 7000, (None, None)),
        ("at_most", 3, (0, 3)),
        ("fewer_than", 20, (0, 19)),
        ("unspecified", None, (None, None)),
    ],
)
def test_interval_of_each_qualifier(qualifier, value, expected):
    assert intervals.interval(qualifier, value) == expected


def test_interval_refuses_impossible_combinations():
    with pytest.raises(intervals.IntervalError, match="takes no stated_value"):
        intervals.interval("unspecified", 3)
    with pytest.raises(intervals.IntervalError, match="needs a stated_value"):
        intervals.interval("exact", None)
    with pytest.raises(intervals.IntervalError, match="allows no count"):
        intervals.interval("fewer_than", 0)


# --- the real dataset -------------------------------------------------------------------


def test_real_build_has_every_contract_table_and_column_with_the_ddl_types(built_db):
    ddl = duckdb.connect()
    contract.create_schema(ddl)
    query = (
        "SELECT table_name, column_name, data_type, is_nullable FROM duckdb_columns() "
        "WHERE table_name IN ({}) ORDER BY table_name, column_index"
    ).format(", ".join(f"'{t}'" for t in contract.TABLES))
    expected = ddl.execute(query).fetchall()
    expected_constraints = ddl.execute(
        "SELECT table_name, constraint_type, constraint_text FROM duckdb_constraints() ORDER BY ALL"
    ).fetchall()
    ddl.close()
    assert rows(built_db, query) == expected
    assert {t for t, *_ in expected} == set(contract.TABLES)
    got_constraints = rows(
        built_db,
        "SELECT table_name, constraint_type, constraint_text FROM duckdb_constraints() "
        "WHERE table_name <> 'build_info' ORDER BY ALL",
    )
    assert got_constraints == expected_constraints


def test_real_build_every_quote_is_the_text_at_its_offsets(built_db):
    ((total, bad),) = rows(
        built_db,
        "SELECT count(*), count(*) FILTER (WHERE substr(d.text, c.quote_start + 1, "
        "c.quote_end - c.quote_start) IS DISTINCT FROM c.quote) "
        "FROM claims c JOIN documents d USING (doc_id)",
    )
    assert total > 0
    assert bad == 0


def test_real_build_stores_coarse_dates_as_the_first_day_of_their_period(built_db):
    """docs/curation.md: a date known to its week, month or year is that period's first day."""
    checked = """
        SELECT 'documents', doc_id, published_on, published_precision FROM documents
        UNION ALL SELECT 'claims', claim_id, claim_date, claim_date_precision FROM claims
        UNION ALL SELECT 'incidents', incident_id, start_date, date_precision FROM incidents
        UNION ALL SELECT 'incidents', incident_id, end_date, date_precision FROM incidents"""
    ((coarse,),) = rows(built_db, f"SELECT count(*) FROM ({checked}) d(t, id, day, p) "
                                  "WHERE day IS NOT NULL AND CAST(p AS VARCHAR) <> 'day'")
    off = rows(built_db, f"SELECT t, id, day, p FROM ({checked}) d(t, id, day, p) "
                         "WHERE day IS NOT NULL AND CAST(p AS VARCHAR) <> 'day' "
                         "AND date_trunc(CAST(p AS VARCHAR), day) <> day ORDER BY ALL")
    assert coarse > 10
    assert off == []


def test_real_build_seed_document_hash(built_db):
    """The curated seed is byte for byte the document the project was given (its SHA-256
    is pinned in conftest), and the build stores exactly those bytes."""
    seed = SEED_DOCUMENT.read_bytes()
    assert hashlib.sha256(seed).hexdigest() == SEED_SHA256, f"{SEED_DOCUMENT} was edited"
    got = rows(built_db, "SELECT doc_id, text FROM documents WHERE text_sha256 = ?", [SEED_SHA256])
    assert len(got) == 1, f"no document has the seed's SHA-256 {SEED_SHA256}"
    assert got[0][1].encode("utf-8") == seed


def test_real_build_is_deterministic(tmp_path):
    # two builds of its own: the session's built_db may hold the results a check or a
    # release stored into it, by whatever test ran first on this worker
    first = build_database(REPO / "dataset", tmp_path / "first.duckdb")
    again = build_database(REPO / "dataset", tmp_path / "again.duckdb")
    assert table_contents(again) == table_contents(first)


def test_cli_defaults_build_the_project_dataset(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["build"])
    assert result.exit_code == 0, result.output
    out = Path("build") / "newsclaims.duckdb"
    counts = row_counts(out)
    summary = ", ".join(f"{n} {t}" for t, n in counts.items())
    assert result.stdout == f"Built {out}: {summary}\n"
    assert counts["claims"] > 0 and counts["documents"] > 0
