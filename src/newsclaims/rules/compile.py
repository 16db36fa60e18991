"""Compile rules into as few SQL statements as pay off (dbt style: select offending rows).

- every ``not_null``/``accepted_values``/``pattern``/``relationship``/``row`` rule of one
  table that reads no join is fused into ONE pass over the table: a prefilter ``WHERE (c1)
  OR (c2) ...`` and, per offending row, the list of (rule, message) pairs it breaks,
  unnested; every rule that reads a join of ``sql/scans/<table>.sql`` (or a
  ``relationship``'s key lookup) is its own statement, with only that join
  (``scan_statements``; why: bench/analysis.md). When the join can repeat a row (a
  duplicated parent key), the rows are grouped by the base row's ``rowid`` so that each
  row counts once per rule (see docs/rules-authoring.md, "What a count means");
- each ``unique`` rule is one query: the hashes of repeated keys, then an exact count;
- each ``sql`` rule runs its own query file (``sql/rules/<id>.sql``);
- ``pandera`` rules are not SQL: ``rules.pandera_rules`` runs them.

Every statement selects ``rule_id, severity, table_name, record_id, message``: the shape
of ``dq_violations``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache

from newsclaims import contract, project
from newsclaims.errors import InputError
from newsclaims.rules.catalogue import Rule

ROW_KINDS = ("not_null", "accepted_values", "pattern", "relationship", "row")
_DISTINCT_JOIN = re.compile(r"^\s*LEFT\s+JOIN\s+\(\s*SELECT\s+DISTINCT\s+\w+(\s+AS\s+\w+)?\s+FROM\s+\w+\s*\)", re.I)
_JOIN = re.compile(r"^\s*LEFT\s+JOIN\s+(?:\(.*\)|\S+)\s+(?:AS\s+)?(\w+)\s+ON\s+(.*)$", re.I)


@dataclass(frozen=True)
class Statement:
    """One query of a run and the rules whose violations it selects.

    ``sql`` selects violations in the shape of ``dq_violations``. With ``group_by`` it
    selects the offending rows of a join that can repeat a row, plus a ``row_key`` column,
    and ``steps()`` keeps one violation per ``group_by`` (see ``one_per_row``)."""

    label: str
    table: str
    rules: tuple[Rule, ...]
    sql: str
    group_by: str | None = None

    def steps(self, target: str = "dq_violations") -> list[str]:
        """The SQL that stores this statement's violations in ``target`` (a table in the
        shape of ``dq_violations``).

        The rows of a repeating join are first stored in a temporary table, then grouped:
        grouping in the join's own query made DuckDB hold the join and the aggregate
        together and spill (the quote rule at 10M claims under a 1500MB limit: 3.6 s and
        341 MB written to disk, against 1.9 s in two steps)."""
        if not self.group_by:
            return [f"INSERT INTO {target} {self.sql}"]
        return [
            f"CREATE OR REPLACE TEMP TABLE nc_rows AS {self.sql}",
            f"INSERT INTO {target} {one_per_row('nc_rows', self.group_by)}",
            "DROP TABLE nc_rows",
        ]


@dataclass(frozen=True)
class Scan:
    """A table's FROM clause: the base table (alias ``t``) and its optional joins."""

    table: str
    base: str
    joins: tuple[tuple[str, str, frozenset[str]], ...]  # (alias, line, aliases it needs)

    def from_clause(self, uses) -> str:
        wanted = set(uses)
        needs = {alias: deps for alias, _, deps in self.joins}
        pending = list(wanted)
        while pending:  # a join may build on another join (d on c)
            for dep in needs.get(pending.pop(), ()):
                if dep not in wanted:
                    wanted.add(dep)
                    pending.append(dep)
        lines = [self.base] + [line for alias, line, _ in self.joins if alias in wanted]
        return "\n".join(lines)

    def may_repeat_rows(self, uses) -> bool:
        """True when a join the rules use can match a base row more than once: any join but
        one over ``(SELECT DISTINCT <key> ...)``, whose key is unique by construction. (A
        parent table's key is unique only in a valid database; the rules run on broken ones.)"""
        lines = self.from_clause(uses).splitlines()[1:]
        return any(not _DISTINCT_JOIN.match(line) for line in lines)


