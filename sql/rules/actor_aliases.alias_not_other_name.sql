-- Every actor alias equal (case-insensitively) to the name of another actor.
SELECT DISTINCT concat_ws('|', a.actor_id, a.alias) AS record_id,
       concat('alias "', a.alias, '" of ', a.actor_id, ' is the name of ', o.actor_id) AS message
FROM actor_aliases a
JOIN actors o ON lower(o.name) = lower(a.alias)
WHERE o.actor_id IS DISTINCT FROM a.actor_id
