"""The Spark plan of the SQL selections (``rules.kinds.base``), one Spark SQL statement each
for:

- the ``RowFilter`` rules of one table that read no join: ONE pass over the table (a
  prefilter ``WHERE (c1) OR (c2) ...``; per offending row, ``explode`` of the (rule,
  message) structs of the conditions it meets), as DuckDB fuses them;
- each ``RowFilter`` rule that reads a join of ``sql/scans/<table>.sql``: that join alone;
  where the join may repeat a base row, the rows are grouped by the row identity of the read
  (``lake.ROW_ID``) so that each row counts once per rule, as DuckDB groups by ``rowid``;
- the ``MissingReference`` rules of one referenced key: ONE ``LEFT ANTI JOIN`` of the
  referencing values of all their tables (``UNION ALL``) against the key;
- each ``RepeatedKey``: the keys that occur more than once (``GROUP BY ... HAVING``), joined
  back to the table's rows;
- each ``GroupedQuery``: its query file, translated.

Conditions, messages, scans and query files are translated from DuckDB's dialect
(``translate``); a statement that cannot be translated is an ``error`` of its rules."""

from __future__ import annotations

from dataclasses import dataclass

from newsclaims import contract
from newsclaims.engines.duckdb.scan import load_scan
from newsclaims.engines.spark.lake import ROW_ID
from newsclaims.engines.spark.translate import TranslationError, to_spark
from newsclaims.rules.catalogue import Rule
from newsclaims.rules.kinds import GroupedQuery, MissingReference, RepeatedKey, RowFilter
from newsclaims.rules.sql_fragments import quote_literal, read_query, record_id_sql

SQL_SELECTIONS = (RowFilter, MissingReference, RepeatedKey, GroupedQuery)


@dataclass(frozen=True)
class SparkStatement:
    label: str
    family: str  # row, row+join, references, unique, sql: what bench/spark.md counts by
    rules: tuple[Rule, ...]
    sql: str


def _head(rule: Rule, table: str) -> str:
    return (f"{quote_literal(rule.id)} AS rule_id, {quote_literal(rule.severity)} AS severity, "
            f"{quote_literal(table)} AS table_name")


def _message(rule: Rule, message: str) -> str:
    return f"coalesce(CAST(({message}) AS VARCHAR), {quote_literal(rule.title)})"


def fused_pass(table: str, rules: list[Rule]) -> SparkStatement:
    """The join-free ``RowFilter`` rules of one table in one pass. Each rule's struct is a
    column of the rows read before the array of them is filtered: a condition may hold a
    subquery (``EXISTS``), which Spark refuses inside a higher-order function."""
    hits, conditions = [], []
    for n, rule in enumerate(rules):
        sel = rule.selection
        where = to_spark(sel.where)
        message = to_spark(_message(rule, sel.message))
        hits.append(f"CASE WHEN ({where}) THEN named_struct('rule_id', {quote_literal(rule.id)}, "
                    f"'severity', {quote_literal(rule.severity)}, 'message', {message}) END AS h{n}")
        conditions.append(f"({where})")
    record_id = to_spark(record_id_sql(table))
    sql = (
        f"SELECT h.rule_id, h.severity, {quote_literal(table)} AS table_name, record_id, h.message\n"
        f"FROM (\n  SELECT record_id, explode(filter(array({', '.join(f'h{n}' for n in range(len(rules)))}), "
        f"x -> x IS NOT NULL)) AS h\n  FROM (\n    SELECT {record_id} AS record_id,\n    "
        + ",\n    ".join(hits)
        + f"\n    FROM {table} t\n    WHERE "
        + "\n       OR ".join(conditions) + "\n  ) broken\n) hits"
    )
    return SparkStatement(f"scan {table}", "row", tuple(rules), sql)


def joined_rule(table: str, rule: Rule) -> SparkStatement:
    """A ``RowFilter`` that reads joins of the table's scan: those joins alone."""
    sel = rule.selection
    scan = load_scan(table)
    uses = set(sel.uses) & {alias for alias, _, _ in scan.joins}
    source = scan.from_clause(uses)
    repeats = scan.may_repeat_rows(uses)
    if repeats:  # the base row's identity of this read, to count each row once
        base = source.splitlines()[0]
        source = source.replace(base, f"FROM {table}__rows t", 1)
    key = f", t.{ROW_ID} AS row_key" if repeats else ""
    inner = to_spark(
        f"SELECT {_head(rule, table)}, {record_id_sql(table)} AS record_id, "
        f"{_message(rule, sel.message)} AS message{key}\n{source}\nWHERE {sel.where}")
    if not repeats:
        return SparkStatement(f"scan {table} [{rule.id}]", "row+join", (rule,), inner)
    sql = (
        "SELECT first(rule_id) AS rule_id, first(severity) AS severity, first(table_name) AS table_name,\n"
        "  first(record_id) AS record_id, array_join(array_sort(collect_set(message)), '; ') AS message\n"
        f"FROM (\n{inner}\n) j\nGROUP BY row_key"
    )
    return SparkStatement(f"scan {table} [{rule.id}]", "row+join", (rule,), sql)


