-- The countries scan: the table alone.
FROM countries t
