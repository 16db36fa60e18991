"""Opening a newsclaims database for a run: DuckDB's memory limit, threads and spill folder,
how many statements run at a time, and the tables' sizes."""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb

from newsclaims import contract
from newsclaims.dbfiles import connect_waiting
from newsclaims.errors import InputError

DEFAULT_MEMORY_LIMIT = "1500MB"


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
        con = connect_waiting(path, read_only=read_only, config=config)
    except duckdb.IOException as exc:
        if "not a valid DuckDB database" in str(exc):
            raise InputError(f"{path}: not a DuckDB database file (rebuild it with `newsclaims build`)") from None
        raise InputError(f"{path}: cannot open the database: {one_line(exc)}") from None
    except duckdb.Error as exc:
        raise InputError(f"{path}: cannot open the database: {one_line(exc)}") from None
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


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
