"""Reads the curated files of ``dataset/`` into one polars frame per contract table.

The layout is the one ``docs/curation.md`` describes (``LAYOUT``). Every row carries the
file it came from and the line its record starts on (``_file``, ``_line``), so that any
later complaint can point at it. ``_file`` is the path as the user sees it (relative to the
current directory when the dataset lies under it).

What this module refuses, as one ``file:line: ...`` ``InputError``: a missing file or
folder, an unexpected file in a per-document folder, a document without its ``.txt`` (or a
``.txt`` without its document; a citation-only document, ``text_policy: cite``, has no
``.txt``, and one beside it is refused), a document whose ``doc_id`` is not its file name, and
(through ``newsclaims.source_formats``) malformed YAML or CSV, a duplicate YAML key, an
unknown key or CSV column, a file that is not UTF-8. What it does *not* judge: types,
enums, ids (beyond that file name), references. A value whose type
does not fit its column is kept as written, and the column becomes a ``pl.Object`` column,
so that the pandera schema reports it (``newsclaims.schemas``) with the record it is in.

Columns have the contract's dtypes even when every value is null; the build-derived
columns (``DERIVED``) are absent; ``claims`` has the curator's extra ``occurrence``.
Document texts are used verbatim (bytes decoded as UTF-8, no newline or Unicode change);
one with a byte-order mark, a NUL, a ``\\r`` or not in Unicode NFC is refused
(``source_formats.document_text``).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from newsclaims import contract, source_formats
from newsclaims.errors import source_error
from newsclaims.source_values import Misfit, fit_value

# table -> (format, path relative to dataset/). "csv" and "yaml-list" are one file;
# "yaml-docs" is one mapping per documents/<doc_id>.yml (+ .txt); "yaml-per-doc" is one
# list per <folder>/<doc_id>.yml.
LAYOUT: dict[str, tuple[str, str]] = {
    "countries": ("csv", "countries.csv"),
    "actors": ("yaml-list", "actors.yml"),
    "actor_aliases": ("csv", "actor_aliases.csv"),
    "places": ("yaml-list", "places.yml"),
    "place_aliases": ("csv", "place_aliases.csv"),
    "documents": ("yaml-docs", "documents"),
    "incidents": ("yaml-list", "incidents.yml"),
    "claims": ("yaml-per-doc", "claims"),
    "claim_relays": ("csv", "claim_relays.csv"),
    "claim_links": ("csv", "claim_links.csv"),
    "figures": ("yaml-per-doc", "figures"),
}

# Columns the build derives; a curator never writes them.
DERIVED: dict[str, tuple[str, ...]] = {
    "documents": ("text_sha256", "published_on_from", "published_on_to"),
    "incidents": ("start_date_from", "start_date_to", "end_date_from", "end_date_to"),
    "claims": ("quote_start", "quote_end", "claim_date_from", "claim_date_to"),
    "figures": ("value_low", "value_high"),
}
# The text policy whose documents have no text file: the dataset never holds their text.
CITE = "cite"
# documents.text is read from <doc_id>.txt, never written in the YAML.
FROM_TEXT_FILE: dict[str, tuple[str, ...]] = {"documents": ("text",)}
# Keys a curator may write that are not contract columns.
EXTRA: dict[str, dict[str, pl.DataType]] = {"claims": {"occurrence": pl.Int64()}}

TAG_COLUMNS = ("_file", "_line")

_POLARS_TYPES: dict[str, pl.DataType] = {
    "VARCHAR": pl.String(),
    "INTEGER": pl.Int32(),
    "BIGINT": pl.Int64(),
    "DOUBLE": pl.Float64(),
    "DATE": pl.Date(),
}


def polars_type(column: contract.Column) -> pl.DataType:
    """The polars dtype of a contract column (an ENUM column is text)."""
    if column.enum is not None:
        return pl.String()
    return _POLARS_TYPES[column.type]


def source_columns(table: str) -> dict[str, pl.DataType]:
    """The columns of ``table``'s source frame (without the ``_file``/``_line`` tags)."""
    derived = DERIVED.get(table, ())
    cols = {
        c.name: polars_type(c)
        for c in contract.tables()[table].columns
        if c.name not in derived
    }
    cols.update(EXTRA.get(table, {}))
    return cols


def curator_keys(table: str) -> tuple[str, ...]:
    """The keys (or CSV columns) a curator writes for ``table``."""
    skip = FROM_TEXT_FILE.get(table, ())
    return tuple(c for c in source_columns(table) if c not in skip)


def build_frame(table: str, records: list[dict], files: list[str], lines: list[int]) -> pl.DataFrame:
    """One frame from records (key -> value), with the source dtypes and the tags."""
    series = []
    for name, dtype in source_columns(table).items():
        values = [r.get(name) for r in records]
        try:
            fitted = [fit_value(v, dtype) for v in values]
            series.append(pl.Series(name, fitted, dtype=dtype))
        except Misfit:
            series.append(pl.Series(name, values, dtype=pl.Object()))
    series.append(pl.Series("_file", files, dtype=pl.String()))
    series.append(pl.Series("_line", lines, dtype=pl.Int64()))
    return pl.DataFrame(series)


# --- the dataset --------------------------------------------------------------------


