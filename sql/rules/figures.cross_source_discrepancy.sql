-- Figures about one incident, measure and victim group whose interval does not overlap the
-- interval of a figure of another claimant (a NULL bound is unbounded; figures with no
-- interval at all are skipped), where the two claims are not linked by `contradicts` in
-- either direction (and the two figures do not share a figure_id). Each such figure is
-- reported once, naming its most distant partners: the highest lower bound above it and
-- the lowest upper bound below it among the figures that count against it.
--
-- Linear, with no pair join (the pair join formed k^2/2 pairs in a group of k figures):
-- x has a partner above it iff the highest lower bound of the figures that count against
-- x exceeds x's upper bound (below it: the lowest upper bound under x's lower bound). Per
-- group and side, each claimant's most distant figure is ranked (`tops`, `s.crk`), and x
-- takes its partner from the best ranked claimant that is not its own: rank 1, or 2 when
-- rank 1 is x's claimant. The exceptions touch only the pairs that exist: a figure
-- excluded for x (a claim linked to x's by contradicts, or x's own figure_id under another
-- claimant) makes its claimant's rank unusable for x; x then takes the first free claimant
-- rank, and of each such claimant its first figure not excluded (`used`, `free`: the
-- smallest rank not used), all equi-joins on ranks.
--
-- Only the groups where two intervals can disagree are looked at: when the largest lower
-- bound of a group is at most its smallest upper bound, every interval of the group holds
-- [max lo, min hi] and all overlap (`conflicted`, one aggregate). The CTEs are written so
-- that each is read by few others: Spark inlines a CTE at every reference.
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
-- the figures of those groups, and their words
c AS (
    SELECT f.*
    FROM f
    JOIN conflicted g ON g.incident_id = f.incident_id AND g.measure = f.measure AND g.victim_group = f.victim_group
),
described AS (
    SELECT figure_id, any_value(stated_text) AS stated_text,
           any_value(concat('[', coalesce(CAST(value_low AS VARCHAR), '-inf'), ', ',
                            coalesce(CAST(value_high AS VARCHAR), 'inf'), ']')) AS span
    FROM figures
    WHERE figure_id IN (SELECT figure_id FROM c)
    GROUP BY figure_id
),
-- each of them once per side: 'lo', a partner above it (the partner's lo above its hi);
-- 'hi', a partner below it. rn: its rank among its claimant's figures, the most distant
-- first (the highest lo; the lowest hi).
ranked AS (
    SELECT c.figure_id, c.claim_id, c.claimant_id, c.lo, c.hi, sides.side, d.stated_text, d.span,
           struct_pack(i := c.incident_id, m := c.measure, v := c.victim_group, s := sides.side) AS grp,
           row_number() OVER (PARTITION BY c.incident_id, c.measure, c.victim_group, sides.side, c.claimant_id
                              ORDER BY CASE WHEN sides.side = 'lo' THEN c.lo END DESC,
                                       CASE WHEN sides.side = 'hi' THEN c.hi END, c.figure_id, c.claim_id) AS rn
    FROM c
    JOIN described d ON d.figure_id = c.figure_id
    CROSS JOIN (VALUES ('lo'), ('hi')) sides(side)
),
-- top: the rank of a claimant's most distant figure (rn = 1) among those of the group and side
tops AS (
    SELECT ranked.*,
           CASE WHEN rn = 1 THEN row_number() OVER (PARTITION BY grp, rn = 1
                                                    ORDER BY CASE WHEN side = 'lo' THEN lo END DESC,
                                                             CASE WHEN side = 'hi' THEN hi END,
                                                             figure_id, claim_id, claimant_id) END AS top
    FROM ranked
),
-- crk: the rank of the figure's claimant
s AS (
    SELECT tops.*, max(top) OVER (PARTITION BY grp, claimant_id) AS crk
    FROM tops
),
contradicts AS (
    SELECT claim_id AS a, other_claim_id AS b FROM claim_links WHERE CAST(relation AS VARCHAR) = 'contradicts'
    UNION
    SELECT other_claim_id, claim_id FROM claim_links WHERE CAST(relation AS VARCHAR) = 'contradicts'
),
-- for a figure x (its claimant and rn), the figures y of other claimants that do not count
-- against it: its own figure_id (key 'f'), or a claim linked to x's claim by contradicts ('c')
excluded AS (
    SELECT x.grp, x.claimant_id AS x_by, x.rn AS x_rn, y.claimant_id AS y_by, y.rn AS y_rn, y.crk AS y_crk
    FROM (SELECT s.grp, s.claimant_id, s.rn, kinds.kind,
                 CASE WHEN kinds.kind = 'f' THEN s.figure_id ELSE k.b END AS key
          FROM s
          CROSS JOIN (VALUES ('f'), ('c')) kinds(kind)
          LEFT JOIN contradicts k ON kinds.kind = 'c' AND k.a = s.claim_id) x
    JOIN (SELECT s.grp, s.claimant_id, s.rn, s.crk, kinds.kind,
                 CASE WHEN kinds.kind = 'f' THEN s.figure_id ELSE s.claim_id END AS key
          FROM s
          CROSS JOIN (VALUES ('f'), ('c')) kinds(kind)) y
      ON y.grp = x.grp AND y.kind = x.kind AND y.key = x.key AND y.claimant_id <> x.claimant_id
),
-- the ranks x cannot take its partner at: level 0, the claimant ranks (its own claimant's,
-- and every claimant with a figure excluded for x); level 1, for each such claimant c, the
-- ranks (rn) of its excluded figures
used AS (
    SELECT grp, claimant_id AS x_by, rn AS x_rn, 0 AS lvl, '' AS c, crk AS n
    FROM s
    UNION
    SELECT e.grp, e.x_by, e.x_rn, lv.lvl, CASE WHEN lv.lvl = 0 THEN '' ELSE e.y_by END,
           CASE WHEN lv.lvl = 0 THEN e.y_crk ELSE e.y_rn END
    FROM excluded e
    CROSS JOIN (VALUES (0), (1)) lv(lvl)
),
-- the first free rank of each: the used ranks are 1, 2, ... up to the first gap; one more
free AS (
    SELECT grp, x_by, x_rn, lvl, c, 1 + sum(CASE WHEN n = i THEN 1 ELSE 0 END) AS n
    FROM (SELECT used.*, row_number() OVER (PARTITION BY grp, x_by, x_rn, lvl, c ORDER BY n) AS i FROM used) u
    GROUP BY grp, x_by, x_rn, lvl, c
),
-- what a free rank points at: level 0, the most distant figure of the claimant of that rank;
-- level 1, claimant c's figure of that rn
lookup AS (
    SELECT s.*, lv.lvl, CASE WHEN lv.lvl = 0 THEN '' ELSE s.claimant_id END AS c,
           CASE WHEN lv.lvl = 0 THEN s.crk ELSE s.rn END AS n
    FROM s
    CROSS JOIN (VALUES (0), (1)) lv(lvl)
    WHERE lv.lvl = 1 OR s.rn = 1
),
-- x's partner: the most distant of its candidates
partners AS (
    SELECT fr.grp, fr.x_by, fr.x_rn, y.figure_id, y.claimant_id, y.lo, y.hi, y.stated_text, y.span,
           row_number() OVER (PARTITION BY fr.grp, fr.x_by, fr.x_rn
                              ORDER BY CASE WHEN y.side = 'lo' THEN y.lo END DESC,
                                       CASE WHEN y.side = 'hi' THEN y.hi END, y.figure_id, y.claimant_id) AS pick
    FROM free fr
    JOIN lookup y ON y.grp = fr.grp AND y.lvl = fr.lvl AND y.c = fr.c AND y.n = fr.n
),
pairs AS (
    SELECT x.grp, x.side, x.figure_id AS fx, x.stated_text AS tx, x.span AS sx, x.claimant_id AS cx,
           p.figure_id AS fy, p.stated_text AS ty, p.span AS sy, p.claimant_id AS cy
    FROM s x
    JOIN partners p ON p.grp = x.grp AND p.x_by = x.claimant_id AND p.x_rn = x.rn AND p.pick = 1
    WHERE CASE WHEN x.side = 'lo' THEN p.lo > x.hi ELSE p.hi < x.lo END
)
SELECT fx AS record_id,
       array_to_string(list_sort(list_distinct(list(
           concat(CAST(grp.m AS VARCHAR), ' ', CAST(grp.v AS VARCHAR), ' in ', grp.i,
                  ': ', fx, ' "', tx, '" ', sx, ' by ', cx,
                  CASE WHEN side = 'lo' THEN ' is below ' ELSE ' is above ' END,
                  fy, ' "', ty, '" ', sy, ' by ', cy,
                  CASE WHEN side = 'lo' THEN ' (the highest lower bound' ELSE ' (the lowest upper bound' END,
                  ' of another claimant whose claim is not linked to it by contradicts)')))),
       '; ') AS message
FROM pairs
GROUP BY fx