def quote_literal(value) -> str:
    return "'" + str(value).replace("'", "''") + "'"


@cache
def load_scan(table: str) -> Scan:
    """``sql/scans/<table>.sql``: ``FROM <table> t`` then one ``LEFT JOIN ... <alias> ON``
    per line. Without a file the scan is the table alone."""
    path = project.sql_dir() / "scans" / f"{table}.sql"
    if not path.is_file():
        return Scan(table, f"FROM {table} t", ())
    base = None
    joins = []
    for number, raw in enumerate(project.read_text(path).splitlines(), start=1):
        line = raw.split("--", 1)[0].rstrip()
        if not line.strip():
            continue
        if base is None:
            if not re.match(rf"^\s*FROM\s+{table}\s+(AS\s+)?t\s*$", line, re.I):
                raise InputError(f"sql/scans/{table}.sql:{number}: the scan must start with 'FROM {table} t'")
            base = line.strip()
            continue
        match = _JOIN.match(line)
        if not match:
            raise InputError(f"sql/scans/{table}.sql:{number}: expected one 'LEFT JOIN <table> <alias> ON ...' per line")
        alias, condition = match.group(1), match.group(2)
        deps = frozenset(re.findall(r"\b(\w+)\.", condition)) - {alias, "t"}
        joins.append((alias, line.strip(), deps))
    if base is None:
        raise InputError(f"sql/scans/{table}.sql: empty scan")
    return Scan(table, base, tuple(joins))


def record_id_sql(table: str, alias: str = "t") -> str:
    """The record id of a row: its key, or the key values joined by ``|``."""
    keys = contract.tables()[table].primary_key
    parts = [f"coalesce(CAST({alias}.{k} AS VARCHAR), '')" for k in keys]
    return parts[0] if len(parts) == 1 else "concat_ws('|', " + ", ".join(parts) + ")"


def row_condition(rule: Rule, sizes: dict[str, int] | None = None
                  ) -> tuple[str, str, tuple[str, ...], str | None]:
    """(where, message, join aliases used, extra join line) of a rule fused in a scan.

    ``sizes`` (table -> rows) picks the cheaper form of a ``relationship``: a table smaller
    than the one it references is checked with ``NOT EXISTS`` (DuckDB builds its hash table
    on the smaller side), a larger one against the referenced keys made distinct. At 10M
    claims: 20k relays -> claims 0.33 s against 1.28 s; 10M claims -> 1M documents 0.16 s
    against 0.40 s."""
    p = rule.params
    if rule.test == "row":
        return p["where"], p["message"], tuple(p.get("uses") or ()), None
    col = p["column"]
    value = f"CAST(t.{col} AS VARCHAR)"
    if rule.test == "not_null":
        return f"t.{col} IS NULL", quote_literal(f"{col} is NULL"), (), None
    if rule.test == "accepted_values":
        values = p.get("values") or contract.tables()[rule.table].column(col).enum
        if not values:
            raise InputError(f"{rule.source}: {rule.id}: column {rule.table}.{col} is no enum; give 'values'")
        listed = ", ".join(quote_literal(v) for v in values)
        return (
            f"t.{col} IS NOT NULL AND {value} NOT IN ({listed})",
            f"concat('{col} ', {value}, ' is not an accepted value')",
            (),
            None,
        )
    if rule.test == "pattern":
        regex = quote_literal(p["regex"])
        return (
            f"t.{col} IS NOT NULL AND NOT regexp_matches({value}, {regex})",
            f"concat('{col} ', {value}, ' does not match ', {regex})",
            (),
            None,
        )
    if rule.test == "relationship":
        ref_table, ref_col = p["to"].split(".", 1)
        alias = f"ref_{col}"
        message = f"concat('{col} ', {value}, ' is not a {p['to']}')"
        if sizes and sizes.get(rule.table, 0) < sizes.get(ref_table, 0):
            where = (f"t.{col} IS NOT NULL AND NOT EXISTS "
                     f"(SELECT 1 FROM {ref_table} {alias} WHERE {alias}.{ref_col} = t.{col})")
            return where, message, (alias,), ""
        join = (
            f"LEFT JOIN (SELECT DISTINCT {ref_col} AS key FROM {ref_table}) {alias} "
            f"ON {alias}.key = t.{col}"
        )
        return (
            f"t.{col} IS NOT NULL AND {alias}.key IS NULL",
            f"concat('{col} ', {value}, ' is not a {p['to']}')",
            (alias,),
            join,
        )
    raise ValueError(f"{rule.test} is not a scan kind")


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


