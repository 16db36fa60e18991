-- The scope of figures.cross_source_discrepancy for `newsclaims ingest`: the figures of the
-- (incident, measure, victim group) groups a batch touches, before or after it. A pair is
-- always within one group, so the rule's verdict on a figure outside these groups cannot
-- change. A figure's inputs are its row, its claim's row and the contradicts links of its
-- claim: a group is touched when a figure of it (in the state before the batch or after it)
-- is in the batch, or its claim is, or a link of its claim is.
WITH changed_claims AS (
    SELECT claim_id FROM ingest_batch_claims
    UNION SELECT claim_id FROM ingest_batch_figures
    UNION SELECT claim_id FROM ingest_batch_claim_links
    UNION SELECT other_claim_id FROM ingest_batch_claim_links
),
changed_figures AS (
    SELECT figure_id FROM ingest_batch_figures
),
groups AS (
    SELECT c.incident_id, t.measure, t.victim_group
    FROM figures t JOIN claims c ON c.claim_id = t.claim_id
    WHERE t.claim_id IN (SELECT claim_id FROM changed_claims) OR t.figure_id IN (SELECT figure_id FROM changed_figures)
    UNION
    SELECT c.incident_id, t.measure, t.victim_group
    FROM ingest_before_figures t JOIN ingest_before_claims c ON c.claim_id = t.claim_id
    WHERE t.claim_id IN (SELECT claim_id FROM changed_claims) OR t.figure_id IN (SELECT figure_id FROM changed_figures)
)
SELECT t.figure_id AS record_id
FROM figures t
JOIN claims c ON c.claim_id = t.claim_id
JOIN groups g ON g.incident_id = c.incident_id AND g.measure = t.measure AND g.victim_group = t.victim_group
