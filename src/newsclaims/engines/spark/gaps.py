"""The rules Spark does not run yet, each with why: they are ``skipped`` on Spark (with
this reason in ``detail``), listed in the generated rule catalogue, and the parity tests
hold this list exactly, so that it can only shrink on purpose."""

from __future__ import annotations

NOT_ON_SPARK: dict[str, str] = {
    "documents.text_policy_honoured": "it reads DuckDB's catalog (duckdb_tables()) to tell a "
                                      "release snapshot from a working database; a lake has no catalog of that kind",
}
