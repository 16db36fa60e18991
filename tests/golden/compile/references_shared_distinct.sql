-- title: the rules that reference one key (claims.claim_id) share one anti join over the union of their values
-- rules: figures.claim_id_exists, claim_relays.claim_id_exists, claim_links.claim_id_exists, claim_links.other_claim_id_exists
-- setup: UPDATE figures SET claim_id = 'clm-9999' WHERE figure_id = 'fig-0007'
-- setup: UPDATE claim_links SET other_claim_id = 'clm-9998' WHERE claim_id = 'clm-0005'
-- expect: claim_links.other_claim_id_exists | clm-0005|clm-9998|responds_to | other_claim_id clm-9998 is not a claims.claim_id
-- expect: figures.claim_id_exists | fig-0007 | claim_id clm-9999 is not a claims.claim_id

-- statement: references claims.claim_id
SELECT r.rule_id, r.severity, r.table_name, r.record_id,
  concat(r.column_name, ' ', CAST(r.k AS VARCHAR), ' is not a claims.claim_id') AS message
FROM (
SELECT 'figures.claim_id_exists' AS rule_id, 'error' AS severity, 'figures' AS table_name, 'claim_id' AS column_name, coalesce(CAST(t.figure_id AS VARCHAR), '') AS record_id, t.claim_id AS k
FROM figures t WHERE t.claim_id IS NOT NULL
UNION ALL
SELECT 'claim_relays.claim_id_exists' AS rule_id, 'error' AS severity, 'claim_relays' AS table_name, 'claim_id' AS column_name, concat_ws('|', coalesce(CAST(t.claim_id AS VARCHAR), ''), coalesce(CAST(t.hop AS VARCHAR), '')) AS record_id, t.claim_id AS k
FROM claim_relays t WHERE t.claim_id IS NOT NULL
UNION ALL
SELECT 'claim_links.claim_id_exists' AS rule_id, 'error' AS severity, 'claim_links' AS table_name, 'claim_id' AS column_name, concat_ws('|', coalesce(CAST(t.claim_id AS VARCHAR), ''), coalesce(CAST(t.other_claim_id AS VARCHAR), ''), coalesce(CAST(t.relation AS VARCHAR), '')) AS record_id, t.claim_id AS k
FROM claim_links t WHERE t.claim_id IS NOT NULL
UNION ALL
SELECT 'claim_links.other_claim_id_exists' AS rule_id, 'error' AS severity, 'claim_links' AS table_name, 'other_claim_id' AS column_name, concat_ws('|', coalesce(CAST(t.claim_id AS VARCHAR), ''), coalesce(CAST(t.other_claim_id AS VARCHAR), ''), coalesce(CAST(t.relation AS VARCHAR), '')) AS record_id, t.other_claim_id AS k
FROM claim_links t WHERE t.other_claim_id IS NOT NULL
) r
LEFT JOIN (SELECT DISTINCT claim_id AS key FROM claims) p ON p.key = r.k
WHERE p.key IS NULL
