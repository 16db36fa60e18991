"""The Spark engine (``check --engine spark --lake``): parity with the DuckDB engine, Parquet
results staged and swapped, and its input errors as one line.

One Spark session (``local[2]``) serves the whole module: starting one costs 5-30 s here."""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from newsclaims.check import run_checks, run_lake_checks
from newsclaims.engines.spark.sink import results_database
from newsclaims.errors import InputError
from newsclaims.rules.catalogue import load_catalogue
from newsclaims.synth import generate
from newsclaims.synth.lake import export_lake
from newsclaims.synth.truth import compare_with_check

EXE = str(Path(sys.executable).parent / "newsclaims")
MASTER = "local[2]"


@pytest.fixture(scope="module")
def spark():
    from newsclaims.engines.spark.session import get_session

    return get_session(MASTER)


def _lake_of(db: Path, folder: Path) -> Path:
    con = duckdb.connect(str(db), read_only=True)
    try:
        folder.mkdir()
        export_lake(con, folder)
    finally:
        con.close()
    return folder


def _duckdb_results(db: Path):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return _results_of(con)
    finally:
        con.close()


def _results_of(con):
    results = {r[0]: (r[1], r[2]) for r in con.execute(
        "SELECT rule_id, status, violation_count FROM dq_results").fetchall()}
    pairs = set(con.execute("SELECT rule_id, record_id FROM dq_violations").fetchall())
    return results, pairs


def _lake_results(lake: Path):
    con = results_database(str(lake / "_newsclaims"), None)
    try:
        return _results_of(con)
    finally:
        con.close()


def _assert_parity(db: Path, lake: Path):
    """Spark's verdicts equal DuckDB's, rule by rule and record by record, for every rule:
    Spark runs them all (none is skipped or error)."""
    duck_results, duck_pairs = _duckdb_results(db)
    spark_results, spark_pairs = _lake_results(lake)
    assert {r: s for r, (s, _) in spark_results.items() if s in ("error", "skipped")} == {}
    assert spark_results == duck_results
    assert spark_pairs == duck_pairs


@pytest.mark.timeout(1200)
def test_synthetic_defects_of_every_rule_same_verdicts_as_duckdb_and_the_ground_truth(spark, tmp_path):
    db = tmp_path / "synth.duckdb"
    generate(db, 2_000, seed=11, defect_rate=0.01)
    lake = _lake_of(db, tmp_path / "lake")
    shutil.copy(str(db) + ".truth.json", str(lake) + ".truth.json")
    run_checks(db, pandera="always")
    run = run_lake_checks(lake, spark_master=MASTER, pandera="always")
    assert run.engine == "spark" and len(run.results) == len(load_catalogue())
    _assert_parity(db, lake)
    for checked in (db, lake):  # both equal the ground truth, rule by rule
        differences = {rule: diff for rule, diff in compare_with_check(checked, str(checked) + ".truth.json").items()
                       if diff[0] or diff[1]}
        assert differences == {}, checked
    # synth --verify accepts the lake's Spark results
    done = subprocess.run([EXE, "synth", "--verify", str(lake)], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(load_catalogue())} rules compared, 0 mismatched" in done.stdout


@pytest.mark.timeout(1200)
def test_curated_dataset_lake_same_verdicts_as_duckdb(spark, built_db, tmp_path):
    """The lake is what a release snapshot's data/ folder holds: <table>.parquet files."""
    from newsclaims import snapshot

    db = tmp_path / "curated.duckdb"
    shutil.copy(built_db, db)
    lake = tmp_path / "data"
    snapshot.export_parquet(db, lake)
    assert sorted(p.name for p in lake.iterdir())[:2] == ["actor_aliases.parquet", "actors.parquet"]
    run_checks(db)
    run_lake_checks(lake, spark_master=MASTER)
    _assert_parity(db, lake)


