-- title: a unique key that is not the primary key: the hashes of repeated keys, then an exact count; every row carrying the repeated key is a violation
-- rules: claims.quote_unique_in_document
-- setup: UPDATE claims SET quote = (SELECT quote FROM claims WHERE claim_id = 'clm-0002') WHERE claim_id = 'clm-0003'
-- expect: claims.quote_unique_in_document | clm-0002 | doc_id, quote doc-0001|90 soldiers were killed and about 150 people were hurt occurs 2 times
-- expect: claims.quote_unique_in_document | clm-0003 | doc_id, quote doc-0001|90 soldiers were killed and about 150 people were hurt occurs 2 times

-- statement: unique claims.quote_unique_in_document
WITH repeated AS (
  SELECT hash(t.doc_id, t.quote) AS h FROM claims t WHERE t.doc_id IS NOT NULL AND t.quote IS NOT NULL
  GROUP BY h HAVING count(*) > 1
), w AS (
  SELECT coalesce(CAST(t.claim_id AS VARCHAR), '') AS record_id, t.doc_id, t.quote,
    count(*) OVER (PARTITION BY t.doc_id, t.quote) AS n
  FROM claims t SEMI JOIN repeated ON repeated.h = hash(t.doc_id, t.quote)
  WHERE t.doc_id IS NOT NULL AND t.quote IS NOT NULL
)
SELECT 'claims.quote_unique_in_document' AS rule_id, 'error' AS severity, 'claims' AS table_name, w.record_id,
  coalesce(CAST((concat('doc_id, quote ', concat_ws('|', CAST(w.doc_id AS VARCHAR), CAST(w.quote AS VARCHAR)), ' occurs ', w.n, ' times')) AS VARCHAR), 'A quote is not entered twice for one document') AS message
FROM w WHERE w.n > 1
