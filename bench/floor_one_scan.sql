-- The floor as the issue defines it: the 15 core rules as hand-fused DuckDB SQL, ONE
-- statement per table (claims with its joins, figures with its claim), plus the duplicate-
-- id count and the cross-source pair join, which no per-row scan can express. Same rules
-- and same counts as bench/floor.sql (a joined row counts once per claim or figure: the
-- flags are bool_or'ed per rowid, so a duplicated parent key never counts a row twice).
-- bench/floor.sql is the faster floor found by measuring (one statement per joined rule);
-- bench/analysis.md compares the two. Run by bench/tools/duckdb_sql.py (tool
-- "floor_one_scan").

-- part: claims
WITH hits AS (
    SELECT bool_or(t.claimant_id IS NULL AND CAST(t.status AS VARCHAR) = 'active') AS "claims.claimant_not_null",
           bool_or(t.claim_date IS NULL) AS "claims.claim_date_not_null",
           bool_or(t.claim_date > current_date) AS "claims.no_future_dates",
           bool_or(t.doc_id IS NOT NULL AND dk.doc_id IS NULL) AS "claims.doc_id_exists",
           bool_or(t.incident_id IS NOT NULL AND ik.incident_id IS NULL) AS "claims.incident_id_exists",
           bool_or(t.claim_date IS NOT NULL AND d.published_on IS NOT NULL AND t.claim_date > d.published_on AND date_trunc(['day', 'week', 'month', 'year'][greatest(coalesce(list_position(['day', 'week', 'month', 'year'], CAST(t.claim_date_precision AS VARCHAR)), 1), coalesce(list_position(['day', 'week', 'month', 'year'], CAST(d.published_precision AS VARCHAR)), 1))], t.claim_date) > date_trunc(['day', 'week', 'month', 'year'][greatest(coalesce(list_position(['day', 'week', 'month', 'year'], CAST(t.claim_date_precision AS VARCHAR)), 1), coalesce(list_position(['day', 'week', 'month', 'year'], CAST(d.published_precision AS VARCHAR)), 1))], d.published_on)) AS "claims.claim_date_not_after_publication",
           bool_or(t.claim_date IS NOT NULL AND i.start_date IS NOT NULL AND t.claim_date < i.start_date AND date_trunc(['day', 'week', 'month', 'year'][greatest(coalesce(list_position(['day', 'week', 'month', 'year'], CAST(t.claim_date_precision AS VARCHAR)), 1), coalesce(list_position(['day', 'week', 'month', 'year'], CAST(i.date_precision AS VARCHAR)), 1))], t.claim_date) < date_trunc(['day', 'week', 'month', 'year'][greatest(coalesce(list_position(['day', 'week', 'month', 'year'], CAST(t.claim_date_precision AS VARCHAR)), 1), coalesce(list_position(['day', 'week', 'month', 'year'], CAST(i.date_precision AS VARCHAR)), 1))], i.start_date)) AS "claims.claim_date_not_before_incident",
           bool_or(t.quote IS NOT NULL AND d.text IS NOT NULL AND t.quote_start >= 0 AND t.quote_end >= t.quote_start AND t.quote_end <= length(d.text) AND substr(d.text, t.quote_start + 1, t.quote_end - t.quote_start) <> t.quote) AS "claims.quote_matches_text"
    FROM claims t
    LEFT JOIN documents d ON d.doc_id = t.doc_id
    LEFT JOIN incidents i ON i.incident_id = t.incident_id
    LEFT JOIN (SELECT DISTINCT doc_id FROM documents) dk ON dk.doc_id = t.doc_id
    LEFT JOIN (SELECT DISTINCT incident_id FROM incidents) ik ON ik.incident_id = t.incident_id
    WHERE (t.claimant_id IS NULL AND CAST(t.status AS VARCHAR) = 'active')
      OR (t.claim_date IS NULL)
      OR (t.claim_date > current_date)
      OR (t.doc_id IS NOT NULL AND dk.doc_id IS NULL)
      OR (t.incident_id IS NOT NULL AND ik.incident_id IS NULL)
      OR (t.claim_date IS NOT NULL AND d.published_on IS NOT NULL AND t.claim_date > d.published_on AND date_trunc(['day', 'week', 'month', 'year'][greatest(coalesce(list_position(['day', 'week', 'month', 'year'], CAST(t.claim_date_precision AS VARCHAR)), 1), coalesce(list_position(['day', 'week', 'month', 'year'], CAST(d.published_precision AS VARCHAR)), 1))], t.claim_date) > date_trunc(['day', 'week', 'month', 'year'][greatest(coalesce(list_position(['day', 'week', 'month', 'year'], CAST(t.claim_date_precision AS VARCHAR)), 1), coalesce(list_position(['day', 'week', 'month', 'year'], CAST(d.published_precision AS VARCHAR)), 1))], d.published_on))
      OR (t.claim_date IS NOT NULL AND i.start_date IS NOT NULL AND t.claim_date < i.start_date AND date_trunc(['day', 'week', 'month', 'year'][greatest(coalesce(list_position(['day', 'week', 'month', 'year'], CAST(t.claim_date_precision AS VARCHAR)), 1), coalesce(list_position(['day', 'week', 'month', 'year'], CAST(i.date_precision AS VARCHAR)), 1))], t.claim_date) < date_trunc(['day', 'week', 'month', 'year'][greatest(coalesce(list_position(['day', 'week', 'month', 'year'], CAST(t.claim_date_precision AS VARCHAR)), 1), coalesce(list_position(['day', 'week', 'month', 'year'], CAST(i.date_precision AS VARCHAR)), 1))], i.start_date))
      OR (t.quote IS NOT NULL AND d.text IS NOT NULL AND t.quote_start >= 0 AND t.quote_end >= t.quote_start AND t.quote_end <= length(d.text) AND substr(d.text, t.quote_start + 1, t.quote_end - t.quote_start) <> t.quote)
    GROUP BY t.rowid
)
SELECT count(*) FILTER (WHERE "claims.claimant_not_null") AS "claims.claimant_not_null",
       count(*) FILTER (WHERE "claims.claim_date_not_null") AS "claims.claim_date_not_null",
       count(*) FILTER (WHERE "claims.no_future_dates") AS "claims.no_future_dates",
       count(*) FILTER (WHERE "claims.doc_id_exists") AS "claims.doc_id_exists",
       count(*) FILTER (WHERE "claims.incident_id_exists") AS "claims.incident_id_exists",
       count(*) FILTER (WHERE "claims.claim_date_not_after_publication") AS "claims.claim_date_not_after_publication",
       count(*) FILTER (WHERE "claims.claim_date_not_before_incident") AS "claims.claim_date_not_before_incident",
       count(*) FILTER (WHERE "claims.quote_matches_text") AS "claims.quote_matches_text"
FROM hits;

-- part: claim_ids
SELECT coalesce(sum(n), 0) AS "claims.claim_id_unique" FROM (
        SELECT count(*) AS n FROM claims WHERE claim_id IS NOT NULL GROUP BY claim_id HAVING count(*) > 1);

-- part: figures
WITH hits AS (
    SELECT bool_or(t.stated_value < 0 OR t.value_low < 0 OR t.value_high < 0) AS "figures.no_negative_values",
           bool_or(t.value_low > t.value_high) AS "figures.low_le_high",
           bool_or(t.qualifier IS NOT NULL AND CAST(t.qualifier AS VARCHAR) NOT IN
               ('exact', 'at_least', 'more_than', 'about', 'at_most', 'fewer_than', 'unspecified')) AS "figures.qualifier_accepted",
           bool_or(CAST(t.measure AS VARCHAR) IN ('killed', 'wounded', 'injured', 'casualties')
               AND c.claim_id IS NOT NULL AND (c.claimant_id IS NULL OR c.claim_date IS NULL)) AS "figures.casualty_has_source_and_date"
    FROM figures t LEFT JOIN claims c ON c.claim_id = t.claim_id
    WHERE t.stated_value < 0 OR t.value_low < 0 OR t.value_high < 0 OR t.value_low > t.value_high
       OR (t.qualifier IS NOT NULL AND CAST(t.qualifier AS VARCHAR) NOT IN
           ('exact', 'at_least', 'more_than', 'about', 'at_most', 'fewer_than', 'unspecified'))
       OR (CAST(t.measure AS VARCHAR) IN ('killed', 'wounded', 'injured', 'casualties')
           AND c.claim_id IS NOT NULL AND (c.claimant_id IS NULL OR c.claim_date IS NULL))
    GROUP BY t.rowid
)
SELECT count(*) FILTER (WHERE "figures.no_negative_values") AS "figures.no_negative_values",
       count(*) FILTER (WHERE "figures.low_le_high") AS "figures.low_le_high",
       count(*) FILTER (WHERE "figures.qualifier_accepted") AS "figures.qualifier_accepted",
       count(*) FILTER (WHERE "figures.casualty_has_source_and_date") AS "figures.casualty_has_source_and_date"
FROM hits;

-- part: places
SELECT count(*) FILTER (WHERE lat NOT BETWEEN -90 AND 90 OR lon NOT BETWEEN -180 AND 180) AS "places.coordinates_in_range"
    FROM places;

-- part: cross_source
SELECT count(*) AS "figures.cross_source_discrepancy" FROM (
-- include: cross_source_ids.sql
);
