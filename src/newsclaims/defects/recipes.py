"""Defect recipes: for every rule, a set-wise way to break exactly that rule.

A recipe (``Recipe``) changes its target records (the rowids in the temp table
``nc_targets``, read as ``T``) with a few UPDATE/INSERT statements, on databases made with
``contract.loose_ddl()`` up to 10M rows, and returns the exact record ids every rule it
makes fire will report: ``{rule_id: {record_id, ...}}`` (normally one rule). Rules without
a specific recipe in ``RECIPES`` get the generic one of their kind (``recipe``); each
recipe's one-line description is its ``doc`` (``describe(rule_id)``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from newsclaims import contract
from newsclaims.defects.safe import _PICKED, CASUALTY, KEY_PREFIX, MISSING, T, safe_table
from newsclaims.rules.catalogue import Rule, load_catalogue
from newsclaims.rules.sql_fragments import record_id_sql

@dataclass(frozen=True)
class Recipe:
    doc: str  # one line: what the recipe does
    table: str  # whose records are the targets
    where: str  # extra candidate condition over alias t (ANDed with SAFE[table])
    apply: Callable  # (con, rule) -> {rule_id: set[record_id]}
    safe: bool = True  # False: ``where`` alone chooses the candidates
    related: str | None = None  # extra footprint keys (row, key) of the picks in nc_pick
    prepare: Callable | None = None  # (con) -> None: makes the temp tables ``where`` reads


def _ids(con, sql: str) -> set[str]:
    return {row[0] for row in con.execute(sql).fetchall()}


def _target_ids(con, table: str) -> set[str]:
    return _ids(con, f"SELECT {record_id_sql(table)} FROM {table} t WHERE t.rowid IN {T}")


def _update(table: str, assignments: str, where: str = f"rowid IN {T}") -> Callable:
    """A recipe body: one UPDATE of the targets; the targets are the rule's violations."""
    def apply(con, rule):
        con.execute(f"UPDATE {table} SET {assignments} WHERE {where}")
        return {rule.id: _target_ids(con, table)}
    return apply


def _also(apply: Callable, *rule_ids: str) -> Callable:
    """A recipe whose change also (and unavoidably) fires ``rule_ids`` on the same records."""
    def wrapped(con, rule):
        effects = apply(con, rule)
        return {**effects, **{rid: set(effects[rule.id]) for rid in rule_ids}}
    return wrapped


# --- generic recipes, derived from the rule's kind -----------------------------------------


# An invalid or missing date precision is compared as 'day' by the date rules: only a
# day-precision date can lose its precision without moving before its incident.
EXTRA_WHERE = {
    "claims.claim_date_precision_accepted": "CAST(t.claim_date_precision AS VARCHAR) = 'day'",
    "incidents.date_precision_accepted": "CAST(t.date_precision AS VARCHAR) = 'day'",
}


# Rules whose default recipe differs from their kind's: every document and incident is
# referenced, so their key is not set to NULL but an unreferenced copy without a key added.
NULL_KEY_COPY = frozenset({"documents.doc_id_not_null", "incidents.incident_id_not_null"})
# A copy of a record (the unique-key recipe) also repeats these keys of its table.
ALSO_ON_COPY = {
    "claims": ("claims.quote_unique_in_document",),
    "actors": ("actors.name_unique",),
    "actor_aliases": ("actor_aliases.alias_unique_ci",),
    "place_aliases": ("place_aliases.alias_unique_ci",),
}


def _generic(rule: Rule) -> Recipe:
    """The default recipe of the rule's kind (``Kind.defect``), made a ``Recipe``."""
    table = rule.table
    if rule.id in NULL_KEY_COPY:
        return Recipe(f"insert a copy of the record with {rule.params['column']} NULL", table, "TRUE",
                      _null_key_copy)
    spec = rule.kind.defect(rule)
    if spec is None:
        raise KeyError(f"no recipe for {rule.id}")
    where = spec.where if rule.id not in EXTRA_WHERE else f"{spec.where} AND {EXTRA_WHERE[rule.id]}"
    if spec.update is not None:
        sel = rule.selection
        missing = MISSING.get(getattr(sel, "ref_table", ""), "NULL")
        return Recipe(spec.doc, table, where, _update(table, spec.update.replace("{missing_id}", missing)),
                      safe=spec.safe)
    if spec.action == "duplicate":
        also = ALSO_ON_COPY.get(table, ())
        doc = spec.doc + (f" (also fires {', '.join(also)})" if also else "")
        return Recipe(doc, table, where, _also(_duplicate, *also), safe=spec.safe)
    actions = {"null_key_copy": _null_key_copy, "rename_id": _rename_id}
    return Recipe(spec.doc, table, where, actions[spec.action], safe=spec.safe)


