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
  coalesce(CAST((concat('claim_date ', t.claim_date, ' (', coalesce(CAST(t.claim_date_precision AS VARCHAR), 'day'), CASE WHEN CAST(t.claim_date_precision AS VARCHAR) IN ('week', 'month', 'year') THEN concat(': ', CASE WHEN CAST(t.claim_date_precision AS VARCHAR) IN ('week', 'month', 'year') THEN date_trunc(CAST(t.claim_date_precision AS VARCHAR), t.claim_date)::DATE ELSE t.claim_date END, ' to ', CASE CAST(t.claim_date_precision AS VARCHAR) WHEN 'week' THEN date_trunc('week', t.claim_date)::DATE + 6 WHEN 'month' THEN last_day(t.claim_date) WHEN 'year' THEN make_date(year(t.claim_date), 12, 31) ELSE t.claim_date END) END, ')', ' is after published_on ', d.published_on, ' (', coalesce(CAST(d.published_precision AS VARCHAR), 'day'), CASE WHEN CAST(d.published_precision AS VARCHAR) IN ('week', 'month', 'year') THEN concat(': ', CASE WHEN CAST(d.published_precision AS VARCHAR) IN ('week', 'month', 'year') THEN date_trunc(CAST(d.published_precision AS VARCHAR), d.published_on)::DATE ELSE d.published_on END, ' to ', CASE CAST(d.published_precision AS VARCHAR) WHEN 'week' THEN date_trunc('week', d.published_on)::DATE + 6 WHEN 'month' THEN last_day(d.published_on) WHEN 'year' THEN make_date(year(d.published_on), 12, 31) ELSE d.published_on END) END, ')', ' of ', d.doc_id)
) AS VARCHAR), 'A claim is not dated after its document was published') AS message, t.rowid AS row_key
FROM claims t
LEFT JOIN documents d ON d.doc_id = t.doc_id
WHERE t.claim_date IS NOT NULL AND d.published_on IS NOT NULL AND t.claim_date > d.published_on AND (CASE WHEN CAST(t.claim_date_precision AS VARCHAR) IN ('week', 'month', 'year') THEN date_trunc(CAST(t.claim_date_precision AS VARCHAR), t.claim_date)::DATE ELSE t.claim_date END) > (CASE CAST(d.published_precision AS VARCHAR) WHEN 'week' THEN date_trunc('week', d.published_on)::DATE + 6 WHEN 'month' THEN last_day(d.published_on) WHEN 'year' THEN make_date(year(d.published_on), 12, 31) ELSE d.published_on END)
