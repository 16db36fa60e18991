"""Check reports: ``report.json`` (complete), ``report.md`` (short), ``report.html`` (one page).

``write_reports(db_path, out_dir)`` reads ``dq_results``, ``dq_violations`` and the data
tables of a checked database and writes the three files, each atomically (a temporary
file in ``out_dir``, then ``os.replace``): a reader never sees a half-written report."""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from newsclaims.errors import InputError

REPORT_FILES = ("report.json", "report.md", "report.html")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; a report is meant to be read
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def write_reports(db_path, out_dir, *, rationales: dict[str, str] | None = None,
                  generated_at: str | None = None) -> dict[str, Path]:
    """Write ``report.json``, ``report.md`` and ``report.html`` to ``out_dir``.

    ``rationales`` (rule id -> text) defaults to the catalogue's. Returns the paths keyed
    ``json``, ``md``, ``html``. Everything is rendered before anything is written."""
    from newsclaims.reporting.chart import interval_panels
    from newsclaims.reporting.render import render_html, render_json, render_markdown
    from newsclaims.reporting.results import load_report_data

    out = Path(out_dir)
    data = load_report_data(Path(db_path), rationales=rationales)
    stamp = generated_at or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    texts = {
        "json": render_json(data, stamp),
        "md": render_markdown(data, stamp, _display_path(out)),
        "html": render_html(data, stamp, interval_panels(data.figures)),
    }
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot create the report folder ({exc.strerror})") from None
    paths = {}
    for key, name in zip(("json", "md", "html"), REPORT_FILES):
        paths[key] = out / name
        write_atomic(paths[key], texts[key])
    return paths
