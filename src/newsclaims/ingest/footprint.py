"""A rule's footprint as SQL: the record ids (``record_id`` of ``dq_violations``) whose
verdict the staged batch can change, read in the merged state.

The kinds say what a footprint is (``rules.kinds.base``: ``BatchRows``, ``ChildrenOf``,
``SharingKey``, ``SharingKeys``, ``Whole``); this module finds it for DuckDB: the batch's rows are
``nc_batch_<table>``, the stored rows they replaced ``nc_old_<table>``, and the join keys of
a ``BatchRows`` footprint come from the ``ON`` conditions of ``sql/scans/<table>.sql``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsclaims.engines.duckdb.scan import load_scan
from newsclaims.ingest import scope
from newsclaims.ingest.batch import staged
from newsclaims.ingest.lookups import ROW_FETCH_MAX
from newsclaims import contract
from newsclaims.rules.kinds import BatchRows, ChildrenOf, Scoped, SharingKey, SharingKeys, Whole
from newsclaims.rules.sql_fragments import read_query, record_id_sql

_SOURCE = re.compile(r"^\s*LEFT\s+JOIN\s+(.*?)\s+(?:AS\s+)?(\w+)\s+ON\s+(.*)$", re.I)
_SUBQUERY = re.compile(r"^\(\s*SELECT\s+(?:DISTINCT\s+)?(.*?)\s+FROM\s+(\w+)\s*\)$", re.I | re.S)
_EQUALS = re.compile(r"^\s*(\w+)\.(\w+)\s*=\s*(\w+)\.(\w+)\s*$")


def old(table: str) -> str:
    return f"nc_old_{table}"


def join_key(line: str) -> tuple[str, str, str] | None:
    """(partner table, partner column, column of ``t``) of one scan join
    ``LEFT JOIN <table or (SELECT [DISTINCT] ... FROM table)> <alias> ON <alias>.x = t.y``,
    or None when the join is not of that form."""
    match = _SOURCE.match(line)
    if not match:
        return None
    source, alias, condition = match.groups()
    eq = _EQUALS.match(condition)
    if not eq:
        return None
    (a1, c1, a2, c2) = eq.groups()
    if (a1, a2) == ("t", alias):
        a1, c1, a2, c2 = a2, c2, a1, c1
    if (a1, a2) != (alias, "t"):
        return None
    if re.fullmatch(r"\w+", source):
        return source, c1, c2
    sub = _SUBQUERY.match(source)
    if not sub:
        return None
    columns, table = sub.groups()
    for item in _split(columns):
        named = re.fullmatch(r"(\w+)(?:\s+AS\s+(\w+))?", item.strip(), re.I)
        if named and (named.group(2) or named.group(1)) == c1:
            return table, named.group(1), c2
    return None


def _split(columns: str) -> list[str]:
    out, depth, start = [], 0, 0
    for i, ch in enumerate(columns):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            out.append(columns[start:i])
            start = i + 1
    return out + [columns[start:]]


def changed_values(table: str, column: str, tables: set[str]) -> str | None:
    """The values of ``table.column`` the batch brings or replaces, or None."""
    if table not in tables:
        return None
    return f"SELECT {column} FROM {staged(table)} UNION SELECT {column} FROM {old(table)}"


@dataclass(frozen=True)
class Cond:
    """One condition of a footprint over the stored rows ``t``: ``sql``; it only holds for
    rows whose ``column`` is one of ``values`` (SQL over the small staged tables), so those
    rows can be fetched by key first (``lookups``)."""

    column: str
    values: str
    sql: str


def is_in(column: str, values: str) -> Cond:
    return Cond(column, values, f"t.{column} IN ({values})")


@dataclass(frozen=True)
class Found:
    """A footprint found: the batch's rows of the table (``batch``) and the stored rows where
    one of ``conditions`` holds, or the records a ``query`` returns."""

    batch: bool = False
    conditions: tuple[Cond, ...] = ()
    query: str | None = None


def sharing(table: str, cols: tuple[str, ...], null_equal: bool = False) -> Cond:
    """The stored rows holding the ``cols`` values of a batch row or of a row it replaced
    (``null_equal``: NULL matches NULL, as pandera's uniqueness checks count them). Its
    lookup column is the first; a batch's key columns are never NULL (``batch``), so a
    primary key's rows are all found through it."""
    keys = " UNION ".join(f"SELECT {', '.join(cols)} FROM {src}" for src in (staged(table), old(table)))
    equal = "IS NOT DISTINCT FROM" if null_equal else "="
    on = " AND ".join(f"k.{c} {equal} t.{c}" for c in cols)
    first = " UNION ".join(f"SELECT {cols[0]} FROM {src}" for src in (staged(table), old(table)))
    return Cond(cols[0], first, f"EXISTS (SELECT 1 FROM ({keys}) k WHERE {on})")


def footprint_sql(rule, footprint, tables: set[str]) -> Found | None | Whole:
    """Where ``rule``'s footprint is, None when the batch cannot change any verdict of the
    rule, or a ``Whole`` when it runs in full."""
    table = rule.table
    if isinstance(footprint, Whole):
        return footprint
    if isinstance(footprint, Scoped):
        return Found(query=read_query(footprint.file))
    conditions = []
    if isinstance(footprint, BatchRows):
        scan = load_scan(table)
        lines = scan.from_clause(set(footprint.uses) & {a for a, _, _ in scan.joins}).splitlines()[1:]
        for line in lines:
            key = join_key(line)
            if key is None:
                return Whole(f"the join '{line.strip()}' of sql/scans/{table}.sql is not "
                             "'<alias>.<column> = t.<column>': the rule runs in full")
            values = changed_values(key[0], key[1], tables)
            if values:
                conditions.append(is_in(key[2], values))
    elif isinstance(footprint, ChildrenOf):
        values = changed_values(footprint.ref_table, footprint.ref_column, tables)
        if values:
            conditions.append(is_in(footprint.column, values))
    elif isinstance(footprint, SharingKey):
        if table in tables:
            conditions.append(sharing(table, footprint.columns))
    elif isinstance(footprint, SharingKeys):
        if table in tables:
            conditions.extend(sharing(table, cols, null_equal=True) for cols in footprint.keys)
    else:
        return Whole(f"no footprint for a {type(footprint).__name__}: the rule runs in full")
    if table not in tables and not conditions:
        return None
    return Found(table in tables, tuple(conditions))


def near(table: str) -> str:
    return f"nc_near_{table}"


def near_sql(table: str, founds) -> str | None:
    """ONE pass over ``table`` for the footprints of all its rules: its stored rows where
    any of their conditions holds (each rule's footprint is then read from these rows),
    or None when no footprint of the table has a condition."""
    conditions = sorted({c.sql for found in founds for c in found.conditions})
    if not conditions:
        return None
    return f"SELECT t.* FROM main.{table} t WHERE " + " OR ".join(f"({c})" for c in conditions)


def build_near(con, table: str, founds, lookups) -> bool:
    """``nc_near_<table>``: what ``near_sql`` selects. Where ``lookups`` has an index on a
    condition's column, the rows whose column holds one of the condition's values are
    fetched by key first and the conditions read on them alone; the other conditions
    scan the table once together. False when no footprint of the table has a condition."""
    conditions = sorted({c for found in founds for c in found.conditions}, key=lambda c: (c.column, c.sql))
    if not conditions:
        return False
    keyed = [c for c in conditions if (table, c.column) in lookups.pairs]
    if not keyed:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {near(table)} AS {near_sql(table, founds)}")
        return True
    parts = []
    in_batch = any(found.batch for found in founds)
    for i, column in enumerate(sorted({c.column for c in keyed})):
        group = [c for c in keyed if c.column == column]
        fetched = f"nc_fetch_{table}_{i}"
        _fetch_keyed(con, table, column, group, lookups, fetched, in_batch)
        parts.append(f"SELECT * FROM {fetched} t WHERE " + " OR ".join(f"({c.sql})" for c in group))
    rest = [c for c in conditions if c not in keyed]
    if rest:
        parts.append(f"SELECT t.rowid AS nc_rid, t.* FROM main.{table} t WHERE "
                     + " OR ".join(f"({c.sql})" for c in rest))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {near(table)} AS SELECT * EXCLUDE (nc_rid) FROM "
                f"(SELECT DISTINCT ON (nc_rid) * FROM ({' UNION ALL '.join(parts)}))")
    return True


