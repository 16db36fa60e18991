"""SQL text every engine's statements share: literals, a row's record id, and the query
files of ``sql/`` with the fragments they include.

Written in DuckDB's dialect, as every rule's SQL is; an engine of another dialect
translates the statements it builds from them (``sqlglot``)."""

from __future__ import annotations

import re
from pathlib import Path

from newsclaims import contract, project

# ``{{fragment.<name>}}`` in a query file: the text of ``sql/fragments/<name>.sql``
_FRAGMENT = re.compile(r"\{\{\s*fragment\.(\w+)\s*\}\}")


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


def fragment_path(name: str) -> Path:
    return project.sql_dir() / "fragments" / f"{name}.sql"


def fragments_of(text: str) -> list[str]:
    """The names of the fragments a query's text includes, in order, each once."""
    return list(dict.fromkeys(_FRAGMENT.findall(text)))


def missing_fragment(relative: str) -> str | None:
    """What is wrong with the fragments the query file ``sql/<relative>`` includes, or None."""
    for name in fragments_of(project.read_text(project.sql_dir() / relative)):
        if not fragment_path(name).is_file():
            return f"sql/{relative} includes {{{{fragment.{name}}}}}, but sql/fragments/{name}.sql does not exist"
    return None


def read_query(relative: str) -> str:
    """The query of the file ``sql/<relative>`` (``rules/<id>.sql``): its text, each
    ``{{fragment.<name>}}`` replaced by the text of ``sql/fragments/<name>.sql``, so that SQL
    several rules share (a parser) is written once; no trailing ``;``."""
    text = project.read_text(project.sql_dir() / relative)

    def fragment(match: re.Match) -> str:
        return project.read_text(fragment_path(match.group(1))).strip() + "\n"

    return _FRAGMENT.sub(fragment, text).strip().rstrip(";")
