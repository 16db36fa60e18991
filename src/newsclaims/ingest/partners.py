"""The partner rows the footprint statements read, fetched once per batch.

A rule evaluated on a footprint reads the footprint's rows and, through the joins of
``sql/scans/<table>.sql`` or a ``relationship``'s lookup, rows of another (partner) table
whose key is one of those rows' values. Against a large partner table every such
statement would scan it again; instead, every statement's needs are gathered first and
each large partner table is read ONCE for all of them (``nc_part_<table>_<column>``: its
rows whose ``column`` holds a value some footprint row refers to). A statement then reads
that copy in place of the table: for the rows it evaluates, the join or lookup gives
exactly what it gives against the whole table, because the copy holds every partner row
with a matching key (a duplicated key included).

Only the join and lookup lines are redirected; a condition that reads another table in a
subquery of its own still reads the table itself."""

from __future__ import annotations

import re

from newsclaims import contract
from newsclaims.ingest.footprint import join_key

_PLAIN = re.compile(r"^\s*LEFT\s+JOIN\s+\w+\s+(?:AS\s+)?(\w+)\s+ON\b", re.I)
LARGE = 50_000  # rows: a smaller partner table is read as it is (its scan costs less than a copy)


def name(table: str, column: str) -> str:
    return f"nc_part_{table}_{column}"


class Partners:
    """The partner copies of one audit: ``need`` registers what a statement will read,
    ``build`` reads each large partner table once, ``join_line``/``reference`` redirect a
    statement's SQL to the copies."""

    def __init__(self, sizes: dict[str, int], large: int = LARGE):
        self.sizes, self.large = sizes, large
        self.needs: dict[tuple[str, str], set[tuple[str, str]]] = {}
        self.columns: dict[tuple[str, str], set[str]] = {}
        self.built: set[tuple[str, str]] = set()

    def _large(self, table: str) -> bool:
        return table in self.sizes and self.sizes[table] >= self.large

    def need(self, table: str, column: str, rows: str, row_column: str, reads: set[str]) -> None:
        """A statement over the rows ``rows`` reads the columns ``reads`` of ``table`` where
        ``table.column`` equals ``rows.row_column``."""
        if self._large(table):
            self.needs.setdefault((table, column), set()).add((rows, row_column))
            self.columns.setdefault((table, column), {column}).update(reads)

    def need_line(self, line: str, rows: str, text: str) -> None:
        """A scan's join line; ``text``: the rule's SQL, for the columns it reads through the
        join's alias (a subquery's own columns are read off the line)."""
        key = join_key(line)
        if key is None:
            return
        table, column, row_column = key
        names = set(contract.tables()[table].column_names)
        plain = _PLAIN.match(line)
        if plain:  # LEFT JOIN <table> <alias>: the columns read as <alias>.<column>
            reads = set(re.findall(rf"\b{plain.group(1)}\.(\w+)", text)) & names
        else:  # LEFT JOIN (SELECT ... FROM <table>) <alias>: the subquery's own columns
            reads = set(re.findall(r"\b\w+\b", line.split(")")[0])) & names
        self.need(table, column, rows, row_column, reads)

    def build(self, con, lookups) -> None:
        """Read each large partner table once (by key through ``lookups`` where indexed)."""
        for (table, column), sources in sorted(self.needs.items()):
            values = " UNION ".join(f"SELECT {c} FROM {rows}" for rows, c in sorted(sources))
            columns = ", ".join(f"t.{c}" for c in sorted(self.columns[(table, column)]))
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name(table, column)} AS "
                        f"{lookups.rows(table, column, values, columns)}")
            self.built.add((table, column))

    def pairs(self) -> set[tuple[str, str]]:
        """The (table, column) keys the partner copies are read by."""
        return set(self.needs)

    def join_line(self, line: str) -> str:
        """A scan's join line reading the partner copy where one was built."""
        key = join_key(line)
        if key is None or (key[0], key[1]) not in self.built:
            return line
        copy = name(key[0], key[1])
        return re.sub(rf"(\bJOIN\s+|\bFROM\s+){key[0]}\b", lambda m: m.group(1) + copy, line, count=1)

    def reference(self, sql: str, table: str, column: str) -> str:
        """A relationship's lookup of ``table.column`` reading the partner copy."""
        if (table, column) not in self.built:
            return sql
        return re.sub(rf"\bFROM {table}\b", f"FROM {name(table, column)}", sql)
