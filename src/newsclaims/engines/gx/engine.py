"""Run the GX-expressible rules through Great Expectations on a DuckDB file.

GX 1.x's SQL datasource on DuckDB (``duckdb:///path`` via duckdb_engine) fails every
expectation out of the box ("list index out of range"): GX runs each query on a pooled
connection that it closes before the rows are fetched, and duckdb_engine then returns no
rows. GX already keeps one persistent connection (a StaticPool) for the dialects listed
in ``great_expectations.execution_engine.sqlalchemy_execution_engine.
_PERSISTED_CONNECTION_DIALECTS`` (sqlite, mssql, ...). ``persisted_duckdb_connection()``
adds DuckDB to that tuple for the duration of a run, then restores it: no query changes.

Counting: every count is GX's own ``unexpected_count`` (column expectations) or
``observed_value`` (UnexpectedRowsExpectation, the number of unexpected rows), never just
``success``; a result without a number is a rule ``error``. GX's "unique" counts every row
carrying a duplicated value, which is what our engine counts too (one violation per row
whose key occurs more than once), so counts compare one to one.
"""

from __future__ import annotations

import enum
import logging
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from newsclaims import contract
from newsclaims.errors import InputError
from newsclaims.engines import EngineRun, Job
from newsclaims.engines.gx.export import build_suites, not_expressible
from newsclaims.rules.catalogue import Rule
from newsclaims.rules.results import CheckRun, RuleResult


class _DuckDBDialect(str, enum.Enum):
    """Stands for DuckDB in GX's dialect tuple: equal to the string "duckdb", with a
    ``.value`` as GX's own ``GXSqlDialect`` members have."""

    DUCKDB = "duckdb"


@contextmanager
def persisted_duckdb_connection():
    """Make GX keep one connection for DuckDB while the block runs."""
    from great_expectations.execution_engine import sqlalchemy_execution_engine as sae

    before = sae._PERSISTED_CONNECTION_DIALECTS
    sae._PERSISTED_CONNECTION_DIALECTS = (*before, _DuckDBDialect.DUCKDB)
    try:
        yield
    finally:
        sae._PERSISTED_CONNECTION_DIALECTS = before


