"""Check reports: ``report.json`` (complete), ``report.md`` (short), ``report.html`` (one page).

``write_reports(db_path, out_dir)`` reads ``dq_results``, ``dq_violations`` and the data
tables of a checked database and writes the three files, each atomically (a temporary
file in ``out_dir``, then ``os.replace``): a reader never sees a half-written report."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from newsclaims.errors import InputError

REPORT_FILES = ("report.json", "report.md", "report.html")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder."""
    os.replace(_write_temporary(path, text), path)


def _write_temporary(path: Path, text: str) -> str:
    """``text`` in a new temporary file beside ``path`` (readable by all); its name."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; a report is meant to be read
        return tmp
    except BaseException:
        os.unlink(tmp)
        raise


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def write_reports(db_path, out_dir, *, rationales: dict[str, str] | None = None,
                  generated_at: str | None = None, database_label: str | None = None,
                  reports_label: str | None = None) -> dict[str, Path]:
    """Write ``report.json``, ``report.md`` and ``report.html`` to ``out_dir``.

    ``rationales`` (rule id -> text) defaults to the catalogue's. ``database_label`` and
    ``reports_label`` replace the database path and the reports folder the reports name
    (a release names them as they sit inside the snapshot). Returns the paths keyed
    ``json``, ``md``, ``html``. All three are complete in temporary files before any is
    moved into place. Memory stays bounded whatever the number of offending records:
    report.json is streamed from DuckDB, the other two list the first records per rule."""
    from newsclaims.reporting.chart import interval_panels
    from newsclaims.reporting.json_report import write_json_report
    from newsclaims.reporting.render import render_html, render_markdown
    from newsclaims.reporting.results import (REPORT_MEMORY_LIMIT, REPORT_THREADS,
                                              load_report_data, open_read_only)

    out, db = Path(out_dir), Path(db_path)
    stamp = generated_at or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    with tempfile.TemporaryDirectory(prefix="newsclaims-report-") as spill:
        con = open_read_only(db, memory_limit=REPORT_MEMORY_LIMIT, threads=REPORT_THREADS,
                             temp_directory=spill)
        try:
            data = load_report_data(con, db, rationales=rationales)
            if database_label is not None:  # e.g. a release names its files as the snapshot does
                data = dataclasses.replace(data, db_path=database_label)
            texts = {
                "md": render_markdown(data, stamp, reports_label or _display_path(out)),
                "html": render_html(data, stamp, interval_panels(data.chart.figures,
                                                                 data.chart.panel_totals)),
            }
            try:
                out.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise InputError(
                    f"{out}: cannot create the report folder ({exc.strerror})") from None
            json_tmp = write_json_report(con, data, stamp, out)
        finally:
            con.close()
    paths = {key: out / name for key, name in zip(("json", "md", "html"), REPORT_FILES)}
    temporary = {"json": str(json_tmp)}
    try:
        for key in ("md", "html"):
            temporary[key] = _write_temporary(paths[key], texts[key])
    except BaseException:
        for tmp in temporary.values():
            os.unlink(tmp)
        raise
    for key, tmp in temporary.items():
        os.replace(tmp, paths[key])
    return paths
