"""Defect recipes: for every rule, a set-wise way to break exactly that rule.

A recipe picks target records among the "safe" candidates of its table (records whose
change cannot trip another rule: no referrers, no cross-source partners, ...), changes them
with a few UPDATE/INSERT statements (works on 10M-row tables made with
``contract.loose_ddl()``) and returns the exact record ids every rule it makes fire will
report: ``{rule_id: {record_id, ...}}`` (normally one rule).

The safe sets are computed once per table with anti-joins and kept in temporary tables
(``nc_safe_<table>``, see ``prepare``), so that choosing the targets of many rules costs one
scan per rule of a precomputed set. Every record also has a *footprint* (``footprint_sql``):
the keys of the records its change could affect or depends on (the document, claim and
incident of a claim-bound record; the record itself otherwise; plus what a recipe reads or
changes around its targets: a parent, a merge target, the cross-source partners). Targets
whose footprints are disjoint cannot interfere; the synthetic generator allocates them that
way (``newsclaims.synth.allocation``).

``inject(con, rule_id, record_ids | k, seed)`` breaks one rule on a small database (the rule
fixture tests). Each recipe's one-line description is in ``RECIPES`` (``describe(rule_id)``).

Modules: ``safe`` (safe candidates and footprints), ``recipes`` (one per rule); this module
chooses the targets and applies a recipe to them."""

from __future__ import annotations

from newsclaims.defects.recipes import RECIPES, Recipe, _find, describe, recipe
from newsclaims.defects.safe import FOOTPRINT, ONE_PER, SAFE, T, claim_maps, cleanup, safe_table
from newsclaims.rules.catalogue import Rule, load_catalogue
from newsclaims.rules.sql_fragments import quote_literal, record_id_sql

__all__ = [
    "FOOTPRINT", "ONE_PER", "RECIPES", "SAFE", "Recipe", "apply", "candidates_sql", "cleanup",
    "describe", "footprint_sql", "inject", "pandera_companion", "prepare", "recipe", "safe_table",
]


def prepare(con, rules: list[Rule]) -> None:
    """Compute, once, the safe sets, the recipes' own candidate tables and what the
    footprints look up (``safe.claim_maps``) for ``rules``."""
    con.execute("CREATE TEMP TABLE IF NOT EXISTS nc_used (key VARCHAR)")
    for rule in rules:
        r = recipe(rule)
        if r.safe:
            safe_table(con, r.table)
        if r.prepare:
            r.prepare(con)
    claim_maps(con, {recipe(rule).table for rule in rules})


def candidates_sql(rule: Rule, one_per: bool = True) -> str:
    """The records the recipe may break (record id and rowid), as a query over the tables
    ``prepare`` made. ``one_per``: at most one claim per document and per incident (the
    synthetic generator's footprints already ensure it)."""
    r = recipe(rule)
    where, qualify = r.where, ""
    if " QUALIFY " in where:
        where, qualify = where.split(" QUALIFY ", 1)
        qualify = f" QUALIFY {qualify}"
    if r.safe:
        where = f"t.rowid IN (SELECT row FROM nc_safe_{r.table}) AND ({where})"
    sql = f"SELECT {record_id_sql(r.table)} AS rid, t.rowid AS row FROM {r.table} t WHERE {where}{qualify}"
    if one_per and r.safe and r.table in ONE_PER:
        windows = " AND ".join(
            f"row_number() OVER (PARTITION BY c.{col} ORDER BY c.rid) = 1" for col in ONE_PER[r.table])
        sql = ("SELECT rid, row FROM (SELECT s.*, " + ", ".join(f"t.{col}" for col in ONE_PER[r.table])
               + f" FROM ({sql}) s JOIN {r.table} t ON t.rowid = s.row) c QUALIFY {windows}")
    return sql


