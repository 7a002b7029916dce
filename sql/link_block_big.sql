-- link_block_big: the blocks of one blocking rule that are too large to
-- compare: the key values whose records on the two sides multiply to more
-- than the bound (the square of max_block_records: a block of more than
-- max_block_records records for a rule comparing the same columns on both
-- sides). The rule's equality keys are evaluated on l and on r, named k0, k1, ….
CREATE OR REPLACE TEMP TABLE link_big AS
WITH ln AS (SELECT {{lkeys}}, count(*) AS n FROM link_rec AS l GROUP BY ALL),
     rn AS (SELECT {{rkeys}}, count(*) AS n FROM link_rec AS r GROUP BY ALL)
SELECT {{keys}}, ln.n * rn.n AS pairs
FROM ln JOIN rn USING ({{keys}})
WHERE ln.n * rn.n > {{max}};
