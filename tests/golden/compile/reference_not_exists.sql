-- title: the same reference where the table is smaller than the one it references: NOT EXISTS
-- rules: incidents.place_id_exists
-- sizes: incidents=10, places=100
-- setup: UPDATE incidents SET place_id = 'plc-nowhere' WHERE incident_id = 'inc-0003'
-- expect: incidents.place_id_exists | inc-0003 | place_id plc-nowhere is not a places.place_id

-- statement: scan incidents [incidents.place_id_exists]
SELECT 'incidents.place_id_exists' AS rule_id, 'error' AS severity, 'incidents' AS table_name, coalesce(CAST(t.incident_id AS VARCHAR), '') AS record_id,
  coalesce(CAST((concat('place_id ', CAST(t.place_id AS VARCHAR), ' is not a places.place_id')) AS VARCHAR), 'incidents.place_id references an existing places record') AS message
FROM incidents t
WHERE t.place_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM places ref_place_id WHERE ref_place_id.place_id = t.place_id)
