"""Compile rules into as few SQL statements as pay off (dbt style: select offending rows).

DuckDB's plan for the rules' selections (``rules.kinds.base``):

- every ``RowFilter`` and ``MissingReference`` rule of one
  table that reads no join is fused into ONE pass over the table: a prefilter ``WHERE (c1)
  OR (c2) ...`` and, per offending row, the list of (rule, message) pairs it breaks,
  unnested; every rule that reads a join of ``sql/scans/<table>.sql`` (or a
  ``relationship``'s key lookup) is its own statement, with only that join
  (``scan_statements``; why: bench/analysis.md). When the join can repeat a row (a
  duplicated parent key), the rows are grouped by the base row's ``rowid`` so that each
  row counts once per rule (see docs/rules-authoring.md, "What a count means");
- each ``RepeatedKey`` rule is one query: the hashes of repeated keys, then an exact count;
- each ``GroupedQuery`` rule runs its own query file (``sql/rules/<id>.sql``);
- ``PanderaModel`` rules are not SQL: ``engines.pandera`` runs them.

Every statement selects ``rule_id, severity, table_name, record_id, message``: the shape
of ``dq_violations``.
"""

from __future__ import annotations

from dataclasses import replace

from newsclaims import contract
from newsclaims.engines.duckdb.keys import references_statement, unique_statement
from newsclaims.engines.duckdb.scan import load_scan
from newsclaims.engines.duckdb.statement import Statement
from newsclaims.rules.catalogue import Rule
from newsclaims.rules.kinds import GroupedQuery, MissingReference, RepeatedKey, RowFilter
from newsclaims.rules.sql_fragments import quote_literal, read_query, record_id_sql

SQL_SELECTIONS = (RowFilter, MissingReference, RepeatedKey, GroupedQuery)


def row_condition(rule: Rule, sizes: dict[str, int] | None = None
                  ) -> tuple[str, str, tuple[str, ...], str | None]:
    """(where, message, join aliases used, extra join line) of a rule fused in a scan.

    ``sizes`` (table -> rows) picks the cheaper form of a ``MissingReference``: a table
    smaller than the one it references is checked with ``NOT EXISTS`` (DuckDB builds its
    hash table on the smaller side), a larger one against the referenced keys made
    distinct. At 10M claims: 20k relays -> claims 0.33 s against 1.28 s; 10M claims -> 1M
    documents 0.16 s against 0.40 s."""
    sel = rule.selection
    if isinstance(sel, RowFilter):
        return sel.where, sel.message, sel.uses, None
    if not isinstance(sel, MissingReference):
        raise ValueError(f"{rule.id}: a {type(sel).__name__} is not a scan's row condition")
    col, ref_table, ref_col = sel.column, sel.ref_table, sel.ref_column
    value = f"CAST(t.{col} AS VARCHAR)"
    alias = f"ref_{col}"
    message = f"concat('{col} ', {value}, ' is not a {sel.target}')"
    if sizes and sizes.get(rule.table, 0) < sizes.get(ref_table, 0):
        where = (f"t.{col} IS NOT NULL AND NOT EXISTS "
                 f"(SELECT 1 FROM {ref_table} {alias} WHERE {alias}.{ref_col} = t.{col})")
        return where, message, (alias,), ""
    join = (
        f"LEFT JOIN (SELECT DISTINCT {ref_col} AS key FROM {ref_table}) {alias} "
        f"ON {alias}.key = t.{col}"
    )
    return f"t.{col} IS NOT NULL AND {alias}.key IS NULL", message, (alias,), join


def _hit(rule: Rule, message: str) -> str:
    return (
        f"{{'rule_id': {quote_literal(rule.id)}, 'severity': {quote_literal(rule.severity)}, "
        f"'message': coalesce(CAST(({message}) AS VARCHAR), {quote_literal(rule.title)})}}"
    )


def _unnested(table: str, record_id: str, cases: list[str], source: str, where: str) -> str:
    """Per offending row of one pass over the table, the (rule, message) pairs it breaks,
    one output row each."""
    hits = ",\n    ".join(cases)
    return (
        "SELECT struct_extract(h, 'rule_id') AS rule_id, struct_extract(h, 'severity') AS severity,\n"
        f"  {quote_literal(table)} AS table_name, record_id, struct_extract(h, 'message') AS message\n"
        f"FROM (\n  SELECT {record_id} AS record_id, unnest(list_filter([\n    {hits}\n"
        f"  ], lambda x: x IS NOT NULL)) AS h\n{source}\nWHERE {where}\n) hits"
    )


def _single(rule: Rule, table: str, record_id: str, where: str, message: str, source: str,
            row_key: str | None) -> str:
    """The query of one rule alone: its offending rows, no struct to unnest."""
    key = f", {row_key} AS row_key" if row_key else ""
    return (
        f"SELECT {quote_literal(rule.id)} AS rule_id, {quote_literal(rule.severity)} AS severity, "
        f"{quote_literal(table)} AS table_name, {record_id} AS record_id,\n"
        f"  coalesce(CAST(({message}) AS VARCHAR), {quote_literal(rule.title)}) AS message{key}\n"
        f"{source}\nWHERE {where}"
    )


