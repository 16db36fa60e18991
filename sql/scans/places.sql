-- The places scan: every place with the record it was merged into and its country's box.
FROM places t
LEFT JOIN places m ON m.place_id = t.merged_into
LEFT JOIN countries k ON k.country = t.country
