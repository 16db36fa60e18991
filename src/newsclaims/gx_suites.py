"""``newsclaims export-gx``: the catalogue written as Great Expectations suites, one JSON
file per table and a ``summary.json`` of what GX cannot express (``engines.gx.export``)."""

from __future__ import annotations

import json
from pathlib import Path

import newsclaims.engines.gx  # noqa: F401  (says how to install the extra when missing)
from newsclaims.engines.gx.export import Export, build_suites, suite_json
from newsclaims.errors import InputError
from newsclaims.rules.catalogue import Rule


def export_gx(out_dir, rules: list[Rule] | None = None) -> tuple[dict[str, Path], Export]:
    """Write ``<table>.json`` (one GX suite per table) and ``summary.json`` to ``out_dir``.

    Returns the written paths (table -> path, plus ``summary``) and the export."""
    from newsclaims.reporting import write_atomic
    from newsclaims.rules.catalogue import load_catalogue

    export = build_suites(load_catalogue() if rules is None else rules)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot create the output folder ({exc.strerror})") from None
    paths: dict[str, Path] = {}
    for table, suite in sorted(export.suites.items()):
        paths[table] = out / f"{table}.json"
        write_atomic(paths[table], suite_json(suite))
    paths["summary"] = out / "summary.json"
    write_atomic(paths["summary"], json.dumps(export.summary(), indent=2) + "\n")
    return paths, export
