-- title: a not_null, an accepted_values, a pattern and a row rule of one table fuse into one pass; a record breaking two rules is two rows
-- rules: places.country_not_null, places.kind_accepted, places.place_id_pattern, places.coordinates_in_range
-- setup: UPDATE places SET kind = 'castle', lat = 95 WHERE place_id = 'plc-aleppo'
-- setup: UPDATE places SET country = NULL WHERE place_id = 'plc-omar-field'
-- setup: UPDATE places SET place_id = 'PLC-Halab' WHERE place_id = 'plc-aleppo'
-- expect: places.coordinates_in_range | PLC-Halab | coordinates (95.0, 37.16) are out of range
-- expect: places.country_not_null | plc-omar-field | country is NULL
-- expect: places.kind_accepted | PLC-Halab | kind castle is not an accepted value
-- expect: places.place_id_pattern | PLC-Halab | place_id PLC-Halab does not match ^plc-[a-z0-9]+(-[a-z0-9]+)*$

-- statement: scan places
SELECT struct_extract(h, 'rule_id') AS rule_id, struct_extract(h, 'severity') AS severity,
  'places' AS table_name, record_id, struct_extract(h, 'message') AS message
FROM (
  SELECT coalesce(CAST(t.place_id AS VARCHAR), '') AS record_id, unnest(list_filter([
    CASE WHEN (t.country IS NULL) THEN {'rule_id': 'places.country_not_null', 'severity': 'error', 'message': coalesce(CAST(('country is NULL') AS VARCHAR), 'places.country is set')} END,
    CASE WHEN (t.kind IS NOT NULL AND CAST(t.kind AS VARCHAR) NOT IN ('country', 'region', 'city', 'district', 'neighbourhood', 'site')) THEN {'rule_id': 'places.kind_accepted', 'severity': 'error', 'message': coalesce(CAST((concat('kind ', CAST(t.kind AS VARCHAR), ' is not an accepted value')) AS VARCHAR), 'places.kind is an accepted value')} END,
    CASE WHEN (t.place_id IS NOT NULL AND NOT regexp_matches(CAST(t.place_id AS VARCHAR), '^plc-[a-z0-9]+(-[a-z0-9]+)*$')) THEN {'rule_id': 'places.place_id_pattern', 'severity': 'error', 'message': coalesce(CAST((concat('place_id ', CAST(t.place_id AS VARCHAR), ' does not match ', '^plc-[a-z0-9]+(-[a-z0-9]+)*$')) AS VARCHAR), 'places.place_id follows the id pattern')} END,
    CASE WHEN (t.lat NOT BETWEEN -90 AND 90 OR t.lon NOT BETWEEN -180 AND 180) THEN {'rule_id': 'places.coordinates_in_range', 'severity': 'error', 'message': coalesce(CAST((concat('coordinates (', coalesce(CAST(t.lat AS VARCHAR), 'NULL'), ', ', coalesce(CAST(t.lon AS VARCHAR), 'NULL'), ') are out of range')) AS VARCHAR), 'A place''s coordinates are valid latitude and longitude')} END
  ], lambda x: x IS NOT NULL)) AS h
FROM places t
WHERE (t.country IS NULL)
   OR (t.kind IS NOT NULL AND CAST(t.kind AS VARCHAR) NOT IN ('country', 'region', 'city', 'district', 'neighbourhood', 'site'))
   OR (t.place_id IS NOT NULL AND NOT regexp_matches(CAST(t.place_id AS VARCHAR), '^plc-[a-z0-9]+(-[a-z0-9]+)*$'))
   OR (t.lat NOT BETWEEN -90 AND 90 OR t.lon NOT BETWEEN -180 AND 180)
) hits
