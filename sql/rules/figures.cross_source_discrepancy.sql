-- Pairs of figures about one incident, measure and victim group, from claims of different
-- claimants, whose intervals do not overlap (a NULL bound is unbounded; figures with no
-- interval at all are skipped) and whose claims are not linked by `contradicts` in either
-- direction. Both figures of a pair are reported, each once (its pairs' messages joined by '; ').
WITH f AS (
    SELECT t.figure_id, t.measure, t.victim_group, t.stated_text, c.claim_id, c.claimant_id,
           c.incident_id,
           coalesce(t.value_low, -9223372036854775807) AS lo,
           coalesce(t.value_high, 9223372036854775807) AS hi,
           concat('[', coalesce(CAST(t.value_low AS VARCHAR), '-inf'), ', ',
                  coalesce(CAST(t.value_high AS VARCHAR), 'inf'), ']') AS span
    FROM figures t
    JOIN claims c ON c.claim_id = t.claim_id
    WHERE c.incident_id IS NOT NULL AND c.claimant_id IS NOT NULL
      AND CAST(c.status AS VARCHAR) = 'active'
      AND t.victim_group IS NOT NULL
      AND (t.value_low IS NOT NULL OR t.value_high IS NOT NULL)
),
contradicts AS (
    SELECT claim_id AS a, other_claim_id AS b FROM claim_links WHERE CAST(relation AS VARCHAR) = 'contradicts'
    UNION
    SELECT other_claim_id, claim_id FROM claim_links WHERE CAST(relation AS VARCHAR) = 'contradicts'
),
pairs AS (
    SELECT x.figure_id AS fx, y.figure_id AS fy,
           concat(CAST(x.measure AS VARCHAR), ' ', CAST(x.victim_group AS VARCHAR), ' in ', x.incident_id,
                  ': ', x.figure_id, ' "', x.stated_text, '" ', x.span, ' by ', x.claimant_id,
                  ' vs ', y.figure_id, ' "', y.stated_text, '" ', y.span, ' by ', y.claimant_id,
                  ' do not overlap and the claims are not linked by contradicts') AS message
    FROM f x
    JOIN f y ON x.incident_id = y.incident_id AND x.measure = y.measure
            AND x.victim_group = y.victim_group AND x.claimant_id <> y.claimant_id
            AND x.figure_id < y.figure_id
    WHERE (x.hi < y.lo OR y.hi < x.lo)
      AND NOT EXISTS (SELECT 1 FROM contradicts k WHERE k.a = x.claim_id AND k.b = y.claim_id)
)
SELECT record_id, string_agg(DISTINCT message, '; ' ORDER BY message) AS message
FROM (
    SELECT fx AS record_id, message FROM pairs
    UNION ALL
    SELECT fy AS record_id, message FROM pairs
) ends
GROUP BY record_id