def _fetch_keyed(con, table: str, column: str, group, lookups, fetched: str, in_batch: bool) -> None:
    """``fetched``: the stored rows of ``table`` whose ``column`` holds a value of the
    conditions ``group`` (read through the index), whole, with ``nc_rid``; at least those
    meeting a condition, outside the batch's own records when ``in_batch``.

    Each column of a row fetched by index costs its storage vector's decompression, and
    most rows found by a foreign key meet no condition (the claims of a corrected claim's
    document that share neither its quote nor ...). So where the conditions read at most
    half the columns and the table has one indexed key, the rows are probed first with only
    the key and the columns the conditions read, and only the rows meeting a condition are
    then fetched whole, by key. The batch's own records are left out: a footprint takes them
    from the staged batch (``narrowed_sql``). A probe that finds a NULL key among them, or
    more than ``ROW_FETCH_MAX`` rows to fetch (whole rows by key then cost more than a scan),
    fetches every row whole, as without the probe."""
    spec = contract.tables()[table]
    values = " UNION ".join(c.values for c in group)
    where = " OR ".join(f"({c.sql})" for c in group)
    whole = lookups.rows(table, column, values, "t.rowid AS nc_rid, t.*")
    key = spec.primary_key
    read = {column, *key} | {c for cond in group for c in re.findall(r"\bt\.(\w+)", cond.sql)}
    # materialised first: a condition pushed into the fetch would cost DuckDB its index scan
    if (len(key) != 1 or (table, key[0]) not in lookups.pairs or not read <= set(spec.column_names)
            or 2 * len(read) > len(spec.column_names)):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {fetched} AS {whole}")
        return
    probe = f"{fetched}_probe"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {probe} AS "
                f"{lookups.rows(table, column, values, ', '.join(f't.{c}' for c in sorted(read)))}")
    meeting = f"FROM {probe} t WHERE ({where})"
    by_key = None
    if not con.execute(f"SELECT count(*) {meeting} AND t.{key[0]} IS NULL").fetchone()[0]:
        outside = f" AND t.{key[0]} NOT IN (SELECT {key[0]} FROM {staged(table)})" if in_batch else ""
        by_key = lookups.by_index(table, key[0], f"SELECT t.{key[0]} {meeting}{outside}", most=ROW_FETCH_MAX)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {fetched} AS "
                + (whole if by_key is None else f"SELECT t.rowid AS nc_rid, t.* FROM main.{table} t WHERE {by_key}"))
    con.execute(f"DROP TABLE temp.main.{probe}")


