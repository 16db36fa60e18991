"""Reading a batch folder and staging it next to the data.

A batch is a folder with one file per contract table (``<table>.parquet`` or
``<table>.csv``), in the contract's column names, every column of the table. Each row is a
new record or a correction (it replaces the stored record with the same primary key); a
retraction is a correction that sets ``status``. Nothing is ever deleted.

``stage(con, folder)`` checks the files and loads each into a temporary table
``nc_batch_<table>`` with the stored table's column types, or raises one ``InputError`` line
naming the file, the row and the column."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from newsclaims import contract
from newsclaims.errors import InputError
from newsclaims.rules.sql_fragments import quote_literal, record_id_sql

FORMATS = {".parquet": "read_parquet", ".csv": "read_csv"}
# the columns with which change-data-capture formats mark a deletion (Debezium, Delta's
# change data feed, ...): a batch adds and corrects records, it never deletes one
CHANGE_COLUMNS = ("_op", "op", "__op", "_change_type", "__deleted", "_deleted", "_delete")


def staged(table: str) -> str:
    return f"nc_batch_{table}"


@dataclass
class Batch:
    folder: Path
    files: dict[str, Path] = field(default_factory=dict)  # table -> file
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows staged

    @property
    def tables(self) -> list[str]:
        return [t for t in contract.TABLES if t in self.files]


def _files(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        raise InputError(f"{folder}: no such batch folder")
    known = contract.tables()
    files: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.is_dir():
            continue
        if path.suffix.lower() not in FORMATS:
            raise InputError(f"{path}: not a batch file (<table>.parquet or <table>.csv)")
        if path.stem not in known:
            raise InputError(f"{path}: no contract table '{path.stem}' (one of {', '.join(known)})")
        if path.stem in files:
            raise InputError(f"{path}: a second file for table {path.stem} (also {files[path.stem].name})")
        files[path.stem] = path
    if not files:
        raise InputError(f"{folder}: empty batch (no <table>.parquet or <table>.csv file)")
    return files


def _reader(path: Path) -> str:
    literal = quote_literal(str(path))
    if path.suffix.lower() == ".csv":
        return f"read_csv({literal}, header = true, all_varchar = true)"
    return f"read_parquet({literal})"


def _row_word(path: Path, index: int) -> str:
    """A row's place in its file: the CSV line (the header is line 1) or the Parquet row."""
    return f"line {index + 1}" if path.suffix.lower() == ".csv" else f"row {index}"


def stage(con, folder) -> Batch:
    """Check every file of ``folder`` and stage its rows as ``nc_batch_<table>``."""
    batch = Batch(Path(folder))
    batch.files = _files(batch.folder)
    for table in batch.tables:
        batch.rows[table] = _stage_file(con, table, batch.files[table])
    if not any(batch.rows.values()):
        raise InputError(f"{batch.folder}: empty batch (its files hold no rows)")
    return batch


def _stage_file(con, table: str, path: Path) -> int:
    spec = contract.tables()[table]
    try:
        con.execute(f"CREATE OR REPLACE TEMP VIEW nc_file AS SELECT * FROM {_reader(path)}")
        columns = [r[0] for r in con.execute("DESCRIBE nc_file").fetchall()]
    except duckdb.Error as exc:
        what = "Parquet" if path.suffix.lower() == ".parquet" else "CSV"
        first = str(exc).strip().splitlines()[0]
        raise InputError(f"{path}: not a readable {what} file ({first})") from None
    for col in columns:
        if col.lower() in CHANGE_COLUMNS:
            raise InputError(f"{path}: column {col}: records are never deleted or renamed; "
                             "retract a record by setting its status to 'retracted'")
        if col not in spec.column_names:
            raise InputError(f"{path}: column {col}: the contract's table {table} has no such column")
    missing = [c for c in spec.column_names if c not in columns]
    if missing:
        raise InputError(f"{path}: column {missing[0]} missing (a batch row carries every column "
                         f"of {table}: a correction replaces the whole record)")
    types = dict(con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = ?",
        [table]).fetchall())
    numbered = "SELECT row_number() OVER () AS nc_row, * FROM nc_file"
    for col in spec.column_names:
        bad = con.execute(
            f"SELECT nc_row, CAST({col} AS VARCHAR) FROM ({numbered}) WHERE {col} IS NOT NULL "
            f"AND TRY_CAST({col} AS {types[col]}) IS NULL LIMIT 1").fetchone()
        if bad:
            raise InputError(f"{path}: {_row_word(path, bad[0])}: column {col}: "
                             f"{bad[1]!r} is not a {types[col].lower()}")
    for key in spec.primary_key:
        empty = con.execute(f"SELECT nc_row FROM ({numbered}) WHERE {key} IS NULL LIMIT 1").fetchone()
        if empty:
            raise InputError(f"{path}: {_row_word(path, empty[0])}: primary key column {key} is empty "
                             "(a record cannot be placed without its id)")
    cast = ", ".join(f"CAST({c} AS {types[c]}) AS {c}" for c in spec.column_names)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {staged(table)} AS SELECT {cast} FROM nc_file")
    con.execute("DROP VIEW nc_file")
    twice = con.execute(
        f"SELECT {record_id_sql(table)} AS k, count(*) FROM {staged(table)} t GROUP BY k HAVING count(*) > 1 "
        "ORDER BY k LIMIT 1").fetchone()
    if twice:
        raise InputError(f"{path}: record {twice[0]} appears {twice[1]} times (one row per record)")
    return con.execute(f"SELECT count(*) FROM {staged(table)}").fetchone()[0]
