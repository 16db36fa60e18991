"""The pandera models: faithful to the DDL, valid on built databases, and able to fail."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from build_fixtures import build_fixture_db
from newsclaims import contract, schemas, sources
from newsclaims.errors import InputError


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory):
    return build_fixture_db(tmp_path_factory.mktemp("fixture"))


def read(db, table: str) -> pl.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return schemas.read_table(con, table)
    finally:
        con.close()


def test_public_api_covers_every_table():
    assert tuple(schemas.SCHEMAS) == contract.TABLES
    for name in ("Documents", "Actors", "ActorAliases", "Places", "PlaceAliases", "Incidents",
                 "Claims", "ClaimRelays", "ClaimLinks", "Figures", "Countries"):
        assert getattr(schemas, name) in schemas.SCHEMAS.values()


@pytest.mark.parametrize("table", contract.TABLES)
def test_model_matches_the_ddl(table):
    spec = contract.tables()[table]
    schema = schemas.SCHEMAS[table].to_schema()
    assert tuple(schema.columns) == spec.column_names
    assert schema.strict is True
    for col in spec.columns:
        model_col = schema.columns[col.name]
        assert model_col.dtype.type == sources.polars_type(col), col.name
        assert model_col.nullable == col.nullable, col.name
        isin = [c for c in model_col.checks if c.name == "isin"]
        if col.enum:
            assert len(isin) == 1 and list(isin[0].statistics["allowed_values"]) == list(col.enum), col.name
        else:
            assert not isin, col.name
    if table in contract.ID_PATTERNS:
        id_col, pattern = contract.ID_PATTERNS[table]
        checks = schema.columns[id_col].checks
        assert schema.columns[id_col].unique
        assert any(c.name == "str_matches" and c.statistics["pattern"] == pattern for c in checks)
    composite = spec.primary_key if len(spec.primary_key) > 1 else None
    if composite:
        assert tuple(schema.unique) == composite


@pytest.mark.parametrize("table", contract.TABLES)
def test_every_built_fixture_table_validates(fixture_db, table):
    frame = read(fixture_db, table)
    assert frame.height > 0
    schemas.SCHEMAS[table].validate(frame)


@pytest.mark.parametrize("table", contract.TABLES)
def test_every_table_of_the_real_build_validates(built_db, table):
    schemas.SCHEMAS[table].validate(read(built_db, table))


def test_model_rejects_a_broken_built_table(fixture_db):
    import pandera.polars as pa

    figures = read(fixture_db, "figures").with_columns(
        pl.when(pl.col("figure_id") == "fig-0001").then(99).otherwise(pl.col("value_low")).alias("value_low")
    )
    with pytest.raises(pa.errors.SchemaError, match="interval_ordered"):
        schemas.Figures.validate(figures)
    claims = read(fixture_db, "claims").with_columns(pl.col("quote_end") + 1)
    with pytest.raises(pa.errors.SchemaError, match="quote_span_matches_length"):
        schemas.Claims.validate(claims)


def test_source_schema_drops_derived_columns_and_adds_tags():
    claims = schemas.source_schema("claims")
    assert "quote_start" not in claims.columns and "quote_end" not in claims.columns
    assert {"occurrence", "_file", "_line"} <= set(claims.columns)
    assert "quote_span_matches_length" not in [c.name for c in claims.checks]
    assert "text_sha256" not in schemas.source_schema("documents").columns
    assert "text" in schemas.source_schema("documents").columns


def _frame(table: str, rows: list[dict]) -> pl.DataFrame:
    files = ["dataset/x.yml"] * len(rows)
    return sources.build_frame(table, rows, files, [1 + 5 * i for i in range(len(rows))])


def test_source_problems_come_one_per_line_in_file_order():
    rows = [
        {"figure_id": "fig-0001", "claim_id": "clm-0001", "measure": "killed", "stated_text": "x",
         "stated_value": 3, "qualifier": "exact", "unit": "people"},
        {"figure_id": "fig-0002", "claim_id": "clm-0001", "measure": "dead", "stated_text": "x",
         "stated_value": -1, "qualifier": "exact", "unit": "people"},
        {"figure_id": "fig-0002", "claim_id": "clm-0001", "measure": "killed", "stated_text": "x",
         "stated_value": 2, "qualifier": "exact", "unit": "people"},
    ]
    problems = schemas.source_problems("figures", _frame("figures", rows))
    assert problems == [
        "dataset/x.yml:6: figure fig-0002: measure: 'dead' is not one of: killed, wounded, injured, "
        "casualties, violations, aid_units, strikes, other",
        "dataset/x.yml:6: figure fig-0002: stated_value: must be >= 0, got -1",
        "dataset/x.yml:11: figure fig-0002: duplicate figure_id, first at dataset/x.yml:6",
    ]
    with pytest.raises(InputError) as err:
        schemas.validate_source("figures", _frame("figures", rows))
    assert str(err.value) == problems[0] + " (and 2 more problems)"


def test_a_type_error_hides_the_checks_it_breaks():
    rows = [{"claim_id": "clm-0001", "hop": "two", "actor_id": "act-x"}]
    assert schemas.source_problems("claim_relays", _frame("claim_relays", rows)) == [
        "dataset/x.yml:1: relay clm-0001|two: hop: expected an integer, got 'two'"
    ]


def test_dates_check_order_and_type():
    base = {"incident_id": "inc-0001", "title": "t", "kind": "other", "status": "active"}
    bad_order = [{**base, "start_date": "2016-09-12", "end_date": "2016-09-10"}]
    assert schemas.source_problems("incidents", _frame("incidents", bad_order)) == [
        "dataset/x.yml:1: incident inc-0001: end_date is before start_date"
    ]
    not_a_date = [{**base, "start_date": "Sept 12"}]
    assert schemas.source_problems("incidents", _frame("incidents", not_a_date)) == [
        "dataset/x.yml:1: incident inc-0001: start_date: expected a date (YYYY-MM-DD), got 'Sept 12'"
    ]


def test_all_null_columns_keep_their_dtype():
    frame = _frame("figures", [{"figure_id": "fig-0001"}])
    assert frame.schema["stated_value"] == pl.Int64
    assert frame.schema["period_start"] == pl.Date
    assert frame.schema["unit"] == pl.String
    assert "value_low" not in frame.columns  # derived by the build, not read