# Specific recipes whose change the table's pandera model (newsclaims.schemas) also rejects,
# on the same records: a quote whose length no longer matches its offsets, an end before a
# start, a negative or out-of-range value. (Every not-null, accepted-values, id-pattern and
# unique-key recipe is rejected too: see ``pandera_companion``.)
PANDERA_ALSO = frozenset({
    "claims.quote_matches_text", "claims.quote_offsets_within_text", "claims.quote_not_empty",
    "incidents.end_not_before_start", "figures.period_end_not_before_start", "figures.low_le_high",
    "figures.no_negative_values", "places.coordinates_in_range", "actors.name_unique",
})


def pandera_companion(rule: Rule, rules: list[Rule] | None) -> str | None:
    """The ``<table>.pandera_schema`` rule that fires on the same records as ``rule``'s
    recipe, when the catalogue has one and the table's pandera model rejects the change
    (a recipe listed in ``PANDERA_ALSO``, or a rule whose kind's default change the model
    rejects: ``kinds.Defect.pandera_also``)."""
    companion = f"{rule.table}.pandera_schema"
    if rules is None or not any(r.id == companion for r in rules):
        return None
    if rule.id in PANDERA_ALSO:
        return companion
    default = rule.kind.defect(rule)
    if default is not None and default.pandera_also:
        return companion
    return None


def footprint_sql(rule: Rule) -> str:
    """The footprint keys ``(row, key)`` of the candidates in the temp table ``nc_pick(rid, row)``."""
    r = recipe(rule)
    parts = [FOOTPRINT[r.table]] + ([r.related] if r.related else [])
    return "SELECT row, key FROM (" + " UNION ALL ".join(parts) + ") WHERE key IS NOT NULL"


def apply(con, rule: Rule, picks: list[tuple[str, int]], rules: list[Rule] | None = None) -> dict[str, set[str]]:
    """Break ``rule`` on ``picks`` (record id, rowid), candidates chosen on this database:
    returns ``{rule_id: offending record ids}`` of every rule of ``rules`` (the catalogue)
    the change makes fire."""
    r = recipe(rule)
    con.execute("CREATE OR REPLACE TEMP TABLE nc_targets AS SELECT unnest(?::VARCHAR[]) AS rid, "
                "unnest(?::BIGINT[]) AS row", [[p[0] for p in picks], [p[1] for p in picks]])
    (found,) = con.execute(
        f"SELECT count(*) FROM (SELECT t.rowid AS row, {record_id_sql(r.table)} AS rid FROM {r.table} t "
        f"WHERE t.rowid IN {T}) x JOIN nc_targets n USING (row, rid)").fetchone()
    if found != len(picks):
        raise RuntimeError(f"{rule.id}: {len(picks) - found} target(s) changed since they were chosen")
    effects = r.apply(con, rule)
    companion = pandera_companion(rule, rules if rules is not None else load_catalogue())
    if companion:
        effects[companion] = set(effects[rule.id])
    con.execute("DROP TABLE IF EXISTS nc_targets")
    return {k: v for k, v in effects.items() if v}


def inject(con, rule_id: str, targets, seed: int = 0, rules: list[Rule] | None = None) -> dict[str, set[str]]:
    """Break ``rule_id`` on ``targets`` (record ids, or a number k of records chosen with
    ``seed``) in the database of ``con``; return ``{rule_id: offending record ids}`` of every
    rule the change makes fire."""
    rule = _find(rule_id, rules)
    prepare(con, [rule])
    try:
        cand = candidates_sql(rule)
        if isinstance(targets, int):
            pick = f"SELECT rid, row FROM ({cand}) ORDER BY hash(rid, {int(seed)}), row LIMIT {targets}"
        else:
            wanted = ", ".join(quote_literal(t) for t in targets)
            pick = f"SELECT rid, row FROM ({cand}) WHERE rid IN ({wanted})"
        picks = con.execute(pick).fetchall()
        chosen = {rid for rid, _ in picks}
        if not chosen:
            raise ValueError(f"{rule_id}: no record can carry this defect here ({recipe(rule).doc})")
        if not isinstance(targets, int) and chosen != set(targets):
            raise ValueError(f"{rule_id}: not safe targets for this defect: {sorted(set(targets) - chosen)}")
        return apply(con, rule, picks, rules)
    finally:
        cleanup(con)
