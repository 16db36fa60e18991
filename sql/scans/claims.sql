-- The claims scan: every claim with its document and its incident (one join per line).
FROM claims t
LEFT JOIN documents d ON d.doc_id = t.doc_id
LEFT JOIN incidents i ON i.incident_id = t.incident_id
