"""Run the rule catalogue on a database and store the results in it.

``run_checks`` selects the rules, gives each to the engine that runs it (``engines``: the
SQL selections to DuckDB, the pandera models to pandera; with ``engine="gx"`` what Great
Expectations can express to GX), hands every engine the same sink (``engines.sink``: the
staged ``dq_results``/``dq_violations`` of the checked file) and turns what the engines
report into one ``RuleResult`` per rule. A rule no engine of the run can evaluate is
``skipped`` (with its reason in ``detail``), which never blocks a gate; a rule whose
evaluation failed is ``error``, and the run goes on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from newsclaims import engines
from newsclaims.engines import EngineRun, Job
from newsclaims.engines.duckdb.database import open_database, table_sizes
from newsclaims.engines.pandera import DEFAULT_MAX_ROWS, MODES as PANDERA_MODES
from newsclaims.engines.sink import DuckDBSink
from newsclaims.errors import InputError
from newsclaims.progress import steps as progress_steps
from newsclaims.rules.catalogue import Rule, load_catalogue
from newsclaims.rules.selection import select_rules
from newsclaims.rules.results import CheckRun, RuleResult



@dataclass(frozen=True)
class CheckOptions:
    """How a run runs (not what it checks).

    ``memory_limit``: DuckDB's (default 1500MB). ``progress``: a bar on a terminal.
    ``fuse=False``: one query per rule (for measuring). ``jobs``: statements at a time
    (default: ``engines.duckdb.database.plan_jobs``). ``pandera``: ``auto`` skips the
    pandera rule of a table of more than ``pandera_max_rows`` rows (on DuckDB: on Spark,
    where pandera's PySpark backend reads the lake, it runs them all), ``always``, ``never``."""

    memory_limit: str | None = None
    progress: bool | None = False
    fuse: bool = True
    jobs: int | None = None
    pandera: str = "auto"
    pandera_max_rows: int = DEFAULT_MAX_ROWS


# engine of a run -> the engines its rules go to, in order
RUNS = {"duckdb": ("duckdb", "pandera"), "gx": ("gx",)}


def run_checks(db_path, *, rules: list[Rule] | None = None, select=None, engine: str = "duckdb",
               outputs=None, **options) -> CheckRun:
    """Run the catalogue (or ``rules``, narrowed by ``select``) on ``db_path`` with the
    engine(s) of ``engine`` and ``CheckOptions(**options)``.

    Stores ``dq_results`` and ``dq_violations`` in the database (replacing a previous run)
    and returns the results. ``outputs``: see ``engines.sink.DuckDBSink`` (the reports of
    ``newsclaims check`` are made there)."""
    opts = CheckOptions(**options)
    chosen = select_rules(rules if rules is not None else load_catalogue(), select)
    _refuse_a_release_snapshot(db_path)
    if opts.pandera not in PANDERA_MODES:
        raise InputError(f"--pandera {opts.pandera}: must be one of {', '.join(PANDERA_MODES)}")
    if engine not in RUNS:
        raise InputError(f"unknown engine '{engine}' (duckdb or gx)")
    assigned, skipped = _assign(chosen, [engines.get(name) for name in RUNS[engine]])
    run_at = _now()
    db_path = Path(db_path)
    reported: list[EngineRun] = []
    outside = [e for e in assigned if not e.shares_connection]
    if outside:
        open_database(db_path, read_only=True).close()  # one line for a missing or foreign file
        for eng in outside:
            job = Job(db_path, opts)
            reported.append(eng.run(eng.plan(assigned[eng], job), job))
    con = open_database(db_path, memory_limit=opts.memory_limit)
    try:
        # the violations' row order means nothing (every reader sorts; two statements at a
        # time interleave anyway): DuckDB may then insert in parallel without buffering to
        # keep the order (10M claims, core statements in-process: 10.3 s -> 9.6 s, medians of
        # 4 alternating runs; whole processes within the noise)
        con.execute("SET preserve_insertion_order = false")
        with DuckDBSink(con, outputs) as sink:
            for got in reported:
                if got.records is not None:
                    sink.append(got.records)
            job = Job(db_path, opts, sink=sink, con=con, sizes=table_sizes(con))
            inside = [e for e in assigned if e.shares_connection]
            plans = [(eng, eng.plan(assigned[eng], job)) for eng in inside]
            _preload(plans)
            with progress_steps("check", sum(p.steps for _, p in plans), enabled=opts.progress) as advance:
                job.advance = advance
                reported += [eng.run(plan, job) for eng, plan in plans]
            results = _results(chosen, reported, skipped, sink.counts(), engine)
            sink.store(results, run_at)
    finally:
        con.close()
    timings = {k: v for got in reported for k, v in got.timings.items()}
    return CheckRun(str(db_path), engine, run_at.isoformat(), results, timings)


def run_lake_checks(lake, *, results=None, rules: list[Rule] | None = None, select=None,
                    outputs=None, spark_master: str | None = None, spark_remote: str | None = None,
                    **options) -> CheckRun:
    """Run the catalogue (or ``rules``, narrowed by ``select``) on Spark over ``lake`` (one
    Parquet dataset per contract table: ``engines.spark.lake``) and store ``dq_results``
    and ``dq_violations`` as Parquet datasets in ``results`` (default
    ``<lake>/_newsclaims``), replacing a previous run's in one swap at the end
    (``engines.spark.sink``). ``outputs``: as for ``run_checks``."""
    from newsclaims.engines.spark.lake import check_local_lake, is_local, register_lake
    from newsclaims.engines.spark.session import add_functions, get_session
    from newsclaims.engines.spark.sink import ParquetSink, default_results

    opts = CheckOptions(**options)
    if opts.pandera not in PANDERA_MODES:
        raise InputError(f"--pandera {opts.pandera}: must be one of {', '.join(PANDERA_MODES)}")
    chosen = select_rules(rules if rules is not None else load_catalogue(), select)
    lake = str(lake)
    if is_local(lake):
        check_local_lake(lake)
        if results is None:
            _refuse_a_snapshot_lake(lake)
    spark = get_session(spark_master, spark_remote)
    add_functions(spark)
    register_lake(spark, lake, release=snapshot_manifest(lake, spark) is not None)
    assigned, skipped = _assign(chosen, [engines.get("spark")])
    run_at = _now()
    reported: list[EngineRun] = []
    with ParquetSink(spark, results or default_results(lake), lake, outputs) as sink:
        job = Job(lake, opts, sink=sink, con=spark)
        plans = [(eng, eng.plan(got, job)) for eng, got in assigned.items()]
        with progress_steps("check", sum(p.steps for _, p in plans), enabled=opts.progress) as advance:
            job.advance = advance
            reported += [eng.run(plan, job) for eng, plan in plans]
        results_ = _results(chosen, reported, skipped, sink.counts(), "spark")
        sink.store(results_, run_at)
    timings = {k: v for got in reported for k, v in got.timings.items()}
    return CheckRun(lake, "spark", run_at.isoformat(), results_, timings)


def _assign(rules: list[Rule], candidates) -> tuple[dict, dict[str, str]]:
    """Each rule to the first engine that can run it; the others skipped, with why the
    first engine cannot run them."""
    assigned: dict = {eng: [] for eng in candidates}
    skipped: dict[str, str] = {}
    for rule in rules:
        reasons = [eng.unsupported(rule) for eng in candidates]
        for eng, why in zip(candidates, reasons):
            if why is None:
                assigned[eng].append(rule)
                break
        else:
            skipped[rule.id] = reasons[0]
    return {eng: got for eng, got in assigned.items() if got}, skipped


def _preload(plans) -> None:
    """A small database leaves cores idle: pandera's 0.7 s import overlaps the SQL statements
    (not on a large one: there the cores are busy and memory is at its limit)."""
    by_name = {eng.name: plan for eng, plan in plans}
    if "pandera" in by_name and by_name["pandera"].steps and getattr(by_name.get("duckdb"), "workers", 1) > 1:
        from newsclaims.engines.pandera import preload

        preload()


def _results(rules: list[Rule], reported: list[EngineRun], skipped: dict[str, str],
             counts: dict[str, int], engine: str) -> list[RuleResult]:
    merged = EngineRun(skipped=dict(skipped))
    for got in reported:
        for name in ("errors", "skipped", "counts", "details"):
            getattr(merged, name).update(getattr(got, name))
    out = []
    for rule in rules:
        count = merged.counts.get(rule.id, counts.get(rule.id, 0))
        if rule.id in merged.skipped:
            status, detail, count = "skipped", merged.skipped[rule.id], 0
        elif rule.id in merged.errors:
            status, detail = "error", merged.errors[rule.id]
        else:
            status, detail = ("fail" if count > rule.fail_above else "pass"), merged.details.get(rule.id)
        out.append(RuleResult(rule.id, rule.title, rule.family, rule.severity, rule.table, status,
                              count, rule.fail_above, engine, detail))
    return out


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


def snapshot_manifest(lake: str, spark=None) -> str | None:
    """Where the manifest of the release snapshot whose ``data/`` the lake is lies: the
    ``manifest.json`` in the folder above the lake (None when there is none). Such a lake is
    a release: ``documents.text_policy_honoured`` holds it to a release's text policies, as
    it holds a snapshot's database, and results are not written into it. ``spark``: to look
    beside a remote lake."""
    from newsclaims import snapshot
    from newsclaims.engines.spark.lake import exists, is_local, local_path, remote_parent

    if is_local(lake):
        manifest = Path(local_path(lake)).resolve().parent / snapshot.MANIFEST
        return str(manifest) if manifest.is_file() else None
    above = remote_parent(lake)
    if above is None or spark is None:
        return None
    uri = f"{above}/{snapshot.MANIFEST}"
    return uri if exists(spark, uri) else None


def _refuse_a_snapshot_lake(lake: str) -> None:
    """A release snapshot's ``data/`` is a lake, but results written into it (the default
    ``<lake>/_newsclaims``) would add files its manifest does not list."""
    manifest = snapshot_manifest(lake)
    if manifest:
        raise InputError(f"{lake}: the data of a release snapshot ({manifest} lists its files), which "
                         "results written into it would change; give --results DIR")


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None)


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
