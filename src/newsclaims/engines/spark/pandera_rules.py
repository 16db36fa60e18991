"""The pandera rules on Spark: each table's model validated by pandera's own PySpark backend
(``pandera.pyspark``), in the form ``pandera_model`` derives from the one polars model of
``newsclaims.schemas``; nothing is collected to the driver.

pandera's PySpark backend reports a summary, not rows: ``frame.pandera.errors`` lists each
failed check by column and name (one Spark job per check, ``filter(~condition).limit(1)
.count()``). The rows of each failed check are then read in ONE pass over the table with the
check's own condition (``pandera_model.failing_rows``), grouped by record as on DuckDB: one
violation per rejected record, its failures joined by ``; ``. A failure that concerns no
single row (a column missing, of the wrong type, one the model does not know) is one
violation with record id ``*``, as on DuckDB.

``--pandera never`` skips these rules; ``auto`` and ``always`` run them whatever the table's
size (the 250,000-row limit of ``auto`` is that of pandera's in-memory polars validation)."""

from __future__ import annotations

from newsclaims.engines.spark import one_line
from newsclaims.engines.spark.translate import to_spark
from newsclaims.rules.sql_fragments import record_id_sql


def _frame(spark, table: str, schema):
    """The lake's table with each column in the type of the model (a lake may hold an
    INTEGER column as BIGINT, as ``lake.ACCEPTED`` allows)."""
    from pyspark.sql import functions as F

    frame = spark.table(table)
    have = {f.name: f.dataType for f in frame.schema.fields}
    return frame.select(*[
        F.col(name).cast(column.dtype.type).alias(name)
        if name in have and have[name] != column.dtype.type else F.col(name)
        for name, column in schema.columns.items() if name in have])


def _value_text(frame, column: str):
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType

    value = F.col(column)
    if isinstance(frame.schema[column].dataType, StringType):
        return F.coalesce(F.concat(F.lit(" (got '"), value, F.lit("')")), F.lit(" (got None)"))
    return F.coalesce(F.concat(F.lit(" (got "), value.cast("string"), F.lit(")")), F.lit(" (got None)"))


def _hits(frame, specs):
    """(frame with the key counts uniqueness needs, [(failing condition, message)])."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from newsclaims.engines.spark.pandera_model import failing_rows

    hits = []
    for n, spec in enumerate(specs):
        text = F.lit(f"{spec.column}: {spec.check}")
        if spec.duplicates:
            counted = f"nc_key_count_{n}"
            frame = frame.withColumn(counted, F.count(F.lit(1)).over(Window.partitionBy(*spec.duplicates)))
            condition = F.col(counted) > 1
        elif spec.nulls:
            condition = F.col(spec.nulls).isNull()
        else:
            column = spec.column if spec.column in frame.columns else None
            condition = failing_rows(spec.check_obj, column)
            if column is not None:
                text = F.concat(text, _value_text(frame, column))
        hits.append((condition, text))
    return frame, hits


def violations(spark, rule, frame, failed):
    """The violations of ``rule``'s table: a Spark DataFrame in the shape of dq_violations."""
    from pyspark.sql import functions as F

    frame, hits = _hits(frame, failed)
    record = F.expr(to_spark(record_id_sql(rule.table)))
    messages = F.filter(F.array(*[F.when(c, m) for c, m in hits]), lambda m: m.isNotNull())
    rows = frame.alias("t").select(record.alias("record_id"), messages.alias("m")).where(F.size("m") > 0)
    return (rows.groupBy("record_id")
            .agg(F.array_join(F.array_distinct(F.flatten(F.collect_list("m"))), "; ").alias("message"))
            .select(F.lit(rule.id).alias("rule_id"), F.lit(rule.severity).alias("severity"),
                    F.lit(rule.table).alias("table_name"), "record_id", "message"))


class CheckCouldNotRun(RuntimeError):
    """pandera's PySpark backend could not run a check (its Spark job failed)."""


def failures(frame, schema) -> list[tuple[str, str, str, str]]:
    """(column, check, error, reason) of every failure pandera's PySpark backend reports."""
    validated = schema.validate(frame, lazy=True)
    return [(str(e["column"]), str(e["check"]), str(e["error"]), reason)
            for reasons in (validated.pandera.errors or {}).values()
            for reason, errors in reasons.items() for e in errors]


def _could_not_run(frame, spec, said: str) -> CheckCouldNotRun:
    """A check pandera could not run (reason ``CHECK_ERROR``; pandera keeps only the
    exception's class): Spark's own reason, from the check's condition run again."""
    if spec is not None:
        try:
            counted, hits = _hits(frame, [spec])
            counted.filter(hits[0][0]).limit(1).count()
        except Exception as exc:  # noqa: BLE001 - the reason we are after
            return CheckCouldNotRun(f"{spec.column}: {spec.check}: {one_line(exc)}")
    return CheckCouldNotRun(said)


def validate(spark, rule):
    """(violations DataFrame or None, [message of a failure of no single row])."""
    from newsclaims.engines.spark.pandera_model import spark_schema

    schema, specs = spark_schema(rule.table)
    frame = _frame(spark, rule.table, schema)
    failed, whole = [], []
    for column, check, error, reason in failures(frame, schema):
        spec = specs.get((column, check))
        if reason == "CHECK_ERROR":
            raise _could_not_run(frame, spec, f"{column}: {check}: {error[:200]}")
        if spec is None or (spec.check_obj is None and not spec.duplicates and not spec.nulls):
            whole.append(f"{column if column != rule.table else 'table'}: {check} ({error[:200]})")
        elif spec not in failed:
            failed.append(spec)
    return (violations(spark, rule, frame, failed) if failed else None), whole


def run_pandera(spark, rules, sink, options) -> tuple[dict[str, str], dict[str, str]]:
    """(rule -> error, rule -> why skipped); the violations go to ``sink``."""
    if options.pandera == "never":
        return {}, {r.id: "skipped: pandera rules are off (--pandera never)" for r in rules}
    from newsclaims import schemas
    errors: dict[str, str] = {}
    for rule in rules:
        model = schemas.SCHEMAS.get(rule.table)
        wanted = rule.selection.model
        if model is None or model.__name__ != wanted:
            have = model.__name__ if model is not None else "none"
            errors[rule.id] = f"newsclaims.schemas has no model {wanted} for {rule.table} (it has {have})"
            continue
        try:
            found, whole = validate(spark, rule)
            if found is not None:
                sink.append(found)
            sink.append_rows([(rule.id, rule.severity, rule.table, "*", m) for m in whole])
        except Exception as exc:  # noqa: BLE001 - this rule errors, the run goes on
            errors[rule.id] = (f"pandera (pyspark) could not validate {rule.table}: "
                               f"{type(exc).__name__}: {one_line(exc)}")
    return errors, {}

