-- link_block_sub: the candidate pairs of one blocking rule inside its blocks
-- too large to compare whole (link_big): each such block is cut into
-- sub-blocks by a second key, the birth year and the two name initials (in
-- either order), and the sub-blocks small enough are compared; the others
-- are counted as dropped. The rule's equality keys are evaluated on l and on
-- r, named k0, k1, …; the pairs come from p, or from p joined back to
-- link_rec when the rule has other conjuncts. Parameters: the rule's index,
-- then the bound on a sub-block's pairs.
INSERT INTO link_pairs
WITH lk0 AS (SELECT l.rid, {{lkeys}}, {{lsub}} AS sub FROM link_rec AS l),
     lk AS (SELECT * FROM lk0 SEMI JOIN link_big USING ({{keys}})),
     rk0 AS (SELECT r.rid, {{rkeys}}, {{rsub}} AS sub FROM link_rec AS r),
     rk AS (SELECT * FROM rk0 SEMI JOIN link_big USING ({{keys}})),
     ln AS (SELECT {{keys}}, sub, count(*) AS n FROM lk GROUP BY ALL),
     rn AS (SELECT {{keys}}, sub, count(*) AS n FROM rk GROUP BY ALL),
     ok AS (SELECT {{keys}}, sub FROM ln JOIN rn USING ({{keys}}, sub) WHERE ln.n * rn.n <= CAST($2 AS BIGINT)),
     p AS (SELECT lk.rid AS l, rk.rid AS r
           FROM lk JOIN rk USING ({{keys}}, sub) JOIN ok USING ({{keys}}, sub)
           WHERE lk.rid < rk.rid)
SELECT p.l, p.r, CAST(1 AS BIGINT) << CAST($1 AS INTEGER)
FROM {{from}};
