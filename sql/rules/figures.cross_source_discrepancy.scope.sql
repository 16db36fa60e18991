-- The scope of figures.cross_source_discrepancy for `newsclaims ingest`: the figures of the
-- (incident, measure, victim group) groups a batch touches, before or after it. The rule
-- compares a figure with the figures of its own group only (its group's extremes, the
-- partners it excludes), so its verdict on a figure outside these groups cannot change. A figure's inputs are its row, its claim's row and the contradicts links of its
-- claim: a group is touched when a figure of it (in the state before the batch or after it)
-- is in the batch, or its claim is, or a link of its claim is.
--
-- Written for a small batch against a large table: the touched groups come from the few
-- changed figures and claims (no "before" table read in full), and only the claims of their
-- incidents are joined at the end. Each read of a large table is a step of its own,
-- `FROM <table> WHERE <column> IN (SELECT <x> FROM <an earlier step>)`: `ingest` runs the
-- steps one by one and reads such a step through the column's lookup index
-- (src/newsclaims/ingest/scope.py).
WITH changed_claims AS (
    SELECT claim_id FROM ingest_batch_claims
    UNION SELECT claim_id FROM ingest_batch_figures
    UNION SELECT claim_id FROM ingest_batch_claim_links
    UNION SELECT other_claim_id FROM ingest_batch_claim_links
),
now_figures AS (
    SELECT figure_id, claim_id, measure, victim_group FROM figures WHERE claim_id IN (SELECT claim_id FROM changed_claims)
    UNION SELECT figure_id, claim_id, measure, victim_group FROM ingest_batch_figures
),
-- the changed claims as they are and as they were (a replaced claim's old row is in
-- ingest_batch_claims), so a claim moved to another incident touches both groups
changed_claim_rows AS (
    SELECT claim_id, incident_id FROM claims WHERE claim_id IN (SELECT claim_id FROM changed_claims)
    UNION SELECT claim_id, incident_id FROM ingest_batch_claims
),
-- now_figures holds every figure of a changed claim before the batch too (a stored figure
-- the batch leaves is there as it is, a replaced one as its old row), and every claim of
-- now_figures is a changed claim: joined with the claims' rows before and after, it gives
-- the groups before and after (a superset is harmless: whole groups are re-evaluated)
groups AS (
    SELECT DISTINCT c.incident_id, f.measure, f.victim_group FROM now_figures f JOIN changed_claim_rows c ON c.claim_id = f.claim_id
),
group_claims AS (
    SELECT claim_id, incident_id FROM claims WHERE incident_id IN (SELECT incident_id FROM groups)
),
group_figures AS (
    SELECT figure_id, claim_id, measure, victim_group FROM figures WHERE claim_id IN (SELECT claim_id FROM group_claims)
)
-- each figure with its claim's incident first, then kept when its group is touched (a semi
-- join: joined with the groups first, a figure would meet every group of its measure)
SELECT t.figure_id AS record_id
FROM group_figures t
JOIN group_claims c ON c.claim_id = t.claim_id
WHERE EXISTS (SELECT 1 FROM groups g
              WHERE g.incident_id = c.incident_id AND g.measure = t.measure AND g.victim_group = t.victim_group)
