"""Data derived from a project file, cached under the SHA-256 of that file's text.

``check`` starts by introspecting the contract (``sql/schema.sql`` run in an in-memory
DuckDB: 0.05 s) and parsing the catalogue (``checks/*.yml``: 0.03 s with the YAML import).
Both results depend on the text alone, so they are kept as JSON in the user cache folder
(``~/.cache/newsclaims/derived`` on Linux), one file per kind and text digest: an edited
file has a new digest and is derived afresh. The cache can only make a run faster, never
different: an entry that cannot be read, parsed or written is ignored, and a value that
does not survive a JSON round trip unchanged is not cached.

``NEWSCLAIMS_DERIVED_CACHE`` names another folder, or ``off`` for no cache."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

ENV = "NEWSCLAIMS_DERIVED_CACHE"
FORMAT = "1"  # bump when a cached shape changes
KEEP = 256  # entries kept: each write beyond it removes the least recently written ones


def folder() -> Path | None:
    where = os.environ.get(ENV)
    if where == "off":
        return None
    if where:
        return Path(where)
    import platformdirs

    return Path(platformdirs.user_cache_dir("newsclaims")) / "derived"


def entry_path(kind: str, text: str) -> Path | None:
    """Where the value derived (``kind``) from ``text`` is kept; None when caching is off."""
    base = folder()
    if base is None:
        return None
    digest = hashlib.sha256(f"{FORMAT}\n{kind}\n{text}".encode("utf-8")).hexdigest()
    return base / f"{kind}-{digest}.json"


def derived(kind: str, text: str, compute: Callable[[], object],
            valid: Callable[[object], bool] = lambda value: True):
    """``compute()``, or its cached JSON value for ``(kind, text)`` when ``valid`` accepts
    it (an entry of another shape, however it came there, is derived again and replaced)."""
    path = entry_path(kind, text)
    if path is not None:
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
            if valid(value):
                return value
        except (OSError, ValueError):
            pass
    value = compute()
    if path is not None:
        _write(path, value)
    return value


def _write(path: Path, value) -> None:
    """Atomically (a reader never sees half a file); quietly not at all on any OSError or
    for a value JSON would change (tuples, dates, non-string keys)."""
    try:
        text = json.dumps(value)
        if json.loads(text) != value:
            return
    except (TypeError, ValueError):
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        _prune(path.parent)
    except OSError:
        pass


def _prune(base: Path) -> None:
    """Every edit of a catalogue file or of the DDL adds an entry: keep the newest ``KEEP``."""
    entries = list(base.glob("*.json"))
    if len(entries) <= KEEP:
        return
    entries.sort(key=lambda p: p.stat().st_mtime_ns)
    for old in entries[: len(entries) - KEEP]:
        old.unlink(missing_ok=True)
