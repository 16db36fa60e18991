-- The figures scan: every figure with the claim that states it.
FROM figures t
LEFT JOIN claims c ON c.claim_id = t.claim_id
