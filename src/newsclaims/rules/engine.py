"""Run the rule catalogue on a database and store the results in it.

``run_checks`` compiles the selected rules into fused statements (``rules.compile``), runs
each as ``INSERT INTO dq_violations_next SELECT ...`` inside DuckDB (every offending record,
no sampling cap, nothing pulled through Python), writes one ``dq_results_next`` row per
rule, then replaces ``dq_results``/``dq_violations`` with them in one transaction.
A statement that fails is re-run rule by rule, so only the broken rule gets status
``error`` and the run continues. The ``pandera`` rules (``rules.pandera_rules``) run after
the SQL statements, on the same connection; a rule that does not run gets status
``skipped`` (with its reason in ``detail``), which never blocks a gate."""

from __future__ import annotations

import os
import re
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import closing, contextmanager
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from newsclaims import contract
from newsclaims.errors import InputError, NewsclaimsError, is_interrupt
from newsclaims.interrupts import finishing
from newsclaims.progress import steps as progress_steps
from newsclaims.rules import pandera_rules
from newsclaims.rules.catalogue import Rule, load_catalogue, select_rules
from newsclaims.rules.compile import Statement, compile_each, compile_rules
from newsclaims.rules.results import CheckRun, RuleResult

DEFAULT_MEMORY_LIMIT = "1500MB"

# A run writes into the staging tables (``NEXT``) and replaces dq_results/dq_violations
# with them in one transaction at its end (``_staged_results``): an interrupted or failed
# run leaves the previous run's results as they were, never a half-written one.
NEXT = {"dq_results": "dq_results_next", "dq_violations": "dq_violations_next"}
STAGING_DDL = f"""
CREATE OR REPLACE TABLE {NEXT['dq_results']} (
    rule_id VARCHAR, title VARCHAR, family VARCHAR, severity VARCHAR, table_name VARCHAR,
    status VARCHAR, violation_count BIGINT, fail_above BIGINT, engine VARCHAR,
    run_at TIMESTAMP, detail VARCHAR
);
CREATE OR REPLACE TABLE {NEXT['dq_violations']} (
    rule_id VARCHAR, severity VARCHAR, table_name VARCHAR, record_id VARCHAR, message VARCHAR
);
"""


@contextmanager
def _staged_results(con, outputs=None):
    """Create the staging tables; when the block ends without an exception, replace the
    stored results with them in one transaction; otherwise drop them (best effort) and
    leave the stored results as they were.

    ``outputs``, when given (the reports of ``newsclaims check``, ``reporting.PendingReports``),
    is prepared after the block with ``dq_results`` and ``dq_violations`` naming the staged
    results on ``con`` (temporary views), committed right after the swap and discarded on
    any failure. The swap and the commit run with Ctrl-C held back
    (``interrupts.finishing``), so that a run stopped by Ctrl-C leaves both as they were."""
    con.execute(STAGING_DDL)
    try:
        yield
        if outputs is not None:
            for table, staged in NEXT.items():
                con.execute(f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT * FROM main.{staged}")
            try:
                outputs.prepare(con)
            finally:
                for table in NEXT:
                    con.execute(f"DROP VIEW IF EXISTS temp.{table}")
        with finishing():
            con.execute("BEGIN TRANSACTION")
            try:
                for table, staged in NEXT.items():
                    con.execute(f"DROP TABLE IF EXISTS {table}")
                    con.execute(f"ALTER TABLE {staged} RENAME TO {table}")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            if outputs is not None:
                outputs.commit()
    except BaseException:
        if outputs is not None:
            outputs.discard()
        for staged in NEXT.values():
            try:
                con.execute(f"DROP TABLE IF EXISTS {staged}")
            except duckdb.Error:
                pass
        raise


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)\s*$", re.I)
_UNITS = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def size_bytes(text: str) -> int:
    """``1500MB`` -> 1_500_000_000 (DuckDB's units: KB = 1000 bytes, KiB = 1024)."""
    match = _SIZE.match(text)
    if not match:
        raise InputError(f"--memory-limit {text}: expected a size such as 1500MB or 4GB")
    return int(float(match.group(1)) * _UNITS[match.group(2).upper()])


