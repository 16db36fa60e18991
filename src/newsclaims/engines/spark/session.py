"""The Spark session of a run: from ``--spark-remote``/``SPARK_REMOTE`` (Spark Connect), the
session of a ``spark-submit`` (or any session already active in the process), or a new one
on ``--spark-master`` (default ``local[*]``).

Everything that stops a session from starting is one ``InputError`` line (exit 2): pyspark
not installed, no Java or a Java older than 17, a master or Connect server that cannot be
reached (checked with a plain TCP connection first: Spark itself retries for a minute)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from urllib.parse import urlparse

from newsclaims.errors import InputError

MIN_JAVA = 17
DEFAULT_MASTER = "local[*]"
# What a run sets on a session it creates (a session it is given keeps its own settings).
SESSION_CONFIG = {
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    # the walks of the parent_acyclic rules are as deep as the deepest parent chain
    "spark.sql.cteRecursionLevelLimit": "10000",
}
# On a local master, a shuffle into Spark's default 200 partitions costs more than the work
LOCAL_CONFIG = {"spark.sql.shuffle.partitions": "8"}


def _local_python() -> None:
    """A local master's Python workers (the UDFs) run this process's own interpreter: left
    to itself Spark starts ``python3`` from the PATH, which outside a virtual environment's
    activation is another Python, without this one's packages (pyarrow) or of another
    version ("Python in worker has different version"). Spark reads ``PYSPARK_PYTHON``
    when it starts the workers; one set by the user still decides."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)


def require_pyspark():
    try:
        import pyspark  # noqa: F401
        from pyspark.sql import SparkSession
    except ImportError:
        raise InputError("pyspark is not installed: the spark engine needs the extra "
                         "(pip install 'newsclaims[spark]')") from None
    try:
        import sqlglot  # noqa: F401
    except ImportError:
        raise InputError("sqlglot is not installed: the spark engine needs the extra "
                         "(pip install 'newsclaims[spark]')") from None
    return SparkSession


def java_command() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = os.path.join(home, "bin", "java")
        return candidate if os.access(candidate, os.X_OK) else None
    return shutil.which("java")


def java_version(java: str) -> int | None:
    """The major version of ``java -version`` (8 for ``1.8.0_392``), None if unreadable."""
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def require_java() -> None:
    java = java_command()
    where = "JAVA_HOME" if os.environ.get("JAVA_HOME") else "PATH"
    if java is None:
        raise InputError(f"no Java found (on {where}): Spark needs Java {MIN_JAVA} or later "
                         "(install openjdk-17-jre-headless, or set JAVA_HOME)")
    version = java_version(java)
    if version is None or version < MIN_JAVA:
        found = "an unreadable version" if version is None else f"Java {version}"
        raise InputError(f"{java}: {found}, but Spark needs Java {MIN_JAVA} or later "
                         "(install openjdk-17-jre-headless, or set JAVA_HOME)")


def require_reachable(url: str, option: str) -> None:
    """A ``spark://host:port[,host:port]`` master or an ``sc://host:port`` Connect server
    answers a TCP connection, or one line saying it does not."""
    if url.startswith("spark://"):
        targets = url[len("spark://"):].split(",")
        default_port = 7077
    elif url.startswith("sc://"):
        targets = [urlparse(url).netloc.split("@")[-1]]
        default_port = 15002
    else:
        return
    errors = []
    for target in targets:
        host, _, port = target.partition(":")
        try:
            socket.create_connection((host, int(port.split("/")[0] or default_port)), timeout=5).close()
            return
        except (OSError, ValueError) as exc:
            errors.append(f"{target}: {getattr(exc, 'strerror', None) or exc}")
    raise InputError(f"{option} {url}: cannot reach it ({'; '.join(errors)})")


def add_functions(spark) -> None:
    """The DuckDB functions the rules use that Spark lacks, registered in the session:
    ``nfc_normalize`` (Unicode NFC, as DuckDB's), a Python UDF."""
    import unicodedata

    from pyspark.sql.types import StringType

    def nfc(text):
        return None if text is None else unicodedata.normalize("NFC", text)

    spark.udf.register("nfc_normalize", nfc, StringType())


def quiet_query_errors() -> None:
    """pyspark logs every failed query (with the JVM's stack) before raising it; a run
    reports a failed rule as its ``error`` instead."""
    import logging

    from pyspark.logger import PySparkLogger

    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL)


def under_spark_submit() -> bool:
    return "PYSPARK_GATEWAY_PORT" in os.environ


def get_session(master: str | None = None, remote: str | None = None):
    """The run's SparkSession (see the module's doc)."""
    spark_session = require_pyspark()
    quiet_query_errors()
    remote = remote or os.environ.get("SPARK_REMOTE")
    if remote:
        require_reachable(remote, "--spark-remote")
        return spark_session.builder.remote(remote).getOrCreate()
    active = spark_session.getActiveSession()
    if active is not None and master is None:
        return active
    if master is None and under_spark_submit():
        return spark_session.builder.getOrCreate()
    master = master or DEFAULT_MASTER
    require_reachable(master, "--spark-master")
    require_java()
    builder = spark_session.builder.master(master).appName("newsclaims check")
    log_config = os.path.join(os.path.dirname(__file__), "log4j2.properties")
    if master.startswith("local"):
        _local_python()
    config = SESSION_CONFIG | (LOCAL_CONFIG if master.startswith("local") else {}) | {
        "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile=file:{log_config}"}
    for key, value in config.items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # the JVM did not start, or the master refused the application
        text = " ".join(str(exc).split())[:300]
        raise InputError(f"--spark-master {master}: Spark did not start: {text}") from None
    spark.sparkContext.setLogLevel("FATAL")  # a failed rule is reported as its error
    return spark