def _duplicate(con, rule):
    table = rule.table
    con.execute(f"INSERT INTO {table} SELECT * FROM {table} WHERE rowid IN {T}")
    return {rule.id: _target_ids(con, table)}


def _null_key_copy(con, rule):
    table, col = rule.table, rule.params["column"]
    cols = ", ".join("NULL" if c == col else c for c in contract.tables()[table].column_names)
    con.execute(f"INSERT INTO {table} SELECT {cols} FROM {table} WHERE rowid IN {T}")
    return {rule.id: _ids(con, f"SELECT {record_id_sql(table)} FROM {table} t WHERE t.{col} IS NULL")}


def _rename_id(con, rule):
    table, col = rule.table, rule.params["column"]
    old = f"(SELECT {col} FROM {table} WHERE rowid IN {T})"
    for child in contract.tables().values():
        for fk in child.foreign_keys:
            if fk.ref_table == table and child.name != table:
                c = fk.columns[0]
                con.execute(f"UPDATE {child.name} SET {c} = upper({c}) WHERE {c} IN {old}")
    for fk in contract.tables()[table].foreign_keys:  # self-references (parent_id, merged_into)
        if fk.ref_table == table:
            c = fk.columns[0]
            con.execute(f"UPDATE {table} SET {c} = upper({c}) WHERE {c} IN {old}")
    con.execute(f"UPDATE {table} SET {col} = upper({col}) WHERE rowid IN {T}")
    return {rule.id: _target_ids(con, table)}


# --- recipes of the rules that say more than a constraint ------------------------------------


def _quote_copy(con, rule):
    # copy the quote and offsets of another (non-target) claim of the same document
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE nc_sources AS
        SELECT n.row, min(o.claim_id) AS source
        FROM nc_targets n JOIN claims t ON t.rowid = n.row
        JOIN claims o ON o.doc_id = t.doc_id AND o.rowid NOT IN {T}
        GROUP BY n.row""")
    con.execute("""
        UPDATE claims SET quote = s.quote, quote_start = s.quote_start, quote_end = s.quote_end
        FROM nc_sources n JOIN claims s ON s.claim_id = n.source WHERE claims.rowid = n.row""")
    sources = _ids(con, "SELECT source FROM nc_sources")
    return {rule.id: _target_ids(con, "claims") | sources}


def _casualty_unsourced(con, rule):
    con.execute(f"UPDATE claims SET claimant_id = NULL WHERE claim_id IN (SELECT claim_id FROM figures WHERE rowid IN {T})")
    figs = _ids(con, f"""SELECT f.figure_id FROM figures f WHERE CAST(f.measure AS VARCHAR) IN {CASUALTY}
        AND f.claim_id IN (SELECT claim_id FROM figures WHERE rowid IN {T})""")
    claims = _ids(con, f"""SELECT claim_id FROM claims WHERE CAST(status AS VARCHAR) = 'active'
        AND claim_id IN (SELECT claim_id FROM figures WHERE rowid IN {T})""")
    return {rule.id: figs, "claims.claimant_not_null": claims}


def _retract_merge_target(table: str, key: str):
    def apply(con, rule):
        con.execute(f"UPDATE {table} SET status = 'retracted' WHERE {key} IN (SELECT merged_into FROM {table} WHERE rowid IN {T})")
        return {rule.id: _ids(con, f"""SELECT {key} FROM {table} WHERE merged_into IN
            (SELECT merged_into FROM {table} WHERE rowid IN {T})""")}
    return apply


def _alias_case_twin(kind: str):
    def apply(con, rule):
        table = f"{kind}_aliases"
        twin = "CASE WHEN alias = upper(alias) THEN lower(alias) ELSE upper(alias) END"
        con.execute(f"INSERT INTO {table} SELECT {kind}_id, {twin} FROM {table} WHERE rowid IN {T}")
        ids = _ids(con, f"""SELECT concat_ws('|', {kind}_id, alias) FROM {table} WHERE lower(alias) IN
            (SELECT lower(alias) FROM {table} WHERE rowid IN {T})""")
        return {rule.id: ids}
    return apply


def _alias_is_a_name(kind: str):
    # rename safe records (one per target alias) to the alias: the alias is now their name
    def apply(con, rule):
        safe, prefix = safe_table(con, f"{kind}s"), KEY_PREFIX[f"{kind}s"]
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE nc_renamed AS
            SELECT a.alias, s.{kind}_id FROM
                (SELECT alias, {kind}_id AS owner, row_number() OVER (ORDER BY alias) AS n
                 FROM {kind}_aliases WHERE rowid IN {T}) a
            JOIN (SELECT r.{kind}_id, row_number() OVER (ORDER BY r.{kind}_id) AS n
                  FROM {kind}s r WHERE r.rowid IN (SELECT row FROM {safe})
                  AND '{prefix}:' || r.{kind}_id NOT IN (SELECT key FROM nc_used WHERE key IS NOT NULL)
                  AND r.{kind}_id NOT IN (SELECT {kind}_id FROM {kind}_aliases WHERE rowid IN {T})
                 ) s ON s.n = a.n""")
        con.execute(f"UPDATE {kind}s SET name = p.alias FROM nc_renamed p WHERE {kind}s.{kind}_id = p.{kind}_id")
        con.execute(f"INSERT INTO nc_used SELECT '{prefix}:' || {kind}_id FROM nc_renamed")
        ids = _ids(con, f"""SELECT concat_ws('|', a.{kind}_id, a.alias) FROM {kind}_aliases a
            JOIN {kind}s o ON o.name = a.alias AND o.{kind}_id <> a.{kind}_id WHERE a.rowid IN {T}""")
        return {rule.id: ids}
    return apply


