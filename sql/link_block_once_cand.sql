-- link_block_once_cand: the candidate pairs when each was produced once,
-- by its first rule (link_block_once.sql): no de-duplication needed.
CREATE OR REPLACE TEMP VIEW link_cand AS
SELECT (CAST(l AS BIGINT) << 32) | r AS lr, rules
FROM link_pairs;