class GxRun(CheckRun):
    """A ``CheckRun`` from GX, with the rules GX could not express (id -> why) and the
    offending records GX listed per rule (``records``: id -> [(record_id, message)]).

    GX lists at most 200 rows of an ``UnexpectedRowsExpectation`` (its
    ``MAX_RESULT_RECORDS``), so a rule's list may be shorter than its count."""

    def __init__(self, *args, skipped: dict[str, str] | None = None,
                 records: dict[str, list[tuple[str, str]]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.skipped = dict(skipped or {})
        self.records = dict(records or {})


def _record_id(row: dict, keys: tuple[str, ...]) -> str:
    return "|".join("" if row.get(k) is None else str(row.get(k)) for k in keys)


def _listed(result, keys: tuple[str, ...], rule: Rule) -> list[tuple[str, str]]:
    """The (record id, message) pairs GX returned for one expectation."""
    values = result.result or {}
    kind = result.expectation_config.type
    rows = values.get("unexpected_index_list")
    if isinstance(rows, list):  # column expectations: key columns and the offending value(s)
        listed = []
        for row in rows:
            shown = ", ".join(f"{k} {row[k]!r}" for k in row if k not in keys) or \
                ", ".join(f"{k} {row[k]!r}" for k in row)
            listed.append((_record_id(row, keys), f"{kind}: {shown}"))
        return listed
    rows = (values.get("details") or {}).get("unexpected_rows")
    if isinstance(rows, list):  # UnexpectedRowsExpectation: whole rows (t.*)
        return [(_record_id(dict(row), keys), f"{kind}: {rule.title}") for row in rows]
    return []


def _count(result) -> int | None:
    values = result.result or {}
    for key in ("unexpected_count", "observed_value"):
        value = values.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _error_text(result) -> str:
    info = result.exception_info or {}
    if "exception_message" in info:
        message = info.get("exception_message")
    else:  # keyed by metric id
        message = next((v.get("exception_message") for v in info.values()
                        if isinstance(v, dict) and v.get("exception_message")), None)
    return " ".join(str(message or "GX returned no count").split())[:300]


def _close(source) -> None:
    """Close the persisted connection of the source's current execution engine.

    GX makes a new execution engine whenever the source's assets change (one per table
    here); each holds its connection open, and DuckDB refuses a later connection with a
    different configuration (a read-only one, or our engine's) while it is."""
    engine = getattr(source, "_execution_engine", None)
    if engine is None:
        return
    connection = getattr(engine, "_connection", None)
    if connection is not None:
        connection.close()
        engine._connection = None
    if getattr(engine, "engine", None) is not None:
        engine.engine.dispose()
    # the datasource's own SQLAlchemy engine (a QueuePool, used to inspect tables)
    own = getattr(source, "_engine", None)
    if own is not None:
        own.dispose()


def run_gx(db_path, rules: list[Rule]) -> GxRun:
    """Validate ``rules`` with GX against the DuckDB file; one ``RuleResult`` per rule GX
    can express (engine ``"gx"``); the others are in ``GxRun.skipped``."""
    path = Path(db_path)
    if not path.is_file():
        raise InputError(f"{path}: no such database (run `newsclaims build` first)")
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    export = build_suites(rules, target="duckdb")
    by_id = {r.id: r for r in rules}
    run_at = datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None)
    results: dict[str, RuleResult] = {}
    records: dict[str, list[tuple[str, str]]] = {}
    with persisted_duckdb_connection():
        context = gx.get_context(mode="ephemeral")
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        source = context.data_sources.add_sql(
            name="newsclaims", connection_string=f"duckdb:///{path.resolve()}")
        for table, suite in sorted(export.suites.items()):
            asset = source.add_table_asset(name=table, table_name=table)
            keys = contract.tables()[table].primary_key
            result_format = {"result_format": "COMPLETE", "unexpected_index_column_names": list(keys),
                             "return_unexpected_index_query": False}
            try:
                batch = asset.add_batch_definition_whole_table(f"{table}-all").get_batch()
                outcome = batch.validate(context.suites.add(suite), result_format=result_format)
            finally:
                _close(source)
            for item in outcome.results:
                rule = by_id[item.expectation_config.meta["rule_id"]]
                count = _count(item)
                if count is None:
                    status, detail, count = "error", _error_text(item), 0
                else:
                    status = "fail" if count > rule.fail_above else "pass"
                    detail = None
                    records[rule.id] = _listed(item, keys, rule)
                results[rule.id] = RuleResult(
                    rule.id, rule.title, rule.family, rule.severity, rule.table, status,
                    count, rule.fail_above, "gx", detail)
    ordered = [results[r.id] for r in rules if r.id in results]
    return GxRun(str(db_path), "gx", run_at.isoformat(), ordered, skipped=export.skipped,
                 records=records)


class GxEngine:
    """Great Expectations as an engine: it opens the database file itself (through
    SQLAlchemy), so it runs before the sink's connection is opened; the records GX listed
    go to the sink afterwards, and each rule's count is GX's own (its list of unexpected
    rows may be partial, which the rule's ``detail`` says)."""

    name = "gx"
    shares_connection = False

    def unsupported(self, rule) -> str | None:
        why = not_expressible(rule)
        return f"skipped: not run by Great Expectations: {why}" if why else None

    def plan(self, rules, job: Job) -> list:
        return list(rules)

    def run(self, rules, job: Job) -> EngineRun:
        import pyarrow as pa

        gx_run = run_gx(job.db_path, rules)
        result = EngineRun(timings=dict(gx_run.timings))
        rows: list[tuple[str, str, str, str, str]] = []
        by_id = {r.id: r for r in rules}
        for got in gx_run.results:
            rule = by_id[got.rule_id]
            listed = gx_run.records.get(rule.id, [])
            rows.extend((rule.id, rule.severity, rule.table, rid, message) for rid, message in listed)
            result.counts[rule.id] = got.violation_count
            if got.status == "error":
                result.errors[rule.id] = got.detail or "Great Expectations returned no count"
            elif got.violation_count:
                result.details[rule.id] = (
                    f"count from Great Expectations; {len(listed)} of {got.violation_count} "
                    "offending records listed (GX's list of unexpected rows may be partial)")
        for rule_id, why in gx_run.skipped.items():
            result.skipped[rule_id] = f"skipped: not run by Great Expectations: {why}"
        for rule in rules:
            if rule.id not in result.counts and rule.id not in result.skipped:
                result.skipped[rule.id] = "skipped: not run by Great Expectations: Great Expectations did not run it"
        if rows:  # through Arrow: GX may list many records
            columns = ("rule_id", "severity", "table_name", "record_id", "message")
            result.records = pa.table({c: [row[i] for row in rows] for i, c in enumerate(columns)})
        return result


ENGINE = GxEngine()
