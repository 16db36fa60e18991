"""The pandera models of ``newsclaims.schemas`` as part of a check run.

``run_pandera(db_path)`` loads every contract table with polars and validates it with its
model (``lazy=True``: every failure collected), and returns one
``(table, record_id, message)`` per offending record, its failures joined by ``; ``.
A run stores these as one rule per table, ``<table>.pandera_schema``. Failures that
concern no single row (a column of the wrong type) get the record id ``*``.
"""

from __future__ import annotations

from pathlib import Path

from newsclaims import contract


def _record_id(frame, index: int, keys: tuple[str, ...]) -> str:
    return "|".join("" if frame[index, k] is None else str(frame[index, k]) for k in keys)


def validate_table(con, table: str) -> list[tuple[str, str, str]]:
    """The offending records of one table, in row order."""
    from newsclaims import schemas  # first: it imports pandera without pyspark

    import pandera.polars as pa
    import polars as pl

    frame = schemas.read_table(con, table)
    try:
        schemas.SCHEMAS[table].validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return []
    keys = contract.tables()[table].primary_key
    by_record: dict[str, list[str]] = {}
    order: list[str] = []
    # stable: a record's failures keep the order of the model's checks, however many rows it holds
    for case in cases.sort("index", nulls_last=True, maintain_order=True).iter_rows(named=True):
        index = case["index"]
        record = "*" if index is None else _record_id(frame, index, keys)
        column = case["column"] if case["column"] not in (None, table) else "row"
        text = f"{column}: {case['check']}"
        if case["failure_case"] is not None and index is None:
            text += f" ({case['failure_case']})"
        elif index is not None and column in frame.columns:
            value = frame[index, column]
            text += f" (got {value!r})" if not isinstance(value, pl.Series) else ""
        if record not in by_record:
            by_record[record] = []
            order.append(record)
        if text not in by_record[record]:
            by_record[record].append(text)
    return [(table, record, "; ".join(by_record[record])) for record in order]


def run_pandera(db_path) -> list[tuple[str, str, str]]:
    """Every record that its table's pandera model rejects: (table, record_id, message)."""
    from newsclaims.engines.duckdb.database import open_database

    con = open_database(Path(db_path), read_only=True)
    try:
        found: list[tuple[str, str, str]] = []
        for table in contract.TABLES:
            found.extend(validate_table(con, table))
        return found
    finally:
        con.close()
