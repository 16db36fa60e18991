"""Incidents, claims (staged with their sentences), figures, relays and links.

Claim ``i`` belongs to document ``i // 10`` and to incident ``(i * stride + offset) mod
incidents`` (the first block of claims covers every incident once, so no incident is
left without claims); about 10% of the later claims are about no incident. Figures of one
(incident, measure) are drawn around one base value ``B`` so that every interval contains
``B``: clean data has no cross-source discrepancy. Unattributed claims (``claimant_id``
NULL, ~5%) never carry a casualty figure and are never retracted; undated claims
(~2%) carry no casualty figure either.
"""

from __future__ import annotations

import duckdb

from newsclaims.contract import CASUALTY_MEASURES
from newsclaims.rules.sql_fragments import sql_list
from newsclaims.synth import vocabulary as vocab
from newsclaims.synth.expressions import Random, padded_id, quote, str_list
from newsclaims.synth.plan import CLAIMS_PER_DOCUMENT, Plan

QUALIFIERS = [
    ("exact", 35), ("at_least", 20), ("more_than", 10), ("about", 15),
    ("at_most", 5), ("fewer_than", 5), ("unspecified", 10),
]
ATTRIBUTED_TOPICS = [
    ("casualties", 30), ("violations", 8), ("aid", 8), ("situation", 10),
    ("responsibility", 12), ("position", 14), ("intent", 8), ("other", 10),
]
UNATTRIBUTED_TOPICS = [("situation", 40), ("aid", 25), ("violations", 25), ("other", 10)]
UNATTRIBUTED_PERCENT = 5
RETRACTED_PERCENT = 1
UNDATED_PERCENT = 3  # of claims without casualty figures: claim_date NULL (warn by design)
RELAY_PERCENT = 4
LINK_PERCENT = 3
FIGURE_MEASURES = {"violations": "violations", "aid": "aid_units", "situation": "strikes"}


def define_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Interval derivation (docs/curation.md) and stated-value drawing as SQL macros."""
    con.execute(
        """
        CREATE OR REPLACE TEMP MACRO syn_value(q, b, d) AS CASE q
            WHEN 'exact' THEN b
            WHEN 'at_least' THEN b - d
            WHEN 'more_than' THEN b - 1 - d
            WHEN 'about' THEN b + d - b // 6
            WHEN 'at_most' THEN b + d
            WHEN 'fewer_than' THEN b + 1 + d
        END;
        CREATE OR REPLACE TEMP MACRO syn_low(q, v) AS CASE q
            WHEN 'exact' THEN v WHEN 'at_least' THEN v WHEN 'more_than' THEN v + 1
            WHEN 'at_most' THEN 0 WHEN 'fewer_than' THEN 0 END;
        CREATE OR REPLACE TEMP MACRO syn_high(q, v) AS CASE q
            WHEN 'exact' THEN v WHEN 'at_most' THEN v WHEN 'fewer_than' THEN v - 1 END;
        """
    )
    vague = str_list(vocab.VAGUE_AMOUNTS)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP MACRO syn_stated(q, v, w) AS CASE q
            WHEN 'exact' THEN format('{{:,}}', v)
            WHEN 'at_least' THEN 'at least ' || format('{{:,}}', v)
            WHEN 'more_than' THEN (['more than ', 'over '])[(w % 2)::BIGINT + 1] || format('{{:,}}', v)
            WHEN 'about' THEN (['about ', 'around ', 'some '])[(w % 3)::BIGINT + 1] || format('{{:,}}', v)
            WHEN 'at_most' THEN (['up to ', 'at most '])[(w % 2)::BIGINT + 1] || format('{{:,}}', v)
            WHEN 'fewer_than' THEN (['fewer than ', 'less than '])[(w % 2)::BIGINT + 1] || format('{{:,}}', v)
            ELSE {vague}[(w % {len(vocab.VAGUE_AMOUNTS)})::BIGINT + 1]
        END
        """
    )


