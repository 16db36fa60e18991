"""newsclaims: news incidents and the claims made about them, with the rules that guard them.

The public Python API:

- ``newsclaims.connect(version=None)``: a read-only DuckDB connection to a snapshot, with a
  time limit on every call and a memory limit (``time_limit=``, ``memory_limit=``; see
  ``newsclaims.query_limits``).
- ``newsclaims.load(table, version=None)``: one table of a snapshot as a polars DataFrame.
- ``newsclaims.schemas``: the pandera DataFrameModels of every table.

Heavy modules are imported lazily so that ``import newsclaims`` stays fast.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "connect", "load"]


def connect(version: str | None = None, **kwargs):
    """Open a snapshot read-only (see :mod:`newsclaims.query`)."""
    from newsclaims.query import connect as _connect

    return _connect(version=version, **kwargs)


def load(table: str, version: str | None = None, **kwargs):
    """Load one table of a snapshot as a polars DataFrame (see :mod:`newsclaims.query`)."""
    from newsclaims.query import load as _load

    return _load(table, version=version, **kwargs)
