"""Limits of ``newsclaims query`` and ``connect()``: a time limit (a timer thread calling
``connection.interrupt()``), a memory limit, both with defaults the caller can lower and
raise within a ceiling; rows streamed to the output; one line when a limit is hit; errors
raised while rows are fetched and out-of-memory are the query's fault (exit 2)."""

from __future__ import annotations

import resource
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

import newsclaims
from newsclaims.cli import cli
from newsclaims.query import stream
from newsclaims.query_limits import DEFAULT_MEMORY, DEFAULT_SECONDS, MAX_SECONDS, LimitExceeded, max_memory, show_size
from release_fixtures import make_snapshot

ENDLESS = "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT count(*) FROM r"
CROSS = "SELECT count(*) FROM range(1000000) a, range(1000000) b WHERE a.range + b.range = -1"
HUGE = "SELECT range FROM range(10000000000) WHERE hash(range) % 64 = 0"
HUNGRY = "SELECT list(range) FROM range(200000000)"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("limits") / "releases"
    make_snapshot(folder, "1.0.0")
    return folder / "1.0.0" / "newsclaims.duckdb"


def invoke(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def run_cli(*args, stdout=subprocess.PIPE, timeout=60):
    """The real command in its own process; ``timeout`` keeps the test from hanging."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "newsclaims", "query", *args], stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=timeout)
    return done, time.monotonic() - started


@pytest.mark.parametrize("sql", [ENDLESS, CROSS], ids=["recursive", "cross-join"])
def test_an_endless_query_stops_at_its_time_limit(db, sql):
    done, elapsed = run_cli(sql, "--db", str(db), "--time-limit", "1.5")
    assert done.returncode == 2, done.stderr
    assert done.stderr == ("Error: query stopped at its time limit of 1.5 s; make it cheaper (filter, "
                           "aggregate or LIMIT it) or raise the limit (--time-limit, up to 3600 s)\n")
    assert done.stdout == ""
    assert elapsed < 20  # the interpreter's start, the snapshot's opening, 1.5 s, the stop


def test_rows_are_streamed_and_the_limit_ends_the_stream(db, tmp_path):
    """156 million rows are not collected: rows reach the output while the query runs,
    the process stays small, and the time limit stops it with its one line."""
    out = tmp_path / "out.csv"
    with out.open("w") as sink:
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        done, elapsed = run_cli(HUGE, "--db", str(db), "--format", "csv", "--time-limit", "2",
                                stdout=sink)
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert done.returncode == 2
    assert done.stderr.startswith("Error: query stopped at its time limit of 2 s;")
    with out.open() as written:
        lines = [next(written) for _ in range(3)]
    assert lines[0] == "range\n" and int(lines[1]) >= 0
    assert out.stat().st_size > 100_000
    assert max(peak_kib, before) < 1_000_000  # KiB: well under 1 GB
    assert elapsed < 20


def test_connect_has_limits_with_defaults_that_can_be_lowered(db):
    con = newsclaims.connect(path=db)
    try:
        assert (con.limits.seconds, con.limits.memory) == (DEFAULT_SECONDS, DEFAULT_MEMORY) == (300, 2 * 1024**3)
        assert con.execute("SELECT current_setting('memory_limit')").fetchone() == ("2.0 GiB",)
    finally:
        con.close()
    con = newsclaims.connect(path=db, time_limit=1, memory_limit="256MiB")
    try:
        assert con.execute("SELECT current_setting('memory_limit')").fetchone() == ("256.0 MiB",)
        started = time.monotonic()
        with pytest.raises(LimitExceeded, match=r"^query stopped at its time limit of 1 s;"):
            con.execute(ENDLESS).fetchall()
        with pytest.raises(LimitExceeded, match=r"^query stopped at its time limit of 1 s;"):
            con.sql(CROSS).fetchall()  # a relation runs under the limit too
        assert time.monotonic() - started < 15
        assert con.execute("SELECT count(*) FROM claims").fetchall() == [(2,)]  # usable after
        assert len(con.sql("SELECT * FROM figures").pl()) == 2
    finally:
        con.close()


def test_stream_hands_over_rows_before_the_query_ends(db):
    started = time.monotonic()
    with stream(HUGE, path=db, time_limit=60) as result:
        first = next(result.batches())
    assert result.columns == ["range"] and len(first) > 0
    assert time.monotonic() - started < 20


@pytest.mark.parametrize("args, message", [
    (["--time-limit", "4000"], "Error: time limit 4000 s is outside 0.1 to 3600 s\n"),
    (["--time-limit", "0"], "Error: time limit 0 s is outside 0.1 to 3600 s\n"),
    (["--memory-limit", "1MiB"], f"Error: memory limit 1 MiB is outside 64 MiB to {show_size(max_memory())} (80 % of this machine's memory)\n"),
    (["--memory-limit", "100TB"], f"Error: memory limit 93132.3 GiB is outside 64 MiB to {show_size(max_memory())} (80 % of this machine's memory)\n"),
    (["--memory-limit", "lots"], "Error: memory limit 'lots' is not a size; write e.g. 512MiB or 2GB\n"),
])
def test_limits_outside_their_range_are_refused(db, args, message):
    result = invoke("query", "SELECT 1", "--db", str(db), *args)
    assert result.exit_code == 2
    assert result.stderr == message
    assert MAX_SECONDS == 3600


def test_a_limit_can_be_raised_within_its_ceiling(db):
    result = invoke("query", "SELECT current_setting('memory_limit') AS m", "--db", str(db),
                    "--memory-limit", "3GiB", "--time-limit", "3600", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout == "m\n3.0 GiB\n"


def test_out_of_memory_is_the_querys_fault_and_suggests_no_set(db):
    done, _ = run_cli(HUNGRY, "--db", str(db), "--memory-limit", "64MiB")
    assert done.returncode == 2, done.stderr
    assert done.stderr == ("Error: query ran out of memory: it needs more than its memory limit of "
                           "64 MiB; make it hold less (aggregate, filter or LIMIT it, select fewer "
                           f"columns) or raise the limit (--memory-limit, up to {show_size(max_memory())})\n")
    assert "SET" not in done.stderr


def test_out_of_memory_in_the_api_is_a_limit(db):
    with newsclaims.connect(path=db, memory_limit="64MiB") as con:
        with pytest.raises(LimitExceeded, match="^query ran out of memory"):
            con.execute(HUNGRY).fetchall()


def test_an_error_raised_while_rows_are_fetched_is_exit_2(db):
    """DuckDB raises this conversion error on the fetch, not on execute()."""
    sql = "SELECT CAST(CASE WHEN range = 99999 THEN 'x' ELSE '1' END AS INTEGER) AS v FROM range(100000)"
    result = invoke("query", sql, "--db", str(db), "--format", "csv")
    assert result.exit_code == 2
    assert result.stderr == "Error: query failed: Conversion Error: Could not convert string 'x' to INT32\n"


@pytest.mark.parametrize("signum, code, line", [(2, 130, "Error: interrupted\n"),
                                                (15, 143, "Error: terminated\n")])
def test_a_signal_during_a_query_is_not_taken_for_the_time_limit(db, signum, code, line):
    """The time limit interrupts the query the way Ctrl-C does; a real Ctrl-C or SIGTERM
    still exits 130 or 143."""
    import signal

    # a process started in the background inherits SIGINT ignored; a terminal's Ctrl-C is not
    proc = subprocess.Popen([sys.executable, "-m", "newsclaims", "query", ENDLESS, "--db", str(db)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        time.sleep(3)  # the interpreter starts and the query runs
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=60)
    assert (proc.returncode, err) == (code, line)


def test_a_reader_that_closes_the_output_stops_the_query_quietly(db):
    """``newsclaims query ... | head -2``: the query stops, no traceback, no error, exit 0."""
    proc = subprocess.Popen([sys.executable, "-m", "newsclaims", "query", HUGE, "--db", str(db),
                             "--format", "csv"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        head = [proc.stdout.readline() for _ in range(2)]
        proc.stdout.close()  # what `head` does when it has its lines
        err = proc.stderr.read()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=60)
    assert head[0] == b"range\n"
    assert (proc.returncode, err) == (0, b"")
