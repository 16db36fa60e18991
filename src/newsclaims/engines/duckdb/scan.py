"""A table's scan: ``sql/scans/<table>.sql``, the table as ``t`` and the joins its rules may
read (one ``LEFT JOIN ... <alias> ON ...`` per line). Every engine reads rules over it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from newsclaims import project
from newsclaims.errors import InputError

_DISTINCT_JOIN = re.compile(r"^\s*LEFT\s+JOIN\s+\(\s*SELECT\s+DISTINCT\s+\w+(\s+AS\s+\w+)?\s+FROM\s+\w+\s*\)", re.I)
_JOIN = re.compile(r"^\s*LEFT\s+JOIN\s+(?:\(.*\)|\S+)\s+(?:AS\s+)?(\w+)\s+ON\s+(.*)$", re.I)


@dataclass(frozen=True)
class Scan:
    """A table's FROM clause: the base table (alias ``t``) and its optional joins."""

    table: str
    base: str
    joins: tuple[tuple[str, str, frozenset[str]], ...]  # (alias, line, aliases it needs)

    def from_clause(self, uses) -> str:
        wanted = set(uses)
        needs = {alias: deps for alias, _, deps in self.joins}
        pending = list(wanted)
        while pending:  # a join may build on another join (d on c)
            for dep in needs.get(pending.pop(), ()):
                if dep not in wanted:
                    wanted.add(dep)
                    pending.append(dep)
        lines = [self.base] + [line for alias, line, _ in self.joins if alias in wanted]
        return "\n".join(lines)

    def may_repeat_rows(self, uses) -> bool:
        """True when a join the rules use can match a base row more than once: any join but
        one over ``(SELECT DISTINCT <key> ...)``, whose key is unique by construction. (A
        parent table's key is unique only in a valid database; the rules run on broken ones.)"""
        lines = self.from_clause(uses).splitlines()[1:]
        return any(not _DISTINCT_JOIN.match(line) for line in lines)


@cache
def load_scan(table: str) -> Scan:
    """``sql/scans/<table>.sql``: ``FROM <table> t`` then one ``LEFT JOIN ... <alias> ON``
    per line. Without a file the scan is the table alone."""
    path = project.sql_dir() / "scans" / f"{table}.sql"
    if not path.is_file():
        return Scan(table, f"FROM {table} t", ())
    base = None
    joins = []
    for number, raw in enumerate(project.read_text(path).splitlines(), start=1):
        line = raw.split("--", 1)[0].rstrip()
        if not line.strip():
            continue
        if base is None:
            if not re.match(rf"^\s*FROM\s+{table}\s+(AS\s+)?t\s*$", line, re.I):
                raise InputError(f"sql/scans/{table}.sql:{number}: the scan must start with 'FROM {table} t'")
            base = line.strip()
            continue
        match = _JOIN.match(line)
        if not match:
            raise InputError(f"sql/scans/{table}.sql:{number}: expected one 'LEFT JOIN <table> <alias> ON ...' per line")
        alias, condition = match.group(1), match.group(2)
        deps = frozenset(re.findall(r"\b(\w+)\.", condition)) - {alias, "t"}
        joins.append((alias, line.strip(), deps))
    if base is None:
        raise InputError(f"sql/scans/{table}.sql: empty scan")
    return Scan(table, base, tuple(joins))