def _parent_cycle(table: str, key: str):
    # target X has a root parent P: make X the parent of P (X -> P -> X)
    def apply(con, rule):
        con.execute(f"""UPDATE {table} SET parent_id = x.{key} FROM (SELECT {key}, parent_id FROM {table}
            WHERE rowid IN {T}) x WHERE {table}.{key} = x.parent_id""")
        return {rule.id: _ids(con, f"""SELECT {key} FROM {table} WHERE rowid IN {T}
            UNION SELECT parent_id FROM {table} WHERE rowid IN {T}""")}
    return apply


def _related_parent(table: str) -> str:
    return f"SELECT p.row, '{KEY_PREFIX[table]}:' || t.parent_id AS key {_PICKED.format(table=table)}"


def _related_merge_target(table: str, key: str) -> str:
    # the record merged into, and every record merged into it (they all fire)
    picked = _PICKED.format(table=table)
    return (f"SELECT p.row, '{KEY_PREFIX[table]}:' || t.merged_into AS key {picked} UNION ALL "
            f"SELECT p.row, '{KEY_PREFIX[table]}:' || o.{key} {picked} JOIN {table} o ON o.merged_into = t.merged_into")


def _parent_cycle_where(table: str, key: str) -> str:
    return (f"t.parent_id IS NOT NULL AND t.parent_id IN (SELECT {key} FROM {table} WHERE parent_id IS NULL) "
            f"QUALIFY row_number() OVER (PARTITION BY t.parent_id ORDER BY t.{key}) = 1")


def _new_record(table: str, key: str, prefix: str):
    # a copy of the target under a new id, that nothing refers to
    def apply(con, rule):
        cols = ", ".join(f"{c} AS {c}" if c != key else
                         f"'{prefix}' || CAST(1000000000 + row_number() OVER (ORDER BY {key}) AS VARCHAR) AS {key}"
                         for c in contract.tables()[table].column_names)
        con.execute(f"CREATE OR REPLACE TEMP TABLE nc_new AS SELECT {cols} FROM {table} WHERE rowid IN {T}")
        con.execute(f"INSERT INTO {table} SELECT * FROM nc_new")
        return {rule.id: _ids(con, f"SELECT {key} FROM nc_new")}
    return apply


