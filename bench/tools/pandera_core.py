"""Bench tool: the 15 core rules as pandera DataFrameModels on polars.

The tables are read from the DuckDB file into polars (through Arrow), the cross-table
rules get pre-joined frames (claims with their document and incident, figures with their
claim), joined by polars with the streaming engine; a referenced key that occurs twice
(a defect of the unique rules) is joined once, so a join never multiplies a row, then each frame is validated with
``lazy=True`` so every failure is collected. A rule's count is the number of distinct rows
in its failure cases (a row failing two column checks of one rule counts once).

Prints one JSON line: {"counts": {rule_id: n}}.

    python bench/tools/pandera_core.py <db> [memory_limit]
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date

import duckdb
import pandera.polars as pa
import polars as pl

LEVELS = ["day", "week", "month", "year"]
TRUNC = {"day": "1d", "week": "1w", "month": "1mo", "year": "1y"}
QUALIFIERS = ["exact", "at_least", "more_than", "about", "at_most", "fewer_than", "unspecified"]
CASUALTY = ["killed", "wounded", "injured", "casualties"]
BIG = 9223372036854775807


def _level(col: str) -> pl.Expr:
    """Position (1..4) of a precision in day < week < month < year; NULL or unknown -> 1."""
    expr = pl.lit(1, dtype=pl.Int8)
    for n, name in enumerate(LEVELS[1:], start=2):
        expr = pl.when(pl.col(col).cast(pl.Utf8) == name).then(pl.lit(n, dtype=pl.Int8)).otherwise(expr)
    return expr


def _truncated(date_col: str, level: pl.Expr) -> pl.Expr:
    """``date_col`` truncated at the given precision level (DuckDB date_trunc semantics)."""
    out = pl.col(date_col)
    for n, name in enumerate(LEVELS[1:], start=2):
        out = pl.when(level == n).then(pl.col(date_col).dt.truncate(TRUNC[name])).otherwise(out)
    return out


def _coarser(a: str, b: str) -> pl.Expr:
    return pl.max_horizontal(_level(a), _level(b))


class Claims(pa.DataFrameModel):
    """Claims pre-joined with their document (d_*) and incident (i_*)."""

    claim_date: date = pa.Field(nullable=False)  # claims.claim_date_not_null

    class Config:
        strict = False
        coerce = False

    @pa.dataframe_check(name="claims.claimant_not_null")
    def claimant_not_null(cls, data):
        return data.lazyframe.select(
            ~(pl.col("claimant_id").is_null() & (pl.col("status").cast(pl.Utf8) == "active")).fill_null(False))

    @pa.dataframe_check(name="claims.claim_id_unique")
    def claim_id_unique(cls, data):
        # pandera's Field(unique=True) counts NULL ids as duplicates of each other; the
        # rule (like SQL's GROUP BY ... HAVING) leaves a NULL key to the not-null rule
        return data.lazyframe.select(~(pl.col("claim_id").is_duplicated() & pl.col("claim_id").is_not_null()))

    @pa.dataframe_check(name="claims.no_future_dates")
    def no_future_dates(cls, data):
        return data.lazyframe.select(~(pl.col("claim_date") > date.today()).fill_null(False))

    @pa.dataframe_check(name="claims.doc_id_exists")
    def doc_id_exists(cls, data):
        return data.lazyframe.select(~(pl.col("doc_id").is_not_null() & pl.col("d_found").is_null()))

    @pa.dataframe_check(name="claims.incident_id_exists")
    def incident_id_exists(cls, data):
        return data.lazyframe.select(~(pl.col("incident_id").is_not_null() & pl.col("i_found").is_null()))

    @pa.dataframe_check(name="claims.claim_date_not_after_publication")
    def not_after_publication(cls, data):
        level = _coarser("claim_date_precision", "d_published_precision")
        bad = _truncated("claim_date", level) > _truncated("d_published_on", level)
        return data.lazyframe.select(~bad.fill_null(False))

    @pa.dataframe_check(name="claims.claim_date_not_before_incident")
    def not_before_incident(cls, data):
        level = _coarser("claim_date_precision", "i_date_precision")
        bad = _truncated("claim_date", level) < _truncated("i_start_date", level)
        return data.lazyframe.select(~bad.fill_null(False))

    @pa.dataframe_check(name="claims.quote_matches_text")
    def quote_matches_text(cls, data):
        # d_span is text[quote_start:quote_end] (sliced while joining, so the frame does
        # not carry a copy of the document text per claim); d_len its length
        bad = (pl.col("quote").is_not_null() & pl.col("d_len").is_not_null()
               & (pl.col("quote_start") >= 0) & (pl.col("quote_end") >= pl.col("quote_start"))
               & (pl.col("quote_end") <= pl.col("d_len")) & (pl.col("d_span") != pl.col("quote")))
        return data.lazyframe.select(~bad.fill_null(False))


class Figures(pa.DataFrameModel):
    """Figures pre-joined with their claim (c_*), with the cross-source flag."""

    qualifier: str = pa.Field(nullable=True, isin=QUALIFIERS)  # figures.qualifier_accepted

    class Config:
        strict = False
        coerce = False

    @pa.dataframe_check(name="figures.no_negative_values")
    def no_negative_values(cls, data):
        bad = (pl.col("stated_value") < 0) | (pl.col("value_low") < 0) | (pl.col("value_high") < 0)
        return data.lazyframe.select(~bad.fill_null(False))

    @pa.dataframe_check(name="figures.low_le_high")
    def low_le_high(cls, data):
        return data.lazyframe.select(~(pl.col("value_low") > pl.col("value_high")).fill_null(False))

    @pa.dataframe_check(name="figures.casualty_has_source_and_date")
    def casualty_has_source_and_date(cls, data):
        bad = (pl.col("measure").cast(pl.Utf8).is_in(CASUALTY) & pl.col("c_found").is_not_null()
               & (pl.col("c_claimant_id").is_null() | pl.col("c_claim_date").is_null()))
        return data.lazyframe.select(~bad.fill_null(False))

    @pa.dataframe_check(name="figures.cross_source_discrepancy")
    def cross_source_discrepancy(cls, data):
        return data.lazyframe.select(~pl.col("in_unreconciled_pair"))


class Places(pa.DataFrameModel):
    lat: float = pa.Field(nullable=True, in_range={"min_value": -90, "max_value": 90})
    lon: float = pa.Field(nullable=True, in_range={"min_value": -180, "max_value": 180})

    class Config:
        strict = False
        coerce = False


# (frame, column, check) of column-level failure cases -> rule id
COLUMN_RULES = {
    ("claims", "claim_date", "not_nullable"): "claims.claim_date_not_null",
    ("figures", "qualifier", None): "figures.qualifier_accepted",
    ("places", "lat", None): "places.coordinates_in_range",
    ("places", "lon", None): "places.coordinates_in_range",
}


def _read(con, sql: str) -> pl.LazyFrame:
    return pl.from_arrow(con.sql(sql).to_arrow_table()).lazy()


def claims_frame(con) -> pl.DataFrame:
    claims = _read(con, "SELECT claim_id, doc_id, incident_id, claimant_id, claim_date, claim_date_precision, "
                        "quote, quote_start, quote_end, status FROM claims")
    docs = _read(con, "SELECT doc_id, published_on AS d_published_on, published_precision AS d_published_precision, "
                      "text AS d_text FROM documents").unique(subset="doc_id", keep="any")
    incidents = _read(con, "SELECT incident_id, start_date AS i_start_date, date_precision AS i_date_precision "
                           "FROM incidents").unique(subset="incident_id", keep="any")
    joined = (
        claims.join(docs.with_columns(pl.lit(True).alias("d_found")), on="doc_id", how="left", maintain_order="left")
        .join(incidents.with_columns(pl.lit(True).alias("i_found")), on="incident_id", how="left",
              maintain_order="left")
        .with_columns(
            pl.col("d_text").str.len_chars().alias("d_len"),
            pl.col("d_text").str.slice(pl.col("quote_start").clip(lower_bound=0),
                                       (pl.col("quote_end") - pl.col("quote_start")).clip(lower_bound=0)).alias("d_span"),
        )
        .drop("d_text")
    )
    return joined.collect(engine="streaming")


def figures_frame(con) -> pl.DataFrame:
    figures = _read(con, "SELECT figure_id, claim_id, measure, victim_group, stated_value, qualifier, "
                         "value_low, value_high FROM figures")
    claims = _read(con, "SELECT claim_id, claimant_id AS c_claimant_id, claim_date AS c_claim_date, "
                        "incident_id AS c_incident_id, status AS c_status FROM claims").unique(subset="claim_id", keep="any")
    links = _read(con, "SELECT claim_id, other_claim_id FROM claim_links WHERE CAST(relation AS VARCHAR) = 'contradicts'")
    joined = figures.join(claims.with_columns(pl.lit(True).alias("c_found")), on="claim_id", how="left",
                          maintain_order="left").collect(engine="streaming")
    return joined.with_columns(pl.col("figure_id").is_in(cross_source_figures(joined.lazy(), links).implode())
                               .fill_null(False).alias("in_unreconciled_pair"))


def cross_source_figures(figures: pl.LazyFrame, links: pl.LazyFrame) -> pl.Series:
    """Figures in at least one pair of different claimants (same incident, measure, group)
    whose intervals do not overlap and whose claims are not linked by contradicts."""
    f = figures.filter(
        pl.col("c_incident_id").is_not_null() & pl.col("c_claimant_id").is_not_null()
        & (pl.col("c_status").cast(pl.Utf8) == "active") & pl.col("victim_group").is_not_null()
        & (pl.col("value_low").is_not_null() | pl.col("value_high").is_not_null())
    ).select(
        "figure_id", "claim_id", "c_claimant_id", "c_incident_id",
        pl.col("measure").cast(pl.Utf8), pl.col("victim_group").cast(pl.Utf8),
        pl.col("value_low").fill_null(-BIG).alias("lo"), pl.col("value_high").fill_null(BIG).alias("hi"),
    )
    pairs = (
        f.join(f, on=["c_incident_id", "measure", "victim_group"], suffix="_y")
        .filter((pl.col("c_claimant_id") != pl.col("c_claimant_id_y")) & (pl.col("figure_id") < pl.col("figure_id_y"))
                & ((pl.col("hi") < pl.col("lo_y")) | (pl.col("hi_y") < pl.col("lo"))))
    )
    both = pl.concat([links, links.select(pl.col("other_claim_id").alias("claim_id"),
                                          pl.col("claim_id").alias("other_claim_id"))])
    pairs = pairs.join(both, left_on=["claim_id", "claim_id_y"], right_on=["claim_id", "other_claim_id"], how="anti")
    ids = pl.concat([pairs.select(pl.col("figure_id")), pairs.select(pl.col("figure_id_y").alias("figure_id"))])
    return ids.unique().collect(engine="streaming")["figure_id"]


def _counts(frame: str, exc: pa.errors.SchemaErrors | None) -> dict[str, int]:
    if exc is None:
        return {}
    fc = exc.failure_cases
    out: dict[str, set] = {}
    for column, check, index in fc.select("column", "check", "index").iter_rows():
        rule = COLUMN_RULES.get((frame, column, check)) or COLUMN_RULES.get((frame, column, None))
        if rule is None:
            rule = check  # a dataframe check is named by its rule id
        out.setdefault(rule, set()).add(index)
    return {rule: len(rows) for rule, rows in out.items()}


def validate(model, frame: str, df: pl.DataFrame) -> dict[str, int]:
    try:
        model.validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return _counts(frame, exc)
    return {}


def main(db: str, memory_limit: str = "1500MB") -> None:
    con = duckdb.connect(db, read_only=True, config={"memory_limit": memory_limit,
                                                     "threads": os.cpu_count() or 1})
    counts: dict[str, int] = {}
    counts.update(validate(Claims, "claims", claims_frame(con)))
    counts.update(validate(Figures, "figures", figures_frame(con)))
    counts.update(validate(Places, "places", _read(con, "SELECT place_id, lat, lon FROM places").collect()))
    con.close()
    print(json.dumps({"counts": counts}))


if __name__ == "__main__":
    main(*sys.argv[1:])
