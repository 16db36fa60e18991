"""Reference tables of a synthetic database: countries, actors, places and their aliases.

Each step stages its rows in a TEMP table (``syn_*``) that later steps join to by a dense
index, then inserts them into the contract table parents-first, so that the strict DDL's
self-referencing keys (``parent_id``, ``merged_into``) hold at every insert.
"""

from __future__ import annotations

import duckdb

from newsclaims import project
from newsclaims.synth import vocabulary as vocab
from newsclaims.synth.expressions import Random, quote, str_list
from newsclaims.synth.plan import Plan

ORG_KINDS = ("media", "government", "military", "armed_group", "ngo", "intergovernmental")
PERSON_SLOTS = range(6, 10)


def load_countries(con: duckdb.DuckDBPyConnection) -> int:
    """The ``countries`` reference rows: ``dataset/countries.csv`` when it exists, else a
    built-in table of the same shape. Stages ``syn_country(c, ...)`` with a dense index."""
    csv = project.dataset_dir() / "countries.csv"
    if csv.is_file():
        source = (
            "SELECT * FROM read_csv(?, header = true, columns = {'country': 'VARCHAR', "
            "'name': 'VARCHAR', 'min_lat': 'DOUBLE', 'max_lat': 'DOUBLE', "
            "'min_lon': 'DOUBLE', 'max_lon': 'DOUBLE'})"
        )
        con.execute(f"CREATE TEMP TABLE syn_country_src AS {source}", [str(csv)])
    else:
        rows = ", ".join(
            f"({quote(c)}, {quote(n)}, {a}, {b}, {x}, {y})" for c, n, a, b, x, y in vocab.COUNTRIES
        )
        con.execute(
            "CREATE TEMP TABLE syn_country_src AS SELECT * FROM (VALUES "
            f"{rows}) t(country, name, min_lat, max_lat, min_lon, max_lon)"
        )
    extra = ", ".join(
        f"({quote(c)}, {quote(n)}, {a}, {b}, {x}, {y})" for c, n, a, b, x, y in vocab.EXTRA_COUNTRIES
    )
    con.execute(
        "CREATE TEMP TABLE syn_country AS SELECT (row_number() OVER (ORDER BY country) - 1) "
        "AS c, * FROM syn_country_src"
    )
    con.execute(
        "INSERT INTO countries SELECT country, name, min_lat, max_lat, min_lon, max_lon "
        f"FROM (SELECT * FROM syn_country_src UNION ALL SELECT * FROM (VALUES {extra}) "
        "t(country, name, min_lat, max_lat, min_lon, max_lon) "
        "WHERE country NOT IN (SELECT country FROM syn_country_src)) ORDER BY country"
    )
    (count,) = con.execute("SELECT count(*) FROM syn_country").fetchone()
    if count == 0:
        raise ValueError("the countries reference table is empty")
    return count


def _slug(expr: str) -> str:
    return f"trim(lower(regexp_replace({expr}, '[^A-Za-z0-9]+', '-', 'g')), '-')"