def one_per_row(rows: str, group_by: str) -> str:
    """The violations of the table ``rows`` (with a ``row_key``
    column) grouped by ``group_by``: one per (rule, base row), the distinct messages of its
    copies joined by ``; ``.

    ``list_distinct`` over ``list()``, not ``string_agg(DISTINCT ...)``: a DISTINCT
    aggregate over the join's rows made DuckDB carry every joined row into it."""
    return (
        "SELECT any_value(rule_id) AS rule_id, any_value(severity) AS severity,\n"
        "  any_value(table_name) AS table_name, any_value(record_id) AS record_id,\n"
        "  array_to_string(list_sort(list_distinct(list(message))), '; ') AS message\n"
        f"FROM {rows}\nGROUP BY {group_by}"
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
    if rule.test == "relationship":
        return (f"ref_{rule.params['column']}",)
    if rule.test == "row":
        return tuple(sorted(rule.params.get("uses") or ()))
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


def unique_statement(table: str, rule: Rule) -> Statement:
    """Every row carrying a key that occurs more than once. For the primary key, one
    aggregate: the record id is the key. For another key, two steps: the 64-bit hashes of
    the keys that occur more than once (one aggregate over hashes, whatever the key's
    width), then an exact window count over the rows whose key has such a hash (a hash
    collision is a candidate, never a violation). At 10M claims the (doc_id, quote) key took
    2.3 s as one window over every row and 1.4 s this way."""
    cols = list(rule.params["columns"])
    not_null = " AND ".join(f"t.{c} IS NOT NULL" for c in cols)
    hashed = "hash(" + ", ".join(f"t.{c}" for c in cols) + ")"
    key = "concat_ws('|', " + ", ".join(f"CAST(w.{c} AS VARCHAR)" for c in cols) + ")"
    message = f"concat('{', '.join(cols)} ', {key}, ' occurs ', w.n, ' times')"
    select = (f"SELECT {quote_literal(rule.id)} AS rule_id, {quote_literal(rule.severity)} AS severity, "
              f"{quote_literal(table)} AS table_name, ")
    if tuple(cols) == contract.tables()[table].primary_key:
        # the record id of a row IS its key: one aggregate gives every violation, n copies of
        # each repeated key (claims.claim_id_unique at 10M: 1.03 s in two passes, 0.92 s so)
        sql = (
            f"WITH w AS (\n  SELECT {', '.join(f't.{c}' for c in cols)}, count(*) AS n FROM {table} t\n"
            f"  WHERE {not_null} GROUP BY ALL HAVING count(*) > 1\n)\n"
            f"{select}{record_id_sql(table, 'w')} AS record_id,\n"
            f"  coalesce(CAST(({message}) AS VARCHAR), {quote_literal(rule.title)}) AS message\n"
            "FROM w, range(w.n)"
        )
        return Statement(f"unique {rule.id}", table, (rule,), sql)
    sql = (
        f"WITH repeated AS (\n  SELECT {hashed} AS h FROM {table} t WHERE {not_null}\n"
        "  GROUP BY h HAVING count(*) > 1\n), w AS (\n"
        f"  SELECT {record_id_sql(table)} AS record_id, {', '.join(f't.{c}' for c in cols)},\n"
        f"    count(*) OVER (PARTITION BY {', '.join(f't.{c}' for c in cols)}) AS n\n"
        f"  FROM {table} t SEMI JOIN repeated ON repeated.h = {hashed}\n  WHERE {not_null}\n)\n"
        f"SELECT {quote_literal(rule.id)} AS rule_id, {quote_literal(rule.severity)} AS severity, "
        f"{quote_literal(table)} AS table_name, w.record_id,\n"
        f"  coalesce(CAST(({message}) AS VARCHAR), {quote_literal(rule.title)}) AS message\n"
        "FROM w WHERE w.n > 1"
    )
    return Statement(f"unique {rule.id}", table, (rule,), sql)


def sql_statement(rule: Rule) -> Statement:
    path = rule.sql_path()
    query = project.read_text(path).strip().rstrip(";")
    sql = (
        f"SELECT {quote_literal(rule.id)} AS rule_id, {quote_literal(rule.severity)} AS severity, "
        f"{quote_literal(rule.table)} AS table_name, CAST(q.record_id AS VARCHAR) AS record_id, "
        f"CAST(q.message AS VARCHAR) AS message\nFROM (\n{query}\n) q"
    )
    return Statement(f"sql {rule.id}", rule.table, (rule,), sql)


def references_statement(target: str, rules: list[Rule], sizes: dict[str, int] | None = None) -> Statement:
    """Every ``relationship`` rule that references ``target`` (``<table>.<column>``) as ONE
    anti join: the referencing values of all their tables, in one ``UNION ALL``, against
    the referenced keys, read once. At 10M claims the four rules that reference
    ``claims.claim_id`` (figures, relays, both ends of a link) took 2.5 s as four
    statements and 1.4 s as one. The message is built after the anti join, from the value
    alone, so it costs nothing for the rows that resolve."""
    ref_table, ref_col = target.split(".", 1)
    branches = []
    for rule in rules:
        col = rule.params["column"]
        branches.append(
            f"SELECT {quote_literal(rule.id)} AS rule_id, {quote_literal(rule.severity)} AS severity, "
            f"{quote_literal(rule.table)} AS table_name, {quote_literal(col)} AS column_name, "
            f"{record_id_sql(rule.table)} AS record_id, t.{col} AS k\n"
            f"FROM {rule.table} t WHERE t.{col} IS NOT NULL")
    referencing = "\nUNION ALL\n".join(branches)
    children = sum((sizes or {}).get(r.table, 0) for r in rules)
    if sizes and children < sizes.get(ref_table, 0):
        missing = f"WHERE NOT EXISTS (SELECT 1 FROM {ref_table} p WHERE p.{ref_col} = r.k)"
    else:
        missing = (f"LEFT JOIN (SELECT DISTINCT {ref_col} AS key FROM {ref_table}) p ON p.key = r.k\n"
                   "WHERE p.key IS NULL")
    sql = (
        "SELECT r.rule_id, r.severity, r.table_name, r.record_id,\n"
        f"  concat(r.column_name, ' ', CAST(r.k AS VARCHAR), ' is not a {target}') AS message\n"
        f"FROM (\n{referencing}\n) r\n{missing}"
    )
    return Statement(f"references {target}", ref_table, tuple(rules), sql)


def compile_rules(rules: list[Rule], sizes: dict[str, int] | None = None) -> list[Statement]:
    """The statements of a run: the ``relationship`` rules that share a referenced key
    (``references_statement``), then per table the scans (``scan_statements``), one query
    per ``unique`` rule, one per ``sql`` rule."""
    statements: list[Statement] = []  # pandera rules: none (rules.pandera_rules)
    by_target: dict[str, list[Rule]] = {}
    for rule in rules:
        if rule.test == "relationship":
            by_target.setdefault(rule.params["to"], []).append(rule)
    shared = {target: group for target, group in by_target.items() if len(group) > 1}
    in_shared = {r.id for group in shared.values() for r in group}
    for table in contract.TABLES:
        of_table = [r for r in rules if r.table == table]
        row = [r for r in of_table if r.test in ROW_KINDS and r.id not in in_shared]
        if row:
            statements.extend(scan_statements(table, row, sizes))
        statements.extend(unique_statement(table, r) for r in of_table if r.test == "unique")
        statements.extend(sql_statement(r) for r in of_table if r.test == "sql")
    statements.extend(references_statement(target, group, sizes) for target, group in sorted(shared.items()))
    return statements


def compile_each(rules: list[Rule], sizes: dict[str, int] | None = None) -> list[Statement]:
    """One statement per rule (no fusing): for isolating a failing rule and for measuring."""
    return [replace(s, label=f"rule {rule.id}") for rule in rules for s in compile_rules([rule], sizes)]
