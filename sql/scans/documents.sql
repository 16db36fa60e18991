-- The documents scan: every document, and whether any claim cites it.
FROM documents t
LEFT JOIN (SELECT DISTINCT doc_id AS key FROM claims) cl ON cl.key = t.doc_id