def _join_aliases(rule: Rule) -> tuple[str, ...]:
    sel = rule.selection
    if isinstance(sel, MissingReference):
        return (f"ref_{sel.column}",)
    if isinstance(sel, RowFilter):
        return tuple(sorted(sel.uses))
    return ()


def join_groups(rules: list[Rule]) -> dict[tuple[str, ...], list[Rule]]:
    """The row-level rules of one table in groups of one statement each: every rule that
    reads no join together, and every rule that reads a join (a ``row`` rule with
    ``uses``, a ``relationship``) alone, keyed by ``(rule id,)``."""
    groups: dict[tuple[str, ...], list[Rule]] = {}
    for rule in rules:
        groups.setdefault((rule.id,) if _join_aliases(rule) else (), []).append(rule)
    return groups


def scan_statements(table: str, rules: list[Rule], sizes: dict[str, int] | None = None) -> list[Statement]:
    """The table's row-level rules as one statement per group of ``join_groups``: one for
    every rule that reads no join (one pass over the table), one per rule that reads a join.

    Each statement runs alone, so DuckDB holds one join's hash table at a time. Measured at
    10M claims (bench/analysis.md): the claims scan of the core rules took 9.0 s as one
    branch evaluating every rule over every join, 8.7 s as a ``UNION ALL`` of one branch per
    joined rule, less as separate statements; a join shared by several rules (documents,
    for the quote and date rules) did not pay for itself."""
    statements = []
    for key, group in sorted(join_groups(rules).items()):
        label = f"scan {table}" + (f" [{key[0]}]" if key else "")
        sql, group_by = _scan_sql(table, group, sizes)
        statements.append(Statement(label, table, tuple(group), sql, group_by))
    return statements


def _scan_sql(table: str, rules: list[Rule], sizes: dict[str, int] | None = None) -> tuple[str, str | None]:
    """The query over the table's scan, with only the joins ``rules`` use, and what its
    rows are grouped by when those joins can repeat a row."""
    scan = load_scan(table)
    uses: set[str] = set()
    extra: dict[str, str] = {}
    cases, conditions = [], []
    for rule in rules:
        where, message, aliases, join = row_condition(rule, sizes)
        uses.update(aliases)
        if join:
            extra[aliases[0]] = join
        cases.append(f"CASE WHEN ({where}) THEN {_hit(rule, message)} END")
        conditions.append(f"({where})")
    known = {alias for alias, _, _ in scan.joins}
    source = scan.from_clause(uses & known)
    if extra:
        source += "\n" + "\n".join(extra[a] for a in sorted(extra))
    row_key = "t.rowid" if scan.may_repeat_rows(uses & known) else None
    if len(rules) == 1:  # a rule that reads a join is always alone (join_groups)
        sql = _single(rules[0], table, record_id_sql(table), where, message, source, row_key)
        return sql, ("row_key" if row_key else None)
    if uses:
        raise ValueError(f"{table}: rules that read a join are compiled one per statement")
    return _unnested(table, record_id_sql(table), cases, source, "\n   OR ".join(conditions)), None


def sql_statement(rule: Rule) -> Statement:
    query = read_query(rule.selection.file)
    sql = (
        f"SELECT {quote_literal(rule.id)} AS rule_id, {quote_literal(rule.severity)} AS severity, "
        f"{quote_literal(rule.table)} AS table_name, CAST(q.record_id AS VARCHAR) AS record_id, "
        f"CAST(q.message AS VARCHAR) AS message\nFROM (\n{query}\n) q"
    )
    return Statement(f"sql {rule.id}", rule.table, (rule,), sql)


def compile_rules(rules: list[Rule], sizes: dict[str, int] | None = None) -> list[Statement]:
    """The statements of a run: the ``MissingReference`` rules that share a referenced key
    (``references_statement``), then per table the scans (``scan_statements``), one query
    per ``unique`` rule, one per ``sql`` rule."""
    statements: list[Statement] = []  # PanderaModel rules: none (engines.pandera)
    selections = {r.id: r.selection for r in rules}
    by_target: dict[str, list[Rule]] = {}
    for rule in rules:
        if isinstance(selections[rule.id], MissingReference):
            by_target.setdefault(selections[rule.id].target, []).append(rule)
    shared = {target: group for target, group in by_target.items() if len(group) > 1}
    in_shared = {r.id for group in shared.values() for r in group}
    for table in contract.TABLES:
        of_table = [r for r in rules if r.table == table]
        row = [r for r in of_table if isinstance(selections[r.id], (RowFilter, MissingReference))
               and r.id not in in_shared]
        if row:
            statements.extend(scan_statements(table, row, sizes))
        statements.extend(unique_statement(table, r) for r in of_table
                          if isinstance(selections[r.id], RepeatedKey))
        statements.extend(sql_statement(r) for r in of_table if isinstance(selections[r.id], GroupedQuery))
    statements.extend(references_statement(target, group, sizes) for target, group in sorted(shared.items()))
    return statements


def compile_each(rules: list[Rule], sizes: dict[str, int] | None = None) -> list[Statement]:
    """One statement per rule (no fusing): for isolating a failing rule and for measuring."""
    return [replace(s, label=f"rule {rule.id}") for rule in rules for s in compile_rules([rule], sizes)]
