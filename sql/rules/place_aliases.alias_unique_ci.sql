-- Every place alias whose lower-case form occurs more than once in place_aliases.
SELECT concat_ws('|', place_id, alias) AS record_id,
       concat('alias "', alias, '" occurs ', n, ' times (case-insensitively)') AS message
FROM (
    SELECT place_id, alias, count(*) OVER (PARTITION BY lower(alias)) AS n
    FROM place_aliases
    WHERE alias IS NOT NULL
)
WHERE n > 1
