"""The baseline `bench/ingest.py` sets beside `newsclaims ingest`: the same batch written into the
database with no audit at all, as a pipeline without one would write it.

    .venv/bin/python bench/plain_load.py BATCH DB

In one transaction, for each file of BATCH (Parquet or CSV, named after its table): the stored
rows with the batch's keys are deleted and the batch's rows inserted; then the commit and
the close (DuckDB's checkpoint). The stored rows are found by their keys as constants, the form
DuckDB reads through an index (faster here than a join with the batch: at 10M claims, 1,000
records, 0.5-0.7 s against 1.1 s with `IN (SELECT unnest(?))` and 1.9 s with `EXISTS`), so the
baseline is the fastest plain write we found, not a strawman. What it does not do is what the
ingest adds: check the batch's keys, audit, keep the stored results up to date, refuse.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from newsclaims import contract


def _literal(value) -> str:
    return str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"


def probe(con, batch_tables: set[str]) -> int:
    """The stored keys the audit's footprint conditions reach, read and nothing else: for each
    (table, column) the audit reads stored rows by (``audit.lookup_pairs``) where the batch
    holds that table, the stored rows whose ``column`` is one of the batch's values, counted
    (by index where the database has one, as constants). Returns the rows reached."""
    from newsclaims.ingest.audit import lookup_pairs
    from newsclaims.rules.catalogue import load_catalogue

    reached = 0
    for table, column in sorted(lookup_pairs(load_catalogue())):
        if table not in batch_tables:
            continue
        values = [r[0] for r in con.execute(
            f"SELECT DISTINCT {column} FROM nc_plain_{table} WHERE {column} IS NOT NULL").fetchall()]
        if values:
            reached += con.execute(f"SELECT count(*) FROM main.{table} WHERE {column} IN "
                                   f"({', '.join(map(_literal, values))})").fetchone()[0]
    return reached


def load(batch: Path, db: Path, probed: bool = False) -> int:
    """Write ``batch`` into ``db`` (``probed``: after ``probe``); returns the rows written."""
    con = duckdb.connect(str(db))
    written = 0
    con.execute("BEGIN")
    tables = set()
    for path in sorted(batch.iterdir()):
        table, kind = path.stem, path.suffix
        reader = {".parquet": "read_parquet", ".csv": "read_csv_auto"}.get(kind)
        if reader is None or table not in contract.tables():
            continue
        con.execute(f"CREATE TEMP TABLE nc_plain_{table} AS SELECT * FROM {reader}(?)", [str(path)])
        tables.add(table)
    if probed:
        probe(con, tables)
    for table in sorted(tables):
        key = contract.tables()[table].primary_key
        if len(key) == 1:
            values = [r[0] for r in con.execute(f"SELECT DISTINCT {key[0]} FROM nc_plain_{table}").fetchall()]
            if values:
                con.execute(f"DELETE FROM main.{table} WHERE {key[0]} IN ({', '.join(map(_literal, values))})")
        else:
            on = " AND ".join(f"b.{c} = t.{c}" for c in key)
            con.execute(f"DELETE FROM main.{table} t WHERE EXISTS (SELECT 1 FROM nc_plain_{table} b WHERE {on})")
        columns = ", ".join(contract.tables()[table].column_names)
        written += con.execute(f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM nc_plain_{table}").fetchone()[0]
    con.execute("COMMIT")
    con.close()
    return written


if __name__ == "__main__":
    print(load(Path(sys.argv[1]), Path(sys.argv[2]), "--probe" in sys.argv[3:]))
