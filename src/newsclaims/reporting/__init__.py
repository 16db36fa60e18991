"""Check reports: ``report.json`` (complete), ``report.md`` (short), ``report.html`` (one page).

``write_reports(db_path, out_dir)`` reads ``dq_results``, ``dq_violations`` and the data
tables of a checked database and writes the three files: all three complete in temporary
files in ``out_dir`` (``prepare_reports``), then moved into place with ``os.replace``, a
Ctrl-C held back during the moves: a reader never sees a half-written report, nor a new
report beside an old one."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from newsclaims.errors import InputError
from newsclaims.interrupts import finishing, held

REPORT_FILES = ("report.json", "report.md", "report.html")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder."""
    os.replace(_write_temporary(path, text), path)


def _write_temporary(path: Path, text: str) -> str:
    """``text`` in a new temporary file beside ``path`` (readable by all); its name."""
    tmp = None
    try:
        with held():  # a Ctrl-C here would leave the file without its name to remove it by
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; a report is meant to be read
        return tmp
    except BaseException:
        if tmp is not None:
            os.unlink(tmp)
        raise


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class PendingReports:
    """The three reports, complete in temporary files beside their places: ``commit()``
    moves them into place, ``discard()`` removes them."""

    def __init__(self, paths: dict[str, Path], temporary: dict[str, str]):
        self.paths = paths
        self._temporary = dict(temporary)

    def commit(self) -> dict[str, Path]:
        try:
            for key in list(self._temporary):
                os.replace(self._temporary.pop(key), self.paths[key])
        finally:
            self.discard()
        return self.paths

    def discard(self) -> None:
        for tmp in self._temporary.values():
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
        self._temporary = {}


def write_reports(db_path, out_dir, *, rationales: dict[str, str] | None = None,
                  generated_at: str | None = None, database_label: str | None = None,
                  reports_label: str | None = None) -> dict[str, Path]:
    """Write ``report.json``, ``report.md`` and ``report.html`` to ``out_dir``.

    ``rationales`` (rule id -> text) defaults to the catalogue's. ``database_label`` and
    ``reports_label`` replace the database path and the reports folder the reports name
    (a release names them as they sit inside the snapshot). Returns the paths keyed
    ``json``, ``md``, ``html``. All three are complete in temporary files before any is
    moved into place (``prepare_reports``)."""
    from newsclaims.reporting.results import REPORT_MEMORY_LIMIT, REPORT_THREADS, open_read_only

    db = Path(db_path)
    with tempfile.TemporaryDirectory(prefix="newsclaims-report-") as spill:
        con = open_read_only(db, memory_limit=REPORT_MEMORY_LIMIT, threads=REPORT_THREADS,
                             temp_directory=spill)
        try:
            pending = prepare_reports(con, db, out_dir, rationales=rationales,
                                      generated_at=generated_at, database_label=database_label,
                                      reports_label=reports_label)
        finally:
            con.close()
    with finishing():
        return pending.commit()


def prepare_reports(con, db_path, out_dir, *, rationales: dict[str, str] | None = None,
                    generated_at: str | None = None, database_label: str | None = None,
                    reports_label: str | None = None) -> PendingReports:
    """The three reports of the checked database behind ``con``, written to temporary files
    in ``out_dir`` (made if missing) and not yet in place. Memory stays bounded whatever
    the number of offending records: report.json is streamed from DuckDB, the other two
    list the first records per rule."""
    from newsclaims.reporting.chart import interval_panels
    from newsclaims.reporting.json_report import write_json_report
    from newsclaims.reporting.render import render_html, render_markdown
    from newsclaims.reporting.results import load_report_data

    out, db = Path(out_dir), Path(db_path)
    stamp = generated_at or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
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
        raise InputError(f"{out}: cannot create the report folder ({exc.strerror})") from None
    paths = {key: out / name for key, name in zip(("json", "md", "html"), REPORT_FILES)}
    temporary = {"json": str(write_json_report(con, data, stamp, out))}
    try:
        for key in ("md", "html"):
            temporary[key] = _write_temporary(paths[key], texts[key])
    except BaseException:
        PendingReports(paths, temporary).discard()
        raise
    return PendingReports(paths, temporary)