def plan_jobs(jobs: int | None, db_path, memory_limit: str | None = None) -> int:
    """How many statements run at a time: ``jobs`` when given, else two on a machine with
    two cores or more when the database file is at most half the memory limit, else one.

    Why (bench/analysis.md): a statement on a small database is short and leaves a core
    idle in its serial phases (planning, the last merge, the insert), so a second one
    fills it: at 1M claims (a 286 MB file) the core rules took 0.90 s one at a time and
    0.80 s two at a time. On a large one two joins compete for the memory limit and
    spill: at 10M claims (2.2 GB) 8.9 s against 11.2 s. At 3M (700 MB) both were within
    noise (2.65 s against 2.55 s)."""
    if jobs is not None:
        if jobs < 1:
            raise InputError(f"--jobs {jobs}: must be 1 or more")
        return jobs
    if (os.cpu_count() or 1) < 2:
        return 1
    limit = size_bytes(memory_limit or DEFAULT_MEMORY_LIMIT)
    return 2 if Path(db_path).stat().st_size * 2 <= limit else 1


def open_database(db_path, *, memory_limit: str | None = None, read_only: bool = False):
    """A connection to an existing newsclaims database, or one ``InputError`` line."""
    if memory_limit is not None:
        size_bytes(memory_limit)  # one line for a malformed size
    path = Path(db_path)
    if not path.is_file():
        raise InputError(f"{path}: no such database file (build it with `newsclaims build`)")
    config = {
        "memory_limit": memory_limit or DEFAULT_MEMORY_LIMIT,
        "threads": os.cpu_count() or 1,
        "temp_directory": f"{path}.tmp",
    }
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=config)
    except duckdb.IOException as exc:
        if "not a valid DuckDB database" in str(exc):
            raise InputError(f"{path}: not a DuckDB database file (rebuild it with `newsclaims build`)") from None
        raise InputError(f"{path}: cannot open the database: {_one_line(exc)}") from None
    except duckdb.Error as exc:
        raise InputError(f"{path}: cannot open the database: {_one_line(exc)}") from None
    present = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    missing = [t for t in contract.TABLES if t not in present]
    if missing:
        con.close()
        raise InputError(f"{path}: not a newsclaims database: missing table(s) {', '.join(missing)}")
    return con


def table_sizes(con) -> dict[str, int]:
    """table -> its row count as DuckDB's catalog estimates it (free: no scan)."""
    return dict(con.execute(
        "SELECT table_name, estimated_size FROM duckdb_tables() WHERE schema_name = 'main'").fetchall())


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def run_checks(
    db_path,
    *,
    rules: list[Rule] | None = None,
    select=None,
    engine: str = "duckdb",
    memory_limit: str | None = None,
    progress: bool | None = False,
    fuse: bool = True,
    jobs: int | None = None,
    pandera: str = "auto",
    pandera_max_rows: int = pandera_rules.DEFAULT_MAX_ROWS,
    outputs=None,
) -> CheckRun:
    """Run the catalogue (or ``rules``, narrowed by ``select``) on ``db_path``.

    Stores ``dq_results`` and ``dq_violations`` in the database (replacing a previous run)
    and returns the results. ``fuse=False`` runs one query per rule (for measuring).
    ``jobs`` statements run at a time (default: ``plan_jobs``).
    ``pandera`` (``auto``, ``always``, ``never``) decides whether the ``pandera`` rules
    run; in ``auto`` a table of more than ``pandera_max_rows`` rows has its rule skipped.
    ``engine="gx"`` runs what Great Expectations can express through GX and records the
    other rules as ``skipped``. ``outputs``: see ``_staged_results`` (the reports of
    ``newsclaims check`` are made there)."""
    chosen = select_rules(rules if rules is not None else load_catalogue(), select)
    _refuse_a_release_snapshot(db_path)
    if pandera not in pandera_rules.MODES:
        raise InputError(f"--pandera {pandera}: must be one of {', '.join(pandera_rules.MODES)}")
    if engine == "gx":
        return _run_gx(db_path, chosen, memory_limit=memory_limit, outputs=outputs)
    if engine != "duckdb":
        raise InputError(f"unknown engine '{engine}' (duckdb or gx)")
    in_sql = [r for r in chosen if r.test != "pandera"]
    run_at = _now()
    con = open_database(db_path, memory_limit=memory_limit)
    try:
        # the violations' row order means nothing (every reader sorts; two statements at a
        # time interleave anyway): DuckDB may then insert in parallel without buffering to
        # keep the order (10M claims, core statements in-process: 10.3 s -> 9.6 s, medians of
        # 4 alternating runs; whole processes within the noise)
        con.execute("SET preserve_insertion_order = false")
        sizes = table_sizes(con)
        statements = compile_rules(in_sql, sizes) if fuse else compile_each(in_sql, sizes)
        with _staged_results(con, outputs):
            errors: dict[str, str] = {}
            timings: dict[str, float] = {}
            to_validate, skipped = pandera_rules.plan(
                con, [r for r in chosen if r.test == "pandera"], pandera, pandera_max_rows)
            steps = len(statements) + (1 if to_validate else 0)
            workers = min(plan_jobs(jobs, db_path, memory_limit), max(len(statements), 1))
            if to_validate and workers > 1:
                # a small database leaves cores idle: the 0.7 s import overlaps the statements
                # (not on a large one: there the cores are busy and memory is at its limit)
                pandera_rules.preload()
            with progress_steps("check", steps, enabled=progress) as advance:
                # closing: an exception here (Ctrl-C) stops the statements still running
                with closing(_run_statements(con, statements, sizes, workers)) as ran:
                    for label, seconds, failed in ran:
                        errors.update(failed)
                        timings[label] = seconds
                        advance(label)
                if to_validate:
                    started = time.perf_counter()
                    errors.update(pandera_rules.run(con, to_validate, NEXT["dq_violations"]))
                    timings["pandera"] = round(time.perf_counter() - started, 4)
                    advance("pandera")
            counts = dict(con.execute(
                f"SELECT rule_id, count(*) FROM {NEXT['dq_violations']} GROUP BY rule_id").fetchall())
            results = [_result(rule, counts.get(rule.id, 0), errors.get(rule.id), skipped.get(rule.id))
                       for rule in chosen]
            _store_results(con, results, run_at, NEXT["dq_results"])
    finally:
        con.close()
    return CheckRun(str(db_path), "duckdb", run_at.isoformat(), results, timings)


