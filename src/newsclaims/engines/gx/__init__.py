"""Great Expectations interop (optional extra ``newsclaims[gx]``).

``export`` turns the catalogue's rules into GX 1.x expectation suites, one per table;
``engine`` runs them through GX on a DuckDB file (the ``gx`` engine). Importing this package checks
that GX and its DuckDB driver are installed and says how to install them if not; nothing
here is imported by the CLI's other commands (``import great_expectations`` takes seconds).
"""

from __future__ import annotations

import importlib.util

from newsclaims.errors import InputError

_REQUIRED = ("great_expectations", "duckdb_engine", "sqlalchemy")


def require_gx() -> None:
    """Raise ``InputError`` naming the extra when a GX dependency is missing."""
    missing = [name for name in _REQUIRED if importlib.util.find_spec(name) is None]
    if missing:
        raise InputError(
            f"Great Expectations support needs {', '.join(missing)}: "
            "install newsclaims[gx] (pip install 'newsclaims[gx]')"
        )


require_gx()