def build_incidents(con: duckdb.DuckDBPyConnection, plan: Plan, rnd: Random) -> None:
    n_sites = con.execute("SELECT count(*) FROM syn_site").fetchone()[0]
    kind = rnd.weighted(
        [("airstrike", 25), ("shelling", 20), ("armed_clash", 20), ("ceasefire_violation", 12),
         ("aid_delivery", 10), ("ceasefire", 5), ("diplomatic", 5), ("other", 3)],
        "inc-kind", "k",
    )
    group = rnd.weighted(
        [("civilians", 50), ("soldiers", 15), ("fighters", 15), ("people", 15), ("unspecified", 5)],
        "inc-group", "k",
    )
    titles = " ".join(f"WHEN {quote(k)} THEN {quote(t)}" for k, t in vocab.INCIDENT_TITLES.items())
    con.execute(
        f"""
        CREATE TEMP TABLE syn_incident AS
        WITH base AS (
            SELECT k, {padded_id('inc', 'k', plan.width(plan.incidents))} AS incident_id,
                   {kind} AS kind, {group} AS victim_group,
                   DATE '2012-01-01' + {rnd.below(3000, 'inc-start', 'k')}::INTEGER AS raw_start,
                   CASE WHEN {rnd.percent('inc-prec', 'k')} < 90 THEN 'day' ELSE 'month' END AS date_precision,
                   CASE WHEN {rnd.percent('inc-place', 'k')} < 92 THEN {rnd.below(n_sites, 'inc-site', 'k')} END AS site_k,
                   {rnd.pick(vocab.EVENTS, 'inc-event', 'k')} AS event
            FROM range({plan.incidents}) t(k)
        )
        SELECT b.*, s.place_id, s.name AS place_name, s.kind AS place_kind,
            CASE WHEN date_precision = 'day' THEN raw_start
                 ELSE date_trunc('month', raw_start)::DATE END AS start_date,
            CASE WHEN date_precision = 'day' AND {rnd.percent('inc-end', 'b.k')} < 60
                 THEN raw_start + {rnd.below(6, 'inc-len', 'b.k')}::INTEGER END AS end_date,
            CASE s.kind WHEN 'city' THEN 'city' WHEN 'district' THEN 'district'
                        WHEN 'neighbourhood' THEN {rnd.pick(['exact', 'near'], 'inc-geo', 'b.k')}
                        WHEN 'site' THEN 'exact' END AS geo_precision
        FROM base b LEFT JOIN syn_site s ON s.k = b.site_k
        """
    )
    con.execute(
        f"""
        INSERT INTO incidents
        SELECT incident_id,
               (CASE kind {titles} END) || ' ' || coalesce(place_name, 'an unidentified location'),
               kind, start_date, end_date, date_precision, place_id, geo_precision,
               'Reports of ' || event || ' in ' || coalesce(place_name, 'an unidentified location') || '.',
               'active', NULL, NULL
        FROM syn_incident ORDER BY k
        """
    )
    # A few duplicates, merged into the incident they repeat; no claim points to them.
    width = plan.width(plan.incidents + plan.merged_incidents)
    con.execute(
        f"""
        INSERT INTO incidents
        SELECT {padded_id('inc', f'{plan.incidents} + m', width)}, i.title, i.kind, i.start_date, i.end_date,
               i.date_precision, i.place_id, i.geo_precision, i.summary, 'merged', i.incident_id,
               'Duplicate of ' || i.incident_id || '.'
        FROM range({plan.merged_incidents}) t(m)
        JOIN incidents i ON i.incident_id = {padded_id('inc', f'(m * 7) % {plan.incidents}', plan.width(plan.incidents))}
        """
    )