def _refuse_a_release_snapshot(db_path) -> None:
    """A run stores its results in the database: the database of a release snapshot would
    no longer match the checksums of its manifest (``diff``, ``pull`` and ``publish`` then
    refuse the snapshot as damaged)."""
    from newsclaims import snapshot

    path = Path(db_path)
    manifest = path.parent / snapshot.MANIFEST
    if path.name == snapshot.DB_NAME and manifest.is_file():
        raise InputError(f"{path}: the database of a release snapshot ({manifest} lists its "
                         "checksum), which a check would change; check a copy of it (its release's "
                         "results are in its dq_results and reports/)")


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None)


def _store_results(con, results: list[RuleResult], run_at: datetime, table: str = "dq_results") -> None:
    """One ``INSERT`` of every row (``executemany`` runs one statement per row: 14 ms for
    15 rules)."""
    if not results:
        return
    rows = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(results))
    params = [v for r in results for v in (
        r.rule_id, r.title, r.family, r.severity, r.table_name, r.status,
        r.violation_count, r.fail_above, r.engine, run_at, r.detail)]
    con.execute(f"INSERT INTO {table} VALUES {rows}", params)


def _run_statements(con, statements: list[Statement], sizes: dict[str, int], workers: int):
    """Run the statements, ``workers`` at a time; yield (label, seconds, rule -> error) as
    each ends.

    Statements run on worker threads, each with its own cursor (a cursor is its own
    connection to the same database, with its own temporary tables; DuckDB appends from
    several connections to one table safely), even one at a time: the calling thread only
    waits, a quarter second at a time, so that Ctrl-C reaches it and stops the running
    statements (``cursor.interrupt()``). A thread blocked in DuckDB or in a wait without a
    timeout may never see Ctrl-C: polars, once imported (the pandera rules import it),
    installs a SIGINT handler with ``SA_RESTART``, so the blocked call resumes
    (pola-rs/polars#21739)."""
    workers = max(1, workers)
    cursors = [con.cursor() for _ in range(workers)]
    free = list(cursors)

    def on_cursor(statement: Statement):
        cursor = free.pop()  # list.pop/append are atomic: each worker holds one cursor
        try:
            started = time.perf_counter()
            failed = _execute(cursor, statement, sizes)
            return statement.label, round(time.perf_counter() - started, 4), failed
        finally:
            free.append(cursor)

    # two at a time: the largest tables first, so that no long statement starts last
    ordered = statements if workers == 1 else sorted(statements, key=lambda s: -sizes.get(s.table, 0))
    pool = ThreadPoolExecutor(workers)
    try:
        pending = {pool.submit(on_cursor, s) for s in ordered}
        while pending:
            done, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    except BaseException:  # Ctrl-C: stop the running statements now, start no other
        pool.shutdown(wait=False, cancel_futures=True)
        for cursor in cursors:
            cursor.interrupt()
        raise
    finally:
        pool.shutdown(wait=True)
        for cursor in cursors:
            cursor.close()


