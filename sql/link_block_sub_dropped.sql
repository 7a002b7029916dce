-- link_block_sub_dropped: the sub-blocks (see link_block_sub.sql) of one
-- blocking rule still too large to compare, and the pairs they hold: what
-- the comparisons budget drops. Parameter 1: the bound on a sub-block's pairs.
WITH lk0 AS (SELECT l.rid, {{lkeys}}, {{lsub}} AS sub FROM link_rec AS l),
     lk AS (SELECT * FROM lk0 SEMI JOIN link_big USING ({{keys}})),
     rk0 AS (SELECT r.rid, {{rkeys}}, {{rsub}} AS sub FROM link_rec AS r),
     rk AS (SELECT * FROM rk0 SEMI JOIN link_big USING ({{keys}})),
     ln AS (SELECT {{keys}}, sub, count(*) AS n FROM lk GROUP BY ALL),
     rn AS (SELECT {{keys}}, sub, count(*) AS n FROM rk GROUP BY ALL)
SELECT count(*), coalesce(sum(ln.n * rn.n), 0)
FROM ln JOIN rn USING ({{keys}}, sub)
WHERE ln.n * rn.n > CAST(? AS BIGINT);