def build_actors(con: duckdb.DuckDBPyConnection, plan: Plan, rnd: Random) -> None:
    """Actors in blocks of ten: six organisations (one per kind) and four people whose
    ``parent_id`` is an organisation of their block. A few people are retracted or merged
    into the person before them; those are never referenced by other records."""
    n_countries = con.execute("SELECT count(*) FROM syn_country").fetchone()[0]
    kind_case = " ".join(f"WHEN {slot} THEN {quote(k)}" for slot, k in enumerate(ORG_KINDS))
    type_case = " ".join(
        f"WHEN {quote(k)} THEN {str_list(vocab.KIND_TYPES[k])}[(onum // 400) % {len(vocab.KIND_TYPES[k])} + 1]"
        for k in ORG_KINDS
    )
    seed = rnd.seed
    con.execute(
        f"""
        CREATE TEMP TABLE syn_actor AS
        WITH base AS (
            SELECT a, a % 10 AS slot, a // 10 AS block,
                   (((a // 10) * 7 + {seed}) % 1600) AS onum,
                   (((a // 10) * 4 + greatest(a % 10 - 6, 0)) * 7 + {seed}) % 2400 AS pnum
            FROM range({plan.actors}) t(a)
        ), kinded AS (
            SELECT *, CASE slot {kind_case} ELSE 'person' END AS kind FROM base
        ), named AS (
            SELECT *,
                CASE WHEN kind = 'person'
                     THEN {str_list(vocab.FIRST_NAMES)}[pnum % {len(vocab.FIRST_NAMES)} + 1] || ' '
                          || {str_list(vocab.LAST_NAMES)}[(pnum // {len(vocab.FIRST_NAMES)}) % {len(vocab.LAST_NAMES)} + 1]
                     ELSE {str_list(vocab.ORG_ADJECTIVES)}[onum % 20 + 1] || ' '
                          || {str_list(vocab.ORG_NOUNS)}[(onum // 20) % 20 + 1] || ' '
                          || (CASE kind {type_case} END)
                END AS name
            FROM kinded
        )
        SELECT a, slot, block, kind, name, 'act-' || {_slug('name')} AS actor_id,
            CASE WHEN slot = 2 THEN a - 1
                 WHEN slot >= 6 THEN block * 10 + 1 + a % 3 END AS parent_a,
            CASE WHEN slot = 7 AND block % 7 = 3 THEN 'retracted'
                 WHEN slot = 9 AND block % 5 = 4 THEN 'merged'
                 ELSE 'active' END AS status,
            CASE WHEN slot IN (1, 2, 3) OR slot >= 6 THEN (SELECT country FROM syn_country WHERE c = block % {n_countries})
                 WHEN slot = 0 OR ({rnd.percent('actor-country', 'a')} < 50 AND slot = 4)
                 THEN (SELECT country FROM syn_country WHERE c = {rnd.below(n_countries, 'actor-country-pick', 'a')})
            END AS country,
            CASE WHEN slot >= 6 THEN {rnd.pick(vocab.PERSON_ROLES, 'actor-role', 'a')} END AS role,
            CASE WHEN slot = 9 AND block % 5 = 4 THEN 3 WHEN slot >= 6 THEN 2 WHEN slot = 2 THEN 1 ELSE 0 END AS depth
        FROM named
        """
    )
    for depth in range(4):
        con.execute(
            f"""
            INSERT INTO actors
            SELECT s.actor_id, s.name, s.kind, s.country, p.actor_id, s.role, s.status,
                   CASE WHEN s.status = 'merged' THEN m.actor_id END,
                   CASE s.status WHEN 'merged' THEN 'Duplicate record of ' || m.name || '.'
                                 WHEN 'retracted' THEN 'Retracted: the identity could not be confirmed.' END
            FROM syn_actor s
            LEFT JOIN syn_actor p ON p.a = s.parent_a
            LEFT JOIN syn_actor m ON m.a = s.a - 1
            WHERE s.depth = {depth}
            ORDER BY s.a
            """
        )
    con.execute(
        f"""
        INSERT INTO actor_aliases
        SELECT actor_id, CASE WHEN kind = 'person'
                              THEN {rnd.pick(vocab.PERSON_TITLES, 'alias-title', 'a')} || ' ' || name
                              ELSE 'the ' || name END
        FROM syn_actor
        WHERE status = 'active' AND block < {plan.actors // 10 - plan.reserve_blocks}
          AND {rnd.percent('actor-alias', 'a')} < (CASE WHEN kind = 'person' THEN 50 ELSE 67 END)
        ORDER BY a
        """
    )
    # Who may speak in a claim (active, not an outlet), and who publishes documents.
    con.execute(
        "CREATE TEMP TABLE syn_speaker AS SELECT (row_number() OVER (ORDER BY a) - 1) AS k, "
        "a, actor_id, name, kind FROM syn_actor WHERE status = 'active' AND kind <> 'media' "
        f"AND block < {plan.actors // 10 - plan.reserve_blocks}"
    )


