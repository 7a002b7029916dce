-- link_block_keyed: the candidate pairs of one blocking rule by its equality
-- keys (evaluated on l and on r, named k0, k1, …), leaving out the blocks in
-- link_big. The pairs come from p, or from p joined back to link_rec as l and
-- r with the whole rule as condition when the rule has other conjuncts.
-- Parameter 1: the rule's index.
INSERT INTO link_pairs
WITH lk0 AS (SELECT l.rid, {{lkeys}} FROM link_rec AS l),
     lk AS (SELECT * FROM lk0 ANTI JOIN link_big USING ({{keys}})),
     rk AS (SELECT r.rid, {{rkeys}} FROM link_rec AS r),
     p AS (SELECT lk.rid AS l, rk.rid AS r FROM lk JOIN rk USING ({{keys}}) WHERE lk.rid < rk.rid)
SELECT p.l, p.r, CAST(1 AS BIGINT) << CAST(? AS INTEGER)
FROM {{from}};