def references(target: str, rules: list[Rule]) -> SparkStatement:
    """Every ``MissingReference`` of one referenced key as one anti join."""
    ref_table, ref_col = target.split(".", 1)
    branches = []
    for rule in rules:
        col = rule.selection.column
        branches.append(to_spark(
            f"SELECT {_head(rule, rule.table)}, {quote_literal(col)} AS column_name, "
            f"{record_id_sql(rule.table)} AS record_id, t.{col} AS k FROM {rule.table} t "
            f"WHERE t.{col} IS NOT NULL"))
    sql = (
        "SELECT r.rule_id, r.severity, r.table_name, r.record_id,\n"
        f"  concat(r.column_name, ' ', CAST(r.k AS STRING), ' is not a {target}') AS message\n"
        "FROM (\n" + "\n UNION ALL\n".join(branches) + "\n) r\n"
        f"LEFT ANTI JOIN {ref_table} p ON p.{ref_col} = r.k"
    )
    return SparkStatement(f"references {target}", "references", tuple(rules), sql)


def repeated_key(rule: Rule) -> SparkStatement:
    """The rows whose key occurs more than once: the repeated keys, joined back."""
    table, cols = rule.table, list(rule.selection.columns)
    not_null = " AND ".join(f"t.{c} IS NOT NULL" for c in cols)
    key = "concat_ws('|', " + ", ".join(f"CAST(w.{c} AS VARCHAR)" for c in cols) + ")"
    message = f"concat('{', '.join(cols)} ', {key}, ' occurs ', w.n, ' times')"
    on = " AND ".join(f"w.{c} = t.{c}" for c in cols)
    sql = to_spark(
        f"WITH w AS (SELECT {', '.join(f't.{c}' for c in cols)}, count(*) AS n FROM {table} t "
        f"WHERE {not_null} GROUP BY {', '.join(f't.{c}' for c in cols)} HAVING count(*) > 1)\n"
        f"SELECT {_head(rule, table)}, {record_id_sql(table)} AS record_id, "
        f"{_message(rule, message)} AS message\nFROM {table} t JOIN w ON {on}")
    return SparkStatement(f"unique {rule.id}", "unique", (rule,), sql)


def grouped_query(rule: Rule) -> SparkStatement:
    query = read_query(rule.selection.file)
    inner = to_spark(query)
    sql = (f"SELECT {quote_literal(rule.id)} AS rule_id, {quote_literal(rule.severity)} AS severity, "
           f"{quote_literal(rule.table)} AS table_name, CAST(q.record_id AS STRING) AS record_id, "
           f"CAST(q.message AS STRING) AS message\nFROM (\n{inner}\n) q")
    return SparkStatement(f"sql {rule.id}", "sql", (rule,), sql)


def plan_statements(rules: list[Rule], fuse: bool = True) -> tuple[list[SparkStatement], dict[str, str]]:
    """The statements of a run, and rule id -> error for the rules that cannot be translated.
    ``fuse=False``: one statement per rule (the fallback of a failed fused statement)."""
    statements: list[SparkStatement] = []
    errors: dict[str, str] = {}

    def add(build, *args, of: list[Rule]) -> None:
        try:
            statements.append(build(*args))
        except TranslationError as exc:
            if len(of) == 1:
                errors[of[0].id] = str(exc)
            else:  # find the rule(s) at fault: each alone
                for rule in of:
                    more, failed = plan_statements([rule], fuse=False)
                    statements.extend(more)
                    errors.update(failed)

    by_target: dict[str, list[Rule]] = {}
    for table in contract.TABLES:
        of_table = [r for r in rules if r.table == table]
        free = [r for r in of_table if isinstance(r.selection, RowFilter) and not r.selection.uses]
        if free:
            groups = [free] if fuse else [[r] for r in free]
            for group in groups:
                add(fused_pass, table, group, of=group)
        for rule in of_table:
            sel = rule.selection
            if isinstance(sel, RowFilter) and sel.uses:
                add(joined_rule, table, rule, of=[rule])
            elif isinstance(sel, RepeatedKey):
                add(repeated_key, rule, of=[rule])
            elif isinstance(sel, GroupedQuery):
                add(grouped_query, rule, of=[rule])
            elif isinstance(sel, MissingReference):
                by_target.setdefault(sel.target, []).append(rule)
    for target, group in sorted(by_target.items()):
        groups = [group] if fuse else [[r] for r in group]
        for one in groups:
            add(references, target, one, of=one)
    return statements, errors