def _prepare_discrepancy(con) -> None:
    """``nc_xs_pairs``: for every exact figure (value >= 1) of an active, attributed claim
    about an incident, its partners (figures of other claimants of the same incident, measure
    and victim group, with an interval, not linked by contradicts) with their bounds;
    ``nc_xs``: the value outside every partner's interval the figure can be set to (0 when
    every partner starts at 1 or more, else one above the highest bound when every partner
    is bounded above)."""
    con.execute("""
        CREATE TEMP TABLE IF NOT EXISTS nc_xs_pairs AS
        WITH f AS (
            SELECT t.rowid AS row, t.figure_id, t.claim_id, t.measure, t.victim_group, t.qualifier,
                   t.value_low, t.value_high, c.incident_id, c.claimant_id
            FROM figures t JOIN claims c ON c.claim_id = t.claim_id
            WHERE c.incident_id IS NOT NULL AND c.claimant_id IS NOT NULL
              AND CAST(c.status AS VARCHAR) = 'active' AND t.victim_group IS NOT NULL
              AND (t.value_low IS NOT NULL OR t.value_high IS NOT NULL)
        ), contradicts AS (
            SELECT claim_id AS a, other_claim_id AS b FROM claim_links WHERE CAST(relation AS VARCHAR) = 'contradicts'
            UNION SELECT other_claim_id, claim_id FROM claim_links WHERE CAST(relation AS VARCHAR) = 'contradicts'
        )
        SELECT x.row, x.figure_id AS fx, y.figure_id AS fy, y.claim_id AS partner_claim,
               y.value_low AS lo, y.value_high AS hi
        FROM f x JOIN f y ON y.incident_id = x.incident_id AND y.measure = x.measure
            AND y.victim_group = x.victim_group AND y.claimant_id <> x.claimant_id
        LEFT JOIN contradicts k ON k.a = x.claim_id AND k.b = y.claim_id
        WHERE CAST(x.qualifier AS VARCHAR) = 'exact' AND x.value_low >= 1 AND x.value_low = x.value_high
          AND k.a IS NULL""")
    con.execute("""
        CREATE TEMP TABLE IF NOT EXISTS nc_xs AS
        SELECT row, CASE WHEN bool_and(coalesce(lo >= 1, FALSE)) THEN 0
                         WHEN bool_and(hi IS NOT NULL) THEN max(hi) + 1 END AS value
        FROM nc_xs_pairs GROUP BY row HAVING value IS NOT NULL""")


def _discrepancy(con, rule):
    con.execute(f"""UPDATE figures SET stated_value = x.value, value_low = x.value, value_high = x.value
        FROM nc_xs x WHERE figures.rowid = x.row AND x.row IN {T}""")
    pairs = con.execute(f"SELECT fx, fy FROM nc_xs_pairs WHERE row IN {T}").fetchall()
    # the new value is not the number the figure's words state (its quote cannot change)
    return {rule.id: {f for pair in pairs for f in pair},
            **_text_contradicted(con, "figures.stated_value_matches_text")}


def _text_contradicted(con, rule_id: str) -> dict[str, set[str]]:
    """``{rule_id: targets}`` for the targets whose changed value or qualifier no longer
    says what their stated_text says, found by the rule's own query (the parser of
    stated_text is in it): a recipe that must change a figure's value without touching
    its words declares this side effect exactly."""
    from newsclaims.rules.sql_fragments import read_query

    sql = read_query(f"rules/{rule_id}.sql")
    found = _ids(con, f"SELECT record_id FROM ({sql}) r WHERE record_id IN "
                      f"(SELECT figure_id FROM figures WHERE rowid IN {T})")
    return {rule_id: found} if found else {}


# An exact figure whose words are its number in digits and at most one plain word ("90",
# "7,000", "302 violations"): the stated_text rules read exactly that number from it.
PLAIN_EXACT = (
    "CAST(t.qualifier AS VARCHAR) = 'exact' AND t.stated_value >= 0 "
    "AND regexp_full_match(t.stated_text, '([0-9]{1,3}(,[0-9]{3})+|[0-9]+)( [A-Za-z]+)?') "
    "AND TRY_CAST(replace(regexp_extract(t.stated_text, '^[0-9,]+'), ',', '') AS BIGINT) = t.stated_value "
    "AND NOT regexp_matches(lower(t.stated_text), ' (hundred|thousand|million|billion|dozen|odd|plus|and|or)$')"
)


_RELATED_PARTNERS = """SELECT p.row, unnest(['clm:' || c.claim_id, 'doc:' || c.doc_id, 'inc:' || c.incident_id]) AS key
    FROM nc_pick p JOIN nc_xs_pairs x ON x.row = p.row JOIN claims c ON c.claim_id = x.partner_claim"""

FUTURE = "current_date + INTERVAL 400 DAY"
COARSE_SAFE_CLAIM = "t.doc_id IN (SELECT doc_id FROM documents WHERE CAST(published_precision AS VARCHAR) = 'day')"

