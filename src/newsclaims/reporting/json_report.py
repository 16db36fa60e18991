"""``report.json`` (the run, its summary, every rule) and ``violations.jsonl`` (every
offending record), written in constant memory.

``report.json`` is small whatever the size of the database: one JSON document with a fixed
key order (``report_head``), naming the violations file and its number of records. The
violations, which can number millions, are written by DuckDB straight to
``violations.jsonl``: JSON Lines, one record a line (``violations.VIOLATION_KEYS``), in
report order (rule id, record id, message), so that any reader can stream them (``jq``,
``duckdb -c "SELECT * FROM 'violations.jsonl'"``, a line at a time). Both are written to
temporary files that the caller moves into place (``os.replace``)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from newsclaims.interrupts import held
from newsclaims.reporting.results import ReportData
from newsclaims.reporting.violations import VIOLATION_KEYS, copy_violations

# 2: the violations moved to violations.jsonl; rules carry their rows and share;
# run.selection; null_keys.
REPORT_VERSION = 2
VIOLATIONS_FILE = "violations.jsonl"


def report_head(data: ReportData, generated_at: str) -> dict:
    """The JSON report without its violations, as a dict whose key order is fixed."""
    return {
        "report_version": REPORT_VERSION,
        "status": data.status,
        "run": {
            "database": data.db_path,
            "engines": data.engines,
            "run_at": data.run_at,
            "generated_at": generated_at,
            "dataset_digest": data.dataset_digest,
            "rules_digest": data.rules_digest,
            "selection": data.selection,
        },
        "summary": data.counts(),
        "violations_file": {"path": VIOLATIONS_FILE, "format": "JSON Lines",
                            "records": data.counts()["violations"], "keys": list(VIOLATION_KEYS),
                            "order": ["rule_id", "record_id", "message"]},
        "table_rows": data.rows,
        "null_keys": {table: {"rowids": keys.rowids, "total": keys.total, "sql": keys.sql,
                              "rules": sorted(keys.rules)}
                      for table, keys in data.null_keys.items()},
        "rules": [
            {
                "id": r.rule_id,
                "title": r.title,
                "family": r.family,
                "severity": r.severity,
                "table": r.table_name,
                "status": r.status,
                "outcome": r.outcome,
                "violation_count": r.violation_count,
                "fail_above": r.fail_above,
                "rows": data.rows.get(r.table_name),
                "share": data.share(r),
                "engine": r.engine,
                "rationale": r.rationale,
                "detail": r.detail,
            }
            for r in data.rules
        ],
    }


def write_json_report(con, data: ReportData, generated_at: str, json_path: Path,
                      jsonl_path: Path, register=None) -> None:
    """Write the two files to temporary files beside ``json_path`` and ``jsonl_path``
    (the caller moves them into place). ``con`` is the connection ``data`` came from.
    ``register(key)`` returns the callable told each temporary file's name the moment it
    exists (key ``json`` or ``jsonl``); on failure the caller removes them."""
    jsonl = _temporary(jsonl_path, register and register("jsonl"))
    copy_violations(con, data.tables, Path(jsonl))  # DuckDB writes the file over the empty one
    os.chmod(jsonl, 0o644)  # mkstemp creates 0600; a report is meant to be read
    head = json.dumps(report_head(data, generated_at), indent=2, ensure_ascii=False)
    tmp = _temporary(json_path, register and register("json"))
    with open(tmp, "w", encoding="utf-8", newline="\n") as out:
        out.write(head + "\n")
    os.chmod(tmp, 0o644)


def _temporary(path: Path, register) -> str:
    """A new empty temporary file beside ``path``, its name told to ``register`` at once."""
    with held():  # a Ctrl-C here would leave the file without its name to remove it by
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        if register is not None:
            register(tmp)
    return tmp
