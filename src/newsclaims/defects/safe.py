"""Which records a defect may be planted on, and what each change could touch.

A record is *safe* for a defect when changing it cannot trip another rule: no referrers, no
cross-source partners, ... (``SAFE``, one condition per table; ``safe_table`` computes the
set once per table, with anti-joins, into a temporary table ``nc_safe_<table>``). Every
record also has a *footprint* (``FOOTPRINT``): the keys of the records its change could
affect or depends on (the document, claim and incident of a claim-bound record; the record
itself otherwise). Targets whose footprints are disjoint cannot interfere; the synthetic
generator allocates them that way (``newsclaims.synth.allocation``)."""

from __future__ import annotations

from newsclaims import contract
from newsclaims.rules.sql_fragments import sql_list

T = "(SELECT row FROM nc_targets)"  # the rowids of the chosen records
CASUALTY = sql_list(contract.CASUALTY_MEASURES)
MISSING = {  # a well-formed id that no record has, per referenced table
    "actors": "'act-missing'", "places": "'plc-missing'", "documents": "'doc-99999999'",
    "incidents": "'inc-99999999'", "claims": "'clm-99999999'", "figures": "'fig-99999999'",
    "countries": "'ZZZ'",
}
_REFS = "(SELECT x FROM ({}) refs(x) WHERE x IS NOT NULL)"
# table -> the condition (over alias t, uncorrelated subqueries only) of its safe records.
SAFE: dict[str, str] = {
    "countries": "t.country NOT IN " + _REFS.format("SELECT country FROM places"),
    "actors": "CAST(t.status AS VARCHAR) = 'active' AND t.actor_id NOT IN " + _REFS.format(
        "SELECT parent_id FROM actors UNION ALL SELECT merged_into FROM actors "
        "UNION ALL SELECT actor_id FROM actor_aliases UNION ALL SELECT publisher_id FROM documents "
        "UNION ALL SELECT claimant_id FROM claims UNION ALL SELECT actor_id FROM claim_relays "
        "UNION ALL SELECT party_id FROM figures"),
    "places": "CAST(t.status AS VARCHAR) = 'active' AND t.place_id NOT IN " + _REFS.format(
        "SELECT parent_id FROM places UNION ALL SELECT merged_into FROM places "
        "UNION ALL SELECT place_id FROM place_aliases UNION ALL SELECT place_id FROM incidents"),
    "actor_aliases": "TRUE",
    "place_aliases": "TRUE",
    "documents": "CAST(t.published_precision AS VARCHAR) = 'day'",
    "incidents": "CAST(t.status AS VARCHAR) = 'active' AND t.merged_into IS NULL AND t.incident_id NOT IN "
    + _REFS.format("SELECT merged_into FROM incidents"),
    "claims": "CAST(t.status AS VARCHAR) = 'active' AND t.claimant_id IS NOT NULL AND t.claim_date IS NOT NULL "
    "AND t.claim_id NOT IN " + _REFS.format(
        "SELECT claim_id FROM figures UNION ALL SELECT claim_id FROM claim_relays "
        "UNION ALL SELECT claim_id FROM claim_links UNION ALL SELECT other_claim_id FROM claim_links")
    + " AND t.doc_id IN (SELECT doc_id FROM claims GROUP BY doc_id HAVING count(*) >= 2)"
    " AND t.incident_id IN (SELECT incident_id FROM claims GROUP BY incident_id HAVING count(*) >= 2)",
    "claim_relays": "TRUE",
    "claim_links": "CAST(t.relation AS VARCHAR) IS DISTINCT FROM 'contradicts'",
}
# A figure is safe when no figure of another claimant (NULL counting as one) shares its
# incident, measure and victim group: changing it cannot make a cross-source pair.
_SAFE_FIGURES = """
    SELECT t.rowid AS row FROM figures t
    LEFT JOIN claims tc ON tc.claim_id = t.claim_id
    LEFT JOIN (
        SELECT c.incident_id, f.measure, f.victim_group FROM figures f JOIN claims c ON c.claim_id = f.claim_id
        WHERE c.incident_id IS NOT NULL AND f.victim_group IS NOT NULL AND f.measure IS NOT NULL
        GROUP BY ALL HAVING count(DISTINCT coalesce(c.claimant_id, chr(0))) > 1
    ) g ON g.incident_id = tc.incident_id AND g.measure = t.measure AND g.victim_group = t.victim_group
    WHERE g.incident_id IS NULL"""