def narrowed_sql(table: str, found: Found, source: str | None = None) -> str:
    """The rows of ``table`` in the footprint, with ``nc_row`` (unique per row); its stored
    rows are read from ``source`` (``near``: the table's rows in any footprint) when given."""
    if found.query is not None:  # the scope's records, evaluated first (``scope.evaluate``)
        return (f"SELECT t.*, t.rowid AS nc_row FROM main.{table} t WHERE {record_id_sql(table)} IN "
                f"(SELECT record_id FROM {scope.IDS})")
    parts = []
    if found.batch:
        parts.append(f"SELECT * FROM {staged(table)}")
    if found.conditions:
        where = " OR ".join(f"({c.sql})" for c in found.conditions)
        if found.batch:
            where = (f"({where}) AND {record_id_sql(table)} NOT IN "
                     f"(SELECT {record_id_sql(table, 'b')} FROM {staged(table)} b)")
        parts.append(f"SELECT t.* FROM {source or 'main.' + table} t WHERE {where}")
    return f"SELECT *, row_number() OVER () AS nc_row FROM (\n{' UNION ALL '.join(parts)}\n)"


_STAR = re.compile(r"\*")


def old_columns(rules, tables: set[str]) -> dict[str, set[str] | None]:
    """table -> the columns of its replaced rows (``nc_old_<table>``) that the footprints of
    ``rules`` can read, None for every column. Computed before the merge from the footprints'
    SQL (``footprint_sql`` reads no data), so that the merge fetches the rows it replaces
    with these columns only: fetching a stored row costs by the columns it reads (at 10M
    claims, 2,000 replaced claims take 1.08 s whole, 0.53 s as their four key columns).

    A footprint reads ``nc_old_<table>`` directly (its key columns) or, in a declared scope,
    through the views ``ingest_batch_<table>`` and ``ingest_before_<table>``. Every column
    whose name is a word of such a text is kept (a superset: a name in a comment keeps its
    column too); a text that selects ``*`` keeps them all. The primary key is always kept."""
    texts: list[str] = []
    for rule in rules:
        found = footprint_sql(rule, rule.kind.footprint(rule), tables)
        if isinstance(found, Found):
            texts.append(found.query or "")
            texts.extend(f"{c.values}\n{c.sql}" for c in found.conditions)
    return {table: columns_of_old(table, texts) for table in tables}


def columns_of_old(table: str, texts: list[str]) -> set[str] | None:
    """The columns of ``table`` that ``texts`` (SQL) can read of its replaced rows: those
    named in a text that reads ``nc_old_<table>``, ``ingest_batch_<table>`` or
    ``ingest_before_<table>``, and the primary key; None (every column) when such a text
    selects ``*``."""
    spec = contract.tables()[table]
    names = (old(table), f"ingest_batch_{table}", f"ingest_before_{table}")
    reading = [t for t in texts if any(re.search(rf"\b{n}\b", t) for n in names)]
    if any(_STAR.search(t.replace("count(*)", "")) for t in reading):
        return None
    words = {w for t in reading for w in re.findall(r"\w+", t)}
    return set(spec.primary_key) | {c for c in spec.column_names if c in words}


def declare_views(con, tables: set[str]) -> None:
    """``ingest_batch_<table>`` (the batch's rows and the stored rows they replace) and
    ``ingest_before_<table>`` (the table before the batch), for the ``scope`` queries."""
    for table in contract.TABLES:
        if table in tables:
            keys = f"SELECT {record_id_sql(table, 'b')} FROM {staged(table)} b"
            con.execute(f"CREATE OR REPLACE TEMP VIEW ingest_batch_{table} AS "
                        f"SELECT * FROM {staged(table)} UNION ALL SELECT * FROM {old(table)}")
            con.execute(f"CREATE OR REPLACE TEMP VIEW ingest_before_{table} AS SELECT * FROM {old(table)} "
                        f"UNION ALL SELECT * FROM main.{table} t WHERE {record_id_sql(table)} NOT IN ({keys})")
        else:
            con.execute(f"CREATE OR REPLACE TEMP VIEW ingest_batch_{table} AS SELECT * FROM main.{table} LIMIT 0")
            con.execute(f"CREATE OR REPLACE TEMP VIEW ingest_before_{table} AS SELECT * FROM main.{table}")
