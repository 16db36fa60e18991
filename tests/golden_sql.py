"""Golden files of the rule compiler, table-driven (as sqlglot's fixtures): tests/golden/compile/.

One file per case: a few ``-- key: value`` header lines, then the statements the compiler
makes for the case's rules, each under a ``-- statement: <label>`` line (with ``grouped by
<column>`` when its rows are grouped, ``Statement.group_by``):

    -- title: what the case shows
    -- rules: countries.name_not_null, countries.country_not_null
    -- sizes: incidents=10, places=100            (optional: table sizes given to the compiler)
    -- setup: UPDATE countries SET name = NULL WHERE country = 'TUR'   (optional, repeated)
    -- expect: countries.name_not_null | TUR | name is NULL             (repeated; or "nothing")

    -- statement: scan countries
    SELECT ...

Each case is also run: its ``setup`` statements on a copy of the rule fixture
(tests/rule_fixtures.py), then every statement's steps into a table in the shape of
``dq_violations``; the rows (rule, record, message) must be the ``expect`` lines.

``NEWSCLAIMS_UPDATE_GOLDEN=1 pytest tests/test_compile_golden.py`` rewrites the statements
and the expected rows from the compiler as it is (keeping the headers): review the diff."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

UPDATE = os.environ.get("NEWSCLAIMS_UPDATE_GOLDEN") == "1"
_HEADER = re.compile(r"^-- (title|rules|sizes|setup|expect): ?(.*)$")
_STATEMENT = re.compile(r"^-- statement: (.+?)(?: grouped by (\w+))?$")


@dataclass
class Case:
    path: Path
    title: str = ""
    rules: list[str] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)
    setup: list[str] = field(default_factory=list)
    expect: list[tuple[str, str, str]] = field(default_factory=list)
    statements: list[tuple[str, str | None, str]] = field(default_factory=list)  # (label, group_by, sql)


def normal(sql: str) -> str:
    """The SQL as compared: no trailing blanks on a line, none around the whole."""
    return "\n".join(line.rstrip() for line in sql.strip().splitlines())


def read(path: Path) -> Case:
    case = Case(path)
    current: list[str] | None = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        statement = _STATEMENT.match(line)
        if statement:
            current = []
            case.statements.append((statement.group(1), statement.group(2), current))
            continue
        if current is not None:
            current.append(line)
            continue
        header = _HEADER.match(line)
        if header:
            key, value = header.groups()
            if key == "title":
                case.title = value
            elif key == "rules":
                case.rules = [r.strip() for r in value.split(",") if r.strip()]
            elif key == "sizes":
                case.sizes = {t.strip(): int(n) for t, n in (p.split("=") for p in value.split(",") if p.strip())}
            elif key == "setup":
                case.setup.append(value)
            elif value != "nothing":
                rule_id, record_id, message = (part.strip() for part in value.split(" | ", 2))
                case.expect.append((rule_id, record_id, message))
        elif line.strip():
            raise ValueError(f"{path}:{number}: expected a '-- <key>: ' header or a '-- statement: ' line")
    case.statements = [(label, group_by, normal("\n".join(lines))) for label, group_by, lines in case.statements]
    if not case.title or not case.rules:
        raise ValueError(f"{path}: a case needs '-- title:' and '-- rules:'")
    return case


def write(case: Case) -> None:
    lines = [f"-- title: {case.title}", f"-- rules: {', '.join(case.rules)}"]
    if case.sizes:
        lines.append("-- sizes: " + ", ".join(f"{t}={n}" for t, n in case.sizes.items()))
    lines += [f"-- setup: {statement}" for statement in case.setup]
    lines += [f"-- expect: {' | '.join(row)}" for row in case.expect] or ["-- expect: nothing"]
    for label, group_by, sql in case.statements:
        lines += ["", f"-- statement: {label}" + (f" grouped by {group_by}" if group_by else ""), sql]
    case.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
