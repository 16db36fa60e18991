-- title: an sql rule runs its query file, wrapped into the shape of dq_violations
-- rules: actors.parent_acyclic
-- setup: UPDATE actors SET parent_id = 'act-syrian-army' WHERE actor_id = 'act-syria-gov'
-- expect: actors.parent_acyclic | act-syria-gov | actor act-syria-gov is its own ancestor through parent_id
-- expect: actors.parent_acyclic | act-syrian-army | actor act-syrian-army is its own ancestor through parent_id

-- statement: sql actors.parent_acyclic
SELECT 'actors.parent_acyclic' AS rule_id, 'error' AS severity, 'actors' AS table_name, CAST(q.record_id AS VARCHAR) AS record_id, CAST(q.message AS VARCHAR) AS message
FROM (
-- Every actor that is its own ancestor through parent_id. Each walk carries the ids it
-- has passed (path) and stops at the first one it meets again, so it ends even inside a
-- cycle or on a path leading into one; written in portable SQL (UNION ALL, arrays) so that
-- the same file runs on Spark, whose recursive CTEs take no UNION.
WITH RECURSIVE walk(start_id, ancestor_id, path) AS (
    SELECT actor_id, parent_id, [actor_id] FROM actors WHERE parent_id IS NOT NULL
    UNION ALL
    SELECT w.start_id, p.parent_id, array_append(w.path, w.ancestor_id)
    FROM walk w JOIN actors p ON p.actor_id = w.ancestor_id
    WHERE p.parent_id IS NOT NULL AND NOT array_contains(w.path, w.ancestor_id)
)
SELECT DISTINCT start_id AS record_id,
       concat('actor ', start_id, ' is its own ancestor through parent_id') AS message
FROM walk
WHERE ancestor_id = start_id
) q
