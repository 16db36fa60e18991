"""A rule's declared scope (``scope:``), evaluated step by step with its lookups by key.

Run as one statement, a scope query answers each of its lookups of a large table
(``figures WHERE claim_id IN (SELECT claim_id FROM changed_claims)``) with a scan of that
table: DuckDB reads an index only for constants. So the steps of the query's top-level
``WITH`` are materialised in order, each as a temporary table of its own name, and a step
that reads a table by key, written

    ... FROM <table> [alias] WHERE [alias.]<column> IN (SELECT <x> FROM <an earlier step>)

has its keys written as constants where ``<table>.<column>`` has a lookup index
(``lookups.Lookups.condition``, which also falls back to the subquery past DuckDB's share).
A query of another shape (no ``WITH``, a step named like a table) runs as one statement,
with the same records. The result is ``nc_scope_ids`` (``record_id``)."""

from __future__ import annotations

import re

from newsclaims import contract

IDS = "nc_scope_ids"
_STEP = re.compile(r"(\w+)\s+AS\s*\($", re.I)
_LOOKUP = re.compile(
    r"\bFROM\s+(?P<table>\w+)(?:\s+(?:AS\s+)?(?!WHERE\b)(?P<alias>\w+))?\s+WHERE\s+"
    r"(?P<ref>(?:(?P<qual>\w+)\.)?(?P<column>\w+)\s+IN\s*\(\s*(?P<values>SELECT\s+\w+\s+FROM\s+\w+)\s*\))",
    re.I)


def _without_comments(sql: str) -> str:
    """``sql`` without its ``--`` comments (a ``--`` inside a string literal is kept)."""
    out, i, quoted = [], 0, False
    while i < len(sql):
        ch = sql[i]
        if ch == "'":
            quoted = not quoted
        elif not quoted and sql.startswith("--", i):
            i = sql.find("\n", i)
            if i < 0:
                break
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _closing(sql: str, start: int) -> int:
    """The index of the parenthesis that closes the one at ``start``."""
    depth, quoted = 0, False
    for i in range(start, len(sql)):
        ch = sql[i]
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
            if depth == 0:
                return i
    raise ValueError("unbalanced parentheses")


def split_steps(query: str) -> tuple[list[tuple[str, str]], str] | None:
    """The steps ``[(name, body)]`` of ``query``'s top-level ``WITH`` and its final query,
    or None when the query has no ``WITH`` of plain named steps."""
    sql = _without_comments(query).strip()
    if not re.match(r"WITH\s", sql, re.I) or re.match(r"WITH\s+RECURSIVE\b", sql, re.I):
        return None
    rest, steps = sql[4:].lstrip(), []
    while True:
        open_at = rest.find("(")
        head = _STEP.fullmatch(rest[:open_at + 1].strip()) if open_at >= 0 else None
        if head is None:
            return None
        try:
            close = _closing(rest, open_at)
        except ValueError:
            return None
        steps.append((head.group(1), rest[open_at + 1:close].strip()))
        rest = rest[close + 1:].lstrip()
        if rest.startswith(","):
            rest = rest[1:].lstrip()
            continue
        return (steps, rest) if re.match(r"SELECT\s", rest, re.I) else None


def with_lookups(body: str, lookups) -> str:
    """``body`` with each ``<table> WHERE <column> IN (SELECT ...)`` lookup of an indexed
    column written as constants (``lookups.condition``)."""
    def rewrite(match: re.Match) -> str:
        table, alias, qual, column = match.group("table", "alias", "qual", "column")
        if (table, column) not in lookups.pairs or (qual and qual != (alias or table)):
            return match.group(0)
        condition = lookups.condition(table, column, match.group("values"), qual or alias or table)
        return match.group(0)[:match.start("ref") - match.start(0)] + condition
    return _LOOKUP.sub(rewrite, body)


_KEY_JOIN = (r"\bFROM\s+{own}\s+(?:AS\s+)?(\w+)\s+(?:INNER\s+|LEFT\s+(?:OUTER\s+)?)?JOIN\s+(\w+)\s+"
             r"(?:AS\s+)?(\w+)\s+ON\s+(\w+)\.(\w+)\s*=\s*(\w+)\.(\w+)")


def key_joined(table: str, query: str) -> list[tuple[str, str, str]]:
    """(partner table, its column, the column of ``table``) for each contract table that
    ``query`` names once, joined straight to the rows of ``table`` by one key:
    ``FROM <table> t [LEFT] JOIN <partner> c ON c.<column> = t.<column of table>``. Every row
    of the partner the query reads then matches a row of ``table`` on that key, so with
    ``table`` narrowed to some rows, the partner can be narrowed to their matches."""
    text = _without_comments(query)
    out = []
    for match in re.finditer(_KEY_JOIN.format(own=re.escape(table)), text, re.I):
        own_alias, partner, alias, a1, c1, a2, c2 = match.groups()
        if (a1, a2) == (own_alias, alias):
            a1, c1, a2, c2 = a2, c2, a1, c1
        if ((a1, a2) != (alias, own_alias) or partner == table or partner not in contract.TABLES
                or len(re.findall(rf"\b{partner}\b", text, re.I)) != 1):
            continue
        out.append((partner, c1, c2))
    return out


def evaluate(con, query: str, lookups) -> None:
    """``nc_scope_ids``: the records ``query`` returns, its steps materialised in order."""
    split = split_steps(query)
    names = [name for name, _ in split[0]] if split else []
    taken = set(contract.TABLES) | {IDS}
    if split is None or any(n in taken or n.startswith(("ingest_", "nc_")) for n in names):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {IDS} AS SELECT DISTINCT CAST(record_id AS VARCHAR) AS record_id "
                    f"FROM (\n{query}\n) scope")
        return
    steps, final = split
    for name, body in steps:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {with_lookups(body, lookups)}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {IDS} AS SELECT DISTINCT CAST(record_id AS VARCHAR) AS record_id "
                f"FROM ({with_lookups(final, lookups)}) scope")
    for name in names:  # a failed step leaves them to the transaction's rollback
        con.execute(f"DROP TABLE temp.main.{name}")
