-- Every actor alias whose lower-case form occurs more than once in actor_aliases.
SELECT concat_ws('|', actor_id, alias) AS record_id,
       concat('alias "', alias, '" occurs ', n, ' times (case-insensitively)') AS message
FROM (
    SELECT actor_id, alias, count(*) OVER (PARTITION BY lower(alias)) AS n
    FROM actor_aliases
    WHERE alias IS NOT NULL
)
WHERE n > 1
