-- link_candidates: each candidate pair once, with the bit mask of the blocking
-- rules that produced it, in a stable order.
SELECT l, r, CAST(bit_or(CAST(1 AS BIGINT) << rule) AS BIGINT) AS rules
FROM link_pairs
GROUP BY l, r
ORDER BY l, r;
