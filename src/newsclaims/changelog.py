"""Record-level differences between two snapshot databases, and the changelog made of them.

Per table and record (its key values joined by ``|``): ``added``, ``removed``, ``updated``
(with the fields that changed), ``retracted`` (status became ``retracted``) or ``merged``
(status became ``merged``). Values are compared as text, so an ENUM column and the same
column in another database compare by value. A contract table only one database has (added
in a minor release, removed in a major one) has all its records ``added`` or ``removed``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from newsclaims import contract
from newsclaims.errors import InputError

CHANGE_KINDS: tuple[str, ...] = ("added", "removed", "updated", "retracted", "merged")
_SHOWN_CHARS = 80


@dataclass(frozen=True)
class Change:
    table: str
    record_id: str
    change: str
    fields: tuple[str, ...] = ()
    before: dict[str, str | None] = field(default_factory=dict)
    after: dict[str, str | None] = field(default_factory=dict)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["fields"] = list(self.fields)
        return data


_INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                  "UINTEGER", "UBIGINT"}
_FLOAT_TYPES = {"FLOAT", "REAL", "DOUBLE"}


def to_json(changes: list[Change]) -> list[dict]:
    """The changes as JSON-ready dicts (what ``diff --format json`` prints), values as JSON
    has them: a value of an integer or floating-point column of the contract is a number
    (``62``, not ``"62"``); the others stay text (dates included, as ISO 8601)."""
    types = {t.name: {c.name: c.type.upper() for c in t.columns} for t in contract.tables().values()}
    out = []
    for change in changes:
        data = change.to_dict()
        columns = types.get(change.table, {})
        for side in ("before", "after"):
            data[side] = {c: _json_value(columns.get(c, ""), v) for c, v in data[side].items()}
        out.append(data)
    return out


def _json_value(kind: str, value: str | None):
    if value is None:
        return None
    try:
        if kind in _INTEGER_TYPES:
            return int(value)
        if kind in _FLOAT_TYPES or kind.startswith("DECIMAL"):
            return float(value)
    except ValueError:  # a value of another type in an older contract: kept as text
        return value
    return value
    return value


def _columns(con, catalog: str, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND table_name = ? "
        "ORDER BY column_index", [catalog, table]).fetchall()]


def _key(alias: str, key: tuple[str, ...]) -> str:
    return " || '|' || ".join(f"CAST({alias}.{c} AS VARCHAR)" for c in key)


def _table_changes(con, table: str, key: tuple[str, ...]) -> list[Change]:
    old_cols, new_cols = _columns(con, "old", table), _columns(con, "new", table)
    if not new_cols:
        if not old_cols:
            return []
        # the table was removed (a major release): every record of it is removed
        ids = con.execute(f"SELECT {_key('o', key)} FROM old.main.{table} o ORDER BY 1").fetchall()
        return [Change(table, r[0], "removed") for r in ids]
    changes: list[Change] = []
    join = " AND ".join(f"o.{c} = n.{c}" for c in key)
    if old_cols:
        for kind, a, b, catalog in (("added", "n", "o", "new"), ("removed", "o", "n", "old")):
            ids = con.execute(
                f"SELECT {_key(a, key)} FROM {catalog}.main.{table} {a} "
                f"ANTI JOIN {'old' if catalog == 'new' else 'new'}.main.{table} {b} ON {join} "
                "ORDER BY 1").fetchall()
            changes += [Change(table, r[0], kind) for r in ids]
    else:
        ids = con.execute(f"SELECT {_key('n', key)} FROM new.main.{table} n ORDER BY 1").fetchall()
        return [Change(table, r[0], "added") for r in ids]
    common = [c for c in new_cols if c in old_cols and c not in key]
    if not common:
        return changes
    diffs = ", ".join(
        f"CASE WHEN CAST(o.{c} AS VARCHAR) IS DISTINCT FROM CAST(n.{c} AS VARCHAR) "
        f"THEN [CAST(o.{c} AS VARCHAR), CAST(n.{c} AS VARCHAR)] END AS {c}"
        for c in common
    )
    anychange = " OR ".join(
        f"CAST(o.{c} AS VARCHAR) IS DISTINCT FROM CAST(n.{c} AS VARCHAR)" for c in common
    )
    rows = con.execute(
        f"SELECT {_key('n', key)} AS rid, {diffs} FROM old.main.{table} o "
        f"JOIN new.main.{table} n ON {join} WHERE {anychange} ORDER BY rid"
    ).fetchall()
    for row in rows:
        rid, values = row[0], row[1:]
        before, after = {}, {}
        for column, pair in zip(common, values):
            if pair is not None:
                before[column], after[column] = pair[0], pair[1]
        kind = "updated"
        if "status" in after and after["status"] in ("retracted", "merged"):
            kind = after["status"]
        changes.append(Change(table, rid, kind, tuple(before), before, after))
    return changes


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _attach(con, path, alias: str) -> None:
    """Attach ``path`` read-only as ``alias``; one ``InputError`` naming the file when it is
    not a DuckDB database or holds none of the contract's tables."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such database")
    try:
        con.execute(f"ATTACH ? AS {alias} (READ_ONLY)", [str(path)])
    except duckdb.Error as exc:
        if "not a valid DuckDB database" in str(exc):
            raise InputError(f"{path}: not a DuckDB database file") from None
        raise InputError(f"{path}: cannot open the database: {_first_line(exc)}") from None
    present = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [alias]).fetchall()}
    if not present & set(contract.TABLES):
        raise InputError(f"{path}: not a newsclaims database: none of the tables "
                         + ", ".join(contract.TABLES))


