"""The data contract, read from ``sql/schema.sql``: tables, columns, types, keys, enums.

The DDL is the single source of truth; everything else (the tables' load order, the id
patterns, the structure rules, pandera schemas, the codebook, Frictionless schemas, the loose
schema used for synthetic and broken fixtures) is derived from it. What the DDL cannot say
is defined here, once: the groups of measures (``MEASURE_GROUPS``) and the storage format.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from functools import cache

from newsclaims import derived_cache, project
from newsclaims.errors import InputError

# Databases are written in a storage format that DuckDB clients from 1.4 on can open, so that
# researchers' stock `duckdb` CLI (and older Python wheels) read every snapshot.
STORAGE_COMPATIBILITY = "v1.4.0"
STORAGE_CONFIG = {"storage_compatibility_version": STORAGE_COMPATIBILITY}

# Groups of the ``measure`` ENUM that rules and reports treat alike. Rule SQL names a group
# as ``{{measures.<group>}}`` (a parenthesised list; ``rules.catalogue`` expands it), so the
# group is written here only; a test checks every member is a value of the ENUM.
MEASURE_GROUPS: dict[str, tuple[str, ...]] = {
    "casualty": ("killed", "wounded", "injured", "casualties"),
}
CASUALTY_MEASURES = MEASURE_GROUPS["casualty"]


def __getattr__(name: str):
    """``TABLES`` (the contract's tables in load order: the order of their ``CREATE TABLE``
    in ``sql/schema.sql``, parents before children) and ``ID_PATTERNS`` (table -> (id
    column, the pattern of its ``CHECK (regexp_matches(...))``)), read from the DDL."""
    if name == "TABLES":
        return table_order()
    if name == "ID_PATTERNS":
        return {t.name: (c.name, c.pattern) for t in tables().values() for c in t.columns if c.pattern}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_CREATE_TABLE = re.compile(r"^\s*CREATE\s+TABLE\s+(\w+)", re.I | re.M)
_PATTERN_CHECK = re.compile(r"^regexp_matches\((\w+), '((?:[^']|'')*)'\)$")


@cache
def table_order() -> tuple[str, ...]:
    """The tables of ``sql/schema.sql`` in the order it creates them (no DuckDB needed)."""
    return tuple(_CREATE_TABLE.findall(_strip_comments(schema_sql())))


def _strip_comments(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type name; an ENUM column carries the enum's type name here
    nullable: bool
    enum: tuple[str, ...] | None = None  # the closed set of values, for ENUM columns
    comment: str | None = None
    pattern: str | None = None  # the regular expression of a CHECK (regexp_matches(col, '...'))


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = field(default_factory=tuple)
    unique: tuple[tuple[str, ...], ...] = field(default_factory=tuple)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name}.{name}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def schema_sql() -> str:
    return project.read_text(project.sql_dir() / "schema.sql")


def create_schema(con) -> None:
    """Create every type and table of the contract (with all constraints) in ``con``."""
    con.execute(schema_sql())


def _column_comments(sql: str) -> dict[tuple[str, str], str]:
    """Trailing ``-- comments`` of column lines in the DDL, keyed by (table, column)."""
    comments: dict[tuple[str, str], str] = {}
    table = None
    for line in sql.splitlines():
        stripped = line.strip()
        if stripped.upper().startswith("CREATE TABLE"):
            table = stripped.split()[2]
        elif table and "--" in stripped and not stripped.startswith("--"):
            code, comment = stripped.split("--", 1)
            parts = code.split()
            if parts:
                comments[(table, parts[0])] = comment.strip()
    return comments


@cache
def tables() -> dict[str, Table]:
    """The contract's tables, introspected from an in-memory database built from the DDL
    (``introspect``), once per version of ``sql/schema.sql`` (``derived_cache``)."""
    sql = schema_sql()
    return _from_json(derived_cache.derived("contract", sql, lambda: _to_json(introspect(sql)), _valid))


def _to_json(found: dict[str, Table]) -> dict:
    return json.loads(json.dumps({name: asdict(table) for name, table in found.items()}))


def _valid(data) -> bool:
    try:
        _from_json(data)
        return True
    except (KeyError, TypeError, IndexError, AttributeError):
        return False


def _from_json(data: dict) -> dict[str, Table]:
    def column(c: dict) -> Column:
        enum = tuple(c["enum"]) if c["enum"] is not None else None
        return Column(c["name"], c["type"], c["nullable"], enum, c["comment"], c["pattern"])

    out = {}
    for name in data:
        t = data[name]
        out[name] = Table(
            t["name"],
            tuple(column(c) for c in t["columns"]),
            tuple(t["primary_key"]),
            tuple(ForeignKey(tuple(f["columns"]), f["ref_table"], tuple(f["ref_columns"]))
                  for f in t["foreign_keys"]),
            tuple(tuple(u) for u in t["unique"]),
        )
    return out


def introspect(sql: str | None = None) -> dict[str, Table]:
    """The tables of the DDL ``sql`` (default: ``sql/schema.sql``), read from the catalog of
    an in-memory DuckDB database it was run in (three catalog queries in all)."""
    import duckdb

    sql = schema_sql() if sql is None else sql
    con = duckdb.connect()
    try:
        con.execute(sql)
    except duckdb.Error as exc:  # a broken sql/schema.sql: one line, not DuckDB's four
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        con.close()
        raise InputError(f"sql/schema.sql: the contract DDL does not run: {first}") from None
    comments = _column_comments(sql)
    order = tuple(_CREATE_TABLE.findall(_strip_comments(sql)))
    patterns: dict[tuple[str, str], str] = {}
    for table, expression, cols_ in con.execute(
        "SELECT table_name, expression, constraint_column_names FROM duckdb_constraints() "
        "WHERE schema_name = 'main' AND constraint_type = 'CHECK'"
    ).fetchall():
        match = _PATTERN_CHECK.match(expression.strip())
        if match and [match.group(1)] == list(cols_):
            patterns[(table, match.group(1))] = match.group(2).replace("''", "'")
    enums: dict[str, tuple[str, ...]] = {}
    columns: dict[str, list[Column]] = {t: [] for t in order}
    for table, name, data_type, nullable in con.execute(
        "SELECT table_name, column_name, data_type, is_nullable FROM duckdb_columns() "
        "WHERE schema_name = 'main' ORDER BY table_name, column_index"
    ).fetchall():
        if table not in columns:
            continue
        enum = None
        if data_type.startswith("ENUM("):
            if data_type not in enums:
                enums[data_type] = tuple(con.execute(f"SELECT enum_range(NULL::{data_type})").fetchone()[0])
            enum = enums[data_type]
        columns[table].append(Column(name, data_type, nullable, enum, comments.get((table, name)),
                                     patterns.get((table, name))))
    keys: dict[str, tuple[str, ...]] = {}
    fks: dict[str, list[ForeignKey]] = {t: [] for t in order}
    uniques: dict[str, list[tuple[str, ...]]] = {t: [] for t in order}
    for table, ctype, cols_, ref_table, ref_cols in con.execute(
        "SELECT table_name, constraint_type, constraint_column_names, referenced_table, "
        "referenced_column_names FROM duckdb_constraints() WHERE schema_name = 'main' "
        "ORDER BY table_name, constraint_index"
    ).fetchall():
        if table not in columns:
            continue
        if ctype == "PRIMARY KEY":
            keys[table] = tuple(cols_)
        elif ctype == "FOREIGN KEY":
            fks[table].append(ForeignKey(tuple(cols_), ref_table, tuple(ref_cols)))
        elif ctype == "UNIQUE":
            uniques[table].append(tuple(cols_))
    con.close()
    return {t: Table(t, tuple(columns[t]), keys.get(t, ()), tuple(fks[t]), tuple(uniques[t]))
            for t in order}


def loose_ddl() -> str:
    """DDL with the contract's columns but no constraints and ENUMs as VARCHAR.

    Used for synthetic data with injected defects and for rule fixtures: a database that
    can hold what the strict contract would refuse, so that the rules can find it."""
    statements = []
    for table in tables().values():
        cols = ", ".join(
            f"{c.name} {'VARCHAR' if c.enum else c.type}" for c in table.columns
        )
        statements.append(f"CREATE TABLE {table.name} ({cols});")
    return "\n".join(statements)
