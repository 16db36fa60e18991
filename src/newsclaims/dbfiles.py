"""A DuckDB database on disk is two files: ``<name>`` and its write-ahead log
``<name>.wal``.

Committed changes that DuckDB has not yet checkpointed into the file live only in the log,
and DuckDB replays the log whenever the file is opened, read-only too. So a copy of a
working database takes its log along (``copy_database``), and a release snapshot, whose
manifest lists no log, is refused when one lies beside its database (``snapshot``).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

WAL_SUFFIX = ".wal"


def wal_of(db: str | os.PathLike) -> Path:
    """The write-ahead log DuckDB replays when it opens ``db``."""
    db = Path(db)
    return db.with_name(db.name + WAL_SUFFIX)


def copy_database(source: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """Copy the database ``source`` to ``dest`` with its write-ahead log, so that the copy
    says what ``source`` says when opened (its committed but not yet checkpointed changes
    included); a log already at ``dest`` that ``source`` does not have is removed."""
    source, dest = Path(source), Path(dest)
    shutil.copyfile(source, dest)
    log = wal_of(source)
    if log.is_file():
        shutil.copyfile(log, wal_of(dest))
    else:
        wal_of(dest).unlink(missing_ok=True)
    return dest


def lock_wait() -> float:
    """Seconds to wait for another process's lock on a database file (``NEWSCLAIMS_LOCK_WAIT``,
    default 30): DuckDB lets one process write a file, or several read it, never both."""
    try:
        return max(0.0, float(os.environ.get("NEWSCLAIMS_LOCK_WAIT", "30")))
    except ValueError:
        return 30.0


def connect_waiting(path, **kwargs):
    """``duckdb.connect``, waiting (up to ``lock_wait()``) while another process holds the
    file: a reader waits for a writer (``ingest``, ``check``) to end, a writer for readers
    (``query``), and each then sees the state the other left."""
    import duckdb

    deadline = time.monotonic() + lock_wait()
    while True:
        try:
            return duckdb.connect(str(path), **kwargs)
        except duckdb.IOException as exc:
            if "Conflicting lock" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
