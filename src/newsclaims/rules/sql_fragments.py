"""SQL text every engine's statements share: literals and a row's record id.

Written in DuckDB's dialect, as every rule's SQL is; an engine of another dialect
translates the statements it builds from them (``sqlglot``)."""

from __future__ import annotations

from newsclaims import contract


def quote_literal(value) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def sql_list(values) -> str:
    """``('a', 'b')``: a parenthesised list of string literals."""
    return "(" + ", ".join(quote_literal(v) for v in values) + ")"


def record_id_sql(table: str, alias: str = "t") -> str:
    """The record id of a row: its key, or the key values joined by ``|``."""
    keys = contract.tables()[table].primary_key
    parts = [f"coalesce(CAST({alias}.{k} AS VARCHAR), '')" for k in keys]
    return parts[0] if len(parts) == 1 else "concat_ws('|', " + ", ".join(parts) + ")"
