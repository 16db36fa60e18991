-- The place_aliases scan: the table alone.
FROM place_aliases t
