"""The DuckDB engine as the tests use it: the one place that names its modules.

Tests import the engine's functions from here (``from engine_api import run_checks``), so
that moving the engine to another package changes this file alone. ``ENGINE_MODULE`` and
``COMPILE_MODULE`` are the modules' names, for code that a test runs in another process."""

from __future__ import annotations

from newsclaims.rules.compile import (  # noqa: F401
    Statement,
    compile_each,
    compile_rules,
    quote_literal,
    record_id_sql,
    references_statement,
    scan_statements,
    sql_statement,
    unique_statement,
)
from newsclaims.rules.engine import open_database, plan_jobs, run_checks, size_bytes, violations  # noqa: F401

ENGINE_MODULE = run_checks.__module__
COMPILE_MODULE = compile_rules.__module__
