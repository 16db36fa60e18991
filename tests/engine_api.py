"""The engine as the tests use it: the one place that names its modules.

Tests import the engine's functions from here (``from engine_api import run_checks``), so
that moving the engine to another package changes this file alone. ``ENGINE_MODULE`` and
``COMPILE_MODULE`` are the modules' names, for code that a test runs in another process."""

from __future__ import annotations

from newsclaims.check import run_checks, violations  # noqa: F401
from newsclaims.engines.duckdb.database import open_database, plan_jobs, size_bytes  # noqa: F401
from newsclaims.engines.duckdb.keys import references_statement, unique_statement  # noqa: F401
from newsclaims.engines.duckdb.statement import Statement  # noqa: F401
from newsclaims.engines.duckdb.statements import (  # noqa: F401
    compile_each,
    compile_rules,
    scan_statements,
    sql_statement,
)
from newsclaims.rules.sql_fragments import quote_literal, record_id_sql  # noqa: F401

ENGINE_MODULE = run_checks.__module__
COMPILE_MODULE = compile_rules.__module__
