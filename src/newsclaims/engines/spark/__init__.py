"""The Spark engine: the catalogue on a lake of Parquet datasets (``lake``), on a Spark
session from ``--spark-master``, ``--spark-remote``/``SPARK_REMOTE`` or ``spark-submit``
(``session``), with the same rule declarations as DuckDB: the rules' SQL translated with
sqlglot (``translate``), planned as DuckDB fuses them (``plan``), the violations written
into a Parquet sink (``sink``).

The pandera rules run the same pandera models as on DuckDB (``newsclaims.schemas``: polars
DataFrameModels) on the table collected from the lake, under the same size limit (``--pandera
auto`` skips a table of more than 250,000 rows). pandera's PySpark backend
(``pandera.pyspark``) validates only ``pandera.pyspark.DataFrameModel`` classes, declared
with Spark types and a check set of their own; running it would mean a second copy of every
model, which the project does not keep (one rule, one declaration)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from newsclaims.engines import EngineRun, Job
from newsclaims.engines.spark.plan import SQL_SELECTIONS, SparkStatement, plan_statements
from newsclaims.rules.kinds import PanderaModel


@dataclass
class Plan:
    statements: list[SparkStatement]
    errors: dict[str, str] = field(default_factory=dict)
    pandera: list = field(default_factory=list)

    @property
    def steps(self) -> int:
        return len(self.statements) + (1 if self.pandera else 0)


def one_line(exc: BaseException) -> str:
    """The first line of a Spark error, without the JVM's stack."""
    text = str(exc).strip()
    for line in text.splitlines():
        if line.strip():
            return " ".join(line.split())[:400]
    return type(exc).__name__


class SparkEngine:
    name = "spark"
    shares_connection = False

    def unsupported(self, rule) -> str | None:
        if isinstance(rule.selection, SQL_SELECTIONS + (PanderaModel,)):
            return None
        return f"a {type(rule.selection).__name__} has no Spark form"

    def plan(self, rules, job: Job) -> Plan:
        rules = list(rules)
        sql_rules = [r for r in rules if isinstance(r.selection, SQL_SELECTIONS)]
        statements, errors = plan_statements(sql_rules, fuse=job.options.fuse)
        pandera = [r for r in rules if isinstance(r.selection, PanderaModel)]
        return Plan(statements, errors, pandera)

    def run(self, plan: Plan, job: Job) -> EngineRun:
        spark, sink = job.con, job.sink
        result = EngineRun(errors=dict(plan.errors))
        for statement in plan.statements:
            started = time.perf_counter()
            result.errors.update(execute(spark, statement, sink))
            result.timings[statement.label] = round(time.perf_counter() - started, 4)
            job.advance(statement.label)
        if plan.pandera:
            from newsclaims.engines.spark.pandera_rules import run_pandera

            started = time.perf_counter()
            errors, skipped = run_pandera(spark, plan.pandera, sink, job.options)
            result.errors.update(errors)
            result.skipped.update(skipped)
            result.timings["pandera"] = round(time.perf_counter() - started, 4)
            job.advance("pandera")
        return result


def execute(spark, statement: SparkStatement, sink) -> dict[str, str]:
    """Run one statement into the sink; on failure its rules one by one. rule -> error."""
    try:
        sink.append(spark.sql(statement.sql))
        return {}
    except Exception as exc:  # noqa: BLE001 - AnalysisException, Py4JJavaError, Connect errors
        if len(statement.rules) == 1:
            return {statement.rules[0].id: one_line(exc)}
    errors: dict[str, str] = {}
    singles, failed = plan_statements(list(statement.rules), fuse=False)
    errors.update(failed)
    for single in singles:
        errors.update(execute(spark, single, sink))
    return errors


ENGINE = SparkEngine()