def build_places(con: duckdb.DuckDBPyConnection, plan: Plan, rnd: Random) -> None:
    """One place per country, then regions, cities and lower levels (districts,
    neighbourhoods, sites) nested inside them, with coordinates drawn inside the
    country's bounding box. A few lower-level places are merged into their neighbour."""
    n_countries = con.execute("SELECT count(*) FROM syn_country").fetchone()[0]
    q_total = plan.places
    regions = max(1, q_total // 10)
    cities = max(1, q_total * 4 // 10)
    seed = rnd.seed
    np, nr, ns = len(vocab.PLACE_PREFIXES), len(vocab.PLACE_ROOTS), len(vocab.PLACE_SUFFIXES)
    base_name = (
        f"{str_list(vocab.PLACE_PREFIXES)}[n % {np} + 1] || ' ' || "
        f"{str_list(vocab.PLACE_ROOTS)}[(n // {np}) % {nr} + 1] || "
        f"CASE WHEN n // {np * nr} > 0 THEN ' ' || {str_list(vocab.PLACE_SUFFIXES)}[(n // {np * nr}) % {ns} + 1] ELSE '' END"
    )
    lower_kind = rnd.weighted([("district", 40), ("neighbourhood", 30), ("site", 30)], "place-kind", "q")
    con.execute(
        f"""
        CREATE TEMP TABLE syn_place AS
        WITH nonc AS (
            SELECT q, ((q * 7 + {seed}) % {np * nr * ns}) AS n,
                CASE WHEN q < {regions} THEN 'region'
                     WHEN q < {regions + cities} THEN 'city'
                     ELSE {lower_kind} END AS kind,
                CASE WHEN q < {regions} THEN -1 - (q % {n_countries})
                     WHEN q < {regions + cities} THEN {n_countries} + (q - {regions}) % {regions}
                     ELSE {n_countries + regions} + (q - {regions + cities}) % {cities} END AS parent_p,
                CASE WHEN q < {regions} THEN q % {n_countries}
                     WHEN q < {regions + cities} THEN ((q - {regions}) % {regions}) % {n_countries}
                     ELSE (((q - {regions + cities}) % {cities}) % {regions}) % {n_countries} END AS c,
                CASE WHEN q < {regions} THEN 1 WHEN q < {regions + cities} THEN 2 ELSE 3 END AS depth,
                q >= {regions + cities} + 1 AND (q - {regions + cities}) % 37 = 36 AS merged,
                q >= {q_total} - ({q_total} - {regions + cities}) * 3 // 10 AS reserve
            FROM range({q_total}) t(q)
        ), nonc_named AS (
            SELECT *, {base_name} || CASE WHEN kind = 'region' THEN ' Province' ELSE '' END AS name,
                   {str_list(vocab.PLACE_PREFIXES)}[n % {np} + 1] AS prefix,
                   {str_list(vocab.ALT_PREFIXES)}[n % {np} + 1] AS alt_prefix
            FROM nonc
        ), rows AS (
            SELECT c AS p, name, 'country' AS kind, c, NULL::BIGINT AS parent_p, 0 AS depth,
                   FALSE AS merged, FALSE AS reserve, NULL AS prefix, NULL AS alt_prefix,
                   (min_lat + max_lat) / 2 AS lat, (min_lon + max_lon) / 2 AS lon
            FROM syn_country
            UNION ALL
            SELECT {n_countries} + q, x.name, x.kind, x.c,
                   CASE WHEN parent_p < 0 THEN -1 - parent_p ELSE parent_p END,
                   CASE WHEN merged THEN 4 ELSE depth END, merged, reserve, prefix, alt_prefix,
                   CASE WHEN kind <> 'region' OR {rnd.percent('region-coords', 'q')} < 70
                        THEN round(k.min_lat + (k.max_lat - k.min_lat) * (0.05 + 0.9 * {rnd.unit('lat', 'q')}), 5) END,
                   CASE WHEN kind <> 'region' OR {rnd.percent('region-coords', 'q')} < 70
                        THEN round(k.min_lon + (k.max_lon - k.min_lon) * (0.05 + 0.9 * {rnd.unit('lon', 'q')}), 5) END
            FROM nonc_named x JOIN syn_country k USING (c)
        )
        SELECT r.*, 'plc-' || {_slug('r.name')} AS place_id, k.country AS country
        FROM rows r JOIN syn_country k USING (c)
        """
    )
    for depth in range(5):
        con.execute(
            f"""
            INSERT INTO places
            SELECT s.place_id, s.name, s.kind, s.country, p.place_id, s.lat, s.lon,
                   CASE WHEN s.merged THEN 'merged' ELSE 'active' END,
                   CASE WHEN s.merged THEN m.place_id END,
                   CASE WHEN s.merged THEN 'Same place as ' || m.name || '.' END
            FROM syn_place s
            LEFT JOIN syn_place p ON p.p = s.parent_p
            LEFT JOIN syn_place m ON m.p = s.p - 1
            WHERE s.depth = {depth}
            ORDER BY s.p
            """
        )
    # Aliases: the hyphenated spelling, and another transliteration of the first word.
    # Names never contain a hyphen, so no alias equals any place's name.
    con.execute(
        f"""
        INSERT INTO place_aliases
        SELECT place_id, alias FROM (
            SELECT p, 1 AS n, place_id, replace(name, ' ', '-') AS alias FROM syn_place
            WHERE kind <> 'country' AND NOT merged AND NOT reserve AND {rnd.percent('place-alias-1', 'p')} < 60
            UNION ALL
            SELECT p, 2, place_id, alt_prefix || '-' || replace(substr(name, length(prefix) + 2), ' ', '-')
            FROM syn_place
            WHERE kind <> 'country' AND NOT merged AND NOT reserve AND {rnd.percent('place-alias-2', 'p')} < 30
        ) ORDER BY p, n
        """
    )
    con.execute(
        "CREATE TEMP TABLE syn_site AS SELECT (row_number() OVER (ORDER BY p) - 1) AS k, "
        "p, place_id, name, kind FROM syn_place "
        "WHERE NOT merged AND NOT reserve AND kind IN ('city', 'district', 'neighbourhood', 'site')"
    )
