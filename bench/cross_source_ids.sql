-- The ids of the figures in an unreconciled cross-source discrepancy (the rule
-- figures.cross_source_discrepancy), shared by the GX and Soda runners; the GX runner
-- substitutes its batch for the figures table.
WITH f AS (
    SELECT t.figure_id, t.measure, t.victim_group, c.claim_id, c.claimant_id, c.incident_id,
           coalesce(t.value_low, -9223372036854775807) AS lo, coalesce(t.value_high, 9223372036854775807) AS hi
    FROM figures t JOIN claims c ON c.claim_id = t.claim_id
    WHERE c.incident_id IS NOT NULL AND c.claimant_id IS NOT NULL AND CAST(c.status AS VARCHAR) = 'active'
      AND t.victim_group IS NOT NULL AND (t.value_low IS NOT NULL OR t.value_high IS NOT NULL)
), contradicts AS (
    SELECT claim_id AS a, other_claim_id AS b FROM claim_links WHERE CAST(relation AS VARCHAR) = 'contradicts'
    UNION SELECT other_claim_id, claim_id FROM claim_links WHERE CAST(relation AS VARCHAR) = 'contradicts'
), pairs AS (
    SELECT x.figure_id AS fx, y.figure_id AS fy
    FROM f x JOIN f y ON x.incident_id = y.incident_id AND x.measure = y.measure
        AND x.victim_group = y.victim_group AND x.claimant_id <> y.claimant_id AND x.figure_id < y.figure_id
    LEFT JOIN contradicts k ON k.a = x.claim_id AND k.b = y.claim_id
    WHERE (x.hi < y.lo OR y.hi < x.lo) AND k.a IS NULL
)
SELECT DISTINCT id FROM (SELECT fx AS id FROM pairs UNION ALL SELECT fy FROM pairs) ids