def diff_databases(old_db, new_db) -> list[Change]:
    """The record-level changes from ``old_db`` to ``new_db`` (both opened read-only)."""
    con = duckdb.connect()
    try:
        _attach(con, old_db, "old")
        _attach(con, new_db, "new")
        changes: list[Change] = []
        try:
            for name, table in contract.tables().items():
                changes += _table_changes(con, name, table.primary_key)
        except duckdb.IOException as exc:  # a damaged file: DuckDB's message names it
            raise InputError(f"cannot read the databases: {_first_line(exc)}") from None
        order = {k: i for i, k in enumerate(CHANGE_KINDS)}
        tables = {t: i for i, t in enumerate(contract.TABLES)}
        changes.sort(key=lambda c: (tables[c.table], c.record_id, order[c.change]))
        return changes
    finally:
        con.close()


def all_added(new_db) -> list[Change]:
    """The changelog of a first release: every record is added."""
    con = duckdb.connect(str(new_db), read_only=True)
    try:
        changes = []
        for name, table in contract.tables().items():
            rows = con.execute(
                f"SELECT {_key('t', table.primary_key)} FROM {name} t ORDER BY 1").fetchall()
            changes += [Change(name, r[0], "added") for r in rows]
        return changes
    finally:
        con.close()


def counts(changes: list[Change]) -> dict[str, dict[str, int]]:
    result: dict[str, dict[str, int]] = {}
    for c in changes:
        per = result.setdefault(c.table, {})
        per[c.change] = per.get(c.change, 0) + 1
    return result


def _short(value: str | None) -> str:
    if value is None:
        return "NULL"
    text = value.replace("\n", " ")
    return json.dumps(text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…",
                      ensure_ascii=False)


def describe(change: Change) -> str:
    """One line: ``figures fig-0003 updated: stated_value 62 -> 70; notes NULL -> "…"``."""
    line = f"{change.table} {change.record_id} {change.change}"
    if change.fields:
        line += ": " + "; ".join(
            f"{f} {_short(change.before.get(f))} -> {_short(change.after.get(f))}"
            for f in change.fields
        )
    return line


def render_markdown(version: str, parent: str | None, created_at: str,
                    changes: list[Change], *, rule_changes: list[Change] | None = None,
                    rule_note: str | None = None) -> str:
    """The release's ``CHANGELOG.md``: the record-level changes against ``parent`` and,
    when given, the changes to the rule catalogue (``rule_changes``, see
    ``newsclaims.governance``) with the release's note on them."""
    lines = [f"# newsclaims {version}", ""]
    lines.append(f"Released {created_at}; "
                 + (f"changes since {parent}." if parent else "first release (no parent)."))
    lines.append("")
    lines += _record_sections(parent, changes)
    if rule_changes is not None and parent is not None:
        lines += ["## Rules", ""]
        if rule_changes:
            lines += [f"Changes to the rule catalogue since {parent} (the catalogue this "
                      "release ran is `rules.json`):", ""]
            for c in rule_changes:
                lines.append(f"- `{c.record_id}` {c.change}"
                             + (": " + describe(c).split(": ", 1)[1] if c.fields else ""))
            lines.append("")
        else:
            lines += [f"The rule catalogue is unchanged since {parent} (`rules.json`).", ""]
    if rule_note is not None:
        if not (rule_changes is not None and parent is not None):
            lines += ["## Rules", ""]
        lines += ["Note on the rule changes: " + " ".join(rule_note.split()), ""]
    return "\n".join(lines)


def _record_sections(parent: str | None, changes: list[Change]) -> list[str]:
    lines: list[str] = []
    summary = counts(changes)
    if not changes:
        return ["No record changed.", ""]
    lines += ["| table | " + " | ".join(CHANGE_KINDS) + " |",
              "|---|" + "---:|" * len(CHANGE_KINDS)]
    for table in contract.TABLES:
        if table in summary:
            lines.append(f"| {table} | "
                         + " | ".join(str(summary[table].get(k, 0)) for k in CHANGE_KINDS) + " |")
    lines.append("")
    if parent is None:
        return lines + ["Every record is new in this release.", ""]
    for table in contract.TABLES:
        rows = [c for c in changes if c.table == table]
        if not rows:
            continue
        lines += [f"## {table}", ""]
        for c in rows:
            lines.append(f"- `{c.record_id}` {c.change}"
                         + (": " + describe(c).split(": ", 1)[1] if c.fields else ""))
        lines.append("")
    return lines


def store_changes(con: duckdb.DuckDBPyConnection, changes: list[Change]) -> None:
    """Create the ``changes`` table in ``con`` and fill it."""
    con.execute(
        "CREATE TABLE changes (table_name VARCHAR NOT NULL, record_id VARCHAR NOT NULL, "
        "change VARCHAR NOT NULL, fields VARCHAR[], before_values VARCHAR, after_values VARCHAR)"
    )
    if changes:
        con.executemany(
            "INSERT INTO changes VALUES (?, ?, ?, ?, ?, ?)",
            [(c.table, c.record_id, c.change, list(c.fields),
              json.dumps(c.before, ensure_ascii=False) if c.before else None,
              json.dumps(c.after, ensure_ascii=False) if c.after else None) for c in changes],
        )


def write_changelog(path: Path, text: str) -> None:
    Path(path).write_text(text, encoding="utf-8")