def _small_lake(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("small") / "small.duckdb"
    generate(db, 300, seed=3, defect_rate=0.02)
    return _lake_of(db, db.parent / "lake")


@pytest.fixture(scope="module")
def small_lake(tmp_path_factory) -> Path:
    return _small_lake(tmp_path_factory)


@pytest.mark.timeout(600)
def test_a_rule_whose_spark_query_fails_is_error_alone(spark, small_lake, tmp_path):
    # join-free row rules of one table: one fused pass, which the broken rule makes fail
    fused = [r for r in load_catalogue() if r.table == "claims" and r.test in ("not_null", "pattern", "row")
             and not r.params.get("uses")]
    row = next(r for r in fused if r.test == "row")
    broken = dataclasses.replace(row, params={**row.params, "where": "no_such_function(t.claim_id) > 0"},
                                 id="claims.broken_on_purpose")
    run = run_lake_checks(small_lake, results=str(tmp_path / "r"), rules=fused[1:4] + [broken],
                          spark_master=MASTER)
    status = {r.rule_id: r.status for r in run.results}
    assert status["claims.broken_on_purpose"] == "error"
    assert "NO_SUCH_FUNCTION" in next(r.detail for r in run.results if r.rule_id == "claims.broken_on_purpose")
    assert all(status[r.id] in ("pass", "fail") for r in fused[1:4])


class _FailingReports:
    def prepare(self, con):
        raise OSError("the report folder went away")

    def commit(self):
        raise AssertionError("never reached")

    def discard(self):
        self.discarded = True


@pytest.mark.timeout(600)
def test_a_failed_run_leaves_the_previous_results(spark, small_lake, tmp_path):
    results = tmp_path / "results"
    few = [r for r in load_catalogue() if r.table == "countries"]
    run_lake_checks(small_lake, results=str(results), rules=few[:2], spark_master=MASTER)
    before = {p.relative_to(results): p.read_bytes() for p in results.rglob("*") if p.is_file()}
    failing = _FailingReports()
    with pytest.raises(OSError, match="went away"):
        run_lake_checks(small_lake, results=str(results), rules=few, spark_master=MASTER, outputs=failing)
    assert failing.discarded
    after = {p.relative_to(results): p.read_bytes() for p in results.rglob("*") if p.is_file()}
    assert after == before  # no staging folder left, the previous datasets untouched
    assert sorted(p.name for p in results.iterdir()) == ["dq_results", "dq_violations"]


@pytest.mark.timeout(900)
def test_cli_check_on_a_lake_reports_and_exit_codes(small_lake, tmp_path):
    reports = tmp_path / "reports"
    done = subprocess.run(
        [EXE, "check", "--engine", "spark", "--lake", str(small_lake), "--spark-master", MASTER,
         "--select", "claims.*", "--exclude", "claims.pandera_schema", "--reports-dir", str(reports)],
        capture_output=True, text=True, timeout=900)
    assert done.returncode == 1, done.stderr  # error rules fail on defective data
    assert done.stderr.strip().splitlines()[-1].startswith("Error: ")
    assert sorted(p.name for p in reports.iterdir()) == ["report.html", "report.json", "report.md", "violations.jsonl"]
    results, _ = _lake_results(small_lake)
    assert all(r.startswith("claims.") for r in results) and "claims.pandera_schema" not in results
    assert {s for s, _ in results.values()} <= {"pass", "fail"}


def test_synth_writes_a_lake_of_part_files_and_replaces_only_a_lake(tmp_path):
    lake = tmp_path / "lake"
    for _ in range(2):  # the second run replaces the first lake
        done = subprocess.run([EXE, "synth", "--claims", "200", "--seed", "5", "--defect-rate", "0.02",
                               "--format", "parquet", "--output", str(lake)], capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr
    from newsclaims import contract

    assert sorted(p.name for p in lake.iterdir()) == sorted(contract.TABLES)
    assert all(p.name.startswith("part-") and p.suffix == ".parquet" for p in (lake / "claims").iterdir())
    assert Path(str(lake) + ".truth.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lake", "lake.truth.json"]  # nothing left over
    con = duckdb.connect()
    assert con.execute(f"SELECT count(*) FROM read_parquet('{lake}/claims/*.parquet')").fetchone()[0] >= 200
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    done = subprocess.run([EXE, "synth", "--claims", "200", "--format", "parquet", "--output", str(other)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 2
    assert done.stderr == (f"Error: {other}: a folder that is not a lake (no countries/); "
                           "give a new or a lake folder\n")
    assert (other / "notes.txt").read_text() == "mine"


# ---- input errors: one line, exit 2, before Spark starts --------------------------------

def _check(*args, env=None):
    return subprocess.run([EXE, "check", "--engine", "spark", "--no-reports", *args],
                          capture_output=True, text=True, env=env, timeout=120)


def _one_line(done, message: str):
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr == f"Error: {message}\n"


def _copy_lake(lake: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "lake"
    shutil.copytree(lake, copy, ignore=shutil.ignore_patterns("_newsclaims"))
    return copy


def test_a_table_missing_from_the_lake(small_lake, tmp_path):
    lake = _copy_lake(small_lake, tmp_path)
    shutil.rmtree(lake / "incidents")
    _one_line(_check("--lake", str(lake)),
              f"{lake}: no table incidents (expected incidents.parquet or incidents/ of Parquet part files)")


def test_a_column_of_the_wrong_type(small_lake, tmp_path):
    lake = _copy_lake(small_lake, tmp_path)
    shutil.rmtree(lake / "claims")
    con = duckdb.connect()
    source = str(small_lake / "claims" / "*.parquet")
    con.execute(f"COPY (SELECT * REPLACE (CAST(claim_date AS VARCHAR) AS claim_date) FROM read_parquet('{source}')) "
                f"TO '{lake / 'claims.parquet'}' (FORMAT parquet)")
    _one_line(_check("--lake", str(lake)),
              f"{lake / 'claims.parquet'}: claims.claim_date: expected DATE, found STRING")


def test_a_column_missing(small_lake, tmp_path):
    lake = _copy_lake(small_lake, tmp_path)
    shutil.rmtree(lake / "figures")
    con = duckdb.connect()
    source = str(small_lake / "figures" / "*.parquet")
    con.execute(f"COPY (SELECT * EXCLUDE (value_high) FROM read_parquet('{source}')) "
                f"TO '{lake / 'figures.parquet'}' (FORMAT parquet)")
    _one_line(_check("--lake", str(lake)),
              f"{lake / 'figures.parquet'}: figures.value_high: expected BIGINT, found no such column")


def test_no_lake_folder(tmp_path):
    _one_line(_check("--lake", str(tmp_path / "nowhere")),
              f"{tmp_path / 'nowhere'}: no such lake folder (one Parquet dataset per table: <table>.parquet or <table>/)")


def test_a_snapshot_data_folder_needs_results_elsewhere(built_db, tmp_path):
    from newsclaims import snapshot

    snapshot.export_parquet(built_db, tmp_path / "snap" / "data")
    (tmp_path / "snap" / snapshot.MANIFEST).write_text("{}")
    lake = tmp_path / "snap" / "data"
    _one_line(_check("--lake", str(lake)),
              f"{lake}: the data of a release snapshot ({tmp_path / 'snap' / snapshot.MANIFEST} lists its "
              "files), which results written into it would change; give --results DIR")


def test_an_unreachable_master(small_lake):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = _check("--lake", str(small_lake), "--spark-master", f"spark://127.0.0.1:{port}")
    _one_line(done, f"--spark-master spark://127.0.0.1:{port}: cannot reach it (127.0.0.1:{port}: Connection refused)")


def test_an_unreachable_connect_server(small_lake):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "SPARK_REMOTE": f"sc://127.0.0.1:{port}"}
    _one_line(_check("--lake", str(small_lake), env=env),
              f"--spark-remote sc://127.0.0.1:{port}: cannot reach it (127.0.0.1:{port}: Connection refused)")


def test_no_java(small_lake, tmp_path):
    env = {**os.environ, "JAVA_HOME": str(tmp_path / "no-jdk")}
    _one_line(_check("--lake", str(small_lake), "--spark-master", MASTER, env=env),
              "no Java found (on JAVA_HOME): Spark needs Java 17 or later (install "
              "openjdk-17-jre-headless, or set JAVA_HOME)")


def test_a_java_older_than_17(small_lake, tmp_path):
    # a JAVA_HOME whose java answers as Java 11 does
    java = tmp_path / "jdk11" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text('#!/bin/sh\necho \'openjdk version "11.0.22" 2024-01-16\' >&2\n')
    java.chmod(0o755)
    env = {**os.environ, "JAVA_HOME": str(tmp_path / "jdk11")}
    _one_line(_check("--lake", str(small_lake), "--spark-master", MASTER, env=env),
              f"{java}: Java 11, but Spark needs Java 17 or later (install openjdk-17-jre-headless, "
              "or set JAVA_HOME)")


def test_pyspark_not_installed(small_lake, tmp_path):
    # an interpreter on which `import pyspark` fails, as where the extra is not installed
    (tmp_path / "pyspark").mkdir()
    (tmp_path / "pyspark" / "__init__.py").write_text("raise ImportError('No module named pyspark')\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    _one_line(_check("--lake", str(small_lake), env=env),
              "pyspark is not installed: the spark engine needs the extra (pip install 'newsclaims[spark]')")


def test_spark_options_need_the_spark_engine(tmp_path):
    done = subprocess.run([EXE, "check", "--lake", str(tmp_path)], capture_output=True, text=True, timeout=900)
    assert done.returncode == 2 and "--lake goes with --engine spark" in done.stderr
    done = subprocess.run([EXE, "check", "--engine", "spark"], capture_output=True, text=True, timeout=900)
    assert done.returncode == 2 and "--engine spark needs --lake URI" in done.stderr


def test_library_error_for_a_missing_table_names_the_lake(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no table countries"):
        run_lake_checks(tmp_path / "empty", spark_master=MASTER)


@pytest.mark.timeout(600)
def test_ctrl_c_exits_130_and_keeps_the_previous_results(spark, small_lake, tmp_path, repo):
    """A real SIGINT to a real `check --engine spark` while a slow rule's Spark job runs (a
    project root with one extra, deliberately slow, sql rule: NEWSCLAIMS_ROOT)."""
    import signal
    import time

    results = tmp_path / "results"
    few = [r for r in load_catalogue() if r.table == "countries"][:2]
    run_lake_checks(small_lake, results=str(results), rules=few, spark_master=MASTER)
    before = {p.relative_to(results): p.read_bytes() for p in results.rglob("*") if p.is_file()}
    root = tmp_path / "root"
    for folder in ("sql", "checks", "dataset"):
        shutil.copytree(repo / folder, root / folder)
    (root / "sql" / "rules" / "claims.slow.sql").write_text(
        "SELECT a.claim_id AS record_id, 'm' AS message FROM claims a CROSS JOIN claims b "
        "CROSS JOIN claims c CROSS JOIN claims d WHERE hash(a.claim_id, b.claim_id, c.claim_id, d.claim_id) = 0\n",
        encoding="utf-8")
    (root / "checks" / "zz_slow.yml").write_text(
        "- id: claims.slow\n  title: slow\n  family: coverage\n  severity: warn\n"
        "  rationale: a rule that runs for minutes\n  table: claims\n  test: sql\n"
        "  file: rules/claims.slow.sql\n", encoding="utf-8")
    env = {**os.environ, "NEWSCLAIMS_ROOT": str(root)}
    proc = subprocess.Popen([EXE, "check", "--engine", "spark", "--lake", str(small_lake), "--results", str(results),
                             "--spark-master", MASTER, "--select", "claims.slow", "--no-reports"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not list(results.glob(".next-*")) and time.monotonic() < deadline:  # the run has begun
        assert proc.poll() is None
        time.sleep(0.5)
    time.sleep(8)  # into the slow rule, which alone would run for many minutes
    assert proc.poll() is None
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "Error: interrupted"
    after = {p.relative_to(results): p.read_bytes() for p in results.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in results.iterdir()) == ["dq_results", "dq_violations"]


@pytest.fixture
def connect_server(spark):
    """A Spark Connect server in the module's running JVM, on a free port: what a cluster's
    ``sc://host:port`` endpoint is, without starting a second JVM (30-50 s here)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    context = spark._jsc.sc()
    context.conf().set("spark.connect.grpc.binding.port", str(port))
    service = spark._jvm.org.apache.spark.sql.connect.service.SparkConnectService
    service.start(context)
    try:
        yield f"sc://127.0.0.1:{port}"
    finally:
        none = spark._jvm.scala.Option.empty()
        service.stop(none, none)


@pytest.mark.timeout(900)
def test_spark_connect_gives_the_same_results(spark, small_lake, tmp_path, connect_server):
    """SPARK_REMOTE (a Spark Connect server's ``sc://`` address) runs the same plan through
    the Connect client, in a `check` process of its own: the same results as the classic
    session, the Python UDF and the pandera rule included."""
    select = "claims.*,figures.cross_source_discrepancy,documents.text_normalized"
    from newsclaims.rules.selection import Selection

    run_lake_checks(small_lake, results=str(tmp_path / "classic"), select=Selection.of((select,), ()),
                    spark_master=MASTER)
    env = {**os.environ, "SPARK_REMOTE": connect_server}
    done = subprocess.run([EXE, "check", "--engine", "spark", "--lake", str(small_lake), "--results",
                           str(tmp_path / "connect"), "--no-reports", "--select", select],
                          capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 1, done.stderr[-2000:]
    got = {}
    for name in ("classic", "connect"):
        con = results_database(str(tmp_path / name), None)
        try:
            got[name] = _results_of(con)
        finally:
            con.close()
    assert got["connect"] == got["classic"]
    assert "claims.pandera_schema" in got["connect"][0] and "documents.text_normalized" in got["connect"][0]
    assert {s for s, _ in got["connect"][0].values()} <= {"pass", "fail"}


def _pandera_verdicts(results, pairs):
    return ({r: v for r, v in results.items() if r.endswith(".pandera_schema")},
            {p for p in pairs if p[0].endswith(".pandera_schema")})


@pytest.mark.timeout(900)
def test_pandera_rules_run_on_spark_beyond_the_driver_side_limit(spark, small_lake, tmp_path):
    """The pandera rules run through pandera's PySpark backend on the lake, not on a table
    collected to the driver: a limit of 10 rows (every table is larger) skips nothing, and
    the verdicts are DuckDB's, record by record."""
    db = small_lake.parent / "small.duckdb"
    copy = tmp_path / "small.duckdb"
    shutil.copy(db, copy)
    run_checks(copy, pandera="always", select=["*.pandera_schema"])
    run = run_lake_checks(small_lake, results=str(tmp_path / "r"), select=["*.pandera_schema"],
                          spark_master=MASTER, pandera="auto", pandera_max_rows=10)
    assert {r.status for r in run.results} <= {"pass", "fail"}, [(r.rule_id, r.detail) for r in run.results]
    assert {r.status for r in run.results} == {"pass", "fail"}
    con = results_database(str(tmp_path / "r"), None)
    try:
        spark_verdicts = _pandera_verdicts(*_results_of(con))
    finally:
        con.close()
    assert spark_verdicts == _pandera_verdicts(*_duckdb_results(copy))
    never = run_lake_checks(small_lake, results=str(tmp_path / "n"), select=["*.pandera_schema"],
                            spark_master=MASTER, pandera="never")
    assert {r.status for r in never.results} == {"skipped"}


def test_the_pyspark_model_is_derived_from_the_polars_model(spark):
    """One declaration: the pyspark schema pandera validates holds the polars model's checks
    (same names and arguments), its row checks' SQL and its keys; and the rows a check
    rejects are read with the condition of pandera's own pyspark function for it."""
    import pandera.api.pyspark.container as pyspark_container

    from newsclaims import schemas
    from newsclaims.engines.spark.pandera_model import failing_rows, spark_schema

    for table, model in schemas.SCHEMAS.items():
        polars_schema = model.to_schema()
        schema, _ = spark_schema(table)
        assert isinstance(schema, pyspark_container.DataFrameSchema)
        assert list(schema.columns) == list(polars_schema.columns)
        for name, column in schema.columns.items():
            polars_column = polars_schema.columns[name]
            assert column.nullable == polars_column.nullable
            assert [(c.name, c.error, c.statistics) for c in column.checks] == [
                (c.name, c.error, c.statistics) for c in polars_column.checks]
        sql_checks = [(c.name, c.statistics) for c in schema.checks if "sql" in c.statistics]
        assert sql_checks == [(c.name, c.statistics) for c in polars_schema.checks]
        unique = [c.error for c in schema.checks if c.name == "field_uniqueness"]
        assert unique == [f"field_uniqueness({n})" for n, c in polars_schema.columns.items() if c.unique]
        assert schema.unique == (list(polars_schema.unique) if polars_schema.unique else None)
    schema, specs = spark_schema("actors")
    frame = spark.createDataFrame([("act-a", "ok"), ("ACT-B", "bad")], "actor_id string, name string")
    pattern = next(c for c in schema.columns["actor_id"].checks if c.name == "str_matches")
    assert [r.actor_id for r in frame.filter(failing_rows(pattern, "actor_id")).collect()] == ["ACT-B"]
    assert specs[("actors", "field_uniqueness(name)")].duplicates == ("name",)


@pytest.mark.timeout(600)
def test_a_pandera_rule_spark_cannot_run_is_error_alone(spark, small_lake, tmp_path):
    """A lake may hold an INTEGER column as BIGINT; a value beyond INTEGER makes the cast to
    the model's type fail in Spark (ANSI mode): the pandera rule is ``error`` with Spark's
    reason, the other rules of the table run."""
    lake = _copy_lake(small_lake, tmp_path)
    shutil.rmtree(lake / "claims")
    con = duckdb.connect()
    source = str(small_lake / "claims" / "*.parquet")
    con.execute(f"COPY (SELECT * REPLACE (CASE WHEN row_number() OVER () = 1 THEN 1099511627776 "
                f"ELSE quote_start END::BIGINT AS quote_start) FROM read_parquet('{source}')) "
                f"TO '{lake / 'claims.parquet'}' (FORMAT parquet)")
    run = run_lake_checks(lake, results=str(tmp_path / "r"), select=["claims.pandera_schema", "claims.claim_id_*"],
                          spark_master=MASTER, pandera="always")
    by_id = {r.rule_id: r for r in run.results}
    assert by_id["claims.pandera_schema"].status == "error"
    assert by_id["claims.pandera_schema"].detail.startswith("pandera (pyspark) could not validate claims: ")
    assert "CAST_OVERFLOW" in by_id["claims.pandera_schema"].detail
    others = [r for r in run.results if r.rule_id != "claims.pandera_schema"]
    assert others and all(r.status in ("pass", "fail") for r in others)
