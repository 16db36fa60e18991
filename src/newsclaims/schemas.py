"""pandera DataFrameModels (polars backend) of every contract table: a public API.

``SCHEMAS`` maps each table of ``newsclaims.contract.TABLES`` to its model. A model
describes the *built* table, derived columns included: names, dtypes (an ENUM column is
text checked with ``isin``, its values read from the DDL through ``contract.tables()``),
nullability, id patterns (``contract.ID_PATTERNS``), unique keys and the row-level checks
a single table can express (coordinates in range, ``hop >= 2``, ``value_low <=
value_high``, ``end_date >= start_date``, ...). Cross-table matters (references, a quote
inside its text) are the build's and the rules' business.

Validating a built table: ``read_table(con, table)`` reads it with the ENUM columns as
text, then ``SCHEMAS[table].validate(frame)``.

Validating source files: ``source_schema(table)`` is the same model as a
``DataFrameSchema`` minus the columns and checks the build derives (``sources.DERIVED``),
plus the curator's extras (``occurrence``) and the ``_file``/``_line`` tags. ``validate_source``
runs it with ``lazy=True`` and turns the failures into one ``InputError`` line naming the
file, line, record, column and bad value, with "(and N more problems)" when there are more.
"""

from __future__ import annotations

import datetime as dt
import importlib
import sys
from functools import cache


def _import_pandera_polars():
    """``pandera.polars``, without the pyspark that importing ``pandera`` pulls in when it is
    installed (``pandera.external_config`` imports ``pyspark.pandas``: 0.2-0.4 s and
    ``pyspark.sql`` with it, for nothing on the DuckDB path). pyspark is held off for that
    one import (a ``None`` in ``sys.modules`` makes its import fail, which pandera expects
    and passes over) unless it is already loaded, as it is on the Spark engine. pandera's
    pandas-on-Spark typing is then unset, which no model of the project uses."""
    if "pyspark" in sys.modules or "pandera" in sys.modules:
        return importlib.import_module("pandera.polars")
    sys.modules["pyspark"] = None  # type: ignore[assignment]
    try:
        return importlib.import_module("pandera.polars")
    finally:
        if sys.modules.get("pyspark", 0) is None:
            del sys.modules["pyspark"]


pa = _import_pandera_polars()
import polars as pl  # noqa: E402

from newsclaims import contract, sources
from newsclaims.schema_failures import PATTERN_WORDS, RECORD_NAMES, describe_failures, first_problem

_ALPHA3 = r"^[A-Z]{3}$"
_SHA256 = r"^[0-9a-f]{64}$"
_BCP47 = r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$"
# An SPDX licence expression as written: licence ids (or LicenseRef-<id>, with an optional
# trailing +) joined by AND, OR, WITH, in optional parentheses; the licences module reads it.
_SPDX_ID = r"(LicenseRef-[A-Za-z0-9.-]+|[A-Za-z0-9][A-Za-z0-9.-]*\+?)"
_SPDX = rf"^\(*{_SPDX_ID}\)*( (AND|OR|WITH) \(*{_SPDX_ID}\)*)*$"
PATTERN_WORDS[_SPDX] = "an SPDX licence expression (CC-BY-4.0, CC0-1.0 OR MIT) or LicenseRef-<id>"


def _enum(table: str, column: str) -> list[str]:
    values = contract.tables()[table].column(column).enum
    if values is None:  # pragma: no cover - a model/DDL mismatch, caught by the tests
        raise KeyError(f"{table}.{column} is not an ENUM column in sql/schema.sql")
    return list(values)


def _id(table: str) -> str:
    return contract.ID_PATTERNS[table][1]


def _ordered(low: str, high: str) -> str:
    """Row passes when either side is null or ``low <= high``."""
    return f"{low} IS NULL OR {high} IS NULL OR {low} <= {high}"


def _holds(data, sql: str) -> pl.LazyFrame:
    """A row check declared as a SQL condition (``sql``, the check's one statistic): polars
    evaluates it here (``pl.sql_expr``), Spark as it stands (``engines.spark.pandera_model``).
    A row passes when the condition is true or null, as pandera's backends both read it."""
    return data.lazyframe.select(pl.sql_expr(sql))


