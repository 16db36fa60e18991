"""Where a Spark run's results go: ``dq_results`` and ``dq_violations`` as Parquet datasets
in the results folder (``--results``, default ``<lake>/_newsclaims/``).

A run writes into a staging folder beside them (``.next-<pid>-<random>/``) and swaps it in
at its end, with Ctrl-C held back (``interrupts.finishing``): the previous datasets are
moved aside, the new ones moved in, the old ones removed. A failed or interrupted run
removes its staging folder and leaves the previous results as they were. The results
folder must be local (the swap is a pair of renames); the lake may be anywhere Spark reads.

``outputs`` (the reports of ``newsclaims check``, ``reporting.PendingReports``) is prepared
before the swap from an in-memory DuckDB with views over the staged results and the lake's
tables, committed right after it, and discarded on any failure."""

from __future__ import annotations

import os
import secrets
import shutil
import time
from datetime import datetime

from newsclaims.engines.sink import StagedSink, result_row
from newsclaims.engines.spark.lake import is_local, local_path, table_locations
from newsclaims.errors import InputError
from newsclaims.interrupts import finishing

TABLES = ("dq_results", "dq_violations")
VIOLATIONS_SCHEMA = "rule_id STRING, severity STRING, table_name STRING, record_id STRING, message STRING"
RESULTS_SCHEMA = ("rule_id STRING, title STRING, family STRING, severity STRING, table_name STRING, "
                  "status STRING, violation_count BIGINT, fail_above BIGINT, engine STRING, "
                  "run_at TIMESTAMP, detail STRING")


def default_results(lake: str) -> str:
    return str(lake).rstrip("/") + "/_newsclaims"


class ParquetSink(StagedSink):
    """The staged results of one run (see the module's doc). A context manager: the block
    stages, a clean exit swaps, an exception removes the staging folder."""

    def __init__(self, spark, results: str, lake: str, outputs=None):
        if not is_local(results):
            raise InputError(f"--results {results}: the results folder must be local (a path "
                             "or file: URI); the lake itself may be remote")
        self.spark, self.lake, self.outputs = spark, lake, outputs
        self.folder = local_path(results)
        self.staging = None

    @property
    def violations_path(self) -> str:
        return os.path.join(self.staging, "dq_violations")

    def __enter__(self) -> "ParquetSink":
        try:
            os.makedirs(self.folder, exist_ok=True)
        except OSError as exc:
            raise InputError(f"--results {self.folder}: cannot create it ({exc.strerror})") from None
        self.staging = os.path.join(self.folder, f".next-{os.getpid()}-{secrets.token_hex(4)}")
        os.mkdir(self.staging)
        self.append(self.spark.createDataFrame([], VIOLATIONS_SCHEMA))  # an empty run reads too
        return self

    def append(self, frame) -> None:
        """Add violations: a Spark DataFrame in the shape of ``dq_violations``."""
        frame.write.mode("append").parquet(self.violations_path)

    def append_rows(self, rows: list[tuple]) -> None:
        if rows:
            self.append(self.spark.createDataFrame(rows, VIOLATIONS_SCHEMA))

    def counts(self) -> dict[str, int]:
        frame = self.spark.read.schema(VIOLATIONS_SCHEMA).parquet(self.violations_path)
        return {row[0]: row[1] for row in frame.groupBy("rule_id").count().collect()}

    def store(self, results, run_at: datetime) -> None:
        rows = [result_row(r, run_at) for r in results]
        frame = self.spark.createDataFrame(rows, RESULTS_SCHEMA)
        frame.coalesce(1).write.mode("overwrite").parquet(os.path.join(self.staging, "dq_results"))

    def _commit(self) -> None:
        if self.outputs is not None:
            con = results_database(self.staging, self.lake)
            try:
                self.outputs.prepare(con)
            finally:
                con.close()
        with finishing():
            aside = os.path.join(self.folder, f".previous-{os.getpid()}-{secrets.token_hex(4)}")
            os.mkdir(aside)
            for table in TABLES:
                current = os.path.join(self.folder, table)
                if os.path.exists(current):
                    os.replace(current, os.path.join(aside, table))
            for table in TABLES:
                os.replace(os.path.join(self.staging, table), os.path.join(self.folder, table))
            if self.outputs is not None:
                self.outputs.commit()
            shutil.rmtree(aside, ignore_errors=True)
            shutil.rmtree(self.staging, ignore_errors=True)

    def _discard(self) -> None:
        if self.outputs is not None:
            self.outputs.discard()
        if self.staging:
            self._stop_jobs()
            shutil.rmtree(self.staging, ignore_errors=True)

    def _stop_jobs(self, timeout: float = 30.0) -> None:
        """A run stopped by Ctrl-C leaves its Spark job running in the JVM, whose write
        would recreate the staging folder after it is removed: cancel the jobs and wait
        for them to end first (not on Spark Connect, where the server cancels them)."""
        try:
            context = self.spark.sparkContext
            context.cancelAllJobs()
            tracker = context.statusTracker()
            deadline = time.monotonic() + timeout
            while tracker.getActiveJobsIds() and time.monotonic() < deadline:
                time.sleep(0.2)
        except Exception:  # noqa: BLE001 - Spark Connect has no sparkContext; a JVM gone
            return


def results_database(results_folder: str, lake: str):
    """An in-memory DuckDB with ``dq_results``, ``dq_violations`` (the Parquet results in
    ``results_folder``) and the lake's tables (a local lake) as views: what the reports and
    ``synth --verify`` read."""
    import duckdb

    from newsclaims import contract

    con = duckdb.connect()
    for table in TABLES:
        path = os.path.join(local_path(results_folder), table)
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{_glob(path)}')")
    if lake is not None and is_local(lake):
        for table in contract.TABLES:
            for location in table_locations(lake, table):
                path = local_path(location)
                if os.path.exists(path):
                    con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{_glob(path)}')")
                    break
    return con


def _glob(path: str) -> str:
    quoted = path.replace("'", "''")
    return f"{quoted}/**/*.parquet" if os.path.isdir(path) else quoted
