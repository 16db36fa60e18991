-- The actor_aliases scan: the table alone.
FROM actor_aliases t
