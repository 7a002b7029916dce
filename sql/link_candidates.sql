-- link_candidates: each candidate pair once, packed as l << 32 | r, with the
-- bit mask of the blocking rules that produced it, in a stable order. The
-- view link_cand is made by blocking (link_block_distinct.sql or
-- link_block_once_cand.sql).
SELECT lr, rules
FROM link_cand
ORDER BY lr;
