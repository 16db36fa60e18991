"""The defect matrix: the defect of every rule, planted a few rules per database.

Running the whole catalogue once per rule on its own copy of the fixture (about 150 runs)
took most of the suite's time. Here the defects of many rules share one copy, planted the
way the synthetic generator plants them (``newsclaims.synth.allocation``): every target is
chosen first, with footprints (``defects.footprint_sql``: the keys of the records a change
could affect or depends on) pairwise disjoint, and only then is every recipe applied, so no
recipe sees another's change. The rules that found no target free of the others' footprints
go to the next copy, and so on: a *group* is one copy of the fixture with the defects of
its rules and one run of the catalogue over it.

Each group keeps what every recipe declared (``{rule id: record ids}``: the records each
rule must report) and what the run reported, so a test per rule can check that its recipe's
records were reported and that, in every group, the rule fired on exactly the records the
recipes there declare for it: nothing more anywhere, nothing less."""

from __future__ import annotations

import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from engine_api import run_checks, violations
from newsclaims import defects
from newsclaims.rules.catalogue import Rule
from newsclaims.synth import allocation


@dataclass
class Group:
    number: int
    db: Path
    declared: dict[str, dict[str, set[str]]] = field(default_factory=dict)  # rule -> its recipe's effects
    targets: dict[str, tuple[str, set[str]]] = field(default_factory=dict)  # rule -> (table, record ids)
    truth: dict[str, set[str]] = field(default_factory=dict)  # rule -> records declared by any recipe
    fired: dict[str, set[str]] = field(default_factory=dict)  # rule -> records the run reported
    status: dict[str, str] = field(default_factory=dict)  # rule -> status of the run
    errors: list[str] = field(default_factory=list)  # rules whose query failed

    def describe(self) -> str:
        return f"{self.db.name} (the defects of {len(self.declared)} rules)"

    def targets_of(self, table: str, record_ids: set[str]) -> dict[str, list[str]]:
        """rule -> which of ``record_ids`` (of ``table``) its recipe chose as targets."""
        return {rule: sorted(ids & record_ids) for rule, (t, ids) in sorted(self.targets.items())
                if t == table and ids & record_ids}


@dataclass
class Matrix:
    groups: list[Group]
    group_of: dict[str, Group]  # rule id -> the group holding its defect
    unplaced: dict[str, str]  # rule id -> why no group holds its defect


def _plant(db: Path, rules: list[Rule], catalogue: list[Rule], seed: int) -> tuple[dict, dict, dict[str, str]]:
    """One target per rule of ``rules`` that can have one with a footprint disjoint from
    the others', then every recipe applied: (rule -> effects, rule -> (table, targets),
    rule -> why not planted)."""
    con = duckdb.connect(str(db))
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE nc_used (key VARCHAR)")
        chosen = allocation.allocate(con, rules, lambda rule: 1, seed)
        declared, targets, left = {}, {}, dict(chosen.skipped)
        for rule in rules:
            picks = chosen.picks.get(rule.id)
            if not picks:
                continue
            effects = defects.apply(con, rule, picks, catalogue)
            if effects:
                declared[rule.id] = effects
                targets[rule.id] = (defects.recipe(rule).table, {rid for rid, _ in picks})
            else:  # e.g. a recipe that needs one more free record than this copy has left
                left[rule.id] = "its recipe changed no record here"
        return declared, targets, left
    finally:
        defects.cleanup(con)
        con.close()


def build(fixture: Path, folder: Path, rules: list[Rule], seed: int = 7, catalogue: list[Rule] | None = None
          ) -> Matrix:
    """Plant the defect of every rule of ``rules`` in as many copies of ``fixture`` as it
    takes; run ``catalogue`` (default: ``rules``) once on each copy. A recipe declares the
    records of the catalogue's ``<table>.pandera_schema`` rule too, where that rule's model
    rejects its change (``defects.pandera_companion``)."""
    catalogue = catalogue if catalogue is not None else rules
    groups: list[Group] = []
    remaining = list(rules)
    why: dict[str, str] = {}
    while remaining:
        group = Group(len(groups) + 1, folder / f"group-{len(groups) + 1}.duckdb")
        shutil.copy(fixture, group.db)
        group.declared, group.targets, why = _plant(group.db, remaining, catalogue, seed)
        if not group.declared:
            break  # no rule left can be planted on a fresh copy
        groups.append(group)
        remaining = [rule for rule in remaining if rule.id not in group.declared]
    for group in groups:
        for effects in group.declared.values():
            for rule_id, ids in effects.items():
                group.truth.setdefault(rule_id, set()).update(ids)
        run = run_checks(group.db, rules=catalogue, pandera="always")
        group.status = {r.rule_id: r.status for r in run.results}
        group.errors = [r.rule_id for r in run.results if r.status == "error"]
        fired: dict[str, set[str]] = defaultdict(set)
        for rule_id, record_id, _ in violations(group.db):
            fired[rule_id].add(record_id)
        group.fired = dict(fired)
    group_of = {rule_id: group for group in groups for rule_id in group.declared}
    unplaced = {rule.id: why.get(rule.id, "not planted") for rule in rules if rule.id not in group_of}
    return Matrix(groups, group_of, unplaced)


def check_rule(matrix: Matrix, rule_id: str, table_of: dict[str, str]) -> None:
    """The assertions of one rule (``table_of``: rule id -> its table):
    - its recipe declares records of its own rule, and every record it declares (for its
      rule and for any other rule it says it fires, of those the run ran) was reported;
    - on its targets, no rule reported a record the recipe does not declare;
    - the rule's status is ``fail`` and no query failed in its group;
    - in every group the rule reported exactly the records the recipes there declare for it
      (a record beyond them names the recipe that chose it as a target)."""
    group = matrix.group_of.get(rule_id)
    assert group is not None, f"{rule_id}: no copy of the fixture could carry its defect: {matrix.unplaced[rule_id]}"
    own = group.declared[rule_id]
    assert own.get(rule_id), f"the recipe of {rule_id} declares no offending record"
    own = {rule: ids for rule, ids in own.items() if rule in group.status}  # the rules the run ran
    missed = {rule: sorted(ids - group.fired.get(rule, set())) for rule, ids in own.items()}
    assert {rule: ids for rule, ids in missed.items() if ids} == {}, (
        f"records the recipe of {rule_id} declares were not reported, in {group.describe()}")
    table, targets = group.targets[rule_id]
    beyond = {rule: sorted((ids & targets) - own.get(rule, set())) for rule, ids in group.fired.items()
              if table_of[rule] == table}
    assert {rule: ids for rule, ids in beyond.items() if ids} == {}, (
        f"rules reported targets of the recipe of {rule_id} that it does not declare, in {group.describe()}")
    assert group.status[rule_id] == "fail"
    assert group.errors == [], f"queries failed in {group.describe()}"
    check_exact(matrix, rule_id, table_of)


def check_exact(matrix: Matrix, rule_id: str, table_of: dict[str, str]) -> None:
    """In every group, ``rule_id`` reported exactly the records the recipes there declare
    for it (a record beyond them names the recipe that chose it as a target)."""
    for other in matrix.groups:
        fired, declared = other.fired.get(rule_id, set()), other.truth.get(rule_id, set())
        extra = fired - declared
        assert fired == declared, (
            f"{rule_id} reported {sorted(extra)} beyond and missed {sorted(declared - fired)} of the records "
            f"the recipes declare, in {other.describe()}; recipes whose targets these are: "
            f"{other.targets_of(table_of[rule_id], extra)}")
