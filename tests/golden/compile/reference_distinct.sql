-- title: a reference alone (no other rule references places.place_id), sizes unknown: a join on the referenced keys made distinct (which cannot repeat a row: not grouped)
-- rules: incidents.place_id_exists
-- setup: UPDATE incidents SET place_id = 'plc-nowhere' WHERE incident_id = 'inc-0003'
-- expect: incidents.place_id_exists | inc-0003 | place_id plc-nowhere is not a places.place_id

-- statement: scan incidents [incidents.place_id_exists]
SELECT 'incidents.place_id_exists' AS rule_id, 'error' AS severity, 'incidents' AS table_name, coalesce(CAST(t.incident_id AS VARCHAR), '') AS record_id,
  coalesce(CAST((concat('place_id ', CAST(t.place_id AS VARCHAR), ' is not a places.place_id')) AS VARCHAR), 'incidents.place_id references an existing places record') AS message
FROM incidents t
LEFT JOIN (SELECT DISTINCT place_id AS key FROM places) ref_place_id ON ref_place_id.key = t.place_id
WHERE t.place_id IS NOT NULL AND ref_place_id.key IS NULL
