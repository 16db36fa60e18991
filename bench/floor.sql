-- The practical floor: the 15 core rules (bench/core_rules.sql) as the cheapest correct
-- DuckDB SQL found, measured at 1M and 10M claims (bench/analysis.md has the numbers).
-- Each "-- part:" block is one statement returning one row of named counts;
-- bench/tools/duckdb_sql.py runs them one after another.
--
-- What was measured: one statement for everything spilled at 10M under a 1500MB memory
-- limit (hash tables of every part alive together: 43 s); one statement per table (claims
-- with its two joins, figures with its claim) took 10.9 s; fusing the three rules that
-- join documents into one join took 4.0 s against 2.4 s for the three queries apart. So:
-- the rules that need no join are fused per table (plain filtered counts, evaluated on
-- compressed columns: 0.01-0.04 s at 10M), each joined rule is its own statement (the
-- same SQL as bench/core_rules.sql), and the cross-source rule is its pair join.
--
-- A join never multiplies a row: a parent key that occurs twice (a defect of the unique
-- rules; documents, incidents and claims each have duplicates here) matches its children
-- twice, so a joined part counts DISTINCT base rows (rowid) per rule, over offending rows
-- only. (count(*) over the join gives 50,475 instead of 50,454 unattributed claims at 1M.)

-- part: claims
SELECT count(*) FILTER (WHERE claimant_id IS NULL AND CAST(status AS VARCHAR) = 'active') AS "claims.claimant_not_null",
       count(*) FILTER (WHERE claim_date IS NULL) AS "claims.claim_date_not_null",
       count(*) FILTER (WHERE claim_date > current_date) AS "claims.no_future_dates"
FROM claims;

-- part: claims.doc_id_exists
SELECT (SELECT count(*) FROM claims t LEFT JOIN (SELECT DISTINCT doc_id FROM documents) d USING (doc_id)
WHERE t.doc_id IS NOT NULL AND d.doc_id IS NULL) AS "claims.doc_id_exists";

-- part: claims.incident_id_exists
SELECT (SELECT count(*) FROM claims t LEFT JOIN (SELECT DISTINCT incident_id FROM incidents) i USING (incident_id)
WHERE t.incident_id IS NOT NULL AND i.incident_id IS NULL) AS "claims.incident_id_exists";

-- part: claims.claim_date_not_after_publication
SELECT (SELECT count(*) FROM (SELECT DISTINCT t.rowid FROM claims t JOIN documents d ON d.doc_id = t.doc_id
WHERE t.claim_date IS NOT NULL AND d.published_on IS NOT NULL
  AND t.claim_date > d.published_on
  AND date_trunc(['day', 'week', 'month', 'year'][greatest(
        coalesce(list_position(['day', 'week', 'month', 'year'], CAST(t.claim_date_precision AS VARCHAR)), 1),
        coalesce(list_position(['day', 'week', 'month', 'year'], CAST(d.published_precision AS VARCHAR)), 1))], t.claim_date)
    > date_trunc(['day', 'week', 'month', 'year'][greatest(
        coalesce(list_position(['day', 'week', 'month', 'year'], CAST(t.claim_date_precision AS VARCHAR)), 1),
        coalesce(list_position(['day', 'week', 'month', 'year'], CAST(d.published_precision AS VARCHAR)), 1))], d.published_on))) AS "claims.claim_date_not_after_publication";

-- part: claims.claim_date_not_before_incident
SELECT (SELECT count(*) FROM (SELECT DISTINCT t.rowid FROM claims t JOIN incidents i ON i.incident_id = t.incident_id
WHERE t.claim_date IS NOT NULL AND i.start_date IS NOT NULL
  AND t.claim_date < i.start_date
  AND date_trunc(['day', 'week', 'month', 'year'][greatest(
        coalesce(list_position(['day', 'week', 'month', 'year'], CAST(t.claim_date_precision AS VARCHAR)), 1),
        coalesce(list_position(['day', 'week', 'month', 'year'], CAST(i.date_precision AS VARCHAR)), 1))], t.claim_date)
    < date_trunc(['day', 'week', 'month', 'year'][greatest(
        coalesce(list_position(['day', 'week', 'month', 'year'], CAST(t.claim_date_precision AS VARCHAR)), 1),
        coalesce(list_position(['day', 'week', 'month', 'year'], CAST(i.date_precision AS VARCHAR)), 1))], i.start_date))) AS "claims.claim_date_not_before_incident";

-- part: claims.quote_matches_text
SELECT (SELECT count(*) FROM (SELECT DISTINCT t.rowid FROM claims t JOIN documents d ON d.doc_id = t.doc_id
WHERE t.quote IS NOT NULL AND d.text IS NOT NULL AND t.quote_start >= 0 AND t.quote_end >= t.quote_start
  AND t.quote_end <= length(d.text) AND substr(d.text, t.quote_start + 1, t.quote_end - t.quote_start) <> t.quote)) AS "claims.quote_matches_text";

-- part: claim_ids
SELECT coalesce(sum(n), 0) AS "claims.claim_id_unique" FROM (
        SELECT count(*) AS n FROM claims WHERE claim_id IS NOT NULL GROUP BY claim_id HAVING count(*) > 1);

-- part: figures
SELECT count(*) FILTER (WHERE stated_value < 0 OR value_low < 0 OR value_high < 0) AS "figures.no_negative_values",
       count(*) FILTER (WHERE value_low > value_high) AS "figures.low_le_high",
       count(*) FILTER (WHERE qualifier IS NOT NULL AND CAST(qualifier AS VARCHAR) NOT IN
           ('exact', 'at_least', 'more_than', 'about', 'at_most', 'fewer_than', 'unspecified')) AS "figures.qualifier_accepted"
FROM figures;

-- part: figures_claims
SELECT count(DISTINCT t.rowid) AS "figures.casualty_has_source_and_date"
FROM figures t JOIN claims c ON c.claim_id = t.claim_id
WHERE CAST(t.measure AS VARCHAR) IN ('killed', 'wounded', 'injured', 'casualties')
  AND (c.claimant_id IS NULL OR c.claim_date IS NULL);

-- part: places
SELECT count(*) FILTER (WHERE lat NOT BETWEEN -90 AND 90 OR lon NOT BETWEEN -180 AND 180) AS "places.coordinates_in_range"
    FROM places;

-- part: cross_source
SELECT count(*) AS "figures.cross_source_discrepancy" FROM (
-- include: cross_source_ids.sql
);
