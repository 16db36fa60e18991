"""Check reports: ``report.json`` (the run and every rule), ``violations.jsonl`` (every
offending record, one JSON object a line), ``report.md`` (short), ``report.html`` (one page).

``write_reports(db_path, out_dir)`` reads ``dq_results``, ``dq_violations`` and the data
tables of a checked database and writes the four files: all four complete in temporary
files in ``out_dir`` (``PendingReports``), then moved into place with ``os.replace``, a
Ctrl-C held back during the moves: a reader never sees a half-written report, nor a new
report beside an old one."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from newsclaims.errors import InputError, NoRoom, disk_full
from newsclaims.interrupts import finishing, held

REPORT_FILES = ("report.json", "report.md", "report.html", "violations.jsonl")
REPORT_KEYS = ("json", "md", "html", "jsonl")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder."""
    os.replace(_write_temporary(path, text), path)


def _write_temporary(path: Path, text: str, register=None) -> str:
    """``text`` in a new temporary file beside ``path`` (readable by all); its name.
    ``register(name)`` is called the moment the file exists (a Ctrl-C cannot fall between)."""
    handle = tmp = None
    try:
        with held():  # a Ctrl-C here would leave the file without its name to remove it by
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            handle = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
            if register is not None:
                register(tmp)
        with handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; a report is meant to be read
        return tmp
    except BaseException:
        if handle is not None:
            handle.close()
        if tmp is not None:
            os.unlink(tmp)
        raise


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class PendingReports:
    """The three reports of a checked database, made in two steps: ``prepare(con)`` writes
    them to temporary files beside their places, each known to this object the moment it
    exists; ``commit()`` moves them into place, ``discard()`` removes them. Whoever holds
    the object can therefore always clean up, wherever a Ctrl-C lands."""

    def __init__(self, out_dir, db_path, *, rationales: dict[str, str] | None = None,
                 generated_at: str | None = None, database_label: str | None = None,
                 reports_label: str | None = None, selection: list[str] | None = None):
        self.out, self.db = Path(out_dir), Path(db_path)
        self.paths = {key: self.out / name for key, name in zip(REPORT_KEYS, REPORT_FILES)}
        self._options = dict(rationales=rationales, generated_at=generated_at,
                             database_label=database_label, reports_label=reports_label,
                             selection=selection)
        self._temporary: dict[str, str] = {}

    def prepare(self, con) -> None:
        """Render the reports of the database behind ``con`` into temporary files."""
        try:
            _render(con, self)
        except BaseException as exc:
            self.discard()
            full = disk_full(exc) if isinstance(exc, Exception) else None
            if full is not None:
                raise NoRoom(f"{self.out}: cannot write the reports ({full}); the previous "
                             "reports and results were left as they were", full) from None
            raise

    def _register(self, key: str):
        return lambda tmp: self._temporary.__setitem__(key, str(tmp))

    def commit(self) -> dict[str, Path]:
        try:
            for key in list(self._temporary):
                os.replace(self._temporary[key], self.paths[key])
                del self._temporary[key]
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
                  reports_label: str | None = None,
                  selection: list[str] | None = None) -> dict[str, Path]:
    """Write ``report.json``, ``report.md``, ``report.html`` and ``violations.jsonl`` to
    ``out_dir``.

    ``rationales`` (rule id -> text) defaults to the catalogue's. ``database_label`` and
    ``reports_label`` replace the database path and the reports folder the reports name
    (a release names them as they sit inside the snapshot). ``selection`` (the ``--select``
    of a run of some rules only) is stated in every report. Returns the paths keyed
    ``json``, ``md``, ``html``, ``jsonl``. All four are complete in temporary files before
    any is moved into place (``PendingReports``)."""
    from newsclaims.reporting.results import REPORT_MEMORY_LIMIT, REPORT_THREADS, open_read_only

    pending = PendingReports(out_dir, db_path, rationales=rationales, generated_at=generated_at,
                             database_label=database_label, reports_label=reports_label,
                             selection=selection)
    try:
        with tempfile.TemporaryDirectory(prefix="newsclaims-report-") as spill:
            con = open_read_only(pending.db, memory_limit=REPORT_MEMORY_LIMIT,
                                 threads=REPORT_THREADS, temp_directory=spill)
            try:
                pending.prepare(con)
            finally:
                con.close()
        with finishing():
            return pending.commit()
    except BaseException:
        pending.discard()
        raise


def _render(con, pending: PendingReports) -> None:
    """``pending``'s four reports of the database behind ``con``, in temporary files in
    its folder (made if missing). Memory stays bounded whatever the number of offending
    records: violations.jsonl is written by DuckDB, the pages list the first records of
    each rule."""
    from newsclaims.reporting.chart import interval_panels
    from newsclaims.reporting.json_report import write_json_report
    from newsclaims.reporting.origins import source_lines
    from newsclaims.reporting.render import render_html, render_markdown
    from newsclaims.reporting.results import load_report_data
    from newsclaims.reporting.rows import null_keys, table_rows

    out, options = pending.out, pending._options
    stamp = options["generated_at"] or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    data = load_report_data(con, pending.db, rationales=options["rationales"])
    listed = {(v.table, v.record_id) for shown in data.examples.values() for v in shown}
    data = dataclasses.replace(data, rows=table_rows(con, data.tables),
                               null_keys=null_keys(con, data.tables),
                               selection=_selection(options["selection"], data),
                               origins=source_lines(data.dataset_digest, listed))
    if options["database_label"] is not None:  # a release names its files as the snapshot does
        data = dataclasses.replace(data, db_path=options["database_label"])
    texts = {
        "md": render_markdown(data, stamp, options["reports_label"] or _display_path(out)),
        "html": render_html(data, stamp, interval_panels(data.chart.figures,
                                                         data.chart.panel_totals)),
    }
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot create the report folder ({exc.strerror})") from None
    for path in pending.paths.values():  # refused now, not half-way through the moves
        if path.exists() and not path.is_file():
            raise InputError(f"{path}: exists and is not a file; the report cannot replace it")
    write_json_report(con, data, stamp, pending.paths["json"], pending.paths["jsonl"],
                      register=pending._register)
    for key in ("md", "html"):
        _write_temporary(pending.paths[key], texts[key], register=pending._register(key))


def _selection(select: list[str] | None, data) -> dict | None:
    """What a run of some rules only ran: its ``--select``, the rules it ran and the
    catalogue's size (``None`` for a run of every rule)."""
    if not select:
        return None
    from newsclaims.rules.catalogue import load_catalogue

    try:
        catalogue = len(load_catalogue())
    except InputError:
        catalogue = None
    return {"select": list(select), "rules_run": len(data.rules), "catalogue_rules": catalogue}
