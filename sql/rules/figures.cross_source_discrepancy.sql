-- Figures about one incident, measure and victim group whose interval does not overlap the
-- interval of a figure of another claimant (a NULL bound is unbounded; figures with no
-- interval at all are skipped), where the two claims are not linked by `contradicts` in
-- either direction (and the two figures do not share a figure_id). Each such figure is
-- reported once, naming its most distant partners: the highest lower bound above it and
-- the lowest upper bound below it among the figures that count against it.
--
-- Linear, with no pair join: a figure x has such a partner above it iff the best lower
-- bound of the figures that count against x exceeds x's upper bound (below it: the lowest
-- upper bound under x's lower bound). So per group and side, each claimant's extreme
-- figure is ranked (`tops`), and x takes its partner from the best ranked claimant that is
-- not its own: rank 1, or 2 when rank 1 is x's claimant. The exceptions only touch the
-- pairs that exist: a figure excluded for x (a claim linked to x's by contradicts, or x's
-- own figure_id under another claimant) makes its claimant's rank unusable for x, and x then
-- takes the first free claimant rank, and from that claimant the first of its figures that
-- is not excluded (the smallest rank not used: `used`, `free`), an equi-join on ranks.
--
-- Only the groups where two intervals can disagree are looked at: if the largest lower
-- bound of a group is at most its smallest upper bound, every interval of the group holds
-- [max lo, min hi] and all overlap (`conflicted`, one aggregate).
WITH f AS (
    SELECT t.figure_id, t.measure, t.victim_group, c.claim_id, c.claimant_id, c.incident_id,
           coalesce(t.value_low, -9223372036854775807) AS lo,
           coalesce(t.value_high, 9223372036854775807) AS hi
    FROM figures t
    JOIN claims c ON c.claim_id = t.claim_id
    WHERE c.incident_id IS NOT NULL AND c.claimant_id IS NOT NULL
      AND CAST(c.status AS VARCHAR) = 'active'
      AND t.figure_id IS NOT NULL AND t.measure IS NOT NULL AND t.victim_group IS NOT NULL
      AND (t.value_low IS NOT NULL OR t.value_high IS NOT NULL)
),
conflicted AS (
    SELECT incident_id, measure, victim_group
    FROM f
    GROUP BY incident_id, measure, victim_group
    HAVING max(lo) > min(hi)
),
-- each figure of those groups once per side: 'lo', a partner above it (the partner's lo
-- above its hi); 'hi', a partner below it. rn: its rank among its claimant's figures, the
-- most distant first (the highest lo; the lowest hi).
s AS (
    SELECT f.figure_id, f.claim_id, f.claimant_id, f.lo, f.hi, sides.side,
           struct_pack(i := f.incident_id, m := f.measure, v := f.victim_group, s := sides.side) AS grp,
           row_number() OVER (PARTITION BY f.incident_id, f.measure, f.victim_group, sides.side, f.claimant_id
                              ORDER BY CASE WHEN sides.side = 'lo' THEN f.lo END DESC,
                                       CASE WHEN sides.side = 'hi' THEN f.hi END, f.figure_id, f.claim_id) AS rn
    FROM f
    JOIN conflicted g ON g.incident_id = f.incident_id AND g.measure = f.measure AND g.victim_group = f.victim_group
    CROSS JOIN (VALUES ('lo'), ('hi')) sides(side)
),
-- each claimant's most distant figure (rn = 1), ranked in its group and side
tops AS (
    SELECT grp, claimant_id,
           row_number() OVER (PARTITION BY grp
                              ORDER BY CASE WHEN side = 'lo' THEN lo END DESC,
                                       CASE WHEN side = 'hi' THEN hi END, figure_id, claim_id, claimant_id) AS rk
    FROM s
    WHERE rn = 1
),
contradicts AS (
    SELECT claim_id AS a, other_claim_id AS b FROM claim_links WHERE CAST(relation AS VARCHAR) = 'contradicts'
    UNION
    SELECT other_claim_id, claim_id FROM claim_links WHERE CAST(relation AS VARCHAR) = 'contradicts'
),
-- for a figure x (its claimant and rn), the figures y of other claimants that do not count
-- against it: its own figure_id, or a claim linked to x's claim by contradicts
excluded AS (
    SELECT x.grp, x.claimant_id AS x_by, x.rn AS x_rn, y.claimant_id AS y_by, y.rn AS y_rn
    FROM s x
    JOIN s y ON y.grp = x.grp AND y.figure_id = x.figure_id AND y.claimant_id <> x.claimant_id
    UNION
    SELECT x.grp, x.claimant_id, x.rn, y.claimant_id, y.rn
    FROM s x
    JOIN contradicts k ON k.a = x.claim_id
    JOIN s y ON y.grp = x.grp AND y.claim_id = k.b AND y.claimant_id <> x.claimant_id
),
-- the ranks x cannot take its partner at: level 0, the claimant ranks (its own claimant's,
-- and every claimant with a figure excluded for x); level 1, for each such claimant c, the
-- ranks (rn) of its excluded figures
used AS (
    SELECT struct_pack(g := x.grp, x := x.claimant_id, r := x.rn, l := 0, c := x.claimant_id) AS k, t.rk AS n
    FROM s x
    JOIN tops t ON t.grp = x.grp AND t.claimant_id = x.claimant_id
    UNION
    SELECT struct_pack(g := e.grp, x := e.x_by, r := e.x_rn, l := 0, c := e.x_by), t.rk
    FROM excluded e
    JOIN tops t ON t.grp = e.grp AND t.claimant_id = e.y_by
    UNION
    SELECT struct_pack(g := grp, x := x_by, r := x_rn, l := 1, c := y_by), y_rn
    FROM excluded
),
-- the first free rank of each: 1, or one above a used rank
free AS (
    SELECT cand.k, min(cand.n) AS n
    FROM (SELECT k, n + 1 AS n FROM used UNION SELECT k, 1 FROM used) cand
    WHERE NOT EXISTS (SELECT 1 FROM used u WHERE u.k = cand.k AND u.n = cand.n)
    GROUP BY cand.k
),
-- x's candidate partners: the most distant figure of the first free claimant, and of each
-- claimant with excluded figures its first figure not excluded
candidates AS (
    SELECT fr.k.g AS grp, fr.k.x AS x_by, fr.k.r AS x_rn, y.figure_id, y.claimant_id, y.lo, y.hi, y.side
    FROM free fr
    JOIN tops t ON t.grp = fr.k.g AND t.rk = fr.n
    JOIN s y ON y.grp = t.grp AND y.claimant_id = t.claimant_id AND y.rn = 1
    WHERE fr.k.l = 0
    UNION ALL
    SELECT fr.k.g, fr.k.x, fr.k.r, y.figure_id, y.claimant_id, y.lo, y.hi, y.side
    FROM free fr
    JOIN s y ON y.grp = fr.k.g AND y.claimant_id = fr.k.c AND y.rn = fr.n
    WHERE fr.k.l = 1
),
partners AS (
    SELECT c.*,
           row_number() OVER (PARTITION BY grp, x_by, x_rn
                              ORDER BY CASE WHEN side = 'lo' THEN lo END DESC,
                                       CASE WHEN side = 'hi' THEN hi END, figure_id, claimant_id) AS pick
    FROM candidates c
),
pairs AS (
    SELECT x.grp, x.side, x.figure_id AS fx, x.claimant_id AS cx, p.figure_id AS fy, p.claimant_id AS cy
    FROM s x
    JOIN partners p ON p.grp = x.grp AND p.x_by = x.claimant_id AND p.x_rn = x.rn AND p.pick = 1
    WHERE CASE WHEN x.side = 'lo' THEN p.lo > x.hi ELSE p.hi < x.lo END
),
described AS (
    SELECT figure_id, any_value(stated_text) AS stated_text,
           any_value(concat('[', coalesce(CAST(value_low AS VARCHAR), '-inf'), ', ',
                            coalesce(CAST(value_high AS VARCHAR), 'inf'), ']')) AS span
    FROM figures
    WHERE figure_id IN (SELECT fx FROM pairs UNION ALL SELECT fy FROM pairs)
    GROUP BY figure_id
)
SELECT p.fx AS record_id,
       array_to_string(list_sort(list_distinct(list(
           concat(CAST(p.grp.m AS VARCHAR), ' ', CAST(p.grp.v AS VARCHAR), ' in ', p.grp.i,
                  ': ', p.fx, ' "', dx.stated_text, '" ', dx.span, ' by ', p.cx,
                  CASE WHEN p.side = 'lo' THEN ' is below ' ELSE ' is above ' END,
                  p.fy, ' "', dy.stated_text, '" ', dy.span, ' by ', p.cy,
                  CASE WHEN p.side = 'lo' THEN ' (the highest lower bound' ELSE ' (the lowest upper bound' END,
                  ' of another claimant whose claim is not linked to it by contradicts)')))),
       '; ') AS message
FROM pairs p
JOIN described dx ON dx.figure_id = p.fx
JOIN described dy ON dy.figure_id = p.fy
GROUP BY p.fx
