"""The merge of a staged batch into the tables, inside the ingest's transaction: the stored
records the batch corrects are replaced (kept as ``nc_old_<table>`` for the footprints), the
new ones added.

A database built with the contract's constraints (``newsclaims build``, a synthetic one
without defects) has primary, unique and foreign keys and CHECKs, which DuckDB enforces
row by row: it refuses to delete a row another table references (even to insert it again
in the same transaction), and it updates an indexed column as a delete and an insert. So a
corrected record of a referenced table is updated in place when none of its indexed columns
changes; a row the constraints reject raises ``Rejected``, naming the record where it can be
found. A database without constraints takes the plain delete and insert."""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

from newsclaims import contract
from newsclaims.ingest.batch import staged
from newsclaims.ingest.footprint import old
from newsclaims.rules.sql_fragments import record_id_sql


def merge(con, batch, lookups, columns: dict[str, set[str] | None] | None = None) -> dict[str, int]:
    """Replace the stored records the batch corrects and add the new ones; keep the replaced
    rows as ``nc_old_<table>``, with the ``columns`` of each table that a later step reads
    (``footprint.old_columns``; the others NULL; all where None). Returns table -> records
    replaced.

    A database built with the contract's constraints (``newsclaims build``) has foreign keys,
    and DuckDB refuses to delete a row another table references, even to insert it again
    in the same transaction. So in a table some foreign key references, a corrected record
    whose indexed columns (its key, unique and foreign key columns, and any index's) are
    unchanged is updated in place; only the others are deleted and inserted, which DuckDB
    refuses while the record is referenced (``Rejected``)."""
    replaced = {}
    constraints = _Constraints.of(con)
    for table in batch.tables:
        key = contract.tables()[table].primary_key
        # the key columns themselves, not the record id: a plain equality DuckDB can push into
        # the scan (a batch's key columns are never NULL: ``batch`` refuses an empty key)
        on = " AND ".join(f"b.{c} = t.{c}" for c in key)
        match = f"EXISTS (SELECT 1 FROM {staged(table)} b WHERE {on})"
        wanted = None if columns is None else columns.get(table)
        kept = _kept(con, table, None if wanted is None else wanted | constraints.indexed.get(table, set()))
        if (table, key[0]) in lookups.pairs:  # the rows of the batch's first key values, by index
            first = lookups.condition(table, key[0], f"SELECT {key[0]} FROM {staged(table)}")
            con.execute(f"CREATE OR REPLACE TEMP TABLE nc_fetch_old AS SELECT {kept} FROM main.{table} t WHERE {first}")
            con.execute(f"CREATE OR REPLACE TEMP TABLE {old(table)} AS SELECT * FROM nc_fetch_old t WHERE {match}")
            match = first if len(key) == 1 else f"{first} AND {match}"
        else:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {old(table)} AS SELECT {kept} FROM main.{table} t WHERE {match}")
        replaced[table] = con.execute(f"SELECT count(*) FROM {old(table)}").fetchone()[0]
        try:
            if replaced[table] and table in constraints.referenced:
                _replace_in_place(con, table, key, constraints.indexed.get(table, set()))
            else:
                if replaced[table]:
                    con.execute(f"DELETE FROM main.{table} t WHERE {match}")
                con.execute(f"INSERT INTO main.{table} SELECT * FROM {staged(table)}")
        except duckdb.ConstraintException as exc:
            raise Rejected(table, _rejected_record(con, table, constraints), exc) from None
    return replaced


def _kept(con, table: str, wanted: set[str] | None) -> str:
    """The select list of a replaced row: every column, those outside ``wanted`` as a NULL
    of their type (DuckDB then does not read them)."""
    if wanted is None:
        return "*"
    dropped = [(name, kind) for name, kind in con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = ? "
        "ORDER BY column_index", [table]).fetchall() if name not in wanted]
    if not dropped:
        return "*"
    return "* REPLACE (" + ", ".join(f"CAST(NULL AS {kind}) AS {name}" for name, kind in dropped) + ")"


IN_PLACE = "nc_in_place"


