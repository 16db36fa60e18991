-- The actors scan: every actor with the record it was merged into.
FROM actors t
LEFT JOIN actors m ON m.actor_id = t.merged_into