def _execute(con, statement: Statement, sizes: dict[str, int] | None = None) -> dict[str, str]:
    """Run one statement; on failure re-run its rules one by one. Returns rule -> error."""
    try:
        for step in statement.steps(NEXT["dq_violations"]):
            con.execute(step)
        return {}
    except (duckdb.Error, RuntimeError) as exc:
        if is_interrupt(exc):  # Ctrl-C or cursor.interrupt(): the run is being stopped
            raise KeyboardInterrupt from None
        if not isinstance(exc, duckdb.Error):
            raise
        con.execute("DROP TABLE IF EXISTS nc_rows")
        if len(statement.rules) == 1:
            return {statement.rules[0].id: _one_line(exc)}
    errors: dict[str, str] = {}
    for single in compile_each(list(statement.rules), sizes):
        errors.update(_execute(con, single, sizes))
    return errors


def _result(rule: Rule, count: int, error: str | None, skipped: str | None = None,
            engine: str = "duckdb") -> RuleResult:
    if skipped is not None:
        status, detail = "skipped", skipped
    elif error is not None:
        status, detail = "error", error
    else:
        status, detail = ("fail" if count > rule.fail_above else "pass"), None
    return RuleResult(
        rule_id=rule.id,
        title=rule.title,
        family=rule.family,
        severity=rule.severity,
        table_name=rule.table,
        status=status,
        violation_count=count,
        fail_above=rule.fail_above,
        engine=engine,
        detail=detail,
    )


def _run_gx(db_path, rules: list[Rule], *, memory_limit: str | None = None,
            outputs=None) -> CheckRun:
    """Run ``rules`` through Great Expectations and store the results as our engine does:
    ``dq_results`` (engine ``gx``; the rules GX cannot express with status ``skipped``) and
    ``dq_violations`` with the records GX listed (the count is GX's own; its list of
    unexpected rows may be partial, which the rule's ``detail`` says)."""
    open_database(db_path, read_only=True).close()  # one line for a missing or foreign file
    try:
        from newsclaims.gx.engine import run_gx
    except ModuleNotFoundError as exc:
        raise NewsclaimsError(
            f"the gx engine is not available ({exc.name} is missing; install newsclaims[gx])"
        ) from None
    gx_run = run_gx(db_path, rules)
    by_id = {r.rule_id: r for r in gx_run.results}
    records = getattr(gx_run, "records", {})
    results: list[RuleResult] = []
    rows: list[tuple[str, str, str, str, str]] = []
    for rule in rules:
        got = by_id.get(rule.id)
        if got is None:
            why = gx_run.skipped.get(rule.id, "Great Expectations did not run it")
            results.append(_result(rule, 0, None, f"skipped: not run by Great Expectations: {why}",
                                   engine="gx"))
            continue
        listed = records.get(rule.id, [])
        rows.extend((rule.id, rule.severity, rule.table, rid, message) for rid, message in listed)
        detail = got.detail
        if got.status != "error" and got.violation_count:
            detail = (f"count from Great Expectations; {len(listed)} of {got.violation_count} "
                      "offending records listed (GX's list of unexpected rows may be partial)")
        results.append(RuleResult(
            rule.id, rule.title, rule.family, rule.severity, rule.table, got.status,
            got.violation_count, rule.fail_above, "gx", detail))
    run_at = datetime.fromisoformat(gx_run.run_at)
    con = open_database(db_path, memory_limit=memory_limit)
    try:
        with _staged_results(con, outputs):
            if rows:  # through Arrow: GX may list many records, executemany is row by row
                import pyarrow as pa

                columns = ("rule_id", "severity", "table_name", "record_id", "message")
                listed = pa.table({c: [row[i] for row in rows] for i, c in enumerate(columns)})
                con.register("nc_gx_violations", listed)
                con.execute(f"INSERT INTO {NEXT['dq_violations']} SELECT * FROM nc_gx_violations")
                con.unregister("nc_gx_violations")
            _store_results(con, results, run_at, NEXT["dq_results"])
    finally:
        con.close()
    return CheckRun(str(db_path), "gx", gx_run.run_at, results, gx_run.timings)


def violations(db_path, rule_id: str | None = None) -> list[tuple[str, str, str]]:
    """The stored violations (rule_id, record_id, message) of the last run, sorted."""
    con = open_database(db_path, read_only=True)
    try:
        sql = "SELECT rule_id, record_id, message FROM dq_violations"
        params: list = []
        if rule_id:
            sql += " WHERE rule_id = ?"
            params.append(rule_id)
        return con.execute(sql + " ORDER BY rule_id, record_id, message", params).fetchall()
    finally:
        con.close()
