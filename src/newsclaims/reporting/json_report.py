"""``report.json``: every rule and every offending record, written in constant memory.

The head (run data, summary, rules) is small and written by ``json.dumps``; the
violations, which can number millions, are written by DuckDB as JSON lines into a part
file next to the report and spliced in as the ``violations`` array, one record per line.
The result is one JSON document with a fixed key order, written to a temporary file that
the caller moves into place (``os.replace``), so a reader never sees half a report."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from newsclaims.interrupts import held
from newsclaims.reporting.results import ReportData
from newsclaims.reporting.violations import copy_violations

REPORT_VERSION = 1
_CHUNK = 1 << 20


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
        },
        "summary": data.counts(),
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
                "engine": r.engine,
                "rationale": r.rationale,
                "detail": r.detail,
            }
            for r in data.rules
        ],
    }


def write_json_report(con, data: ReportData, generated_at: str, folder: Path,
                      register=None) -> Path:
    """Write the complete report to a temporary file in ``folder`` and return its path
    (the caller renames it to ``report.json``). ``con`` is the connection ``data`` came
    from. On failure nothing is left behind. ``register(name)`` is called the moment the
    temporary file exists."""
    head = json.dumps(report_head(data, generated_at), indent=2, ensure_ascii=False)
    handle = tmp = part = None
    try:
        with held():  # a Ctrl-C here would leave the file without its name to remove it by
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".report.json.", suffix=".tmp")
            handle = os.fdopen(fd, "wb")
            part = Path(tmp[: -len(".tmp")] + ".part")  # unique as the temporary file's name is
            if register is not None:  # the caller knows the file the moment it exists
                register(tmp)
        with handle as out:
            copy_violations(con, data.tables, part)
            with open(part, "rb") as lines:
                out.write(head[:-2].encode("utf-8") + b',\n  "violations": [')
                if _splice(lines, out, os.fstat(lines.fileno()).st_size):
                    out.write(b"\n  ]\n}\n")
                else:
                    out.write(b"]\n}\n")
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; a report is meant to be read
        return Path(tmp)
    except BaseException:
        if handle is not None:
            handle.close()
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        raise
    finally:
        if part is not None and part.exists():
            part.unlink()


def _splice(lines, out, size: int) -> bool:
    """Copy JSON lines as array items: ``\\n    {..},\\n    {..}``. JSON escapes every
    newline inside a string, so each newline of the file ends one record. Returns whether
    there was any record."""
    remaining = size
    if remaining == 0:
        return False
    out.write(b"\n    ")
    while remaining:
        chunk = lines.read(min(_CHUNK, remaining))
        if not chunk:  # pragma: no cover - the file shrank under us
            raise OSError("the violations part file was truncated")
        remaining -= len(chunk)
        if not remaining and chunk.endswith(b"\n"):
            chunk = chunk[:-1]  # the last record's newline closes the array instead
        out.write(chunk.replace(b"\n", b",\n    "))
    return True
