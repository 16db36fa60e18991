"""Evaluating each rule on its footprint in the merged (not yet committed) state.

The violations go to the temporary table ``nc_eval``; the footprints, as
(rule_id, record_id), to ``nc_fp``. A rule whose footprint is ``Whole`` runs in full (its
result's ``detail`` says so); a rule the batch cannot touch is not run at all."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import duckdb

from newsclaims import contract
from newsclaims.engines import Job
from newsclaims.engines.duckdb.database import one_line
from newsclaims.engines.duckdb.scan import load_scan
from newsclaims.engines.duckdb.statement import Statement
from newsclaims.engines.duckdb.keys import unique_statement
from newsclaims.engines.duckdb.statements import row_condition, sql_statement
from newsclaims.errors import is_interrupt
from newsclaims.ingest.columns import columns_read
from newsclaims.ingest.footprint import Found, build_near, declare_views, footprint_sql, narrowed_sql, near
from newsclaims.ingest.lookups import ROW_FETCH_MAX, Lookups, plain
from newsclaims.ingest.partners import LARGE, Partners, name
from newsclaims.ingest.scope import IDS as SCOPE_IDS, evaluate as evaluate_scope, key_joined
from newsclaims.rules.kinds import GroupedQuery, MissingReference, PanderaModel, RepeatedKey, RowFilter, Whole
from newsclaims.rules.sql_fragments import quote_literal, read_query, record_id_sql

EVAL = "nc_eval"
FP = "nc_fp"


@dataclass
class Audit:
    whole: dict[str, str] = field(default_factory=dict)  # rule -> why it ran in full
    touched: set[str] = field(default_factory=set)  # rules evaluated on a footprint
    errors: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)
    footprint_rows: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # family -> seconds
    rule_seconds: dict[str, float] = field(default_factory=dict)
    partner_copies: list[str] = field(default_factory=list)  # nc_part_<table>_<column> built


class _Sink:
    violations_table = EVAL


def _restricted(rule, rows: str) -> str:
    """The FROM line of the rule's table, narrowed to the footprint's rows (``rows``: a
    temporary table of them, ``narrowed``)."""
    return f"FROM {rows} t"


def narrowed(con, table: str, found, cache: dict, source: str | None = None,
             lookups: Lookups | None = None) -> tuple[str, int]:
    """A temporary table of the rows of ``table`` in the footprint ``found`` (with
    ``nc_row``, unique per row); rules of one table with the same footprint share it. A
    declared scope is evaluated first, step by step (``scope``)."""
    key = (table, found)
    if key not in cache:
        name = f"nc_narrow_{len(cache)}"
        sql = narrowed_sql(table, found, source)
        if found.query is not None:  # its records first, then their rows: by key when few, or one scan
            evaluate_scope(con, found.query, lookups or plain(con))
            keyed = _scope_rows_by_key(con, table, lookups)
            if keyed is not None:
                sql = f"SELECT t.*, t.rowid AS nc_row FROM main.{table} t WHERE {keyed}"
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
        cache[key] = (name, con.execute(f"SELECT count(*) FROM {name}").fetchone()[0])
    return cache[key]


def _scope_rows_by_key(con, table: str, lookups: Lookups | None) -> str | None:
    """The condition picking the rows of a scope's records (``nc_scope_ids``) through the
    index of ``table``'s key, when it is one text column with an index and there are at most
    ``ROW_FETCH_MAX`` records; None otherwise (the scan of ``narrowed_sql``). A record id
    ``''`` is a NULL or empty key: those rows are picked too, as the record id does."""
    key = contract.tables()[table].primary_key
    if lookups is None or len(key) != 1 or contract.tables()[table].column(key[0]).type != "VARCHAR":
        return None
    keyed = lookups.by_index(table, key[0], f"SELECT record_id FROM {SCOPE_IDS}", most=ROW_FETCH_MAX)
    if keyed is None or keyed == "FALSE":
        return keyed
    if con.execute(f"SELECT count(*) FROM {SCOPE_IDS} WHERE record_id = ''").fetchone()[0]:
        keyed = f"({keyed} OR t.{key[0]} IS NULL)"
    return keyed


def _row_statement(rule, rows: str, sizes, partners: Partners) -> Statement:
    table = rule.table
    where, message, aliases, join = row_condition(rule, sizes)  # sizes: the narrowed table's
    #  (a few rows against the referenced table: NOT EXISTS, a lookup per row)
    if isinstance(rule.selection, MissingReference):
        sel = rule.selection
        where = partners.reference(where, sel.ref_table, sel.ref_column)
        join = partners.reference(join, sel.ref_table, sel.ref_column) if join else join
    scan = load_scan(table)
    known = {a for a, _, _ in scan.joins}
    uses = set(aliases) & known
    lines = [partners.join_line(line) for line in scan.from_clause(uses).splitlines()[1:]]
    source = "\n".join([_restricted(rule, rows)] + lines + ([join] if join else []))
    repeats = scan.may_repeat_rows(uses)
    key = ", t.nc_row AS row_key" if repeats else ""
    sql = (f"SELECT {quote_literal(rule.id)} AS rule_id, {quote_literal(rule.severity)} AS severity, "
           f"{quote_literal(table)} AS table_name, {record_id_sql(table)} AS record_id,\n"
           f"  coalesce(CAST(({message}) AS VARCHAR), {quote_literal(rule.title)}) AS message{key}\n"
           f"{source}\nWHERE {where}")
    return Statement(f"ingest {rule.id}", table, (rule,), sql, "row_key" if repeats else None)


def _needs(rule, rows: str, partners: Partners) -> None:
    """Register the partner rows a row or reference rule over ``rows`` reads."""
    sel = rule.selection
    if isinstance(sel, MissingReference):
        partners.need(sel.ref_table, sel.ref_column, rows, sel.column, {sel.ref_column})
    elif isinstance(sel, RowFilter):
        scan = load_scan(rule.table)
        lines = scan.from_clause(set(sel.uses) & {a for a, _, _ in scan.joins}).splitlines()[1:]
        text = "\n".join([sel.where, sel.message, *lines])  # a join may read another's columns
        for line in lines:
            partners.need_line(line, rows, text)


def _unique_statement(rule, rows: str) -> Statement:
    full = unique_statement(rule.table, rule)
    sql = re.sub(rf"\bFROM {rule.table} t\b", lambda _: _restricted(rule, rows), full.sql)
    return Statement(full.label, full.table, full.rules, sql)


class AuditAborted(Exception):
    """A rule's statement failed inside the audit's transaction, which DuckDB then aborts:
    no later statement can run, so the batch cannot be audited (``ingest`` refuses it)."""

    def __init__(self, rule_id: str, message: str):
        super().__init__(f"{rule_id}: {message}")
        self.rule_id, self.message = rule_id, message


def _run(con, rule, statement: Statement, audit: Audit) -> None:
    try:
        for step in statement.steps(EVAL):
            con.execute(step)
    except duckdb.Error as exc:
        if is_interrupt(exc):
            raise KeyboardInterrupt from None
        audit.errors[rule.id] = one_line(exc)
        try:
            con.execute("SELECT 1")
        except duckdb.Error:  # DuckDB aborted the transaction: no rule can run after this one
            raise AuditAborted(rule.id, one_line(exc)) from None


def _lap(result: Audit, family: str, started: float) -> float:
    now = time.perf_counter()
    result.timings[family] = result.timings.get(family, 0.0) + now - started
    return now


def lookup_pairs(rules) -> set[tuple[str, str]]:
    """Every (table, column) an audit of ``rules`` may read stored rows by, whatever the
    batch holds: the footprints' conditions and the partner copies' keys."""
    every = set(contract.TABLES)
    pairs = set()
    partners = Partners({t: LARGE for t in every})
    for rule in rules:
        found = footprint_sql(rule, rule.kind.footprint(rule), every)
        if isinstance(found, Found):
            pairs |= {(rule.table, c.column) for c in found.conditions}
            _needs(rule, "nc_rows", partners)
    return pairs | partners.pairs()


def audit(con, rules, tables: set[str], sizes: dict[str, int], options, partners_from: int = LARGE,
          lookups: Lookups | None = None) -> Audit:
    """Evaluate ``rules`` on their footprints in the state of ``con``'s open transaction.

    In three passes, so that each large table is read as few times as possible: every
    rule's footprint (one pass per table for all of them, ``near_sql``), the partner rows
    the statements over those footprints read (one pass per partner key, ``partners``),
    then the statements themselves, over small tables. ``partners_from``: the rows from
    which a partner table is copied rather than read as it is; ``lookups``: the indexes
    those reads may use (``lookups``)."""
    result = Audit()
    lookups = lookups or plain(con)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {EVAL} (rule_id VARCHAR, severity VARCHAR, "
                "table_name VARCHAR, record_id VARCHAR, message VARCHAR)")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {FP} (rule_id VARCHAR, record_id VARCHAR)")
    started = time.perf_counter()
    declare_views(con, tables)
    planned = [(rule, found) for rule in rules
               if (found := footprint_sql(rule, rule.kind.footprint(rule), tables)) is not None]
    by_table: dict[str, list] = {}
    for rule, found in planned:
        if isinstance(found, Found) and found.query is None:
            by_table.setdefault(rule.table, []).append(found)
    sources = {}
    for table, founds in by_table.items():
        if build_near(con, table, founds, lookups):
            sources[table] = near(table)
    pandera_plan = _plan_pandera(con, planned, options, sizes)
    cache: dict = {}
    partners = Partners(sizes, partners_from)
    for rule, found in planned:
        if isinstance(found, Found):
            rows, _ = narrowed(con, rule.table, found, cache, sources.get(rule.table), lookups)
            con.execute(f"INSERT INTO {FP} SELECT DISTINCT {quote_literal(rule.id)}, {record_id_sql(rule.table)} "
                        f"FROM {rows} t")
            if isinstance(rule.selection, PanderaModel):  # its failures of no single row (``*``):
                # the table's columns and types, which a batch staged in the contract's types keeps
                con.execute(f"INSERT INTO {FP} VALUES ({quote_literal(rule.id)}, '*')")
            _needs(rule, rows, partners)
    started = _lap(result, "footprints", started)
    partners.build(con, lookups)
    result.partner_copies = sorted(name(t, c) for t, c in partners.built)
    _lap(result, "partner rows", started)
    pandera_rules = []
    for rule, found in planned:
        started = time.perf_counter()
        selection = rule.selection
        if isinstance(found, Whole):
            result.whole[rule.id] = found.reason
            result.details[rule.id] = f"ingest: {found.reason}"
            if isinstance(selection, PanderaModel):
                pandera_rules.append((rule, None))
                continue
            if isinstance(selection, GroupedQuery):
                _run(con, rule, sql_statement(rule), result)
            else:
                every = f"(SELECT t0.*, t0.rowid AS nc_row FROM main.{rule.table} t0)"
                _run(con, rule, _row_or_key(rule, every, sizes, Partners({})), result)
        else:
            rows, count = narrowed(con, rule.table, found, cache)
            result.touched.add(rule.id)
            if isinstance(selection, PanderaModel):
                pandera_rules.append((rule, rows))
                continue
            if isinstance(selection, GroupedQuery):
                _run_narrowed(con, rule, rows, result, lookups)
            else:
                _run(con, rule, _row_or_key(rule, rows, {**sizes, rule.table: count}, partners), result)
        _lap(result, type(selection).__name__, started)
        result.rule_seconds[rule.id] = round(time.perf_counter() - started, 4)
    if pandera_rules:
        started = time.perf_counter()
        _run_pandera(con, pandera_rules, pandera_plan, result)
        result.timings["PanderaModel"] = time.perf_counter() - started
    result.footprint_rows = dict(con.execute(f"SELECT rule_id, count(*) FROM {FP} GROUP BY rule_id").fetchall())
    return result


def _run_narrowed(con, rule, rows: str, audit_: Audit, lookups: Lookups) -> None:
    """The rule's own query with its table narrowed to the footprint: a temporary view of
    the table's name shadows it while the query runs. A table the query reads only joined
    straight to those rows by a key (``scope.key_joined``) is narrowed too, to its rows
    matching them, when the index reads them by key."""
    table = rule.table
    query = read_query(rule.selection.file)
    shadowed = {table: None}  # table -> the columns fetched (None: all)
    for partner, column, own in key_joined(table, query):
        keyed = lookups.by_index(partner, column, f"SELECT {own} FROM {rows}")
        if keyed is None:
            continue  # as many keys as a scan: the query's own read of the table costs no more
        # only the columns the query reads (each fetched column costs every row); fetched by
        # key first: a condition of the query pushed into the fetch would cost its index scan
        read = columns_read(con, query, partner)
        fetched = [c for c in contract.tables()[partner].column_names if read is None or c in read]
        con.execute(f"CREATE OR REPLACE TEMP TABLE nc_shadow_{partner} AS "
                    f"SELECT {', '.join(f't.{c}' for c in fetched) or 'NULL AS nc_none'}, t.rowid AS nc_row "
                    f"FROM main.{partner} t WHERE {keyed}")
        shadowed[partner] = set(fetched)
    for name, fetched in shadowed.items():
        source = rows if name == table else f"nc_shadow_{name}"
        spec = contract.tables()[name]
        columns = ", ".join(f"t.{c}" if fetched is None or c in fetched else f"CAST(NULL AS {spec.column(c).type}) AS {c}"
                            for c in spec.column_names)
        # ``rowid`` is the narrowed row's own (``nc_row``): a query may key its rows by it; a
        # column the query never reads is NULL
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {columns}, t.nc_row AS rowid FROM {source} t")
    _run(con, rule, sql_statement(rule), audit_)  # a stop leaves the views to the rollback
    for name in shadowed:
        con.execute(f"DROP VIEW IF EXISTS temp.main.{name}")


def _plan_pandera(con, planned, options, sizes) -> tuple | None:
    """(the pandera engine, its plan, the job) for the pandera rules the batch touches, or
    None. Which models run is decided here, by the tables' full sizes, as a full check
    decides it (``engines.pandera.plan``); when one runs, pandera's import (0.6 s) starts
    on a background thread, overlapping the footprints' statements (DuckDB releases the GIL)."""
    rules = [rule for rule, _ in planned if isinstance(rule.selection, PanderaModel)]
    if not rules:
        return None
    from newsclaims.engines.pandera import ENGINE as PANDERA, preload

    job = Job(None, options, sink=_Sink(), con=con, sizes=sizes)
    plan = PANDERA.plan(rules, job)
    if plan.rules:
        preload()
    return PANDERA, plan, job