# A claim that quotes its document: a claim of a citation-only document has no quote, so a
# change to its quote or offsets breaks nothing.
QUOTED = "t.quote IS NOT NULL"

RECIPES: dict[str, Recipe] = {
    "documents.text_normalized": Recipe(
        "append a \\r\\n to the end of the text (quotes keep their offsets) and re-hash it", "documents", "TRUE",
        _update("documents", "text = text || chr(13) || chr(10), text_sha256 = sha256(text || chr(13) || chr(10))")),
    "claims.quote_matches_text": Recipe(
        "append '#' to the quote, offsets unchanged", "claims", QUOTED, _update("claims", "quote = quote || '#'")),
    "claims.quote_offsets_within_text": Recipe(
        "move quote_end 5 characters past the end of the text", "claims", QUOTED,
        _update("claims", "quote_end = (SELECT length(d.text) FROM documents d WHERE d.doc_id = claims.doc_id) + 5")),
    "claims.quote_not_empty": Recipe(
        "make the quote empty with quote_end = quote_start (one claim per document)", "claims", QUOTED,
        _update("claims", "quote = '', quote_end = quote_start")),
    "claims.quote_unique_in_document": Recipe(
        "copy the quote and offsets of another claim of the same document", "claims", QUOTED, _quote_copy),
    "documents.text_sha256_matches": Recipe(
        "replace text_sha256 by the hash of another string", "documents", "TRUE",
        _update("documents", "text_sha256 = sha256(text || 'x')")),
    "figures.stated_text_in_quote": Recipe(
        "append ' (sic)' to stated_text", "figures", "t.stated_text IS NOT NULL",
        _update("figures", "stated_text = stated_text || ' (sic)'")),
    "figures.casualty_has_source_and_date": Recipe(
        "remove the claimant of the claim of a casualty figure (also fires claims.claimant_not_null)", "figures",
        f"CAST(t.measure AS VARCHAR) IN {CASUALTY} AND t.claim_id IN (SELECT claim_id FROM figures "
        "GROUP BY claim_id HAVING count(*) = 1) AND t.claim_id IN (SELECT claim_id FROM claims WHERE claimant_id IS NOT NULL "
        "AND claim_date IS NOT NULL)", _casualty_unsourced),
    "claims.no_future_dates": Recipe(
        "date a claim of an undated document 400 days from today", "claims",
        "t.doc_id IN (SELECT doc_id FROM documents WHERE published_on IS NULL)",
        _update("claims", f"claim_date = {FUTURE}")),
    "documents.no_future_dates": Recipe(
        "set retrieved_on 400 days from today", "documents", "TRUE", _update("documents", f"retrieved_on = {FUTURE}")),
    "incidents.no_future_dates": Recipe(
        "set end_date 400 days from today", "incidents", "t.start_date IS NOT NULL",
        _update("incidents", f"end_date = {FUTURE}")),
    "figures.no_future_dates": Recipe(
        "set period_end 400 days from today", "figures", "TRUE", _update("figures", f"period_end = {FUTURE}")),
    "incidents.end_not_before_start": Recipe(
        "set end_date to the day before start_date", "incidents", "t.start_date IS NOT NULL",
        _update("incidents", "end_date = start_date - INTERVAL 1 DAY")),
    "figures.period_end_not_before_start": Recipe(
        "set the period to 2016-01-02 .. 2016-01-01", "figures", "TRUE",
        _update("figures", "period_start = DATE '2016-01-02', period_end = DATE '2016-01-01'")),
    "claims.claim_date_not_after_publication": Recipe(
        "date the claim 30 days after its document's (day-precision) publication", "claims",
        COARSE_SAFE_CLAIM,
        _update("claims", "claim_date = (SELECT d.published_on FROM documents d WHERE d.doc_id = claims.doc_id) "
                "+ INTERVAL 30 DAY, claim_date_precision = 'day'")),
    "claims.claim_date_not_before_incident": Recipe(
        "date the claim 30 days before its (day-precision) incident started", "claims",
        "t.incident_id IN (SELECT incident_id FROM incidents WHERE start_date IS NOT NULL "
        "AND CAST(date_precision AS VARCHAR) = 'day')",
        _update("claims", "claim_date = (SELECT i.start_date FROM incidents i WHERE i.incident_id = claims.incident_id) "
                "- INTERVAL 30 DAY, claim_date_precision = 'day'")),
    "claims.claim_date_not_null": Recipe(
        "remove the claim date with its precision and basis", "claims", "TRUE",
        _update("claims", "claim_date = NULL, claim_date_precision = NULL, claim_date_basis = NULL")),
    "claims.inferred_date_has_note": Recipe(
        "set claim_date_basis to inferred and remove notes", "claims", "TRUE",
        _update("claims", "claim_date_basis = 'inferred', notes = NULL")),
    "documents.inferred_date_has_note": Recipe(
        "set published_basis to inferred and remove notes", "documents", "t.published_on IS NOT NULL",
        _update("documents", "published_basis = 'inferred', notes = NULL")),
    "claims.claim_date_precision_iff_date": Recipe(
        "remove claim_date_precision of a day-precision date, keep the date", "claims",
        COARSE_SAFE_CLAIM + " AND CAST(t.claim_date_precision AS VARCHAR) = 'day'",
        _update("claims", "claim_date_precision = NULL")),
    "documents.published_precision_iff_date": Recipe(
        "remove published_precision of a day-precision date", "documents", "t.published_on IS NOT NULL",
        _update("documents", "published_precision = NULL")),
    "incidents.date_precision_iff_date": Recipe(
        "remove date_precision of a day-precision incident", "incidents",
        "CAST(t.date_precision AS VARCHAR) = 'day'", _update("incidents", "date_precision = NULL")),
    "figures.interval_matches_qualifier": Recipe(
        "widen the interval by one (or bound an unbounded one)", "figures", "TRUE",
        _update("figures", "value_high = CASE WHEN value_high IS NOT NULL THEN value_high + 1 "
                "WHEN value_low IS NULL THEN 1000000 END, "
                "value_low = CASE WHEN value_high IS NULL AND value_low IS NOT NULL THEN value_low + 1 ELSE value_low END")),
    "figures.low_le_high": Recipe(
        "set value_low above value_high of an exact figure (also fires figures.interval_matches_qualifier)",
        "figures", "CAST(t.qualifier AS VARCHAR) = 'exact' AND t.value_high IS NOT NULL",
        _also(_update("figures", "value_low = value_high + 1"), "figures.interval_matches_qualifier")),
    "figures.no_negative_values": Recipe(
        "make an exact figure -(v+1), consistently", "figures",
        "CAST(t.qualifier AS VARCHAR) = 'exact' AND t.stated_value IS NOT NULL",
        _update("figures", "stated_value = -(stated_value + 1), value_low = -(stated_value + 1), "
                "value_high = -(stated_value + 1)")),
    "figures.casualty_has_victim_group": Recipe(
        "remove victim_group of a casualty figure", "figures",
        f"CAST(t.measure AS VARCHAR) IN {CASUALTY} AND t.victim_group IS NOT NULL",
        _update("figures", "victim_group = NULL")),
    "places.coordinates_in_range": Recipe(
        "set lat to 95", "places", "t.lat IS NOT NULL", _update("places", "lat = 95")),
    "places.coordinates_paired": Recipe(
        "remove lon of a country or region that has coordinates", "places",
        "t.lat IS NOT NULL AND t.lon IS NOT NULL AND CAST(t.kind AS VARCHAR) IN ('country', 'region')",
        _update("places", "lon = NULL"), safe=False),
    "places.coordinates_required": Recipe(
        "remove both coordinates of a city, district, neighbourhood or site", "places",
        "t.lat IS NOT NULL AND CAST(t.kind AS VARCHAR) IN ('city', 'district', 'neighbourhood', 'site')",
        _update("places", "lat = NULL, lon = NULL")),
    "places.inside_country": Recipe(
        "move lat one degree south of the country's box", "places",
        "t.lat IS NOT NULL AND t.lon IS NOT NULL AND t.country IN (SELECT country FROM countries WHERE min_lat > -89)",
        _update("places", "lat = (SELECT k.min_lat - 1 FROM countries k WHERE k.country = places.country)")),
    "places.country_exists": Recipe(
        "set country to ZZZ", "places", "TRUE", _update("places", "country = 'ZZZ'")),
    "actor_aliases.alias_unique_ci": Recipe(
        "add the alias again in the other letter case", "actor_aliases", "lower(t.alias) <> upper(t.alias)",
        _alias_case_twin("actor")),
    "place_aliases.alias_unique_ci": Recipe(
        "add the alias again in the other letter case", "place_aliases", "lower(t.alias) <> upper(t.alias)",
        _alias_case_twin("place")),
    "actor_aliases.alias_not_other_name": Recipe(
        "rename an unreferenced actor to the alias", "actor_aliases", "TRUE", _alias_is_a_name("actor")),
    "place_aliases.alias_not_other_name": Recipe(
        "rename an unreferenced place to the alias", "place_aliases", "TRUE", _alias_is_a_name("place")),
    "actors.parent_acyclic": Recipe(
        "make the actor the parent of its (root) parent", "actors", _parent_cycle_where("actors", "actor_id"),
        _parent_cycle("actors", "actor_id"), safe=False, related=_related_parent("actors")),
    "places.parent_acyclic": Recipe(
        "make the place the parent of its (root) parent", "places", _parent_cycle_where("places", "place_id"),
        _parent_cycle("places", "place_id"), safe=False, related=_related_parent("places")),
    "figures.stated_value_matches_text": Recipe(
        "make an exact figure v+1, consistently, its words (\"90\") unchanged", "figures", PLAIN_EXACT,
        _update("figures", "stated_value = stated_value + 1, value_low = stated_value + 1, "
                "value_high = stated_value + 1")),
    "figures.qualifier_matches_text": Recipe(
        "call an exact figure at_least (interval [v, NULL]), its words (\"90\") unchanged", "figures",
        PLAIN_EXACT, _update("figures", "qualifier = 'at_least', value_high = NULL")),
    "figures.cross_source_discrepancy": Recipe(
        "set an exact figure with partners to a value outside every partner's interval: 0, or one above the "
        "highest bound when a partner's interval reaches 0 (both figures of each pair fire)", "figures",
        "t.rowid IN (SELECT row FROM nc_xs)", _discrepancy, safe=False, related=_RELATED_PARTNERS,
        prepare=_prepare_discrepancy),
    "claims.claimant_not_null": Recipe(
        "remove the claimant of an active claim", "claims", "TRUE", _update("claims", "claimant_id = NULL")),
    "incidents.has_claims": Recipe(
        "insert a copy of an incident under a new id", "incidents", "TRUE", _new_record("incidents", "incident_id", "inc-")),
    "documents.has_claims": Recipe(
        "insert a copy of a document under a new id", "documents", "TRUE", _new_record("documents", "doc_id", "doc-")),
    "actors.name_unique": Recipe(
        "give the actor the name of another actor (both carry the duplicated name)", "actors", "TRUE", None),
}
for _table, _key in (("actors", "actor_id"), ("places", "place_id"), ("incidents", "incident_id")):
    RECIPES[f"{_table}.merged_into_iff_merged"] = Recipe(
        "set status merged without merged_into", _table, "TRUE", _update(_table, "status = 'merged'"))
    RECIPES[f"{_table}.merged_into_active"] = Recipe(
        "retract the record a merged record points to", _table,
        f"CAST(t.status AS VARCHAR) = 'merged' AND t.merged_into IN (SELECT {_key} FROM {_table})",
        _retract_merge_target(_table, _key), safe=False, related=_related_merge_target(_table, _key))


