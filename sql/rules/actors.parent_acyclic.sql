-- Every actor that is its own ancestor through parent_id. UNION (not UNION ALL) keeps
-- each (start, ancestor) pair once, so the walk ends even inside a cycle.
WITH RECURSIVE walk(start_id, ancestor_id) AS (
    SELECT actor_id, parent_id FROM actors WHERE parent_id IS NOT NULL
    UNION
    SELECT w.start_id, p.parent_id
    FROM walk w JOIN actors p ON p.actor_id = w.ancestor_id
    WHERE p.parent_id IS NOT NULL
)
SELECT start_id AS record_id,
       concat('actor ', start_id, ' is its own ancestor through parent_id') AS message
FROM walk
WHERE ancestor_id = start_id
