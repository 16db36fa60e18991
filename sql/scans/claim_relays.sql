-- The claim_relays scan: the table alone.
FROM claim_relays t
