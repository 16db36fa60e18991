-- The incidents scan: every incident with the record it was merged into.
FROM incidents t
LEFT JOIN incidents m ON m.incident_id = t.merged_into
LEFT JOIN (SELECT DISTINCT incident_id AS key FROM claims) cl ON cl.key = t.incident_id
