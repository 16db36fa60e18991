"""The Spark session a local run starts: its Python workers run the driver's interpreter."""

from __future__ import annotations

import sys

import pytest

pytest.importorskip("pyspark")


@pytest.mark.timeout(300)
def test_a_local_sessions_python_workers_run_this_interpreter():
    from pyspark.sql.functions import udf

    from newsclaims.engines.spark.session import get_session

    spark = get_session("local[2]")
    where = udf(lambda: sys.executable, "string")
    got = spark.range(1).select(where().alias("python")).collect()[0]["python"]
    assert got == sys.executable
