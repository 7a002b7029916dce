-- link_candidates: each candidate pair once, packed as l << 32 | r, with the
-- bit mask of the blocking rules that produced it, in a stable order.
SELECT (CAST(l AS BIGINT) << 32) | r AS lr, CAST(bit_or(CAST(1 AS BIGINT) << rule) AS BIGINT) AS rules
FROM link_pairs
GROUP BY l, r
ORDER BY lr;
