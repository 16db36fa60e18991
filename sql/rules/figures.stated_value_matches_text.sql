-- figures.stated_value_matches_text: the number stated_text states ("90 troops",
-- "ninety", "at least 1,200", "two dozen") is stated_value; for a range ("between 60 and
-- 80", "60-80") stated_value lies in it. A text that states a number while stated_value is
-- NULL is reported too. Negative values are figures.no_negative_values' to report.
-- The parser of stated_text is sql/fragments/stated_text.sql (shared with
-- figures.qualifier_matches_text): it reads each distinct text once into
-- stated(stated_text, n1, n2, kind, phrase); a text it cannot read is no violation.
WITH
{{fragment.stated_text}}
SELECT t.figure_id AS record_id,
       array_to_string(list_sort(list_distinct(list(
           CASE s.kind
               WHEN 'number' THEN concat('stated_text "', t.stated_text, '" states ', CAST(s.n1 AS BIGINT),
                                         ', stated_value is ', coalesce(CAST(t.stated_value AS VARCHAR), 'NULL'))
               ELSE concat('stated_text "', t.stated_text, '" states ', CAST(s.n1 AS BIGINT), ' to ',
                           CAST(s.n2 AS BIGINT), ', stated_value ',
                           coalesce(CAST(t.stated_value AS VARCHAR), 'NULL'), ' is not in that range')
           END))), '; ') AS message
FROM figures t
JOIN stated s ON s.stated_text = t.stated_text
WHERE (t.stated_value IS NULL OR t.stated_value >= 0)
  AND ((s.kind = 'number' AND t.stated_value IS DISTINCT FROM s.n1)
       OR (s.kind = 'range' AND (t.stated_value IS NULL OR t.stated_value NOT BETWEEN s.n1 AND s.n2)))
GROUP BY t.figure_id
