"""The pandera rules on Spark: each table's model of ``newsclaims.schemas`` (the same polars
DataFrameModel the DuckDB run validates) on the table collected from the lake through Arrow,
under the same size limit as on DuckDB (``engines.pandera``). See the package's doc for
why not ``pandera.pyspark``."""

from __future__ import annotations

from newsclaims.engines import pandera as pandera_engine


def run_pandera(spark, rules, sink, options) -> tuple[dict[str, str], dict[str, str]]:
    """(rule -> error, rule -> why skipped); the violations go to ``sink``."""
    import duckdb

    mode, max_rows = options.pandera, options.pandera_max_rows
    if mode == "never":
        return {}, {r.id: "skipped: pandera rules are off (--pandera never)" for r in rules}
    con = duckdb.connect()
    try:
        to_run, skipped = [], {}
        for rule in rules:
            rows = spark.table(rule.table).count()
            if mode == "auto" and rows > max_rows:
                skipped[rule.id] = (
                    f"skipped: {rule.table} has {rows:,} rows, more than the {max_rows:,} that "
                    "pandera validates in memory by default; force it with --pandera always")
                continue
            con.register(f"nc_{rule.table}_arrow", spark.table(rule.table).toArrow())
            con.execute(f"CREATE OR REPLACE TABLE {rule.table} AS SELECT * FROM nc_{rule.table}_arrow")
            con.unregister(f"nc_{rule.table}_arrow")
            to_run.append(rule)
        con.execute("CREATE TABLE nc_violations (rule_id VARCHAR, severity VARCHAR, "
                    "table_name VARCHAR, record_id VARCHAR, message VARCHAR)")
        errors = pandera_engine.run(con, to_run, "nc_violations")
        sink.append_rows(con.execute("SELECT * FROM nc_violations").fetchall())
        return errors, skipped
    finally:
        con.close()