class Countries(pa.DataFrameModel):
    country: str = pa.Field(unique=True, str_matches=_ALPHA3)
    name: str = pa.Field(str_length={"min_value": 1})
    min_lat: float = pa.Field(ge=-90, le=90)
    max_lat: float = pa.Field(ge=-90, le=90)
    min_lon: float = pa.Field(ge=-180, le=180)
    max_lon: float = pa.Field(ge=-180, le=180)

    class Config:
        strict = True
        name = "countries"

    @pa.dataframe_check(sql=_ordered("min_lat", "max_lat"))
    def box_ordered(cls, data, sql: str) -> pl.LazyFrame:
        # latitudes only: a box crossing the antimeridian (Russia) has min_lon > max_lon,
        # which the geography rules read as wrapping round
        return _holds(data, sql)


class Actors(pa.DataFrameModel):
    actor_id: str = pa.Field(unique=True, str_matches=_id("actors"))
    name: str = pa.Field(unique=True, str_length={"min_value": 1})
    kind: str = pa.Field(isin=_enum("actors", "kind"))
    country: str = pa.Field(nullable=True, str_matches=_ALPHA3)
    parent_id: str = pa.Field(nullable=True)
    role: str = pa.Field(nullable=True)
    status: str = pa.Field(isin=_enum("actors", "status"))
    merged_into: str = pa.Field(nullable=True)
    notes: str = pa.Field(nullable=True)

    class Config:
        strict = True
        name = "actors"


class ActorAliases(pa.DataFrameModel):
    actor_id: str
    alias: str = pa.Field(str_length={"min_value": 1})

    class Config:
        strict = True
        name = "actor_aliases"
        unique = ["actor_id", "alias"]


class Places(pa.DataFrameModel):
    place_id: str = pa.Field(unique=True, str_matches=_id("places"))
    name: str = pa.Field(str_length={"min_value": 1})
    kind: str = pa.Field(isin=_enum("places", "kind"))
    country: str = pa.Field(str_matches=_ALPHA3)
    parent_id: str = pa.Field(nullable=True)
    lat: float = pa.Field(nullable=True, ge=-90, le=90)
    lon: float = pa.Field(nullable=True, ge=-180, le=180)
    status: str = pa.Field(isin=_enum("places", "status"))
    merged_into: str = pa.Field(nullable=True)
    notes: str = pa.Field(nullable=True)

    class Config:
        strict = True
        name = "places"


class PlaceAliases(pa.DataFrameModel):
    place_id: str
    alias: str = pa.Field(str_length={"min_value": 1})

    class Config:
        strict = True
        name = "place_aliases"
        unique = ["place_id", "alias"]


class Documents(pa.DataFrameModel):
    doc_id: str = pa.Field(unique=True, str_matches=_id("documents"))
    title: str = pa.Field(str_length={"min_value": 1})
    publisher_id: str = pa.Field(nullable=True)
    url: str = pa.Field(nullable=True, str_matches=r"^https?://\S+$")
    published_on: dt.date = pa.Field(nullable=True)
    published_precision: str = pa.Field(nullable=True, isin=_enum("documents", "published_precision"))
    published_basis: str = pa.Field(nullable=True, isin=_enum("documents", "published_basis"))
    retrieved_on: dt.date = pa.Field(nullable=True)
    language: str = pa.Field(str_matches=_BCP47)
    source_kind: str = pa.Field(isin=_enum("documents", "source_kind"))
    text: str = pa.Field(nullable=True, str_length={"min_value": 1})
    text_sha256: str = pa.Field(nullable=True, str_matches=_SHA256)
    notes: str = pa.Field(nullable=True)
    licence: str = pa.Field(str_matches=_SPDX)
    text_policy: str = pa.Field(isin=_enum("documents", "text_policy"))
    published_on_from: dt.date = pa.Field(nullable=True)
    published_on_to: dt.date = pa.Field(nullable=True)

    class Config:
        strict = True
        name = "documents"

    @pa.dataframe_check(sql=_ordered("published_on_from", "published_on_to"))
    def published_period_ordered(cls, data, sql: str) -> pl.LazyFrame:
        return _holds(data, sql)


