"""``ingest``: write, audit and publish a batch of records (docs/ingest.md).

``ingest(db_path, batch_folder)`` stages the batch (``batch``), then, in ONE DuckDB
transaction on the database: keeps the stored rows the batch replaces (``nc_old_<table>``),
merges the batch into the tables, evaluates every rule on its footprint only
(``footprint``, ``audit``), computes the new stored results (the stored violations outside
the footprints plus the re-evaluated ones inside them) and either commits all of it
(published) or rolls it back (refused: the database is as it was). A reader sees the old
state or the new one, never a mix; a killed process leaves the old one (DuckDB's WAL).

Modules: ``batch`` (reading and staging the folder), ``merge`` (the batch into the tables, within
the database's own constraints), ``footprint`` (which records a rule
must re-evaluate), ``scope`` (a declared scope, step by step), ``lookups`` (reads by key
through an index), ``partners`` (the partner rows read once), ``columns`` (the columns a
query reads, from DuckDB's plan), ``audit`` (evaluating the rules there), ``gate`` (refuse
or publish and what the report says), ``report`` (``ingest.json``/``ingest.md``)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
import time

from newsclaims.engines.duckdb.database import open_database, table_sizes
from newsclaims.errors import GateFailure, InputError
from newsclaims.ingest import lookups as lookup_indexes
from newsclaims.ingest.audit import EVAL, FP, AuditAborted, audit, lookup_pairs
from newsclaims.ingest.batch import stage
from newsclaims.ingest.footprint import old_columns
from newsclaims.ingest.gate import IngestRun, decide
from newsclaims.ingest.merge import Rejected, merge
from newsclaims.ingest.partners import LARGE
from newsclaims.interrupts import finishing
from newsclaims.rules.catalogue import load_catalogue
from newsclaims.rules.results import RuleResult
from newsclaims.rules.sql_fragments import quote_literal

__all__ = ["IngestRun", "ingest"]


def ingest(db_path, batch_folder, *, fail_on: str = "error", memory_limit: str | None = None,
           pandera: str = "auto", rules=None, partners_from: int = LARGE, index_from: int = lookup_indexes.INDEX_FROM) -> IngestRun:
    """Audit the batch in ``batch_folder`` against the database ``db_path`` and publish it
    unless it adds a violation that fails the gate at ``fail_on`` (None: publish whatever
    the audit finds, with its results stored: a backfill known to carry defects). Returns what happened;
    raises ``InputError`` (nothing changed) for a bad batch or a database without stored
    results of the whole catalogue. ``partners_from``: the rows from which a partner table
    the audit reads is copied once rather than read by each statement (``partners``);
    ``index_from``: the rows from which a table's lookups go through an index (``lookups``),
    built by the first ingest that needs it."""
    from newsclaims.check import CheckOptions, _refuse_a_release_snapshot

    started = time.perf_counter()
    db_path = Path(db_path)
    _refuse_a_release_snapshot(db_path)
    catalogue = list(rules) if rules is not None else load_catalogue()
    options = CheckOptions(memory_limit=memory_limit, pandera=pandera)
    con = open_database(db_path, memory_limit=memory_limit)
    try:
        phases: dict[str, float] = {}
        mark = time.perf_counter()

        def lap(name: str) -> None:
            nonlocal mark
            now = time.perf_counter()
            phases[name] = round(now - mark, 4)
            mark = now

        stored = _stored_results(con, db_path, catalogue)
        sizes = table_sizes(con)
        wanted = lookup_indexes.wanted(lookup_pairs(catalogue), sizes, index_from,
                                        lookup_indexes.wide_tables(con, sizes, index_from))
        indexes_built = lookup_indexes.ensure(con, wanted)
        lookups = lookup_indexes.Lookups(con, lookup_indexes.indexed(con) & set(wanted), sizes)
        lookup_indexes.configure(con)
        lap("indexes")
        batch = stage(con, batch_folder)
        tables = set(batch.tables)
        lap("stage")
        con.execute("BEGIN TRANSACTION")
        try:
            try:
                merged = merge(con, batch, lookups, old_columns(catalogue, tables))
            except Rejected as exc:
                raise _rejection(exc, batch.folder, db_path) from None
            sizes = table_sizes(con)
            lap("merge")
            try:
                audited = audit(con, catalogue, tables, sizes, options, partners_from, lookups)
            except AuditAborted as exc:
                con.execute("ROLLBACK")
                raise GateFailure(
                    f"{batch.folder}: refused: rule {exc.rule_id} could not run on the batch ({exc.message}); "
                    f"DuckDB aborts the audit's transaction on any error, so no rule after it ran; "
                    f"{db_path} is unchanged") from None
            lap("audit")
            run = decide(con, catalogue, stored, audited, fail_on, _now())
            run.db, run.batch, run.rows, run.replaced = str(db_path), str(batch.folder), dict(batch.rows), merged
            run.partner_copies = audited.partner_copies
            run.indexes_built = indexes_built
            lap("gate")
            if run.refused:
                con.execute("ROLLBACK")
            else:
                with finishing():  # Ctrl-C and SIGTERM wait: the batch and its results go in together
                    _store(con, run.results, run.run_at, audited)
                    con.execute("COMMIT")
                run.published = True
            lap("publish" if run.published else "rollback")
            run.phases = phases
        except BaseException:
            try:
                con.execute("ROLLBACK")
            except Exception:
                pass
            raise
    finally:
        con.close()
    run.seconds = round(time.perf_counter() - started, 3)
    return run


def _rejection(exc: Rejected, folder, db_path) -> Exception:
    """The one line of a merge the database's own constraints rejected: exit 2 for a
    correction DuckDB cannot apply (an indexed column of a referenced record), exit 1
    (refused) for a row that breaks a constraint, as the rule that mirrors it would."""
    record = f"{exc.table} record {exc.record}" if exc.record else f"a row of {exc.table}"
    if exc.changes:
        return InputError(
            f"{folder}: {record} changes {exc.changes}, which DuckDB cannot change in a record other rows "
            f"reference by a foreign key (it updates an indexed column as a delete and an insert, and "
            f"refuses the delete); correct the dataset and rebuild, or ingest into a database without "
            f"constraints; {db_path} is unchanged")
    return GateFailure(f"{folder}: refused: {record} breaks the database's constraints ({exc.reason}); "
                       f"{db_path} is unchanged")


def _stored_results(con, db_path: Path, catalogue) -> dict[str, tuple]:
    """rule -> its stored (status, violation_count, detail), or one line when the database
    holds no results of this catalogue (the incremental audit builds on a full check's)."""
    have = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
    if not {"dq_results", "dq_violations"} <= have:
        raise InputError(f"{db_path}: no stored results (run `newsclaims check --db {db_path}` once "
                         "before the first ingest)")
    stored = {r[0]: r[1:] for r in con.execute(
        "SELECT rule_id, status, violation_count, detail, engine FROM dq_results").fetchall()}
    missing = [r.id for r in catalogue if r.id not in stored]
    extra = sorted(set(stored) - {r.id for r in catalogue})
    engines = {v[3] for v in stored.values()}
    if missing or extra or engines - {"duckdb"}:
        what = (f"no stored result of {missing[0]}" if missing else f"a stored result of {extra[0]}, "
                "not a rule of the catalogue" if extra else "results of another engine")
        raise InputError(f"{db_path}: {what}: the stored results are not a full duckdb check of this "
                         f"catalogue; run `newsclaims check --db {db_path}` first")
    return stored


def _store(con, results: list[RuleResult], run_at: datetime, audited) -> None:
    """The new stored results: the violations outside the footprints stay, those inside
    them (and every violation of a rule that ran in full) are the audit's."""
    whole = ", ".join(quote_literal(r) for r in audited.whole) or "NULL"
    con.execute(f"DELETE FROM main.dq_violations v WHERE v.rule_id IN ({whole}) OR EXISTS "
                f"(SELECT 1 FROM {FP} f WHERE f.rule_id = v.rule_id AND f.record_id = v.record_id)")
    con.execute(f"INSERT INTO main.dq_violations SELECT rule_id, severity, table_name, record_id, message FROM {EVAL}")
    con.execute("DELETE FROM main.dq_results")
    rows = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(results))
    params = [v for r in results for v in (
        r.rule_id, r.title, r.family, r.severity, r.table_name, r.status,
        r.violation_count, r.fail_above, r.engine, run_at, r.detail)]
    con.execute(f"INSERT INTO main.dq_results VALUES {rows}", params)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None)
