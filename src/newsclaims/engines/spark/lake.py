"""A lake: one Parquet dataset per contract table, ``<lake>/<table>.parquet`` (a file, or a
folder of part files) or ``<lake>/<table>/`` (a folder of part files). A release snapshot's
``data/`` folder is one as it is. The lake may be a local folder or any URI Spark reads
(``s3a://``, ``abfss://``, ``hdfs://``, ``file:``).

``register_lake`` reads every table, checks its columns against the contract (a missing
column or one of the wrong type is one line: ``claims.claim_date: expected DATE, found
STRING``) and registers it as a temporary view named after the table, plus a view
``<table>__rows`` with a row identity ``nc_row`` (``monotonically_increasing_id()``, unique
within one read) where DuckDB uses ``rowid``, and the lake's catalogue ``lake_tables``, in
the shape of DuckDB's ``duckdb_tables()`` (which ``translate`` reads as it): the contract's
tables, and ``release`` where the lake is a release snapshot's ``data/`` (as a snapshot's
database holds a ``release`` table; a lake never holds ``hydrated_texts``, which ``hydrate``
writes into a database of its own)."""

from __future__ import annotations

import os
from urllib.parse import urlparse

from newsclaims import contract
from newsclaims.errors import InputError

ROW_ID = "nc_row"
CATALOG = "lake_tables"
# contract type -> the Spark types a lake column of it may have
ACCEPTED = {
    "VARCHAR": ("string",),
    "DATE": ("date",),
    "INTEGER": ("int", "smallint", "tinyint", "bigint"),
    "BIGINT": ("bigint", "int", "smallint", "tinyint"),
    "DOUBLE": ("double", "float"),
}


def is_local(uri: str) -> bool:
    scheme = urlparse(str(uri)).scheme
    return scheme in ("", "file") or len(scheme) == 1  # a Windows drive letter


def local_path(uri: str) -> str:
    text = str(uri)
    return urlparse(text).path if text.startswith("file:") else text


def join(uri: str, name: str) -> str:
    return str(uri).rstrip("/") + "/" + name


def table_locations(lake: str, table: str) -> list[str]:
    return [join(lake, f"{table}.parquet"), join(lake, table)]


def expected_type(column) -> str:
    return "VARCHAR" if column.enum else column.type


def _read(spark, lake: str, table: str):
    """The table's DataFrame, or one line saying it is not in the lake."""
    candidates = table_locations(lake, table)
    if is_local(lake):
        if not os.path.isdir(local_path(lake)):
            raise InputError(f"{lake}: no such lake folder (one Parquet dataset per table: "
                             "<table>.parquet or <table>/)")
        candidates = [c for c in candidates if os.path.exists(local_path(c))]
    for location in candidates:
        try:
            frame = spark.read.parquet(location)
            frame.schema  # Spark Connect resolves lazily: make a missing path fail here
            return frame, location
        except Exception as exc:  # noqa: BLE001 - a missing path, whatever its class
            if "PATH_NOT_FOUND" in str(exc) or "does not exist" in str(exc):
                continue
            text = " ".join(str(exc).split())[:200]
            raise InputError(f"{location}: not a Parquet dataset: {text}") from None
    raise InputError(f"{lake}: no table {table} (expected {table}.parquet or {table}/ of "
                     "Parquet part files)")


def check_columns(frame, table: str, location: str) -> None:
    _check({f.name: f.dataType.simpleString() for f in frame.schema.fields}, table, location)


ARROW_NAMES = {"string": "string", "large_string": "string", "string_view": "string",
               "date32[day]": "date", "date64[ms]": "date", "int8": "tinyint", "int16": "smallint",
               "int32": "int", "int64": "bigint", "float": "float", "double": "double", "bool": "boolean"}


def check_local_lake(lake: str) -> None:
    """A local lake's tables and columns, checked from the Parquet footers alone (pyarrow)
    before any Spark session starts: a missing table or column is one line in a moment."""
    import pyarrow.dataset as ds

    root = local_path(lake)
    if not os.path.isdir(root):
        raise InputError(f"{lake}: no such lake folder (one Parquet dataset per table: "
                         "<table>.parquet or <table>/)")
    for table in contract.TABLES:
        found = [c for c in table_locations(lake, table) if os.path.exists(local_path(c))]
        if not found:
            raise InputError(f"{lake}: no table {table} (expected {table}.parquet or {table}/ of "
                             "Parquet part files)")
        try:
            schema = ds.dataset(local_path(found[0]), format="parquet").schema
        except Exception as exc:  # noqa: BLE001 - pyarrow's errors for a file that is not Parquet
            text = " ".join(str(exc).split())[:200]
            raise InputError(f"{found[0]}: not a Parquet dataset: {text}") from None
        names = {f.name: ARROW_NAMES.get(str(f.type), str(f.type)) for f in schema}
        _check(names, table, found[0])


def _check(found: dict[str, str], table: str, location: str) -> None:
    for column in contract.tables()[table].columns:
        want = expected_type(column)
        if column.name not in found:
            raise InputError(f"{location}: {table}.{column.name}: expected {want}, found no such column")
        have = found[column.name].split("(")[0]
        if have not in ACCEPTED.get(want, (want.lower(),)):
            raise InputError(f"{location}: {table}.{column.name}: expected {want}, found {have.upper()}")


def remote_parent(uri: str) -> str | None:
    """The folder a remote lake lies in (None for a bucket's or a file system's root)."""
    text = str(uri).rstrip("/")
    if urlparse(text).path in ("", "/"):
        return None
    return text.rpartition("/")[0]


def exists(spark, uri: str) -> bool:
    """Whether a file is there: on the local file system, or as Spark reads ``uri``."""
    if is_local(uri):
        return os.path.isfile(local_path(uri))
    try:
        spark.read.text(uri).schema  # a missing path fails here (Spark Connect too)
        return True
    except Exception:  # noqa: BLE001 - a missing path, whatever its class
        return False


def register_lake(spark, lake: str, *, release: bool = False) -> dict[str, object]:
    """Read, check and register every contract table and the lake's catalogue (``release``:
    the lake is a release snapshot's ``data/``); return table -> DataFrame."""
    from pyspark.sql import functions as F

    frames = {}
    for table in contract.TABLES:
        frame, location = _read(spark, lake, table)
        check_columns(frame, table, location)
        names = [c.name for c in contract.tables()[table].columns]
        frame = frame.select(*names)
        frame.createOrReplaceTempView(table)
        frame.withColumn(ROW_ID, F.monotonically_increasing_id()).createOrReplaceTempView(f"{table}__rows")
        frames[table] = frame
    names = list(contract.TABLES) + (["release"] if release else [])
    spark.createDataFrame([("lake", "main", name) for name in names],
                          "database_name STRING, schema_name STRING, table_name STRING").createOrReplaceTempView(CATALOG)
    return frames