def _run_pandera(con, rules: list[tuple], planned, audit_: Audit) -> None:
    """Each table model of ``planned`` (``_plan_pandera``) on its footprint's rows (``rows``;
    None: the whole table): a model reads its table's name, which a temporary view of the
    footprint's rows shadows while it runs."""
    from newsclaims.engines.pandera import Plan

    PANDERA, plan, job = planned
    audit_.skipped.update(plan.skipped)
    chosen = {rule.id for rule in plan.rules}
    for rule, rows in rules:
        if rule.id not in chosen:
            continue
        if rows is not None:
            columns = ", ".join(f"t.{c}" for c in contract.tables()[rule.table].column_names)
            con.execute(f"CREATE OR REPLACE TEMP VIEW {rule.table} AS SELECT {columns} FROM {rows} t")
        ran = PANDERA.run(Plan([rule]), job)  # a stop leaves the view to the rollback
        if rows is not None:
            con.execute(f"DROP VIEW IF EXISTS temp.main.{rule.table}")
        audit_.errors.update(ran.errors)
        for rule_id, detail in ran.details.items():
            audit_.details[rule_id] = f"{detail}; {audit_.details.get(rule_id, '')}".rstrip("; ")


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _row_or_key(rule, rows: str, sizes, partners: Partners) -> Statement:
    if isinstance(rule.selection, (RowFilter, MissingReference)):
        return _row_statement(rule, rows, sizes, partners)
    if isinstance(rule.selection, RepeatedKey):
        return _unique_statement(rule, rows)
    raise ValueError(f"{rule.id}: a {type(rule.selection).__name__} has no footprint statement")
