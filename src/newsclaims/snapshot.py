"""The files of a snapshot folder: Parquet tables, ``datapackage.json``, ``SHA256SUMS`` and
``manifest.json``, and the check of a folder against its manifest.

A snapshot folder ``<version>/`` holds::

    newsclaims.duckdb       the database (data, dq_results, dq_violations, release, changes)
    data/<table>.parquet    one file per contract table, rows in primary-key order
    datapackage.json        Frictionless (v1) descriptor of the Parquet files
    reports/                report.json, report.md, report.html
    CHANGELOG.md            record-level changes against the parent release
    CITATION.cff            how to cite this release (its version and date)
    LICENSE.md              the data's licence (curated records CC-BY-4.0; texts their own)
    SHA256SUMS              ``sha256sum -c`` format, every file but itself and the manifest
    manifest.json           every file with its bytes and sha256, plus the release's facts
    manifest.json.sig       Ed25519 signature over the manifest's bytes (signed releases)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path, PurePosixPath

import duckdb

from newsclaims import contract, dbfiles
from newsclaims.errors import IntegrityError

DB_NAME = "newsclaims.duckdb"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"
SUMS = "SHA256SUMS"
DATAPACKAGE = "datapackage.json"
CHANGELOG = "CHANGELOG.md"
CITATION = "CITATION.cff"
LICENSE = "LICENSE.md"
MANIFEST_FORMAT = 1

_FRICTIONLESS_TYPES = {
    "VARCHAR": "string",
    "BIGINT": "integer",
    "INTEGER": "integer",
    "SMALLINT": "integer",
    "DOUBLE": "number",
    "FLOAT": "number",
    "DECIMAL": "number",
    "DATE": "date",
    "TIMESTAMP": "datetime",
    "BOOLEAN": "boolean",
}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def contract_version() -> int:
    """The contract's major version, from the first line of ``sql/schema.sql``."""
    match = re.search(r"contract v(\d+)", contract.schema_sql().splitlines()[0])
    return int(match.group(1)) if match else 1


def export_parquet(db_path: Path, data_dir: Path) -> dict[str, Path]:
    """One Parquet file per contract table, rows ordered by the primary key."""
    data_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        for name, table in contract.tables().items():
            target = data_dir / f"{name}.parquet"
            order = ", ".join(table.primary_key)
            con.execute(
                f"COPY (SELECT * FROM {name} ORDER BY {order}) TO '{target}' "
                "(FORMAT parquet, COMPRESSION zstd)"
            )
            files[name] = target
    finally:
        con.close()
    return files


def row_counts(db_path: Path) -> dict[str, int]:
    """Rows per contract table of a database."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in contract.TABLES}
    finally:
        con.close()


def _field(column: contract.Column) -> dict:
    field: dict = {"name": column.name}
    if column.enum:
        field["type"] = "string"
        field["constraints"] = {"enum": list(column.enum)}
    else:
        field["type"] = _FRICTIONLESS_TYPES.get(column.type.split("(")[0], "any")
    if column.comment:
        field["description"] = column.comment
    if not column.nullable:
        field.setdefault("constraints", {})["required"] = True
    elif field["type"] in ("integer", "number"):
        # Frictionless reads Parquet through pandas, where a NULL integer becomes NaN.
        field["missingValues"] = ["", "nan"]
    return field


def datapackage(version: str, folder: Path, files: dict[str, Path]) -> dict:
    """A Frictionless (v1) data package descriptor of the Parquet files in ``folder``.

    Each resource carries its ``hash`` (``sha256:<hex>``) and its size as
    ``newsclaims:bytes``, and the package lists every file of the snapshot written so far
    (the DuckDB database, Parquet, reports, changelog) with ``bytes`` and ``sha256`` under
    ``newsclaims:files``. The size is not in the standard ``bytes`` property because the
    installed ``frictionless validate`` (5.21) reads Parquet through pyarrow, never counts
    its bytes, and so reports every declared ``bytes`` as wrong ("expected is N and actual
    is None"); custom properties are accepted. ``pull`` checks sizes from ``manifest.json``."""
    resources = []
    for name, table in contract.tables().items():
        path = files[name]
        schema: dict = {"fields": [_field(c) for c in table.columns],
                        "primaryKey": list(table.primary_key)}
        fks = []
        for fk in table.foreign_keys:
            fks.append({"fields": list(fk.columns),
                        "reference": {"resource": "" if fk.ref_table == name else fk.ref_table,
                                      "fields": list(fk.ref_columns)}})
        if fks:
            schema["foreignKeys"] = fks
        resources.append({
            "name": name,
            "path": path.relative_to(folder).as_posix(),
            "profile": "tabular-data-resource",
            "format": "parquet",
            "mediatype": "application/vnd.apache.parquet",
            "hash": f"sha256:{sha256_file(path)}",
            "newsclaims:bytes": path.stat().st_size,
            "schema": schema,
        })
    listed = [{"path": rel, "bytes": (folder / rel).stat().st_size,
               "sha256": sha256_file(folder / rel)}
              for rel in listed_files(folder) if rel != DATAPACKAGE]
    return {
        "profile": "tabular-data-package",
        "name": "newsclaims",
        "title": "newsclaims: news incidents and the claims made about them",
        "version": version,
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
                      "title": "Creative Commons Attribution 4.0 (the curated records; each "
                               "document text keeps its own licence, see LICENSE.md)"}],
        "resources": resources,
        "newsclaims:files": listed,
    }


