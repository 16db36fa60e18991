"""Compile rules into as few SQL statements as possible (dbt style: select offending rows).

- every ``not_null``/``accepted_values``/``pattern``/``relationship``/``row`` rule of one
  table is fused into ONE query over ``sql/scans/<table>.sql``: a ``UNION ALL`` of one
  branch for the rules that read no join and one branch per rule that reads a join
  (``join_groups``), each with only the joins it uses, a prefilter ``WHERE (c1) OR (c2)
  ...`` and, per offending row, the list of (rule, message) pairs it breaks, unnested;
  when a join the rules use can repeat a
  row (a duplicated parent key), the output is grouped by the base row's ``rowid`` so that
  each row counts once per rule (see docs/rules-authoring.md, "What a count means");
- the ``unique`` rules of one table are fused into one query with one window count per key;
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
    """One query of a run and the rules whose violations it selects."""

    label: str
    table: str
    rules: tuple[Rule, ...]
    sql: str


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
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
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


def row_condition(rule: Rule) -> tuple[str, str, tuple[str, ...], str | None]:
    """(where, message, join aliases used, extra join line) of a rule fused in a scan."""
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


def _unnested(table: str, record_id: str, cases: list[str], source: str, where: str,
              row_key: str | None = None) -> str:
    """Per offending row, the (rule, message) pairs it breaks, one output row each.

    With ``row_key`` (the base row's ``rowid``) the joins of the scan may repeat a row (a
    duplicated parent key matches it twice): the output then keeps ONE violation per
    (rule, row), its messages (when the copies differ) joined by ``; ``."""
    hits = ",\n    ".join(cases)
    key = f", {row_key} AS row_key" if row_key else ""
    unnested = (
        "SELECT struct_extract(h, 'rule_id') AS rule_id, struct_extract(h, 'severity') AS severity,\n"
        f"  {quote_literal(table)} AS table_name, record_id, struct_extract(h, 'message') AS message"
        f"{', row_key' if row_key else ''}\n"
        f"FROM (\n  SELECT {record_id} AS record_id{key}, unnest(list_filter([\n    {hits}\n"
        f"  ], lambda x: x IS NOT NULL)) AS h\n{source}\nWHERE {where}\n) hits"
    )
    if not row_key:
        return unnested
    return (
        "SELECT rule_id, any_value(severity) AS severity, any_value(table_name) AS table_name,\n"
        "  any_value(record_id) AS record_id,\n"
        "  string_agg(DISTINCT message, '; ' ORDER BY message) AS message\n"
        f"FROM (\n{unnested}\n) rows\nGROUP BY rule_id, row_key"
    )


def join_groups(rules: list[Rule]) -> dict[tuple[str, ...], list[Rule]]:
    """The row-level rules of one table in groups of one scan branch each: every rule that
    reads no join together, and every rule that reads a join (a ``row`` rule with
    ``uses``, a ``relationship``) alone, keyed by ``(rule id,)``."""
    groups: dict[tuple[str, ...], list[Rule]] = {}
    for rule in rules:
        joined = rule.test == "relationship" or (rule.test == "row" and rule.params.get("uses"))
        groups.setdefault((rule.id,) if joined else (), []).append(rule)
    return groups


def scan_statement(table: str, rules: list[Rule]) -> Statement:
    """ONE query over the table's scan for all its row-level rules: the ``UNION ALL`` of
    one branch for the rules that read no join and one per rule that reads a join
    (``join_groups``).

    Evaluating every rule of a table in one branch made DuckDB carry the widest join
    (documents with their text) and every condition through all rows; a join shared by
    several rules does not pay for itself in DuckDB (bench/analysis.md: at 10M claims the
    claims scan of the core rules took 9.0 s as one branch, 6.6 s as one branch per join,
    less with one branch per joined rule)."""
    branches = [_scan_sql(table, group) for _, group in sorted(join_groups(rules).items())]
    return Statement(f"scan {table}", table, tuple(rules), "\nUNION ALL\n".join(branches))


def _scan_sql(table: str, rules: list[Rule]) -> str:
    """The query over the table's scan, with only the joins ``rules`` use."""
    scan = load_scan(table)
    uses: set[str] = set()
    extra: dict[str, str] = {}
    cases, conditions = [], []
    for rule in rules:
        where, message, aliases, join = row_condition(rule)
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
    return _unnested(table, record_id_sql(table), cases, source, "\n   OR ".join(conditions), row_key)


def unique_statement(table: str, rules: list[Rule]) -> Statement:
    """One query with a window count per key: every row carrying a duplicated key."""
    windows, cases, conditions = [], [], []
    for n, rule in enumerate(rules):
        cols = list(rule.params["columns"])
        windows.append(f"count(*) OVER (PARTITION BY {', '.join(f't.{c}' for c in cols)}) AS n{n}")
        key = "concat_ws('|', " + ", ".join(f"CAST(w.{c} AS VARCHAR)" for c in cols) + ")"
        where = " AND ".join([f"w.n{n} > 1"] + [f"w.{c} IS NOT NULL" for c in cols])
        message = f"concat('{', '.join(cols)} ', {key}, ' occurs ', w.n{n}, ' times')"
        cases.append(f"CASE WHEN {where} THEN {_hit(rule, message)} END")
        conditions.append(f"({where})")
    # only the key columns go through the window (DuckDB's window materializes its input)
    keys = list(dict.fromkeys(c for rule in rules for c in rule.params["columns"]))
    inner = (
        f"FROM (SELECT {record_id_sql(table)} AS record_id, {', '.join(f't.{c}' for c in keys)}, "
        f"{', '.join(windows)} FROM {table} t) w"
    )
    sql = _unnested(table, "w.record_id", cases, inner, " OR ".join(conditions))
    return Statement(f"unique {table}", table, tuple(rules), sql)


def sql_statement(rule: Rule) -> Statement:
    path = rule.sql_path()
    query = path.read_text(encoding="utf-8").strip().rstrip(";")
    sql = (
        f"SELECT {quote_literal(rule.id)} AS rule_id, {quote_literal(rule.severity)} AS severity, "
        f"{quote_literal(rule.table)} AS table_name, CAST(q.record_id AS VARCHAR) AS record_id, "
        f"CAST(q.message AS VARCHAR) AS message\nFROM (\n{query}\n) q"
    )
    return Statement(f"sql {rule.id}", rule.table, (rule,), sql)


def compile_rules(rules: list[Rule]) -> list[Statement]:
    """The statements of a run: one scan and one unique query per table, one per sql rule."""
    statements: list[Statement] = []  # pandera rules: none (rules.pandera_rules)
    for table in contract.TABLES:
        of_table = [r for r in rules if r.table == table]
        row = [r for r in of_table if r.test in ROW_KINDS]
        if row:
            statements.append(scan_statement(table, row))
        unique = [r for r in of_table if r.test == "unique"]
        if unique:
            statements.append(unique_statement(table, unique))
        statements.extend(sql_statement(r) for r in of_table if r.test == "sql")
    return statements


def compile_each(rules: list[Rule]) -> list[Statement]:
    """One statement per rule (no fusing): for isolating a failing rule and for measuring."""
    return [replace(s, label=f"rule {rule.id}") for rule in rules for s in compile_rules([rule])]
