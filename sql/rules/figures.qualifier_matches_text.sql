-- figures.qualifier_matches_text: the qualifier stated_text's words give ("at least 62" ->
-- at_least, "more than"/"over" -> more_than, "about"/"some" -> about, "up to" -> at_most,
-- "fewer than"/"under" -> fewer_than, "90 or more" -> at_least, a bare number -> exact) is
-- the figure's qualifier; a text that states no number ("dozens", "hundreds", "an unknown
-- number") has no exact value and no upper bound (not exact, at_most or fewer_than); the
-- interval of a range ("between 60 and 80") covers the whole range. A figure without a
-- stated_value whose text states one is figures.stated_value_matches_text's to report, and
-- an unknown qualifier the accepted-values rule's.
-- The parser of stated_text is sql/fragments/stated_text.sql (shared with
-- figures.stated_value_matches_text): it reads each distinct text once into
-- stated(stated_text, n1, n2, kind, phrase); a text it cannot read is no violation.
WITH
{{fragment.stated_text}}
SELECT t.figure_id AS record_id,
       array_to_string(list_sort(list_distinct(list(
           CASE s.kind
               WHEN 'number' THEN concat('stated_text "', t.stated_text, '" reads as ', s.phrase, ' ',
                                         CAST(s.n1 AS BIGINT), ', qualifier is ', CAST(t.qualifier AS VARCHAR))
               WHEN 'vague' THEN concat('stated_text "', t.stated_text, '" states no number, so no exact value ',
                                        'or upper bound; qualifier is ', CAST(t.qualifier AS VARCHAR))
               ELSE concat('stated_text "', t.stated_text, '" states ', CAST(s.n1 AS BIGINT), ' to ',
                           CAST(s.n2 AS BIGINT), '; the interval [', coalesce(CAST(t.value_low AS VARCHAR), 'NULL'),
                           ', ', coalesce(CAST(t.value_high AS VARCHAR), 'NULL'), '] does not cover it')
           END))), '; ') AS message
FROM figures t
JOIN stated s ON s.stated_text = t.stated_text
WHERE CAST(t.qualifier AS VARCHAR) IN ('exact', 'at_least', 'more_than', 'about', 'at_most', 'fewer_than', 'unspecified')
  AND ((s.kind = 'number' AND t.stated_value IS NOT NULL AND s.phrase IS NOT NULL
        AND CAST(t.qualifier AS VARCHAR) <> s.phrase)
       OR (s.kind = 'vague' AND CAST(t.qualifier AS VARCHAR) IN ('exact', 'at_most', 'fewer_than'))
       OR (s.kind = 'range' AND (t.value_low > s.n1 OR t.value_high < s.n2)))
GROUP BY t.figure_id
