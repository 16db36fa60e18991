"""The rows behind a rule's numbers: how many rows each checked table has (a rule's share
of failing rows), and where the records whose key is NULL are.

A record's id in ``dq_violations`` is its key (``rules.compile.record_id_sql``); a NULL key
part shows as an empty string, so such a record cannot be found by its id. The report
locates it by DuckDB's ``rowid`` (its row in the table: ``SELECT * FROM claims WHERE
rowid = 17``) and gives the SQL that lists every row of the table with a NULL key. A
database built from ``dataset/`` never holds one: ``newsclaims build`` refuses a record
without its key at its file and line. Both reads are cheap whatever the size of the
database: a count per table, and the key columns of the tables that have such records."""

from __future__ import annotations

from dataclasses import dataclass

from newsclaims import contract

# Row ids listed per table; the SQL gives every one.
NULL_KEY_ROWS = 20


@dataclass(frozen=True)
class NullKeys:
    """The rows of ``table`` whose key (or a part of it) is NULL: the first ``rowids``
    and how many there are."""

    table: str
    rowids: list[int]
    total: int
    rules: frozenset[str] = frozenset()  # the rules with a record of this table without an id

    @property
    def sql(self) -> str:
        keys = contract.tables()[self.table].primary_key
        where = " OR ".join(f"{k} IS NULL" for k in keys)
        return f"SELECT rowid, * FROM {self.table} WHERE {where} ORDER BY rowid;"

    def locator(self) -> str:
        """Where a record of this table with a NULL key is, in words."""
        shown = ", ".join(str(r) for r in self.rowids)
        if self.total == 1:
            return f"NULL key: rowid {shown} of {self.table}"
        more = f", … ({self.total:,} in all)" if self.total > len(self.rowids) else ""
        return f"NULL key: one of rowids {shown}{more} of {self.table}"


def table_rows(con, tables: set[str]) -> dict[str, int]:
    """Rows of each contract table present in the database."""
    present = [t for t in contract.TABLES if t in tables]
    if not present:
        return {}
    sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in present)
    return {name: int(n) for name, n in con.execute(sql).fetchall()}


def null_keys(con, tables: set[str]) -> dict[str, NullKeys]:
    """The rows with a NULL key of each table that has a violation without a full id
    (an empty record id, or an empty part of a composite one)."""
    suspects: dict[str, set[str]] = {}
    for table, rule_id in con.execute(
            "SELECT DISTINCT table_name, rule_id FROM dq_violations WHERE record_id IS NULL "
            "OR record_id = '' OR starts_with(record_id, '|') OR ends_with(record_id, '|') "
            "OR contains(record_id, '||')").fetchall():
        suspects.setdefault(table, set()).add(rule_id)
    found: dict[str, NullKeys] = {}
    for table in sorted(t for t in suspects if t in contract.tables() and t in tables):
        keys = contract.tables()[table].primary_key
        where = " OR ".join(f"{k} IS NULL" for k in keys)
        rows = con.execute(
            f"SELECT rowid, count(*) OVER () FROM {table} WHERE {where} ORDER BY rowid "
            f"LIMIT {NULL_KEY_ROWS}").fetchall()
        if rows:
            found[table] = NullKeys(table, [int(r[0]) for r in rows], int(rows[0][1]),
                                    frozenset(suspects[table]))
    return found


def has_null_key(table: str, record_id: str | None) -> bool:
    """Whether a record id of ``table`` comes from a key with a NULL part."""
    if not record_id:
        return True
    keys = contract.tables()[table].primary_key if table in contract.tables() else ("",)
    return len(keys) > 1 and "" in record_id.split("|")
