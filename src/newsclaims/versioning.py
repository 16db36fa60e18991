"""Version strings and the version-discipline rules a release must pass.

A version is ``MAJOR.MINOR.PATCH`` (digits only, no leading zeros). It is validated before
it is used in any path, so ``../../etc`` never reaches the file system.

The cross-version rules are small units with stable ids, like the rules of the catalogue:

| id | what it refuses |
|---|---|
| ``release.version_syntax`` | a version that is not ``MAJOR.MINOR.PATCH`` (exit 2) |
| ``release.version_exists`` | a version that was already released or published, or whose project report ``reports/<version>/report.md`` exists |
| ``release.version_not_greater`` | a version not greater than the latest one |
| ``release.contract_major_bump`` | a table or column removed, renamed or retyped without a major bump |
| ``release.ids_never_disappear`` | an id of the parent release that is missing from the new one |
| ``release.figure_change_explained`` | a changed figure value without a ``corrects`` link or a note naming the old and the new value |
| ``release.rule_weakening_noted`` | an error rule removed, made ``warn`` or given a higher ``fail_above`` without ``--rule-change-note`` (``newsclaims.governance``) |
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from newsclaims import contract
from newsclaims.errors import InputError

VERSION_RE = re.compile(r"\A(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\Z")

# The columns of a figure whose change alters what the dataset says the figure is.
FIGURE_VALUE_COLUMNS: tuple[str, ...] = ("stated_value", "qualifier", "value_low", "value_high")


def validate_version(text: str, what: str = "version") -> str:
    """Return ``text`` if it is ``MAJOR.MINOR.PATCH``; raise ``InputError`` otherwise."""
    if not isinstance(text, str) or not VERSION_RE.match(text):
        raise InputError(
            f"release.version_syntax: invalid {what} {text!r}: expected MAJOR.MINOR.PATCH "
            "with digits only, e.g. 1.0.0"
        )
    return text


def version_key(version: str) -> tuple[int, int, int]:
    major, minor, patch = validate_version(version).split(".")
    return int(major), int(minor), int(patch)


def latest(versions: Iterable[str]) -> str | None:
    valid = [v for v in versions if VERSION_RE.match(v)]
    return max(valid, key=version_key) if valid else None


def sort_versions(versions: Iterable[str]) -> list[str]:
    return sorted((v for v in versions if VERSION_RE.match(v)), key=version_key)


@dataclass(frozen=True)
class Violation:
    rule_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.message}"


@dataclass(frozen=True)
class DisciplineRule:
    rule_id: str
    title: str
    check: Callable[..., list[Violation]]


# ---------------------------------------------------------------- version numbers


def next_versions(top: str) -> str:
    """The versions that may follow ``top``: ``1.0.1 (patch), 1.1.0 (minor) or 2.0.0
    (major)``."""
    major, minor, patch = version_key(top)
    return (f"{major}.{minor}.{patch + 1} (patch), {major}.{minor + 1}.0 (minor) or "
            f"{major + 1}.0.0 (major)")


def check_version_order(version: str, existing: Iterable[str],
                        report: str | os.PathLike | None = None) -> list[Violation]:
    """``release.version_exists`` and ``release.version_not_greater``.

    ``report`` is the project's report of ``version`` (``reports/<version>/report.md``):
    when that file exists, ``version`` was already released even if none of its snapshots
    is at hand (a fresh clone has the committed reports but no ``releases/``). Each
    refusal names the versions that may be released next."""
    existing = sort_versions(existing)
    known = sort_versions(set(existing) | {version})
    hint = f"release the next version, {next_versions(known[-1])}"
    if version in existing:
        return [Violation("release.version_exists", f"version {version} already exists; "
                          f"releases are immutable: {hint}")]
    if report is not None and Path(report).is_file():
        return [Violation("release.version_exists",
                          f"version {version} was already released ({report} exists); "
                          f"releases are immutable: {hint}")]
    top = latest(existing)
    if top is not None and version_key(version) <= version_key(top):
        return [Violation("release.version_not_greater",
                          f"version {version} is not greater than the latest release {top}: "
                          f"{hint}")]
    return []


# ---------------------------------------------------------------- against the parent


def _columns(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, dict[str, str]]:
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = ? ORDER BY table_name, column_index",
        [catalog],
    ).fetchall()
    result: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        if table in contract.TABLES:
            result.setdefault(table, {})[column] = data_type
    return result


def _enum_values(data_type: str) -> set[str] | None:
    if not data_type.startswith("ENUM("):
        return None
    return set(re.findall(r"'((?:[^']|'')*)'", data_type))


def check_contract(con, version: str, parent: str) -> list[Violation]:
    """``release.contract_major_bump``: removing, renaming or retyping needs a major bump.

    Adding a table, a column or an enum value is a minor change."""
    old, new = _columns(con, "parent"), _columns(con, "new")
    changes: list[str] = []
    for table, columns in old.items():
        if table not in new:
            changes.append(f"table {table} removed")
            continue
        for column, old_type in columns.items():
            new_type = new[table].get(column)
            if new_type is None:
                changes.append(f"column {table}.{column} removed or renamed")
            elif new_type != old_type:
                old_enum, new_enum = _enum_values(old_type), _enum_values(new_type)
                if old_enum is not None and new_enum is not None and old_enum <= new_enum:
                    continue  # values added to an enumeration: a minor change
                changes.append(f"column {table}.{column} retyped {old_type} -> {new_type}")
    if changes and version_key(version)[0] <= version_key(parent)[0]:
        shown = "; ".join(changes[:5]) + (f"; and {len(changes) - 5} more" if len(changes) > 5 else "")
        return [Violation("release.contract_major_bump",
                          f"contract changed since {parent} ({shown}): needs a major version bump")]
    return []


def _key_expr(alias: str, key: tuple[str, ...]) -> str:
    return " || '|' || ".join(f"CAST({alias}.{c} AS VARCHAR)" for c in key)


def check_ids_kept(con, version: str, parent: str) -> list[Violation]:
    """``release.ids_never_disappear``: an id once published stays (retracted or merged)."""
    missing: list[str] = []
    new_tables = set(_columns(con, "new"))
    for table, (id_col, _) in contract.ID_PATTERNS.items():
        if table not in new_tables:
            continue  # reported by the contract rule
        ids = [r[0] for r in con.execute(
            f"SELECT p.{id_col} FROM parent.main.{table} p "
            f"ANTI JOIN new.main.{table} n ON n.{id_col} = p.{id_col} ORDER BY 1"
        ).fetchall()]
        missing += [f"{table} {i}" for i in ids]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        return [Violation("release.ids_never_disappear",
                          f"{len(missing)} id(s) of {parent} missing ({shown}): retract or merge "
                          "records instead of deleting them")]
    return []


def check_figure_changes(con, version: str, parent: str) -> list[Violation]:
    """``release.figure_change_explained``: a figure whose value changed needs a reason.

    Accepted reasons: a ``corrects`` link to the figure's claim from a newer claim (one new
    in this release or dated after it), or a changed ``notes`` that names what changed:
    the old and the new ``stated_value`` (``90 -> 91``; thousands separators allowed), the
    old and the new ``qualifier`` (``at_least`` or ``at least``), and, when only the
    derived bounds changed, the old and the new bounds. Any other edit of ``notes`` is no
    explanation."""
    old, new = _columns(con, "parent"), _columns(con, "new")
    needed = {"figures", "claims", "claim_links"}
    if not needed <= set(old) or not needed <= set(new):
        return []  # a missing table is the contract rule's to report
    common = [c for c in FIGURE_VALUE_COLUMNS if c in old["figures"] and c in new["figures"]]
    if not common or "notes" not in new["figures"] or "notes" not in old["figures"]:
        return []
    changed = " OR ".join(_differs(c) for c in common)
    named = _notes_name_the_change(common)
    rows = con.execute(
        f"""
        SELECT n.figure_id
        FROM new.main.figures n JOIN parent.main.figures p USING (figure_id)
        WHERE ({changed})
          AND NOT (n.notes IS NOT NULL AND n.notes IS DISTINCT FROM p.notes AND coalesce({named}, FALSE))
          AND NOT EXISTS (
              SELECT 1 FROM new.main.claim_links l
              JOIN new.main.claims fixer ON fixer.claim_id = l.claim_id
              JOIN new.main.claims fixed ON fixed.claim_id = l.other_claim_id
              WHERE CAST(l.relation AS VARCHAR) = 'corrects'
                AND l.other_claim_id = n.claim_id
                AND l.claim_id <> n.claim_id
                AND (fixer.claim_id NOT IN (SELECT claim_id FROM parent.main.claims)
                     OR fixer.claim_date > fixed.claim_date))
        ORDER BY 1
        """
    ).fetchall()
    if rows:
        ids = ", ".join(r[0] for r in rows[:5]) + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")
        return [Violation("release.figure_change_explained",
                          f"figure value changed since {parent} without a 'corrects' link from a "
                          f"newer claim or a note naming the old and the new value: {ids}")]
    return []


def _differs(column: str) -> str:
    return f"CAST(p.{column} AS VARCHAR) IS DISTINCT FROM CAST(n.{column} AS VARCHAR)"


# the new notes with thousands separators dropped ("7,000" -> "7000"), for number matching
_NOTES_DIGITS = ("regexp_replace(regexp_replace(n.notes, '([0-9]),([0-9]{3})', '\\1\\2', 'g'), "
                 "'([0-9]),([0-9]{3})', '\\1\\2', 'g')")


def _names(side: str, column: str) -> str:
    """SQL: the new notes name ``side``'s (``p`` or ``n``) value of ``column`` (a NULL
    value needs no naming)."""
    value = f"CAST({side}.{column} AS VARCHAR)"
    if column == "qualifier":  # at_least as "at_least" or "at least"
        test = (f"regexp_matches(lower(n.notes), '(^|[^a-z_])' || replace({value}, '_', '[ _]') "
                "|| '($|[^a-z_])')")
    else:
        test = f"regexp_matches({_NOTES_DIGITS}, '(^|[^0-9])' || {value} || '($|[^0-9])')"
    return f"({side}.{column} IS NULL OR {test})"


def _notes_name_the_change(common: list[str]) -> str:
    """SQL: every changed value column is named, old and new, in the new notes (the bounds
    only when they changed on their own, not derived from a changed value or qualifier)."""
    stated = [c for c in ("stated_value", "qualifier") if c in common]
    terms = [f"(NOT {_differs(c)} OR ({_names('p', c)} AND {_names('n', c)}))" for c in stated]
    for c in (c for c in common if c not in stated):
        own = f"({_names('p', c)} AND {_names('n', c)})"
        terms.append(f"(NOT {_differs(c)} OR {' OR '.join([_differs(s) for s in stated] + [own])})")
    return "(" + " AND ".join(terms or ["TRUE"]) + ")"


PARENT_RULES: tuple[DisciplineRule, ...] = (
    DisciplineRule("release.contract_major_bump",
                   "A removed, renamed or retyped table or column needs a major version bump",
                   check_contract),
    DisciplineRule("release.ids_never_disappear",
                   "An id published in an earlier release never disappears", check_ids_kept),
    DisciplineRule("release.figure_change_explained",
                   "A changed figure value needs a corrects link or a note naming the change",
                   check_figure_changes),
)

ORDER_RULES: tuple[tuple[str, str], ...] = (
    ("release.version_syntax", "A version is MAJOR.MINOR.PATCH"),
    ("release.version_exists", "A released version is never released again"),
    ("release.version_not_greater", "A new version is greater than the latest one"),
)


def attach_pair(new_db, parent_db) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with ``new`` and ``parent`` attached read-only."""
    con = duckdb.connect()
    con.execute("ATTACH ? AS new (READ_ONLY)", [str(new_db)])
    con.execute("ATTACH ? AS parent (READ_ONLY)", [str(parent_db)])
    return con


def check_against_parent(new_db, parent_db, version: str, parent: str) -> list[Violation]:
    """Run every rule of ``PARENT_RULES``; collect all violations."""
    con = attach_pair(new_db, parent_db)
    try:
        violations: list[Violation] = []
        for rule in PARENT_RULES:
            violations += rule.check(con, version, parent)
        return violations
    finally:
        con.close()