# At most one target per group, so that targets cannot add up to a new violation
# (two claims of one document both losing their doc_id, ...).
ONE_PER = {"claims": ("doc_id", "incident_id")}

# Footprint keys: 'doc:<doc_id>', 'clm:<claim_id>', 'inc:<incident_id>', 'act:', 'plc:', 'cty:'.
_PICKED = "FROM nc_pick p JOIN {table} t ON t.rowid = p.row"


# table -> its columns naming a claim, whose document and incident join the footprint
CLAIM_COLUMNS = {"claims": ("claim_id",), "figures": ("claim_id",), "claim_relays": ("claim_id",),
                 "claim_links": ("claim_id", "other_claim_id")}


def _claim_map(table: str, col: str) -> str:
    return f"nc_claim_of_{table}_{col}"


def _claim_keys(table: str, *columns: str) -> str:
    # the document and incident of each row's claim come from a temporary table made once
    # (``claim_maps``): looked up in claims for every batch, DuckDB read the whole claim_id
    # column each time (1M claims: 0.055 s per batch of figures, against 0.014 s)
    return " UNION ALL ".join(
        f"SELECT p.row, unnest(['clm:' || t.{col}, 'doc:' || m.doc_id, 'inc:' || m.incident_id]) AS key "
        f"{_PICKED.format(table=table)} LEFT JOIN {_claim_map(table, col)} m ON m.row = p.row"
        for col in columns)


def claim_maps(con, tables) -> None:
    """For each of ``tables`` that names claims (``CLAIM_COLUMNS``), a temporary table
    ``nc_claim_of_<table>_<column>(row, doc_id, incident_id)``: each row's claim's document
    and incident (one row per claim of that id; none found, NULLs), made once, before the
    footprints are read. The database must not change while they are in use."""
    for table in sorted(set(tables) & set(CLAIM_COLUMNS)):
        for col in CLAIM_COLUMNS[table]:
            con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_claim_map(table, col)} AS "
                        f"SELECT t.rowid AS row, c.doc_id, c.incident_id FROM {table} t "
                        f"LEFT JOIN claims c ON c.claim_id = t.{col}")


FOOTPRINT: dict[str, str] = {
    **{table: _claim_keys(table, *cols) for table, cols in CLAIM_COLUMNS.items()},
    "documents": f"SELECT p.row, 'doc:' || t.doc_id AS key {_PICKED.format(table='documents')}",
    "incidents": f"SELECT p.row, 'inc:' || t.incident_id AS key {_PICKED.format(table='incidents')}",
    "actors": f"SELECT p.row, 'act:' || t.actor_id AS key {_PICKED.format(table='actors')}",
    "actor_aliases": f"SELECT p.row, 'act:' || t.actor_id AS key {_PICKED.format(table='actor_aliases')}",
    "places": f"SELECT p.row, 'plc:' || t.place_id AS key {_PICKED.format(table='places')}",
    "place_aliases": f"SELECT p.row, 'plc:' || t.place_id AS key {_PICKED.format(table='place_aliases')}",
    "countries": f"SELECT p.row, 'cty:' || t.country AS key {_PICKED.format(table='countries')}",
}
KEY_PREFIX = {"actors": "act", "places": "plc", "incidents": "inc", "documents": "doc", "claims": "clm"}


def safe_table(con, table: str) -> str:
    """The temporary table of the safe records of ``table`` (rowids), made once."""
    name = f"nc_safe_{table}"
    query = _SAFE_FIGURES if table == "figures" else f"SELECT t.rowid AS row FROM {table} t WHERE {SAFE[table]}"
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} AS {query}")
    return name


def cleanup(con) -> None:
    """Drop the temporary tables of ``prepare`` (the database has changed since)."""
    for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary AND starts_with(table_name, 'nc_')"
    ).fetchall():
        con.execute(f"DROP TABLE IF EXISTS {name}")