# --- text policies: a document made citation-only, with all its claims ---------------------

# a document that can become citation-only and stay well cited: it has its url, publisher and
# retrieval date (a claim's candidates: its document has them)
CITABLE_DOC = "t.url IS NOT NULL AND t.publisher_id IS NOT NULL AND t.retrieved_on IS NOT NULL"
CITABLE_CLAIM = ("t.doc_id IN (SELECT doc_id FROM documents WHERE url IS NOT NULL AND publisher_id IS NOT NULL "
                 "AND retrieved_on IS NOT NULL AND CAST(text_policy AS VARCHAR) = 'ship')")


def _to_cited(con, docs: str, *, keep_text: bool = False, keep_quotes: str = "FALSE",
              locate: str = "TRUE") -> None:
    """Make the documents ``docs`` (a subquery of doc_ids) citation-only, as curated: no text
    (unless ``keep_text``), their claims without quotes (except where ``keep_quotes``, a
    condition on claims) and located (where ``locate``)."""
    text = "" if keep_text else ", text = NULL, text_sha256 = NULL"
    con.execute(f"UPDATE documents SET text_policy = 'cite'{text} WHERE doc_id IN ({docs})")
    con.execute(f"UPDATE claims SET quote = CASE WHEN {keep_quotes} THEN quote END, "
                f"quote_start = CASE WHEN {keep_quotes} THEN quote_start END, "
                f"quote_end = CASE WHEN {keep_quotes} THEN quote_end END, "
                f"locator = CASE WHEN {locate} THEN 'para. 1' END WHERE doc_id IN ({docs})")


