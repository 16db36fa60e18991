"""The rule catalogue a release ran, how it changed between releases, and the note that a
weakened error rule needs.

Every release records the catalogue it ran in ``rules.json`` (listed in its signed
manifest): per rule its id, title, family, table, severity, ``fail_above`` and a
``definition`` digest (SHA-256 of what the rule tests: its kind and parameters, and the
bytes of its SQL file for a ``sql`` rule). A release made before ``rules.json`` existed has
its catalogue read from its database's ``dq_results`` (ids, severities, thresholds; no
definitions).

``rule_changes`` lists what changed between two catalogues as records of the pseudo-table
``rules`` (``added``, ``removed``, ``updated`` with the fields that changed), shown by
``diff`` and the changelog. ``weakened`` lists the changes that loosen an error-level rule:
a rule that was ``error`` and is removed, or is now ``warn``, or now has a higher
``fail_above``. A release with any of them is refused unless it carries a
``--rule-change-note`` (recorded in its manifest and changelog)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb

from newsclaims import snapshot
from newsclaims.changelog import Change
from newsclaims.errors import IntegrityError
from newsclaims.rules.sql_fragments import fragment_path, fragments_of

RULES_FILE = "rules.json"
RULES_FORMAT = 1
TABLE = "rules"  # the pseudo-table rule changes are reported under
FIELDS = ("severity", "fail_above", "table", "family", "title", "definition")
NOTE_RULE = "release.rule_weakening_noted"


def _definition(rule) -> str:
    """SHA-256 of what ``rule`` tests (not its wording): kind, table and parameters, and
    the SQL file's bytes for a ``sql`` rule, and those of each fragment it includes."""
    data = {k: v for k, v in rule.to_dict().items()
            if k not in ("id", "title", "family", "severity", "rationale", "fail_above", "core")}
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode())
    if rule.test == "sql":
        try:
            text = rule.sql_path().read_bytes()
            digest.update(b"\0" + text)
            for name in fragments_of(text.decode("utf-8", "replace")):
                digest.update(b"\0" + fragment_path(name).read_bytes())
        except OSError:
            pass
    return digest.hexdigest()


def catalogue_entries(rules) -> dict[str, dict]:
    """The recorded form of a catalogue (``Rule`` objects): id -> entry."""
    return {rule.id: {"id": rule.id, "title": rule.title, "family": rule.family,
                      "table": rule.table, "severity": rule.severity,
                      "fail_above": int(rule.fail_above), "definition": _definition(rule)}
            for rule in sorted(rules, key=lambda r: r.id)}


def write_rules(folder: Path, entries: dict[str, dict]) -> Path:
    target = Path(folder) / RULES_FILE
    snapshot.write_json(target, {"format": RULES_FORMAT, "rules": list(entries.values())})
    return target


def release_rules(folder: Path) -> dict[str, dict]:
    """The catalogue the release in ``folder`` ran: its ``rules.json``, else (an older
    release) the error and warn rules of its database's ``dq_results``."""
    folder = Path(folder)
    path = folder / RULES_FILE
    listed = None
    if (folder / snapshot.MANIFEST).is_file():
        manifest = snapshot.parse_manifest((folder / snapshot.MANIFEST).read_bytes(),
                                           str(folder / snapshot.MANIFEST))
        listed = next((e for e in manifest["files"] if e["path"] == RULES_FILE), None)
    if listed is None and not path.is_file():
        return rules_of_database(folder / snapshot.DB_NAME)
    # the manifest lists it: checked like every file of the snapshot before it is believed
    if listed is None:
        raise IntegrityError(f"{folder}: {RULES_FILE} is not listed in its manifest (added "
                             "after the release)")
    if not path.is_file():
        raise IntegrityError(f"{folder}: {RULES_FILE} is missing")
    if snapshot.sha256_file(path) != listed["sha256"]:
        raise IntegrityError(f"{folder}: {RULES_FILE} does not match its sha256 in the manifest")
    try:
        return {entry["id"]: entry for entry in json.loads(path.read_bytes())["rules"]}
    except (ValueError, KeyError, TypeError) as exc:
        raise IntegrityError(f"{path}: malformed ({exc})") from None


def rules_of_database(db_path: Path) -> dict[str, dict]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        present = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = "
                              "'dq_results'").fetchone()[0]
        if not present:
            return {}
        rows = con.execute(
            "SELECT rule_id, title, family, table_name, CAST(severity AS VARCHAR), fail_above "
            "FROM dq_results WHERE engine IS DISTINCT FROM 'release' ORDER BY rule_id").fetchall()
    finally:
        con.close()
    return {r[0]: {"id": r[0], "title": r[1], "family": r[2], "table": r[3], "severity": r[4],
                   "fail_above": int(r[5] or 0)} for r in rows}


def _text(value) -> str | None:
    return None if value is None else str(value)


def rule_changes(old: dict[str, dict], new: dict[str, dict]) -> list[Change]:
    """Rules added, removed and updated (the fields of ``FIELDS`` that differ; a field only
    one side recorded is not compared) from ``old`` to ``new``, by rule id."""
    changes: list[Change] = []
    for rule_id in sorted(set(old) | set(new)):
        if rule_id not in old:
            changes.append(Change(TABLE, rule_id, "added"))
        elif rule_id not in new:
            changes.append(Change(TABLE, rule_id, "removed",
                                  before={"severity": _text(old[rule_id].get("severity"))}))
        else:
            a, b = old[rule_id], new[rule_id]
            fields = tuple(f for f in FIELDS if f in a and f in b and a[f] != b[f])
            if fields:
                changes.append(Change(TABLE, rule_id, "updated", fields,
                                      {f: _text(a[f]) for f in fields},
                                      {f: _text(b[f]) for f in fields}))
    return changes


def weakened(old: dict[str, dict], new: dict[str, dict]) -> list[str]:
    """The error-level rules of ``old`` that ``new`` removes or loosens, one phrase each."""
    found: list[str] = []
    for rule_id in sorted(old):
        before = old[rule_id]
        if before.get("severity") != "error":
            continue
        after = new.get(rule_id)
        if after is None:
            found.append(f"{rule_id} removed")
            continue
        if after.get("severity") != "error":
            found.append(f"{rule_id} severity error -> {after.get('severity')}")
        if int(after.get("fail_above") or 0) > int(before.get("fail_above") or 0):
            found.append(f"{rule_id} fail_above {before.get('fail_above') or 0} -> "
                         f"{after.get('fail_above')}")
    return found