class Incidents(pa.DataFrameModel):
    incident_id: str = pa.Field(unique=True, str_matches=_id("incidents"))
    title: str = pa.Field(str_length={"min_value": 1})
    kind: str = pa.Field(isin=_enum("incidents", "kind"))
    start_date: dt.date = pa.Field(nullable=True)
    end_date: dt.date = pa.Field(nullable=True)
    date_precision: str = pa.Field(nullable=True, isin=_enum("incidents", "date_precision"))
    place_id: str = pa.Field(nullable=True)
    geo_precision: str = pa.Field(nullable=True, isin=_enum("incidents", "geo_precision"))
    summary: str = pa.Field(nullable=True)
    status: str = pa.Field(isin=_enum("incidents", "status"))
    merged_into: str = pa.Field(nullable=True)
    notes: str = pa.Field(nullable=True)
    start_date_from: dt.date = pa.Field(nullable=True)
    start_date_to: dt.date = pa.Field(nullable=True)
    end_date_from: dt.date = pa.Field(nullable=True)
    end_date_to: dt.date = pa.Field(nullable=True)

    class Config:
        strict = True
        name = "incidents"

    @pa.dataframe_check(sql=_ordered("start_date", "end_date"))
    def end_not_before_start(cls, data, sql: str) -> pl.LazyFrame:
        return _holds(data, sql)


class Claims(pa.DataFrameModel):
    claim_id: str = pa.Field(unique=True, str_matches=_id("claims"))
    doc_id: str
    incident_id: str = pa.Field(nullable=True)
    claimant_id: str = pa.Field(nullable=True)
    claim_date: dt.date = pa.Field(nullable=True)
    claim_date_precision: str = pa.Field(nullable=True, isin=_enum("claims", "claim_date_precision"))
    claim_date_basis: str = pa.Field(nullable=True, isin=_enum("claims", "claim_date_basis"))
    quote: str = pa.Field(nullable=True, str_length={"min_value": 1})
    quote_start: pl.Int32 = pa.Field(nullable=True, ge=0)
    quote_end: pl.Int32 = pa.Field(nullable=True, ge=1)
    modality: str = pa.Field(isin=_enum("claims", "modality"))
    topic: str = pa.Field(isin=_enum("claims", "topic"))
    summary: str = pa.Field(nullable=True)
    status: str = pa.Field(isin=_enum("claims", "status"))
    notes: str = pa.Field(nullable=True)
    locator: str = pa.Field(nullable=True, str_length={"min_value": 1})
    claim_date_from: dt.date = pa.Field(nullable=True)
    claim_date_to: dt.date = pa.Field(nullable=True)

    class Config:
        strict = True
        name = "claims"

    @pa.dataframe_check(sql=("quote IS NULL OR quote_start IS NULL OR quote_end IS NULL"
                              " OR quote_end - quote_start = char_length(quote)"))
    def quote_span_matches_length(cls, data, sql: str) -> pl.LazyFrame:
        # a claim without a quote (citation-only) has no offsets either: the rules judge that
        return _holds(data, sql)


class ClaimRelays(pa.DataFrameModel):
    claim_id: str
    hop: pl.Int32 = pa.Field(ge=2)
    actor_id: str
    cue: str = pa.Field(nullable=True)

    class Config:
        strict = True
        name = "claim_relays"
        unique = ["claim_id", "hop"]


class ClaimLinks(pa.DataFrameModel):
    claim_id: str
    other_claim_id: str
    relation: str = pa.Field(isin=_enum("claim_links", "relation"))

    class Config:
        strict = True
        name = "claim_links"
        unique = ["claim_id", "other_claim_id", "relation"]

    @pa.dataframe_check(sql="claim_id <> other_claim_id")
    def not_linked_to_itself(cls, data, sql: str) -> pl.LazyFrame:
        return _holds(data, sql)


class Figures(pa.DataFrameModel):
    figure_id: str = pa.Field(unique=True, str_matches=_id("figures"))
    claim_id: str
    measure: str = pa.Field(isin=_enum("figures", "measure"))
    victim_group: str = pa.Field(nullable=True, isin=_enum("figures", "victim_group"))
    party_id: str = pa.Field(nullable=True)
    stated_text: str = pa.Field(str_length={"min_value": 1})
    stated_value: int = pa.Field(nullable=True, ge=0)
    qualifier: str = pa.Field(isin=_enum("figures", "qualifier"))
    value_low: int = pa.Field(nullable=True, ge=0)
    value_high: int = pa.Field(nullable=True, ge=0)
    unit: str = pa.Field(str_length={"min_value": 1})
    period_start: dt.date = pa.Field(nullable=True)
    period_end: dt.date = pa.Field(nullable=True)
    notes: str = pa.Field(nullable=True)

    class Config:
        strict = True
        name = "figures"

    @pa.dataframe_check(sql=_ordered("value_low", "value_high"))
    def interval_ordered(cls, data, sql: str) -> pl.LazyFrame:
        return _holds(data, sql)

    @pa.dataframe_check(sql=_ordered("period_start", "period_end"))
    def period_ordered(cls, data, sql: str) -> pl.LazyFrame:
        return _holds(data, sql)


