-- title: a rule that reads a join which can repeat a row (a duplicated document) is alone and grouped by the claim's rowid: one violation, not two; the duplicated primary key is two (every row carrying it)
-- rules: claims.claim_date_not_after_publication, documents.doc_id_unique
-- setup: UPDATE claims SET claim_date = DATE '2016-10-30' WHERE claim_id = 'clm-0006'
-- setup: INSERT INTO documents SELECT * FROM documents WHERE doc_id = 'doc-0002'
-- expect: claims.claim_date_not_after_publication | clm-0006 | claim_date 2016-10-30 (day) is after published_on 2016-09-19 (day) of doc-0002
-- expect: documents.doc_id_unique | doc-0002 | doc_id doc-0002 occurs 2 times
-- expect: documents.doc_id_unique | doc-0002 | doc_id doc-0002 occurs 2 times

-- statement: unique documents.doc_id_unique
WITH w AS (
  SELECT t.doc_id, count(*) AS n FROM documents t
  WHERE t.doc_id IS NOT NULL GROUP BY ALL HAVING count(*) > 1
)
SELECT 'documents.doc_id_unique' AS rule_id, 'error' AS severity, 'documents' AS table_name, coalesce(CAST(w.doc_id AS VARCHAR), '') AS record_id,
  coalesce(CAST((concat('doc_id ', concat_ws('|', CAST(w.doc_id AS VARCHAR)), ' occurs ', w.n, ' times')) AS VARCHAR), 'documents (doc_id) is unique') AS message
FROM w, range(w.n)

-- statement: scan claims [claims.claim_date_not_after_publication] grouped by row_key
SELECT 'claims.claim_date_not_after_publication' AS rule_id, 'error' AS severity, 'claims' AS table_name, coalesce(CAST(t.claim_id AS VARCHAR), '') AS record_id,
  coalesce(CAST((concat('claim_date ', t.claim_date, ' (', coalesce(CAST(t.claim_date_precision AS VARCHAR), 'day'), ') is after published_on ', d.published_on, ' (', coalesce(CAST(d.published_precision AS VARCHAR), 'day'), ') of ', d.doc_id)
) AS VARCHAR), 'A claim is not dated after its document was published') AS message, t.rowid AS row_key
FROM claims t
LEFT JOIN documents d ON d.doc_id = t.doc_id
WHERE t.claim_date IS NOT NULL AND d.published_on IS NOT NULL AND t.claim_date > d.published_on AND date_trunc(['day', 'week', 'month', 'year'][greatest(coalesce(list_position(['day', 'week', 'month', 'year'], CAST(t.claim_date_precision AS VARCHAR)), 1), coalesce(list_position(['day', 'week', 'month', 'year'], CAST(d.published_precision AS VARCHAR)), 1))], t.claim_date) > date_trunc(['day', 'week', 'month', 'year'][greatest(coalesce(list_position(['day', 'week', 'month', 'year'], CAST(t.claim_date_precision AS VARCHAR)), 1), coalesce(list_position(['day', 'week', 'month', 'year'], CAST(d.published_precision AS VARCHAR)), 1))], d.published_on)
