-- link_block_once_ekeys: each record's effective key per rule and side
-- (el0, er0, …): the block key of link_bkeys, or, for a record of a block
-- too large to compare whole, its exception of link_bexc (the sub-block's
-- key, or NULL when dropped). The columns are rendered per rule.
CREATE OR REPLACE TEMP TABLE link_ekeys AS
WITH x AS (SELECT rid, {{pivot}} FROM link_bexc GROUP BY rid)
SELECT b.rid, {{cols}}
FROM link_bkeys AS b
LEFT JOIN x USING (rid);
