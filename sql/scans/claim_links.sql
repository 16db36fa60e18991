-- The claim_links scan: the table alone.
FROM claim_links t
