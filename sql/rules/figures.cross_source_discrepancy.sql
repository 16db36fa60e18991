-- Pairs of figures about one incident, measure and victim group, from claims of different
-- claimants, whose intervals do not overlap (a NULL bound is unbounded; figures with no
-- interval at all are skipped) and whose claims are not linked by `contradicts` in either
-- direction. Both figures of a pair are reported, each once (its pairs' messages joined by '; ').
--
-- The pairs are found on the narrow columns alone and described afterwards (the stated
-- text of only the figures in a pair is read), the contradicts links are an anti join and
-- the messages are merged with list_distinct: each the faster form in DuckDB at 10M claims
-- (bench/analysis.md).
WITH f AS (
    SELECT t.figure_id, t.measure, t.victim_group, c.claim_id, c.claimant_id, c.incident_id,
           coalesce(t.value_low, -9223372036854775807) AS lo,
           coalesce(t.value_high, 9223372036854775807) AS hi
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
    SELECT x.figure_id AS fx, y.figure_id AS fy, x.claimant_id AS cx, y.claimant_id AS cy,
           x.incident_id, x.measure, x.victim_group
    FROM f x
    JOIN f y ON x.incident_id = y.incident_id AND x.measure = y.measure
            AND x.victim_group = y.victim_group AND x.claimant_id <> y.claimant_id
            AND x.figure_id < y.figure_id
    LEFT JOIN contradicts k ON k.a = x.claim_id AND k.b = y.claim_id
    WHERE (x.hi < y.lo OR y.hi < x.lo) AND k.a IS NULL
),
described AS (
    SELECT figure_id, any_value(stated_text) AS stated_text,
           any_value(concat('[', coalesce(CAST(value_low AS VARCHAR), '-inf'), ', ',
                            coalesce(CAST(value_high AS VARCHAR), 'inf'), ']')) AS span
    FROM figures
    WHERE figure_id IN (SELECT fx FROM pairs UNION ALL SELECT fy FROM pairs)
    GROUP BY figure_id
),
messages AS (
    SELECT p.fx, p.fy,
           concat(CAST(p.measure AS VARCHAR), ' ', CAST(p.victim_group AS VARCHAR), ' in ', p.incident_id,
                  ': ', p.fx, ' "', dx.stated_text, '" ', dx.span, ' by ', p.cx,
                  ' vs ', p.fy, ' "', dy.stated_text, '" ', dy.span, ' by ', p.cy,
                  ' do not overlap and the claims are not linked by contradicts') AS message
    FROM pairs p
    JOIN described dx ON dx.figure_id = p.fx
    JOIN described dy ON dy.figure_id = p.fy
)
SELECT record_id, array_to_string(list_sort(list_distinct(list(message))), '; ') AS message
FROM (
    SELECT fx AS record_id, message FROM messages
    UNION ALL
    SELECT fy AS record_id, message FROM messages
) ends
GROUP BY record_id