@dataclass
class Sources:
    """The frames read from a dataset folder, and what they were read from."""

    frames: dict[str, pl.DataFrame]
    files: dict[str, bytes] = field(repr=False)  # dataset-relative POSIX path -> bytes

    @property
    def digest(self) -> str:
        """SHA-256 over every source file's relative path and bytes, in path order."""
        h = hashlib.sha256()
        for rel in sorted(self.files):
            data = self.files[rel]
            h.update(f"{rel}\0{len(data)}\0".encode())
            h.update(data)
        return h.hexdigest()


def shown_path(path: Path) -> str:
    """``path`` as messages show it: relative to the current directory when under it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive
        return str(path)
    return str(path) if rel.startswith("..") else Path(rel).as_posix()


class _Reader:
    def __init__(self, dataset_dir: Path):
        self.root = dataset_dir
        self.files: dict[str, bytes] = {}

    def read(self, rel: str) -> tuple[str, bytes]:
        path = self.root / rel
        shown = shown_path(path)
        if not path.is_file():
            raise source_error(shown, None, "missing; the dataset layout is in docs/curation.md")
        data = path.read_bytes()
        self.files[rel] = data
        return shown, data

    def folder(self, rel: str, allowed_suffixes: tuple[str, ...]) -> list[str]:
        """The dataset-relative paths of the files of a folder, sorted; odd files refused."""
        path = self.root / rel
        if not path.is_dir():
            raise source_error(shown_path(path), None, "missing folder; the dataset layout is in docs/curation.md")
        names = sorted(p.name for p in path.iterdir() if not p.name.startswith("."))
        for name in names:
            if not name.endswith(allowed_suffixes) or not (path / name).is_file():
                raise source_error(
                    shown_path(path / name), None,
                    f"unexpected file in {rel}/; it holds only <doc_id>{' and <doc_id>'.join(allowed_suffixes)} files",
                )
        return [f"{rel}/{name}" for name in names]


def _read_documents(reader: _Reader) -> pl.DataFrame:
    records, files, lines = [], [], []
    rels = reader.folder("documents", (".yml", ".txt"))
    ymls = {r[: -len(".yml")] for r in rels if r.endswith(".yml")}
    for rel in rels:
        if rel.endswith(".txt") and rel[: -len(".txt")] not in ymls:
            raise source_error(
                shown_path(reader.root / rel), None,
                f"text without a document record: add {Path(rel).stem}.yml beside it",
            )
    for stem in sorted(ymls):
        shown, data = reader.read(f"{stem}.yml")
        (record,) = source_formats.yaml_records(curator_keys("documents"), shown, data, single=True)
        doc_id, name = record.get("doc_id"), Path(stem).name
        if isinstance(doc_id, str) and doc_id != name:  # one of the wrong type is the schema's
            raise source_error(
                shown, record.line,
                f"document {doc_id}: doc_id {doc_id} does not match the file name {name}; a document is "
                f"documents/<doc_id>.yml with its text in documents/<doc_id>.txt",
            )
        txt = reader.root / f"{stem}.txt"
        label = f"document {record.get('doc_id', Path(stem).name)}"
        if record.get("text_policy") == CITE:
            if txt.is_file():
                raise source_error(
                    shown_path(txt), None,
                    f"{label} is citation-only (text_policy: cite): the dataset holds no text of it; "
                    f"delete {Path(stem).name}.txt, or give the document the policy its licence allows",
                )
            records.append({**record, "text": None})
        else:
            if not txt.is_file():
                raise source_error(
                    shown, record.line,
                    f"{label}: text file {shown_path(txt)} is missing",
                )
            txt_shown, txt_bytes = reader.read(f"{stem}.txt")
            records.append({**record, "text": source_formats.document_text(txt_shown, txt_bytes)})
        files.append(shown)
        lines.append(record.line)
    return build_frame("documents", records, files, lines)


def read_dataset(dataset_dir: Path) -> Sources:
    """Read every source file of ``dataset_dir`` (see ``LAYOUT``) into polars frames."""
    dataset_dir = Path(dataset_dir)
    if not dataset_dir.is_dir():
        raise source_error(shown_path(dataset_dir), None, "dataset folder not found")
    reader = _Reader(dataset_dir)
    frames: dict[str, pl.DataFrame] = {}
    for table, (fmt, rel) in LAYOUT.items():
        if fmt == "csv":
            shown, data = reader.read(rel)
            types = {k: source_columns(table)[k] for k in curator_keys(table)}
            records, lines = source_formats.csv_records(types, shown, data)
            frames[table] = build_frame(table, records, [shown] * len(records), lines)
        elif fmt == "yaml-list":
            shown, data = reader.read(rel)
            records = source_formats.yaml_records(curator_keys(table), shown, data, single=False)
            frames[table] = build_frame(table, records, [shown] * len(records), [r.line for r in records])
        elif fmt == "yaml-docs":
            frames[table] = _read_documents(reader)
        else:  # yaml-per-doc
            records, files = [], []
            for file_rel in reader.folder(rel, (".yml",)):
                shown, data = reader.read(file_rel)
                found = source_formats.yaml_records(curator_keys(table), shown, data, single=False)
                records.extend(found)
                files.extend([shown] * len(found))
            frames[table] = build_frame(table, records, files, [r.line for r in records])
    return Sources(frames, reader.files)
