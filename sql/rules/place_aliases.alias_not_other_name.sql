-- Every place alias equal (case-insensitively) to the name of another place.
SELECT DISTINCT concat_ws('|', a.place_id, a.alias) AS record_id,
       concat('alias "', a.alias, '" of ', a.place_id, ' is the name of ', o.place_id) AS message
FROM place_aliases a
JOIN places o ON lower(o.name) = lower(a.alias)
WHERE o.place_id IS DISTINCT FROM a.place_id