def write_json(path: Path, data: dict) -> bytes:
    text = (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
    path.write_bytes(text)
    return text


def listed_files(folder: Path) -> list[str]:
    """Every file of the folder except the manifest, its signature and SHA256SUMS, sorted."""
    skip = {MANIFEST, SIGNATURE, SUMS}
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and p.relative_to(folder).as_posix() not in skip)


def write_sums(folder: Path) -> Path:
    lines = [f"{sha256_file(folder / rel)}  {rel}\n" for rel in listed_files(folder)]
    target = folder / SUMS
    target.write_text("".join(lines), encoding="utf-8")
    return target


def manifest(folder: Path, facts: dict) -> dict:
    """The manifest of ``folder``: ``facts`` plus every file (including SHA256SUMS)."""
    rels = listed_files(folder) + ([SUMS] if (folder / SUMS).is_file() else [])
    files = [{"path": rel, "bytes": (folder / rel).stat().st_size,
              "sha256": sha256_file(folder / rel)} for rel in sorted(rels)]
    return {"format": MANIFEST_FORMAT, **facts, "files": files}


MAX_NAME_BYTES = 255  # one folder or file name (NAME_MAX on Linux)
MAX_PATH_BYTES = 1024  # a whole relative path of a snapshot or registry


def safe_relpath(rel: str, what: str, source: str = "the manifest") -> str:
    """A path read from a manifest or an index must be a relative path that stays inside
    its folder and that every file system and web server takes the same way: text without
    NUL or control characters, encodable as UTF-8 (no lone surrogates), no name longer than
    255 bytes and no path longer than 1024. Anything else is refused in one line, before it
    reaches ``open`` or a URL."""
    if not isinstance(rel, str):
        raise IntegrityError(f"{what}: {source} gives {type(rel).__name__} "
                             f"{str(rel)[:40]!r} where a file path belongs")
    shown = repr(rel if len(rel) <= 80 else rel[:80] + "...")
    reason = ""
    try:
        encoded = rel.encode("utf-8")
    except UnicodeEncodeError:
        encoded, reason = b"", ": not encodable as UTF-8"
    if not reason and any(ord(c) < 32 or 127 <= ord(c) < 160 for c in rel):
        reason = ": a NUL or control character"
    elif not reason and (len(encoded) > MAX_PATH_BYTES
                         or any(len(p.encode()) > MAX_NAME_BYTES for p in rel.split("/"))):
        reason = (f": longer than {MAX_PATH_BYTES} bytes, or a name longer than "
                  f"{MAX_NAME_BYTES}")
    pure = PurePosixPath(rel)
    if (reason or not rel or pure.is_absolute() or ".." in pure.parts or "\\" in rel
            or rel.startswith("~") or any(p in ("", ".") for p in rel.split("/"))):
        raise IntegrityError(f"{what}: unsafe file path {shown} in {source}{reason}")
    return rel


def no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    """``object_pairs_hook`` for ``json.loads``: an object that names a key twice is refused
    (parsers disagree on which value wins, so a signed or checked file could say two things)."""
    result: dict = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def parse_manifest(data: bytes, what: str) -> dict:
    try:
        parsed = json.loads(data, object_pairs_hook=no_duplicate_keys)
        files = parsed["files"]
        for entry in files:
            safe_relpath(entry["path"], what)
            int(entry["bytes"])
            if not re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]):
                raise ValueError("bad sha256")
    except IntegrityError:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise IntegrityError(f"{what}: malformed manifest ({exc})") from None
    return parsed


def verify_folder(folder: Path, parsed_manifest: dict, what: str) -> None:
    """Every file listed in the manifest exists with its size and sha256, and no
    write-ahead log lies beside the database (``refuse_wal``)."""
    for entry in parsed_manifest["files"]:
        _verify_entry(folder, entry, what)
    refuse_wal(folder, what)


def refuse_wal(folder: Path, what: str) -> None:
    """A write-ahead log beside a snapshot's database is foreign: DuckDB would replay it
    on open (read-only too) and the database would say what no manifest signed."""
    log = dbfiles.wal_of(Path(folder) / DB_NAME)
    if os.path.lexists(log):
        raise IntegrityError(f"{what}: {log.name} lies beside the database: a write-ahead log "
                             "is no part of a release (its manifest lists none) and would "
                             "change what the database says; remove it")


def _verify_entry(folder: Path, entry: dict, what: str) -> None:
    path = folder / entry["path"]
    if not path.is_file():
        raise IntegrityError(f"{what}: {entry['path']} is missing")
    size = path.stat().st_size
    if size != entry["bytes"]:
        raise IntegrityError(f"{what}: {entry['path']} has {size} bytes, the manifest says "
                             f"{entry['bytes']}")
    if sha256_file(path) != entry["sha256"]:
        raise IntegrityError(f"{what}: {entry['path']} does not match its sha256 in the manifest")


def verify_database(folder: Path) -> Path:
    """The database of the snapshot ``folder``, checked against the folder's manifest (its
    size and sha256), so that a damaged or replaced file is refused before DuckDB reads it.
    Errors name the folder: ``<folder>: newsclaims.duckdb does not match ...``."""
    folder = Path(folder)
    what = str(folder)
    try:
        data = (folder / MANIFEST).read_bytes()
    except FileNotFoundError:
        raise IntegrityError(f"{what}: {MANIFEST} is missing") from None
    parsed = parse_manifest(data, f"{folder / MANIFEST}")
    entry = next((e for e in parsed["files"] if e["path"] == DB_NAME), None)
    if entry is None:
        raise IntegrityError(f"{folder / MANIFEST}: does not list {DB_NAME}")
    _verify_entry(folder, entry, what)
    refuse_wal(folder, what)
    return folder / DB_NAME
