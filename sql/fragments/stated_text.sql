-- The parser of a figure's stated_text, written once: figures.stated_value_matches_text and
-- figures.qualifier_matches_text include it (after their WITH, as fragment.stated_text), and
-- docs/curation.md says what it reads. It ends in
--     stated(stated_text, n1, n2, kind, phrase)
-- one row per distinct stated_text of figures: what the text states (kind: 'number' n1,
-- 'range' n1 to n2, 'vague' or 'unreadable') and the qualifier its words give (phrase;
-- NULL: words it does not know, which judge nothing). A text it cannot read (two unrelated
-- numbers, "nearly 90", "7.000", "90+") is 'unreadable', no violation. The rules join it
-- back to the figures by their text: each text is read once however many figures state it,
-- and a duplicated figure_id (the unique rule's finding) cannot mix two texts.
-- Portable SQL, which DuckDB runs as it is and Spark as sqlglot translates it
-- (engines/spark/translate.py): no row identity, a list's element read only where the
-- list has it, tokens numbered by unnest ... WITH ORDINALITY, regular expressions whose
-- meaning the translation keeps (engines/spark/regex.py).
-- texts: each text lower-cased, its dashes made '-', "twenty-five" split in two; digits:
-- its numbers in digits (thousands separated by ',', a no-break or a thin space; a decimal
-- part); worded: whether it has a number word. A text with at most one number in digits
-- and no number word (nearly every one) is read by the short path below; the others
-- are cut into tokens and read by the long one.
texts AS (
    SELECT stated_text, s, regexp_extract_all(s, '[0-9]{1,3}(?:[,\x{a0}\x{202f}\x{2009}][0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?') AS digits,
           regexp_matches(s, '\b(zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|billion|dozen)\b') AS worded
    FROM (
        SELECT stated_text,
               regexp_replace(
                   regexp_replace(lower(stated_text), '[\x{2010}-\x{2015}\x{2212}]', '-', 'g'),
                   '\b(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)-(one|two|three|four|five|six|seven|eight|nine)\b',
                   '\1 \2', 'g') AS s
        FROM (SELECT DISTINCT t.stated_text FROM figures t WHERE t.stated_text IS NOT NULL) distinct_texts
        -- the parser reads English: a text with letters of another script judges nothing
        WHERE NOT regexp_matches(regexp_replace(stated_text, '[A-Za-z]', '', 'g'), '\p{L}')
    ) lowered
),
-- the short path: the number, and the words before it (words only) and after it (words
-- and other characters), as the long path gives them
short_read AS (
    SELECT stated_text, array_length(digits) AS numbers,
           CAST(regexp_replace(CASE WHEN array_length(digits) = 1 THEN digits[1] END, '[,\x{a0}\x{202f}\x{2009}]', '', 'g') AS DOUBLE) AS n1,
           CAST(NULL AS DOUBLE) AS n2,
           coalesce(CASE WHEN array_length(digits) = 1 THEN digits[1] END LIKE '%.%', FALSE) AS unreadable_number,
           nullif(array_to_string(regexp_extract_all(CASE WHEN array_length(digits) = 1 THEN regexp_extract(s, '(?s)^(.*?)(?:[0-9]{1,3}(?:[,\x{a0}\x{202f}\x{2009}][0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?)', 1) ELSE s END,
                                                     '[a-z]+'), ' '), '') AS lead_words,
           CAST(NULL AS VARCHAR) AS gap,
           CASE WHEN array_length(digits) = 1 THEN nullif(array_to_string(regexp_extract_all(
                regexp_extract(s, '(?s)^.*?(?:[0-9]{1,3}(?:[,\x{a0}\x{202f}\x{2009}][0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?)(.*)$', 1), '[a-z]+|[^\sa-z0-9]'), ' '), '') END AS tail,
           list_has_any(regexp_extract_all(s, '[a-z]+'), ['dozens', 'scores', 'hundreds', 'thousands', 'millions', 'tens', 'several', 'many',
                             'numerous', 'unknown', 'unspecified', 'undisclosed', 'undetermined', 'few',
                             'handful', 'countless', 'multiple', 'number']) AS vague
    FROM texts
    WHERE NOT worded AND array_length(digits) <= 1
),
-- the long path: tokens, each a number in digits, a word, or one other character, at its
-- place i in the text (i orders the tokens, from 1 on DuckDB and from 0 on Spark: nothing
-- reads its value)
tokens AS (
    SELECT long_texts.stated_text, u.tok, u.i
    FROM (
        SELECT stated_text, regexp_extract_all(s, '[0-9]{1,3}(?:[,\x{a0}\x{202f}\x{2009}][0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?|[a-z]+|[^\s]') AS toks
        FROM texts
        WHERE worded OR array_length(digits) > 1
    ) long_texts
    CROSS JOIN unnest(long_texts.toks) WITH ORDINALITY AS u(tok, i)
),
-- cls: D digits, U a number word below 100, H hundred, S a scale word (thousand, million,
-- billion, dozen), A a/an, N and, W another word, P another character; v: the value
classed AS (
    SELECT stated_text, i, tok,
           CASE WHEN regexp_matches(tok, '^[0-9]') THEN 'D'
                WHEN list_contains(['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine',
                                    'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen',
                                    'seventeen', 'eighteen', 'nineteen', 'twenty', 'thirty', 'forty', 'fifty',
                                    'sixty', 'seventy', 'eighty', 'ninety'], tok) THEN 'U'
                WHEN tok = 'hundred' THEN 'H'
                WHEN tok IN ('thousand', 'million', 'billion', 'dozen') THEN 'S'
                WHEN tok IN ('a', 'an') THEN 'A'
                WHEN tok = 'and' THEN 'N'
                WHEN regexp_matches(tok, '^[a-z]+$') THEN 'W'
                ELSE 'P' END AS cls,
           CASE WHEN regexp_matches(tok, '^[0-9]') THEN CAST(regexp_replace(tok, '[,\x{a0}\x{202f}\x{2009}]', '', 'g') AS DOUBLE)
                ELSE coalesce(list_position(['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine',
                                             'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen',
                                             'sixteen', 'seventeen', 'eighteen', 'nineteen'], tok),
                              10 * list_position(['ten', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy',
                                                  'eighty', 'ninety'], tok),
                              CASE WHEN tok = 'zero' THEN 0 END) END AS v,
           CASE tok WHEN 'dozen' THEN 12 WHEN 'thousand' THEN 1e3 WHEN 'million' THEN 1e6
                    WHEN 'billion' THEN 1e9 END AS scale,
           tok LIKE '%.%' AS decimal
    FROM tokens
),
-- in_num: the token is part of a number ("a" and "and" only inside one: "a hundred",
-- "one hundred and five"; a scale word only after a number or "a")
placed AS (
    SELECT *,
           CASE cls WHEN 'D' THEN TRUE WHEN 'U' THEN TRUE
                    WHEN 'H' THEN coalesce(lag(cls) OVER w IN ('D', 'U', 'A', 'S'), FALSE)
                    WHEN 'S' THEN coalesce(lag(cls) OVER w IN ('D', 'U', 'H', 'A', 'S'), FALSE)
                    WHEN 'A' THEN coalesce(lead(cls) OVER w IN ('H', 'S'), FALSE)
                    WHEN 'N' THEN coalesce(lag(cls) OVER w IN ('H', 'S') AND lead(cls) OVER w IN ('U', 'D'), FALSE)
                    ELSE FALSE END AS in_num,
           lag(cls) OVER w AS prev_cls, lag(v) OVER w AS prev_v
    FROM classed
    WINDOW w AS (PARTITION BY stated_text ORDER BY i)
),
-- run: which number a token belongs to (1, 2, ...): a number starts after a token that is
-- not part of one, and where two numbers touch ("60 70", "twenty five" is one)
runs AS (
    SELECT *, sum(CASE WHEN in_num AND (
                  NOT coalesce(prev_in_num, FALSE)
                  OR (cls IN ('D', 'A') AND prev_cls IN ('D', 'U', 'H', 'S'))
                  OR (cls = 'U' AND prev_cls = 'D')
                  OR (cls = 'U' AND prev_cls = 'U' AND NOT (prev_v >= 20 AND prev_v % 10 = 0 AND v < 10))
              ) THEN 1 ELSE 0 END) OVER (PARTITION BY stated_text ORDER BY i) AS run
    FROM (SELECT *, lag(in_num) OVER (PARTITION BY stated_text ORDER BY i) AS prev_in_num FROM placed) p
),
-- a number is segments, each ended by a scale word: (the units before "hundred", or 1)
-- x 100 + the units after it, times the scale ("two hundred and five thousand and six")
segmented AS (
    SELECT *, count(*) FILTER (WHERE cls = 'H') OVER s AS after_hundred
    FROM (SELECT *, coalesce(sum(CASE WHEN cls = 'S' THEN 1 ELSE 0 END) OVER (
                  PARTITION BY stated_text, run ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS seg
          FROM runs WHERE in_num) r
    WINDOW s AS (PARTITION BY stated_text, run, seg ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
),
segment_values AS (
    SELECT stated_text, run, seg,
           CASE WHEN count(*) FILTER (WHERE cls = 'H') > 0
                THEN coalesce(sum(v) FILTER (WHERE cls IN ('D', 'U') AND after_hundred = 0), 1) * 100
                     + coalesce(sum(v) FILTER (WHERE cls IN ('D', 'U') AND after_hundred > 0), 0)
                ELSE coalesce(sum(v) FILTER (WHERE cls IN ('D', 'U')), 1) END
           * coalesce(max(scale), 1) AS value,
           bool_or(decimal) AND max(scale) IS NULL AS unscaled_decimal,
           min(i) AS first_i, max(i) AS last_i
    FROM segmented GROUP BY stated_text, run, seg
),
numbers AS (
    SELECT stated_text, run, sum(value) AS value, bool_or(unscaled_decimal) AS unscaled_decimal,
           min(first_i) AS first_i, max(last_i) AS last_i
    FROM segment_values GROUP BY stated_text, run
),
-- per figure: its numbers, and the words before, between and after them
read AS (
    SELECT c.stated_text,
           count(DISTINCT n.run) AS numbers,
           any_value(n1.value) AS n1, any_value(n2.value) AS n2,
           coalesce(bool_or(n.unscaled_decimal), FALSE) AS unreadable_number,
           trim(string_agg(c.tok, ' ' ORDER BY c.i) FILTER (WHERE NOT c.in_num AND c.cls IN ('W', 'A', 'N')
                AND c.i < coalesce(n1.first_i, 1000000))) AS lead_words,
           trim(string_agg(c.tok, ' ' ORDER BY c.i) FILTER (WHERE NOT c.in_num
                AND c.i > n1.last_i AND c.i < n2.first_i)) AS gap,
           trim(string_agg(c.tok, ' ' ORDER BY c.i) FILTER (WHERE NOT c.in_num AND c.cls IN ('W', 'A', 'N', 'P')
                AND c.i > coalesce(n2.last_i, n1.last_i))) AS tail,
           bool_or(c.tok IN ('dozens', 'scores', 'hundreds', 'thousands', 'millions', 'tens', 'several', 'many',
                             'numerous', 'unknown', 'unspecified', 'undisclosed', 'undetermined', 'few',
                             'handful', 'countless', 'multiple', 'number')
                   OR (c.cls IN ('H', 'S') AND NOT c.in_num)) AS vague
    FROM runs c
    LEFT JOIN numbers n ON n.stated_text = c.stated_text AND n.run = c.run AND c.in_num
    LEFT JOIN numbers n1 ON n1.stated_text = c.stated_text AND n1.run = 1
    LEFT JOIN numbers n2 ON n2.stated_text = c.stated_text AND n2.run = 2
    GROUP BY c.stated_text
),
-- what the text states: kind number (n1), range (n1 to n2), vague (no number, a word
-- such as "dozens") or unreadable; the qualifier its words give (NULL: words the parser
-- does not know, which judge nothing)
stated AS (
    SELECT stated_text, n1, n2,
           CASE WHEN unreadable_number OR n1 <> round(n1) OR n2 <> round(n2) THEN 'unreadable'
                WHEN numbers = 0 AND vague THEN 'vague'
                WHEN numbers = 1 THEN 'number'
                WHEN numbers = 2 AND n1 < n2 AND (gap IN ('-', 'to')
                     OR (gap = 'and' AND regexp_matches(coalesce(lead_words, ''), '(^| )between$')))
                     THEN 'range'
                ELSE 'unreadable' END AS kind,
           CASE WHEN tail_class IS NULL THEN lead_class
                WHEN lead_class = 'exact' AND tail_class <> 'unknown' THEN tail_class END AS phrase
    FROM (
        SELECT *,
               CASE WHEN regexp_matches(lead, '(^| )(at least|no fewer than|no less than|not less than|a minimum of)$') THEN 'at_least'
                    WHEN regexp_matches(lead, '(^| )(more than|over|upwards of|in excess of|above)$') THEN 'more_than'
                    WHEN regexp_matches(lead, '(^| )(about|around|some|approximately|roughly|an estimated|estimated|circa)$') THEN 'about'
                    WHEN regexp_matches(lead, '(^| )(up to|at most|no more than|not more than|a maximum of|as many as)$') THEN 'at_most'
                    WHEN regexp_matches(lead, '(^| )(fewer than|less than|under|below)$') THEN 'fewer_than'
                    WHEN regexp_matches(lead, '^(the|a total of|a further|another|all|all the)?$') THEN 'exact'
               END AS lead_class,
               CASE WHEN regexp_matches(coalesce(tail, ''), '^-? ?(or more|and more|or above|and above)\b') THEN 'at_least'
                    WHEN regexp_matches(coalesce(tail, ''), '^-? ?(or fewer|or less|and fewer|and less|or under)\b') THEN 'at_most'
                    WHEN regexp_matches(coalesce(tail, ''), '^-? ?(odd|or so)\b') THEN 'about'
                    WHEN regexp_matches(coalesce(tail, ''), '^-? ?(\+|plus)') THEN 'unknown'
               END AS tail_class
        FROM (SELECT *, regexp_replace(coalesce(lead_words, ''), '^(between|from) |(^| )(between|from)$', '', 'g') AS lead
              FROM (SELECT * FROM read UNION ALL SELECT * FROM short_read) both_paths) r  -- the same columns in the same order (portable: no BY NAME)
    ) q
)
