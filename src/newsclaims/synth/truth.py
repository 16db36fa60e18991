"""Ground truth: which records fire which rule, known from how they were generated.

Clean data fires only warn-level coverage rules, by design, on records the generator
chose with its own draws (read here from the staging flags, never by running a rule).

With a defect rate, every rule of the catalogue gets defects through its recipe in
``newsclaims.defects`` (which returns the exact record ids each change makes fire; the
``<table>.pandera_schema`` rules fire with the recipes their table's model rejects). The
targets of all rules are allocated in one pass with pairwise disjoint footprints
(``newsclaims.synth.allocation``), none touching a record that fires a rule by design.

``compare_with_check`` compares the ground truth with what ``newsclaims check`` stored.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from newsclaims.errors import InputError
from newsclaims.rules.catalogue import Rule, load_catalogue
from newsclaims.synth.plan import Plan

# rule id -> SQL over the staging tables selecting the record ids made that way.
BY_DESIGN: dict[str, str] = {
    # unattributed claims: always active (never retracted) by construction
    "claims.claimant_not_null": "SELECT claim_id FROM syn_claim WHERE unatt",
    "claims.claim_date_not_null": "SELECT claim_id FROM syn_claim WHERE undated",
}

def by_design(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    return {rule: {r[0] for r in con.execute(sql).fetchall()} for rule, sql in BY_DESIGN.items()}


def merge(*parts: dict[str, set[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for part in parts:
        for rule, ids in part.items():
            out.setdefault(rule, set()).update(ids)
    return out


def inject_all(
    con: duckdb.DuckDBPyConnection, plan: Plan, rate: float, design: dict[str, set[str]],
    rules: list[Rule] | None = None,
) -> tuple[dict[str, set[str]], dict[str, str]]:
    """Inject defects of every rule; returns (rule -> offending ids, rule -> why skipped).

    Each rule gets ``max(1, round(rate * rows of its recipe's table))`` targets (fewer when
    the safe candidates run out). The ``pandera`` rules have no recipe of their own: they
    fire with the recipes their table's model rejects."""
    from newsclaims import defects
    from newsclaims.synth import allocation

    catalogue = rules if rules is not None else load_catalogue()
    with_recipe = [r for r in catalogue if r.test != "pandera"]
    sizes: dict[str, int] = {}

    def wanted(rule: Rule) -> int:
        table = defects.recipe(rule).table
        if table not in sizes:
            sizes[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        return max(1, round(rate * sizes[table]))

    con.execute("CREATE OR REPLACE TEMP TABLE nc_used (key VARCHAR)")
    for ids in design.values():  # by-design claims themselves (their documents stay usable)
        con.execute("INSERT INTO nc_used SELECT 'clm:' || unnest(?::VARCHAR[])", [sorted(ids)])
    try:
        chosen = allocation.allocate(con, with_recipe, wanted, plan.seed)
        truth = allocation.apply_all(con, with_recipe, chosen, catalogue)
    finally:
        defects.cleanup(con)
    return truth, chosen.skipped


def _open_results(db_path):
    """The results of the last check of ``db_path``: a database file, or a lake folder whose
    Spark run wrote them as Parquet in ``<lake>/_newsclaims`` (``engines.spark.sink``)."""
    path = Path(db_path)
    if path.is_dir():
        from newsclaims.engines.spark.sink import default_results, results_database

        results = Path(default_results(str(path)))
        if not (results / "dq_results").is_dir():
            raise InputError(f"{path}: no check results in this lake ({results}/dq_results): run "
                             "`newsclaims check --engine spark --lake` on it first")
        return results_database(str(results), None)
    from newsclaims.engines.duckdb.database import open_database

    return open_database(db_path, read_only=True)


def _reported(con, db_path) -> tuple[dict[str, set[str]], dict[str, str]]:
    present = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}  # views too (a lake's results)
    if not {"dq_results", "dq_violations"} <= present:
        raise InputError(f"{db_path}: no check results in this database: run `newsclaims check` on it first")
    status = dict(con.execute("SELECT rule_id, status FROM dq_results").fetchall())
    found: dict[str, set[str]] = {rule: set() for rule in status}
    for rule_id, record_id in con.execute("SELECT DISTINCT rule_id, record_id FROM dq_violations").fetchall():
        found.setdefault(rule_id, set()).add(record_id)
    return found, status


def read_truth(truth_path) -> dict:
    path = Path(truth_path)
    if not path.is_file():
        raise InputError(f"{path}: no such ground-truth file (written by `newsclaims synth --defect-rate`)")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError(f"{path}: not a ground-truth file: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("rules"), dict):
        raise InputError(f"{path}: not a ground-truth file: no 'rules' mapping")
    for rule_id, ids in doc["rules"].items():
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise InputError(f"{path}: rule {rule_id}: expected a list of record ids (text), "
                             f"got {json.dumps(ids)[:60]}")
    return doc


def compare_with_check(db_path, truth_path) -> dict[str, tuple[list[str], list[str]]]:
    """For every rule the last ``check`` ran (status not ``skipped``): (missing, extra), the
    record ids of the ground truth it did not report and those it reported beyond it.
    A rule of the ground truth that the check did not run is compared as reporting nothing."""
    truth = read_truth(truth_path)["rules"]
    con = _open_results(db_path)
    try:
        reported, status = _reported(con, db_path)
    finally:
        con.close()
    out: dict[str, tuple[list[str], list[str]]] = {}
    for rule in sorted(set(status) | set(truth)):
        if status.get(rule) == "skipped":
            continue
        expected, found = set(truth.get(rule, ())), reported.get(rule, set())
        out[rule] = (sorted(expected - found), sorted(found - expected))
    return out


def skipped_by_check(db_path) -> list[str]:
    """The rules the last ``check`` stored as ``skipped`` (not compared)."""
    con = _open_results(db_path)
    try:
        _, status = _reported(con, db_path)
    finally:
        con.close()
    return sorted(rule for rule, s in status.items() if s == "skipped")
