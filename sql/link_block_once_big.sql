-- link_block_once_big: for one rule (its left and right key columns of
-- link_bkeys in place of the placeholders), the sub-blocks of its blocks too
-- large to compare whole: a block is too large when its records on the two
-- sides multiply to more than the bound (parameter 1, the square of
-- max_block_records); its records are cut by the sub key, and pairs counts
-- each sub-block's records on the two sides multiplied.
CREATE OR REPLACE TEMP TABLE link_bsub AS
WITH ln AS (SELECT {{kl}} AS h, count(*) AS n FROM link_bkeys WHERE {{kl}} IS NOT NULL GROUP BY ALL),
     rn AS (SELECT {{kr}} AS h, count(*) AS n FROM link_bkeys WHERE {{kr}} IS NOT NULL GROUP BY ALL),
     big AS (SELECT h FROM ln JOIN rn USING (h) WHERE ln.n * rn.n > CAST($1 AS BIGINT)),
     lsn AS (SELECT {{kl}} AS h, sub, count(*) AS n FROM link_bkeys WHERE {{kl}} IN (SELECT h FROM big) GROUP BY ALL),
     rsn AS (SELECT {{kr}} AS h, sub, count(*) AS n FROM link_bkeys WHERE {{kr}} IN (SELECT h FROM big) GROUP BY ALL)
SELECT h, sub, coalesce(lsn.n, 0) * coalesce(rsn.n, 0) AS pairs
FROM lsn FULL JOIN rsn USING (h, sub);
