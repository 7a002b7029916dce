-- link_block_distinct: the candidate pairs when the rules were run one by
-- one (link_block.sql, link_block_keyed.sql, link_block_sub.sql), each rule
-- inserting its own pairs: each pair once, its rules' bits together.
CREATE OR REPLACE TEMP VIEW link_cand AS
SELECT (CAST(l AS BIGINT) << 32) | r AS lr, bit_or(rules) AS rules
FROM link_pairs
GROUP BY l, r;
