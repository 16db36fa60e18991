"""Running a run's statements: two at a time on worker threads where that pays, Ctrl-C
reaching them, and a failed statement re-run rule by rule so that only the broken rule
gets status ``error``."""

from __future__ import annotations

import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

import duckdb

from newsclaims.engines.duckdb.database import one_line
from newsclaims.engines.duckdb.statements import Statement, compile_each
from newsclaims.errors import is_interrupt


def run_statements(con, statements: list[Statement], sizes: dict[str, int], workers: int, target: str):
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
            failed = execute(cursor, statement, sizes, target)
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


def execute(con, statement: Statement, sizes: dict[str, int] | None, target: str) -> dict[str, str]:
    """Run one statement; on failure re-run its rules one by one. Returns rule -> error."""
    try:
        for step in statement.steps(target):
            con.execute(step)
        return {}
    except (duckdb.Error, RuntimeError) as exc:
        if is_interrupt(exc):  # Ctrl-C or cursor.interrupt(): the run is being stopped
            raise KeyboardInterrupt from None
        if not isinstance(exc, duckdb.Error):
            raise
        con.execute("DROP TABLE IF EXISTS nc_rows")
        if len(statement.rules) == 1:
            return {statement.rules[0].id: one_line(exc)}
    errors: dict[str, str] = {}
    for single in compile_each(list(statement.rules), sizes):
        errors.update(execute(con, single, sizes, target))
    return errors
