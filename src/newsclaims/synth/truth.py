"""Ground truth: which records fire which rule, known from how they were generated.

Clean data fires only warn-level coverage rules, by design, on records the generator
chose with its own draws (read here from the staging flags, never by running a rule).

With a defect rate, every rule of the catalogue gets defects through its recipe in
``newsclaims.defects`` (which returns the exact record ids each change makes fire). The
targets of different rules are kept apart: every record has a *footprint* (the document
and incident of a claim, figure, relay or link; the record itself for documents,
incidents, actors, places and countries; the owner of an alias) and a footprint used by
one rule is never used by another, nor by a record that fires a rule by design.
"""

from __future__ import annotations

import duckdb

from newsclaims.rules.catalogue import Rule, load_catalogue
from newsclaims.synth.plan import Plan

# rule id -> SQL over the staging tables selecting the record ids made that way.
BY_DESIGN: dict[str, str] = {
    # unattributed claims: always active (never retracted) by construction
    "claims.claimant_not_null": "SELECT claim_id FROM syn_claim WHERE unatt",
    "claims.claim_date_not_null": "SELECT claim_id FROM syn_claim WHERE undated",
}

# table -> SQL giving (rid, key) footprints of its records, rid as the rules report it.
_CLAIM_KEYS = "SELECT claim_id AS cid, 'doc:' || doc_id AS key FROM claims UNION ALL " \
              "SELECT claim_id, 'clm:' || claim_id FROM claims"
FOOTPRINTS: dict[str, str] = {
    "claims": f"SELECT cid AS rid, key FROM ({_CLAIM_KEYS})",
    "figures": f"SELECT f.figure_id AS rid, k.key FROM figures f JOIN ({_CLAIM_KEYS}) k ON k.cid = f.claim_id",
    "claim_relays": f"SELECT concat_ws('|', r.claim_id, r.hop) AS rid, k.key FROM claim_relays r "
                    f"JOIN ({_CLAIM_KEYS}) k ON k.cid = r.claim_id",
    "claim_links": f"SELECT concat_ws('|', l.claim_id, l.other_claim_id, l.relation) AS rid, k.key "
                   f"FROM claim_links l JOIN ({_CLAIM_KEYS}) k ON k.cid IN (l.claim_id, l.other_claim_id)",
    "documents": "SELECT doc_id AS rid, 'doc:' || doc_id AS key FROM documents",
    "incidents": "SELECT incident_id AS rid, 'inc:' || incident_id AS key FROM incidents",
    "actors": "SELECT actor_id AS rid, 'act:' || actor_id AS key FROM actors",
    "actor_aliases": "SELECT concat_ws('|', actor_id, alias) AS rid, 'act:' || actor_id AS key FROM actor_aliases",
    "places": "SELECT place_id AS rid, 'plc:' || place_id AS key FROM places",
    "place_aliases": "SELECT concat_ws('|', place_id, alias) AS rid, 'plc:' || place_id AS key FROM place_aliases",
    "countries": "SELECT country AS rid, 'cty:' || country AS key FROM countries",
}
# Extra conditions on a recipe's candidates (over ``rid``), where the recipe as written
# would also fire rules it does not report on this data.
RESTRICT: dict[str, str] = {
    # "exactly 0" still overlaps a partner's [0, v] (at_most, fewer_than): avoid such partners
    "figures.cross_source_discrepancy": """rid NOT IN (
        SELECT t.figure_id FROM figures t JOIN claims tc ON tc.claim_id = t.claim_id
        JOIN claims gc ON gc.incident_id = tc.incident_id AND gc.claimant_id <> tc.claimant_id
        JOIN figures g ON g.claim_id = gc.claim_id AND g.measure = t.measure AND g.victim_group = t.victim_group
        WHERE g.value_low = 0)""",
}
# Recipes that read or change records around their targets run last, on a settled database.
LAST = ("figures.cross_source_discrepancy",)


def by_design(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    return {rule: {r[0] for r in con.execute(sql).fetchall()} for rule, sql in BY_DESIGN.items()}


def merge(*parts: dict[str, set[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for part in parts:
        for rule, ids in part.items():
            out.setdefault(rule, set()).update(ids)
    return out


def _footprint_of(con, table: str, ids: set[str]) -> None:
    """Mark the footprints of ``ids`` (records of ``table``) as used."""
    if not ids:
        return
    con.execute("CREATE OR REPLACE TEMP TABLE syn_ids AS SELECT unnest(?::VARCHAR[]) AS rid", [sorted(ids)])
    con.execute(f"INSERT INTO syn_used SELECT DISTINCT key FROM ({FOOTPRINTS[table]}) f "
                "WHERE f.rid IN (SELECT rid FROM syn_ids) AND key IS NOT NULL")


def inject_all(
    con: duckdb.DuckDBPyConnection, plan: Plan, rate: float, design: dict[str, set[str]],
    rules: list[Rule] | None = None,
) -> tuple[dict[str, set[str]], dict[str, str]]:
    """Inject defects of every rule; returns (rule -> offending ids, rule -> why skipped)."""
    from newsclaims import defects

    rules = rules if rules is not None else load_catalogue()
    by_id = {r.id: r for r in rules}
    order = [r for r in rules if r.id not in LAST] + [by_id[i] for i in LAST if i in by_id]
    con.execute("CREATE OR REPLACE TEMP TABLE syn_used (key VARCHAR)")
    for ids in design.values():  # by-design claims themselves (their documents stay usable)
        con.execute("INSERT INTO syn_used SELECT 'clm:' || unnest(?::VARCHAR[])", [sorted(ids)])
    sizes: dict[str, int] = {}
    truth: dict[str, set[str]] = {}
    skipped: dict[str, str] = {}
    for n, rule in enumerate(order):
        recipe = defects.recipe(rule)
        table = recipe.table
        if table not in sizes:
            sizes[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        k = max(1, round(rate * sizes[table]))
        # candidates whose footprint is untouched, at most one per footprint key, seeded order
        chosen = [row[0] for row in con.execute(f"""
            WITH cand AS (SELECT DISTINCT rid FROM ({defects.candidates_sql(rule)})
                          WHERE {RESTRICT.get(rule.id, "TRUE")}),
            free AS (
                SELECT c.rid, min(f.key) AS key FROM cand c JOIN ({FOOTPRINTS[table]}) f USING (rid)
                GROUP BY c.rid
                HAVING count(*) FILTER (WHERE f.key IN (SELECT key FROM syn_used)) = 0
            )
            SELECT rid FROM free
            QUALIFY row_number() OVER (PARTITION BY key ORDER BY hash(rid, {plan.seed}, {n})) = 1
            ORDER BY hash(rid, {plan.seed}, {n}), rid LIMIT {k}
        """).fetchall()]
        if not chosen:
            skipped[rule.id] = f"no record can carry this defect ({recipe.doc})"
            continue
        effects = defects.inject(con, rule.id, chosen, seed=plan.seed, rules=rules)
        for rule_id, ids in effects.items():
            truth.setdefault(rule_id, set()).update(ids)
            _footprint_of(con, by_id[rule_id].table, ids)
        _footprint_of(con, table, set(chosen))
    con.execute("DROP TABLE IF EXISTS syn_used; DROP TABLE IF EXISTS syn_ids")
    return truth, skipped