def _replace_in_place(con, table: str, key, indexed: set[str]) -> None:
    """The corrections of a referenced table: updated in place where no indexed column
    changes, deleted and inserted otherwise; then the new records inserted."""
    columns = contract.tables()[table].column_names
    fixed = [c for c in columns if c in indexed or c in key]
    free = [c for c in columns if c not in fixed]
    on = " AND ".join(f"b.{c} = o.{c}" for c in key)
    same = " AND ".join(f"b.{c} IS NOT DISTINCT FROM o.{c}" for c in fixed)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {IN_PLACE} AS SELECT b.* FROM {staged(table)} b "
                f"JOIN {old(table)} o ON {on} WHERE {same}")
    in_place = " AND ".join(f"p.{c} = t.{c}" for c in key)
    if free:
        sets = ", ".join(f"{c} = p.{c}" for c in free)
        con.execute(f"UPDATE main.{table} t SET {sets} FROM {IN_PLACE} p WHERE {in_place}")
    moved = (f"EXISTS (SELECT 1 FROM {old(table)} o WHERE {' AND '.join(f'o.{c} = t.{c}' for c in key)}) "
             f"AND NOT EXISTS (SELECT 1 FROM {IN_PLACE} p WHERE {in_place})")
    changes = " ".join(f"WHEN b.{c} IS DISTINCT FROM o.{c} THEN '{c}'" for c in fixed)
    first = con.execute(f"SELECT {record_id_sql(table, 'b')}, CASE {changes} END FROM {staged(table)} b "
                        f"JOIN {old(table)} o ON {on} WHERE NOT ({same}) ORDER BY 1 LIMIT 1").fetchone()
    try:
        con.execute(f"DELETE FROM main.{table} t WHERE {moved}")
    except duckdb.ConstraintException as exc:
        raise Rejected(table, first[0] if first else None, exc, first[1] if first else None) from None
    con.execute(f"INSERT INTO main.{table} SELECT * FROM {staged(table)} t "
                f"WHERE NOT EXISTS (SELECT 1 FROM {IN_PLACE} p WHERE {in_place})")


@dataclass
class _Constraints:
    """What a database's own constraints decide about a merge: the tables a foreign key
    references, and each table's indexed columns (DuckDB updates an indexed column as a
    delete and an insert). A database without constraints (a synthetic one with defects)
    has neither."""

    referenced: set[str]
    indexed: dict[str, set[str]]
    checks: dict[str, list[str]]
    foreign: dict[str, list[tuple[list[str], str, list[str]]]]  # table -> (columns, table, columns)

    @classmethod
    def of(cls, con) -> "_Constraints":
        rows = con.execute("SELECT table_name, constraint_type, constraint_column_names, referenced_table, "
                           "referenced_column_names, expression FROM duckdb_constraints() "
                           "WHERE schema_name = 'main'").fetchall()
        referenced, indexed, checks, foreign = set(), {}, {}, {}
        for table, kind, columns, target, target_columns, expression in rows:
            if kind == "FOREIGN KEY":
                referenced.add(target)
                foreign.setdefault(table, []).append((list(columns), target, list(target_columns)))
            if kind in ("PRIMARY KEY", "UNIQUE", "FOREIGN KEY"):
                indexed.setdefault(table, set()).update(columns)
            if kind == "CHECK" and expression:
                checks.setdefault(table, []).append(expression)
        for table, expressions in con.execute(
                "SELECT table_name, expressions FROM duckdb_indexes() WHERE schema_name = 'main'").fetchall():
            names = contract.tables()[table].column_names if table in contract.TABLES else []
            indexed.setdefault(table, set()).update(n for n in names if re.search(rf"\b{n}\b", expressions or ""))
        return cls(referenced, indexed, checks, foreign)


class Rejected(Exception):
    """The database's own constraints rejected a row of the merge (the transaction is
    rolled back): ``record`` names the row when it can be found, ``None`` otherwise."""

    def __init__(self, table: str, record: str | None, exc: Exception, changes: str | None = None):
        self.table, self.record, self.changes = table, record, changes
        reason = " ".join(str(exc).split("If this is an unexpected")[0].split())
        self.reason = reason.removeprefix("Constraint Error: ")[:300].rstrip(". ")
        super().__init__(self.reason)


def _rejected_record(con, table: str, constraints: _Constraints) -> str | None:
    """The first record of the batch that breaks a CHECK or NOT NULL constraint of
    ``table`` (the merge's transaction is rolled back first: DuckDB aborts it on the error,
    and the staged batch lives outside it); None otherwise."""
    rid = record_id_sql(table, "b")
    try:
        con.execute("ROLLBACK")
        con.execute("BEGIN TRANSACTION")
        tests = [f"NOT coalesce(({expression}), TRUE)" for expression in constraints.checks.get(table, [])]
        tests += [f"b.{c} IS NULL" for c in _not_null(con, table)]
        for columns, target, target_columns in constraints.foreign.get(table, []):
            on = " AND ".join(f"r.{rc} = b.{c}" for c, rc in zip(columns, target_columns))
            parents = [f"main.{target}"] + ([staged(target)] if _is_staged(con, target) else [])
            tests.append(" AND ".join([f"b.{c} IS NOT NULL" for c in columns]
                                      + [f"NOT EXISTS (SELECT 1 FROM {p} r WHERE {on})" for p in parents]))
        for test in tests:
            found = con.execute(f"SELECT {rid} FROM {staged(table)} b WHERE {test.replace(table + '.', 'b.')} "
                                f"ORDER BY 1 LIMIT 1").fetchone()
            if found:
                return str(found[0])
    except duckdb.Error:
        return None
    return None


def _is_staged(con, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?",
                            [staged(table)]).fetchone()[0])


def _not_null(con, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = ? "
        "AND NOT is_nullable ORDER BY column_index", [table]).fetchall()]