SCHEMAS: dict[str, type[pa.DataFrameModel]] = {
    "countries": Countries,
    "actors": Actors,
    "actor_aliases": ActorAliases,
    "places": Places,
    "place_aliases": PlaceAliases,
    "documents": Documents,
    "incidents": Incidents,
    "claims": Claims,
    "claim_relays": ClaimRelays,
    "claim_links": ClaimLinks,
    "figures": Figures,
}

# Checks on derived columns: dropped from the source variant.
DERIVED_CHECKS: dict[str, tuple[str, ...]] = {
    "documents": ("published_period_ordered",),
    "claims": ("quote_span_matches_length",),
    "figures": ("interval_ordered",),
}

# What a failed dataframe-level check means, for the one-line message.
CHECK_MESSAGES: dict[str, str] = {
    "box_ordered": "min_lat must be <= max_lat",
    "end_not_before_start": "end_date is before start_date",
    "published_period_ordered": "published_on_to is before published_on_from",
    "quote_span_matches_length": "quote_end - quote_start differs from the quote's length",
    "not_linked_to_itself": "a claim cannot be linked to itself",
    "interval_ordered": "value_low is greater than value_high",
    "period_ordered": "period_end is before period_start",
}

@cache
def source_schema(table: str) -> pa.DataFrameSchema:
    """The schema of ``table``'s source frame: the model minus what the build derives."""
    schema = SCHEMAS[table].to_schema().remove_columns(list(sources.DERIVED.get(table, ())))
    skip = DERIVED_CHECKS.get(table, ())
    schema.checks = [c for c in schema.checks if c.name not in skip]
    extra = {"_file": pa.Column(pl.String), "_line": pa.Column(pl.Int64)}
    if table == "claims":
        extra["occurrence"] = pa.Column(pl.Int64, nullable=True, checks=pa.Check.ge(1))
    return schema.add_columns(extra)


def read_table(con, table: str) -> pl.DataFrame:
    """A built table as a polars frame its model accepts (ENUM columns read as text)."""
    cols = []
    for col in contract.tables()[table].columns:
        cols.append(f'"{col.name}"::VARCHAR AS "{col.name}"' if col.enum else f'"{col.name}"')
    return con.sql(f"SELECT {', '.join(cols)} FROM {table}").pl()


def _checkable_schema(table: str, frame: pl.DataFrame) -> pa.DataFrameSchema:
    """``source_schema(table)`` without the value checks on the columns that hold a value of
    the wrong type (``pl.Object`` columns, see ``newsclaims.sources``).

    Such a column fails its dtype check, which ``describe_failures`` turns into one line
    per misfit value; its other checks would only repeat that, and some of them cannot run
    at all on an object column (polars has no ``is_duplicated`` for it: a ``unique`` id or
    name written as ``5`` or ``true`` would crash the validation)."""
    schema = source_schema(table)
    misfits = [c for c, dtype in frame.schema.items() if dtype == pl.Object and c in schema.columns]
    if not misfits:
        return schema
    for column in misfits:
        schema = schema.update_column(column, checks=[], unique=False)
    if schema.unique:
        keys = [schema.unique] if all(isinstance(c, str) for c in schema.unique) else schema.unique
        keys = [key for key in keys if not set(key) & set(misfits)]
        schema.unique = keys[0] if len(keys) == 1 else (keys or None)
    return schema


def source_problems(table: str, frame: pl.DataFrame) -> list[str]:
    """Every problem ``source_schema(table)`` finds in a source frame, one line each,
    in file order (type problems first, since they hide others)."""
    try:
        _checkable_schema(table, frame).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        problems = describe_failures(
            table, frame, exc.failure_cases,
            column_types=sources.source_columns(table),
            unique_key=list(SCHEMAS[table].to_schema().unique or ()),
            check_messages=CHECK_MESSAGES,
        )
        return problems or [f"{RECORD_NAMES[table]} records do not match their schema: {exc}"]
    return []


def validate_source(table: str, frame: pl.DataFrame) -> None:
    """Validate a source frame with ``source_schema(table)``; raise one ``InputError`` line."""
    problems = source_problems(table, frame)
    if problems:
        raise first_problem(problems)
