-- The claims scan: every claim with its document, its incident, and its document's text
-- length (one join per line).
FROM claims t
LEFT JOIN documents d ON d.doc_id = t.doc_id
LEFT JOIN incidents i ON i.incident_id = t.incident_id
LEFT JOIN (SELECT doc_id, length(text) AS text_length FROM documents) dl ON dl.doc_id = t.doc_id