def stage_claims(con: duckdb.DuckDBPyConnection, plan: Plan, rnd: Random) -> None:
    """``syn_claim``: every claim with its incident, claimant, topic, figures (up to two,
    as columns ``*0``/``*1``), quote and the sentence that carries it."""
    n_speakers = con.execute("SELECT count(*) FROM syn_speaker").fetchone()[0]
    n_sites = con.execute("SELECT count(*) FROM syn_site").fetchone()[0]
    incidents, stride = plan.incidents, plan.incident_stride
    offset = plan.seed % incidents
    half = max(1, n_speakers // 2 - 1)
    group_words = " ".join(f"WHEN {quote(k)} THEN {quote(v)}" for k, v in vocab.GROUP_WORDS.items())
    fig_measure = " ".join(f"WHEN {quote(t)} THEN {quote(m)}" for t, m in FIGURE_MEASURES.items())
    tails = str_list(vocab.TAILS)
    # the claim numbers as a table: DuckDB reads ``range()`` on one thread, a table's row
    # groups on every thread (2M claims: this step 7.0 s -> 4.5 s)
    con.execute(f"CREATE OR REPLACE TEMP TABLE syn_claim_no AS SELECT range AS i FROM range({plan.claims})")
    con.execute(
        f"""
        CREATE TEMP TABLE syn_claim0 AS
        WITH base AS (
            SELECT i, i // {CLAIMS_PER_DOCUMENT} AS doc, i % {CLAIMS_PER_DOCUMENT} AS j,
                   CASE WHEN i < {incidents} OR {rnd.percent('no-incident', 'i')} >= 10
                        THEN (i * {stride} + {offset}) % {incidents} END AS inc,
                   {rnd.percent('unattributed', 'i')} < {UNATTRIBUTED_PERCENT} AS unatt
            FROM syn_claim_no
        ), drawn AS (
            SELECT *,
                CASE WHEN unatt THEN {rnd.weighted(UNATTRIBUTED_TOPICS, 'topic-u', 'i')}
                     ELSE {rnd.weighted(ATTRIBUTED_TOPICS, 'topic', 'i')} END AS topic,
                CASE WHEN NOT unatt THEN {rnd.below(n_speakers, 'claimant', 'i')} END AS spk,
                CASE WHEN NOT unatt AND {rnd.percent('relay', 'i')} < {RELAY_PERCENT}
                     THEN 1 + ({rnd.percent('relay3', 'i')} < 25)::INTEGER ELSE 0 END AS relays,
                {rnd.weighted([("asserted", 70), ("probable", 10), ("possible", 8), ("denied", 7), ("unknown", 5)], 'modality', 'i')} AS modality,
                CASE WHEN NOT unatt AND {rnd.percent('retracted', 'i')} < {RETRACTED_PERCENT}
                     THEN 'retracted' ELSE 'active' END AS status,
                {rnd.weighted([("stated", 65), ("relative", 20), ("publication", 10), ("inferred", 5)], 'basis', 'i')} AS basis,
                {rnd.weighted([("day", 90), ("month", 7), ("week", 3)], 'precision', 'i')} AS precision0,
                {tails}[({rnd.below(len(vocab.TAILS), 'tail', 'doc')} + j) % {len(vocab.TAILS)} + 1] AS tail,
                {rnd.pick(vocab.SAY_VERBS, 'say', 'i')} AS say,
                {rnd.pick(vocab.UNATTRIBUTED_LEADS, 'lead', 'i')} AS lead
            FROM base
        ), figured AS (
            SELECT d.*,
                topic <> 'casualties' AND {rnd.percent('undated', 'i')} < {UNDATED_PERCENT} AS undated,
                CASE WHEN topic = 'casualties' THEN 1 + ({rnd.percent('nfig', 'i')} < 30)::INTEGER
                     WHEN topic IN ('violations', 'aid', 'situation') THEN ({rnd.percent('nfig', 'i')} < 80)::INTEGER
                     ELSE 0 END AS n_figs,
                CASE WHEN topic = 'casualties' THEN coalesce(x.victim_group,
                     {rnd.weighted([("civilians", 50), ("soldiers", 15), ("fighters", 15), ("people", 15), ("unspecified", 5)], 'claim-group', 'i')}) END AS grp,
                x.raw_start, x.date_precision AS inc_precision, x.event AS inc_event,
                coalesce(x.site_k, {rnd.below(n_sites, 'claim-site', 'i')}) AS site_k
            FROM drawn d LEFT JOIN syn_incident x ON x.k = d.inc
        ), measured AS (
            SELECT *,
                CASE WHEN topic = 'casualties' AND n_figs = 2 THEN 'killed'
                     WHEN topic = 'casualties' THEN {rnd.weighted([("killed", 65), ("casualties", 20), ("wounded", 10), ("injured", 5)], 'measure0', 'i')}
                     ELSE (CASE topic {fig_measure} END) END AS measure0,
                CASE WHEN n_figs = 2 THEN {rnd.pick(['wounded', 'wounded', 'injured'], 'measure1', 'i')} END AS measure1,
                {rnd.weighted(QUALIFIERS, 'qualifier0', 'i')} AS qual0,
                {rnd.weighted(QUALIFIERS, 'qualifier1', 'i')} AS qual1
            FROM figured
        ), based AS (
            SELECT *,
                CASE WHEN inc IS NOT NULL THEN {rnd.hash('base', 'inc', 'measure0')} ELSE {rnd.hash('base-c', 'i', 'measure0')} END AS h0,
                CASE WHEN inc IS NOT NULL THEN {rnd.hash('base', 'inc', 'measure1')} ELSE {rnd.hash('base-c', 'i', 'measure1')} END AS h1
            FROM measured
        ), valued AS (
            SELECT *,
                (CASE measure0 WHEN 'violations' THEN 10 + h0 % 400 WHEN 'aid_units' THEN 50 + h0 % 5000
                     WHEN 'strikes' THEN 2 + h0 % 60 ELSE 3 + h0 % 250 END)::BIGINT AS b0,
                (3 + h1 % 250)::BIGINT AS b1
            FROM based
        ), stated AS (
            SELECT *,
                CASE WHEN qual0 <> 'unspecified' THEN syn_value(qual0, b0, {rnd.below('b0 // 3 + 1', 'dev0', 'i')}) END AS value0,
                CASE WHEN qual1 <> 'unspecified' THEN syn_value(qual1, b1, {rnd.below('b1 // 3 + 1', 'dev1', 'i')}) END AS value1
            FROM valued
        )
        SELECT s.* EXCLUDE (h0, h1, b0, b1), site.name AS place_name, site.place_id AS site_place_id,
            syn_stated(qual0, value0, {rnd.hash('word0', 'i')}) AS stated0,
            syn_stated(qual1, value1, {rnd.hash('word1', 'i')}) AS stated1,
            CASE WHEN measure0 = 'aid_units' THEN {rnd.pick(vocab.AID_UNITS, 'unit', 'i')}
                 WHEN measure0 = 'violations' THEN 'violations' WHEN measure0 = 'strikes' THEN 'strikes'
                 ELSE 'people' END AS unit0,
            coalesce(s.inc_event, {rnd.pick(vocab.EVENTS, 'claim-event', 'i')}) AS event,
            CASE WHEN spk IS NULL THEN NULL ELSE (spk + 1 + {rnd.below(half, 'relay2', 'i')}) % {n_speakers} END AS r2,
            CASE WHEN spk IS NULL THEN NULL ELSE (spk + {n_speakers // 2} + {rnd.below(half, 'relay3', 'i')}) % {n_speakers} END AS r3,
            ({rnd.below('greatest(1, ' + str(n_speakers) + ' - 1)', 'other', 'i')} + coalesce(spk, 0) + 1) % {n_speakers} AS other_k,
            {rnd.pick(vocab.RESPONSIBILITY, 'resp', 'i')} AS resp,
            {rnd.pick(vocab.POSITIONS, 'position', 'i')} AS position_text,
            CASE grp {group_words} END AS group_word
        FROM stated s JOIN syn_site site ON site.k = s.site_k
        """
    )
    amt0 = "(stated0 || CASE WHEN qual0 = 'unspecified' THEN ' of' ELSE '' END)"
    amt1 = "(stated1 || CASE WHEN qual1 = 'unspecified' THEN ' of' ELSE '' END)"
    verb0 = ("CASE measure0 WHEN 'killed' THEN 'killed' WHEN 'wounded' THEN 'wounded' "
             "WHEN 'injured' THEN 'injured' ELSE 'killed or wounded' END")
    con.execute(
        f"""
        CREATE TEMP TABLE syn_claim AS
        WITH quoted AS (
            SELECT c.*, sp.actor_id AS claimant_id, sp.name AS claimant_name,
                   r2s.actor_id AS relay2_id, r2s.name AS relay2_name,
                   r3s.actor_id AS relay3_id, r3s.name AS relay3_name,
                CASE topic
                    WHEN 'casualties' THEN CASE WHEN n_figs = 2
                        THEN {amt0} || ' ' || group_word || ' were killed and ' || {amt1} || ' ' || measure1
                        ELSE {amt0} || ' ' || group_word || ' were ' || ({verb0}) END
                        || ' in ' || event || ' in ' || place_name
                    WHEN 'violations' THEN CASE WHEN n_figs = 1 THEN {amt0} || ' ' ELSE '' END
                        || 'ceasefire violations were recorded in ' || place_name
                    WHEN 'aid' THEN CASE WHEN n_figs = 1 THEN {amt0} || ' ' || unit0 ELSE 'aid convoys' END
                        || ' reached ' || place_name
                    WHEN 'situation' THEN CASE WHEN n_figs = 1 THEN {amt0} || ' strikes hit ' || place_name
                        ELSE 'the situation in ' || place_name || ' was calm' END
                    WHEN 'responsibility' THEN ot.name || ' ' || resp || ' the attack on ' || place_name
                    WHEN 'position' THEN position_text
                    WHEN 'intent' THEN 'the offensive on ' || place_name || ' would continue'
                    ELSE 'a delegation would visit ' || place_name
                END || ' ' || tail AS quote,
                CASE WHEN unatt THEN lead || ' '
                     WHEN relays = 0 THEN sp.name || ' ' || say || ' that '
                     WHEN relays = 1 THEN sp.name || ' said, citing ' || r2s.name || ', that '
                     ELSE sp.name || ' said, citing ' || r2s.name || ', who quoted ' || r3s.name || ', that '
                END AS lead_in
            FROM syn_claim0 c
            LEFT JOIN syn_speaker sp ON sp.k = c.spk
            LEFT JOIN syn_speaker r2s ON r2s.k = c.r2 AND c.relays >= 1
            LEFT JOIN syn_speaker r3s ON r3s.k = c.r3 AND c.relays >= 2
            LEFT JOIN syn_speaker ot ON ot.k = c.other_k AND c.topic = 'responsibility'
        )
        SELECT * EXCLUDE (spk, r2, r3, other_k, resp, position_text, say, lead),
               {padded_id('clm', 'i', plan.width(plan.claims))} AS claim_id,
               lead_in || quote || '.' AS sentence
        FROM quoted
        """
    )
    con.execute("DROP TABLE syn_claim0")
    con.execute("DROP TABLE syn_claim_no")


def build_figures(con: duckdb.DuckDBPyConnection, plan: Plan, rnd: Random) -> None:
    n_blocks = plan.actors // 10
    width = plan.width(2 * plan.claims)
    party = (
        f"CASE WHEN grp IN ('soldiers', 'fighters') AND {rnd.percent('party', 'i', 'k')} < 70 "
        f"THEN {rnd.below(n_blocks, 'party-block', 'i', 'k')} * 10 + CASE grp WHEN 'soldiers' THEN 2 ELSE 3 END END"
    )
    con.execute(
        f"""
        INSERT INTO figures
        WITH dated AS (
            SELECT c.*, t.claim_date FROM syn_claim c JOIN syn_claim_date t USING (i) WHERE c.n_figs >= 1
        ), figs AS (
            SELECT i, 0 AS k, claim_id, measure0 AS measure, grp, qual0 AS qual, value0 AS value,
                   stated0 AS stated, unit0 AS unit, inc, claim_date FROM dated
            UNION ALL
            SELECT i, 1, claim_id, measure1, grp, qual1, value1, stated1, 'people', inc, claim_date
            FROM dated WHERE n_figs = 2
        ), parties AS (SELECT *, {party} AS party_a FROM figs)
        SELECT {padded_id('fig', '2 * f.i + f.k', width)}, f.claim_id, f.measure,
               CASE WHEN f.measure IN {sql_list(CASUALTY_MEASURES)} THEN f.grp END,
               a.actor_id, f.stated, f.value, f.qual, syn_low(f.qual, f.value), syn_high(f.qual, f.value),
               f.unit,
               CASE WHEN f.measure = 'violations' AND f.inc IS NOT NULL THEN x.start_date END,
               CASE WHEN f.measure = 'violations' AND f.inc IS NOT NULL THEN greatest(f.claim_date, x.start_date) END,
               NULL
        FROM parties f
        LEFT JOIN syn_actor a ON a.a = f.party_a
        LEFT JOIN syn_incident x ON x.k = f.inc
        ORDER BY f.i, f.k
        """
    )


def build_relays_and_links(con: duckdb.DuckDBPyConnection, plan: Plan, rnd: Random) -> None:
    con.execute(
        """
        INSERT INTO claim_relays
        SELECT claim_id, hop, actor_id, cue FROM (
            SELECT i, claim_id, 2 AS hop, relay2_id AS actor_id, 'citing' AS cue FROM syn_claim WHERE relays >= 1
            UNION ALL
            SELECT i, claim_id, 3, relay3_id, 'who quoted' FROM syn_claim WHERE relays >= 2
        ) ORDER BY i, hop
        """
    )
    relation = rnd.weighted(
        [("corroborates", 40), ("responds_to", 30), ("contradicts", 20), ("corrects", 10)], "relation", "a.i"
    )
    con.execute(
        f"""
        INSERT INTO claim_links
        SELECT a.claim_id, b.claim_id, {relation}
        FROM syn_claim a JOIN syn_claim b ON b.i = a.i - {plan.incidents}
        WHERE a.i >= {plan.incidents} AND a.inc IS NOT NULL AND b.inc IS NOT NULL
          AND {rnd.percent('link', 'a.i')} < {LINK_PERCENT}
        ORDER BY a.i
        """
    )
