-- link_block_once: the candidate pairs of one rule that no earlier rule
-- produced (Splink's way: each pair is produced once, by its first rule,
-- so that no de-duplication is needed), with the bit mask of every rule
-- that produces the pair (equal effective keys of link_ekeys). The
-- placeholders are the rule's left and right key columns, the conditions
-- that no earlier rule holds, and the mask.
INSERT INTO link_pairs
SELECT l.rid, r.rid, {{mask}}
FROM link_ekeys AS l
JOIN link_ekeys AS r ON l.{{el}} = r.{{er}} AND l.rid < r.rid
WHERE {{first}};