def _cited_claim(keep_quote: bool):
    """The target claim's document made citation-only; the target keeps its quote
    (``keep_quote``) or loses its locator."""
    def apply(con, rule):
        docs = f"SELECT doc_id FROM claims WHERE rowid IN {T}"
        if keep_quote:
            _to_cited(con, docs, keep_quotes=f"rowid IN {T}")
        else:
            _to_cited(con, docs, locate=f"rowid NOT IN {T}")
        return {rule.id: _target_ids(con, "claims")}
    return apply


def _cited_document(change: str, **options):
    def apply(con, rule):
        _to_cited(con, f"SELECT doc_id FROM documents WHERE rowid IN {T}", **options)
        if change:
            con.execute(f"UPDATE documents SET {change} WHERE rowid IN {T}")
        return {rule.id: _target_ids(con, "documents")}
    return apply


RECIPES.update({
    "claims.quote_set_where_text_held": Recipe(
        "remove the quote of a claim of a document whose text is held (offsets kept)", "claims",
        "t.quote IS NOT NULL", _update("claims", "quote = NULL")),
    "claims.cited_claim_has_no_quote": Recipe(
        "make the claim's document citation-only (no text; its other claims unquoted and located), "
        "the claim keeping its quote", "claims", CITABLE_CLAIM, _cited_claim(keep_quote=True)),
    "claims.cited_claim_has_locator": Recipe(
        "make the claim's document citation-only (no text; its claims unquoted, the others located), "
        "the claim without a locator", "claims", CITABLE_CLAIM, _cited_claim(keep_quote=False)),
    "documents.cited_document_has_citation": Recipe(
        "make the document citation-only (no text; its claims unquoted and located) without its url",
        "documents", "t.url IS NOT NULL", _cited_document("url = NULL")),
    "documents.text_sha256_set_where_text_held": Recipe(
        "remove text_sha256 of a document whose text is held", "documents", "t.text_sha256 IS NOT NULL",
        _update("documents", "text_sha256 = NULL")),
    "documents.shipped_text_held": Recipe(
        "remove the text of a ship document (its quotes then go unchecked)", "documents",
        "CAST(t.text_policy AS VARCHAR) = 'ship' AND t.text IS NOT NULL", _update("documents", "text = NULL")),
    "documents.text_policy_honoured": Recipe(
        "make the document citation-only (its claims unquoted and located) but keep its text",
        "documents", CITABLE_DOC + " AND t.text IS NOT NULL", _cited_document("", keep_text=True)),
})

