"""Every reader verifies the snapshot database it opens, cheaply.

``query``, ``connect()`` and ``load()`` check a snapshot's ``newsclaims.duckdb`` against its
``manifest.json`` before DuckDB reads it, as ``diff`` does: its size and sha256, no
write-ahead log beside it, and, when it was looked up by version, the version its manifest
states. Hashing a large database on every query would be slow, so a database that verified
is recorded in ``<cache>/verified.json`` with its size, modification and change times, inode
and device and the sha256 it matched; while all of those are unchanged it is not hashed
again. Any write to the file changes its change time (``ctime``), which no tool can set
back, so a damaged copy is hashed again and refused.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from newsclaims import snapshot
from newsclaims.errors import IntegrityError

RECORD = "verified.json"


def _stamp(path: Path) -> dict:
    st = os.stat(path)
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "ctime_ns": st.st_ctime_ns,
            "ino": st.st_ino, "dev": st.st_dev}


def _read_record(record_dir: Path) -> dict:
    try:
        record = json.loads((record_dir / RECORD).read_bytes())
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _write_record(record_dir: Path, key: str, value: dict) -> None:
    """Add one entry (best effort: a reader that cannot write its record still verified)."""
    try:
        record_dir.mkdir(parents=True, exist_ok=True)
        record = _read_record(record_dir)
        record[key] = value
        fd, tmp = tempfile.mkstemp(dir=record_dir, prefix=f".{RECORD}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(record, indent=1, sort_keys=True) + "\n")
            os.replace(tmp, record_dir / RECORD)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass


def check_database(folder: Path, record_dir: Path, version: str | None = None) -> Path:
    """The database of the snapshot ``folder``, verified against its manifest (hashed only
    when its record in ``record_dir`` does not match); ``version``: the version its manifest
    must state. Errors name the folder, worded as ``diff``'s."""
    folder = Path(folder)
    what = str(folder)
    try:
        data = (folder / snapshot.MANIFEST).read_bytes()
    except FileNotFoundError:
        raise IntegrityError(f"{what}: {snapshot.MANIFEST} is missing") from None
    manifest = snapshot.parse_manifest(data, str(folder / snapshot.MANIFEST))
    if version is not None and manifest.get("version") != version:
        raise IntegrityError(f"{what}: its manifest is for version "
                             f"{manifest.get('version')!r}, not {version}")
    entry = next((e for e in manifest["files"] if e["path"] == snapshot.DB_NAME), None)
    if entry is None:
        raise IntegrityError(f"{folder / snapshot.MANIFEST}: does not list {snapshot.DB_NAME}")
    snapshot.refuse_wal(folder, what)
    db = folder / snapshot.DB_NAME
    if not db.is_file():
        raise IntegrityError(f"{what}: {snapshot.DB_NAME} is missing")
    key = str(db.resolve())
    before = _stamp(db)
    expected = dict(before, sha256=entry["sha256"])
    if _read_record(record_dir).get(key) == expected and before["size"] == entry["bytes"]:
        return db
    snapshot.verify_database(folder)  # size and sha256, with diff's messages
    if _stamp(db) == before:  # unchanged while it was hashed
        _write_record(record_dir, key, expected)
    return db
