-- The 15 core rules of the scale issue, one query per rule, each returning the number of
-- offending rows of the rule's table (a claim or figure counts once per row; for
-- claims.claim_id_unique every row carrying a duplicated id; for the cross-source rule the
-- distinct figures that take part in at least one unreconciled pair). A rule over another
-- table counts DISTINCT base rows (rowid) of its join: a duplicated parent key never counts
-- a row twice. (The EXISTS form is as correct but at 10M claims the quote rule took 9.4 s
-- as EXISTS, where DuckDB evaluates the substr comparison inside the semi join, and 2.2 s
-- as a join with the condition in WHERE.)
-- Run one by one by bench/tools/duckdb_sql.py (tool "per_rule"); bench/floor.sql computes
-- the same numbers hand-fused. Blocks are separated by "-- rule: <id>" lines.

-- rule: claims.claimant_not_null
SELECT count(*) FROM claims WHERE claimant_id IS NULL AND CAST(status AS VARCHAR) = 'active';

-- rule: claims.claim_date_not_null
SELECT count(*) FROM claims WHERE claim_date IS NULL;

-- rule: claims.no_future_dates
SELECT count(*) FROM claims WHERE claim_date > current_date;

-- rule: claims.claim_id_unique
SELECT coalesce(sum(n), 0) FROM (
    SELECT count(*) AS n FROM claims WHERE claim_id IS NOT NULL GROUP BY claim_id HAVING count(*) > 1);

-- rule: claims.doc_id_exists
SELECT count(*) FROM claims t LEFT JOIN (SELECT DISTINCT doc_id FROM documents) d USING (doc_id)
WHERE t.doc_id IS NOT NULL AND d.doc_id IS NULL;

-- rule: claims.incident_id_exists
SELECT count(*) FROM claims t LEFT JOIN (SELECT DISTINCT incident_id FROM incidents) i USING (incident_id)
WHERE t.incident_id IS NOT NULL AND i.incident_id IS NULL;

-- rule: claims.claim_date_not_after_publication
SELECT count(*) FROM (SELECT DISTINCT t.rowid FROM claims t JOIN documents d ON d.doc_id = t.doc_id
WHERE t.claim_date IS NOT NULL AND d.published_on IS NOT NULL
  AND t.claim_date > d.published_on
  AND date_trunc(['day', 'week', 'month', 'year'][greatest(
        coalesce(list_position(['day', 'week', 'month', 'year'], CAST(t.claim_date_precision AS VARCHAR)), 1),
        coalesce(list_position(['day', 'week', 'month', 'year'], CAST(d.published_precision AS VARCHAR)), 1))], t.claim_date)
    > date_trunc(['day', 'week', 'month', 'year'][greatest(
        coalesce(list_position(['day', 'week', 'month', 'year'], CAST(t.claim_date_precision AS VARCHAR)), 1),
        coalesce(list_position(['day', 'week', 'month', 'year'], CAST(d.published_precision AS VARCHAR)), 1))], d.published_on));

-- rule: claims.claim_date_not_before_incident
SELECT count(*) FROM (SELECT DISTINCT t.rowid FROM claims t JOIN incidents i ON i.incident_id = t.incident_id
WHERE t.claim_date IS NOT NULL AND i.start_date IS NOT NULL
  AND t.claim_date < i.start_date
  AND date_trunc(['day', 'week', 'month', 'year'][greatest(
        coalesce(list_position(['day', 'week', 'month', 'year'], CAST(t.claim_date_precision AS VARCHAR)), 1),
        coalesce(list_position(['day', 'week', 'month', 'year'], CAST(i.date_precision AS VARCHAR)), 1))], t.claim_date)
    < date_trunc(['day', 'week', 'month', 'year'][greatest(
        coalesce(list_position(['day', 'week', 'month', 'year'], CAST(t.claim_date_precision AS VARCHAR)), 1),
        coalesce(list_position(['day', 'week', 'month', 'year'], CAST(i.date_precision AS VARCHAR)), 1))], i.start_date));

-- rule: claims.quote_matches_text
SELECT count(*) FROM (SELECT DISTINCT t.rowid FROM claims t JOIN documents d ON d.doc_id = t.doc_id
WHERE t.quote IS NOT NULL AND d.text IS NOT NULL AND t.quote_start >= 0 AND t.quote_end >= t.quote_start
  AND t.quote_end <= length(d.text) AND substr(d.text, t.quote_start + 1, t.quote_end - t.quote_start) <> t.quote);

-- rule: figures.no_negative_values
SELECT count(*) FROM figures WHERE stated_value < 0 OR value_low < 0 OR value_high < 0;

-- rule: figures.low_le_high
SELECT count(*) FROM figures WHERE value_low > value_high;

-- rule: figures.qualifier_accepted
SELECT count(*) FROM figures WHERE qualifier IS NOT NULL AND CAST(qualifier AS VARCHAR) NOT IN
    ('exact', 'at_least', 'more_than', 'about', 'at_most', 'fewer_than', 'unspecified');

-- rule: figures.casualty_has_source_and_date
SELECT count(*) FROM (SELECT DISTINCT t.rowid FROM figures t JOIN claims c ON c.claim_id = t.claim_id
WHERE CAST(t.measure AS VARCHAR) IN ('killed', 'wounded', 'injured', 'casualties')
  AND (c.claimant_id IS NULL OR c.claim_date IS NULL));

-- rule: places.coordinates_in_range
SELECT count(*) FROM places WHERE lat NOT BETWEEN -90 AND 90 OR lon NOT BETWEEN -180 AND 180;

-- rule: figures.cross_source_discrepancy
SELECT count(*) FROM (
-- include: cross_source_ids.sql
);