def _rename_to_other(con, rule):
    # the name of one actor that no other change touches (it fires too)
    con.execute("CREATE TEMP TABLE IF NOT EXISTS nc_used (key VARCHAR)")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE nc_renamed AS SELECT actor_id, name FROM actors
        WHERE rowid NOT IN {T} AND name IS NOT NULL
          AND 'act:' || actor_id NOT IN (SELECT key FROM nc_used WHERE key IS NOT NULL)
        ORDER BY name LIMIT 1""")
    con.execute("INSERT INTO nc_used SELECT 'act:' || actor_id FROM nc_renamed")
    con.execute(f"UPDATE actors SET name = (SELECT name FROM nc_renamed) WHERE rowid IN {T}")
    return {rule.id: _ids(con, f"""SELECT actor_id FROM actors WHERE name IN
        (SELECT name FROM actors WHERE rowid IN {T})""")}


RECIPES["actors.name_unique"] = Recipe(RECIPES["actors.name_unique"].doc, "actors", "TRUE", _rename_to_other)


def recipe(rule: Rule) -> Recipe:
    """The recipe that breaks ``rule``: a specific one, else the generic one of its kind."""
    return RECIPES.get(rule.id) or _generic(rule)


def describe(rule_id: str, rules: list[Rule] | None = None) -> str:
    return recipe(_find(rule_id, rules)).doc


def _find(rule_id: str, rules) -> Rule:
    for rule in rules if rules is not None else load_catalogue():
        if rule.id == rule_id:
            return rule
    raise KeyError(f"unknown rule {rule_id}")
