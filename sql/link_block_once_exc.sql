-- link_block_once_exc: the records of one rule's blocks too large to
-- compare whole (link_bsub) get an effective key of their own: the hash of
-- block key and sub key when their sub-block is within the bound (parameter
-- 3), else NULL (dropped: the rule pairs them with no one). Parameter 1 is
-- the rule's index, parameter 2 the side ('l', or 'r' for the right key of
-- a rule reading different columns on each side); the placeholder is that
-- side's key column of link_bkeys.
INSERT INTO link_bexc
SELECT CAST($1 AS INTEGER), CAST($2 AS VARCHAR), b.rid,
       CASE WHEN s.pairs <= CAST($3 AS BIGINT) THEN hash(s.h, s.sub) END
FROM link_bkeys AS b
JOIN link_bsub AS s ON s.h = b.{{k}} AND s.sub = b.sub;
