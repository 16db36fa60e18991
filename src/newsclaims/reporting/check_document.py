"""The JSON document of a check run, in the shape of ``report.json``.

``newsclaims check --format json`` prints it; ``report.json`` is the same document with
the ``violations`` array added (every offending record, which can number millions: it is
read from the report or from ``dq_violations``, not printed). Both follow one JSON Schema,
``report.schema.json`` beside this module (``schema()``)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

SCHEMA_PATH = Path(__file__).with_name("report.schema.json")


def schema() -> dict:
    """The JSON Schema of ``report.json`` and of ``check --format json``."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def check_document(run, generated_at: str | None = None, selection: list[str] | None = None) -> dict:
    """``report.json``, made from a ``CheckRun`` in memory (the database is read only for
    its dataset digest, its tables' rows and its records without a key); ``selection`` is
    the run's selectors, as ``check`` gives them to its reports."""
    from newsclaims.reporting import _selection
    from newsclaims.reporting.json_report import report_head
    from newsclaims.reporting.results import ReportData, _rationales, rules_digest

    rationales = _rationales()
    rules = sorted((replace(r, rationale=rationales.get(r.rule_id, "")) for r in run.results),
                   key=lambda r: r.rule_id)
    digest, rows, null_keys = _database_facts(run.db_path)
    data = ReportData(
        db_path=str(run.db_path),
        engines=sorted({r.engine for r in rules if r.engine}),
        run_at=str(datetime.fromisoformat(run.run_at)),  # as DuckDB writes a TIMESTAMP
        dataset_digest=digest,
        rules_digest=rules_digest(),
        rules=rules,
        totals={r.rule_id: r.violation_count for r in rules if r.violation_count},
        rows=rows,
        null_keys=null_keys,
    )
    data = replace(data, selection=_selection(selection, data))
    stamp = generated_at or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return report_head(data, stamp)


def _database_facts(db_path):
    """(dataset digest, table -> rows, table -> records without a key) of the database."""
    from newsclaims.reporting.results import _dataset_digest, _table_names, open_read_only
    from newsclaims.reporting.rows import null_keys, table_rows

    con = open_read_only(Path(db_path))
    try:
        tables = _table_names(con)
        return _dataset_digest(con, tables), table_rows(con, tables), null_keys(con, tables)
    finally:
        con.close()
