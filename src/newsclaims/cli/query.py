"""``newsclaims query "SQL"``: read-only SQL on a snapshot."""

from __future__ import annotations

import sys

import click


@click.command(name="query")
@click.argument("sql")
@click.option("--version", "version", default=None, help="Snapshot version (default: latest pulled).")
@click.option("--db", "db", default=None, help="A snapshot database file or folder instead.")
@click.option("--cache", default=None, help="Cache folder of pulled versions.")
@click.option("--releases", default=None, help="Folder of releases to look in too.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True)
@click.option("--time-limit", "time_limit", default=None, type=float, metavar="SECONDS",
              help="Stop the query after this many seconds (default 300, at most 3600).")
@click.option("--memory-limit", "memory_limit", default=None, metavar="SIZE",
              help="DuckDB's memory limit, e.g. 512MiB (default 2GiB, at most 80% of this machine's memory).")
@click.option("--csv-safe", "csv_safe", is_flag=True,
              help="CSV: prefix ' to text starting with = + - @ (or a tab or CR), so that a "
                   "spreadsheet shows it instead of running it as a formula.")
def command(sql: str, version, db, cache, releases, fmt: str, time_limit, memory_limit,
            csv_safe: bool) -> None:
    """Run SQL on a snapshot, read-only, with no access to files, network or extensions.

    Rows are written as they are fetched, so a result of any size streams. Exit 2 when the
    query is refused, fails (also while its rows are fetched) or hits its time or memory
    limit; rows already written stay written, and the error line says why it stopped.

    CSV values are written as they are: a text starting with = + - @ is a formula to a
    spreadsheet; --csv-safe neutralises it."""
    from newsclaims.errors import InputError
    from newsclaims.query import stream, write

    if csv_safe and fmt != "csv":
        raise InputError("--csv-safe applies to --format csv only")
    out = sys.stdout
    try:
        with stream(sql, version, path=db, cache=cache, releases=releases, time_limit=time_limit,
                    memory_limit=memory_limit) as result:
            write(result, fmt, out, safe_csv=csv_safe)
            out.flush()
    except BrokenPipeError:
        # the reader closed the output (`| head`): the query stops, quietly, exit 0
        _silence_stdout()


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush meets no closed pipe."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (a test runner's buffer)
        pass
