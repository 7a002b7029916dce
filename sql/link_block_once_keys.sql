-- link_block_once_keys: the block keys of every rule, evaluated once per
-- record (link_block_once.sql): for each rule whose conjuncts are all
-- equalities, the hash of its key values on the left side (kl0, kl1, …)
-- and, for a rule that reads different columns on each side, on the right
-- side (kr0, …); NULL when a key value is NULL (an equality with NULL never
-- holds). sub is the hash of the second key that cuts a large block into
-- sub-blocks (birth year and the two name initials, in either order). The
-- key expressions come from the rules, their r. columns read as l. columns.
CREATE OR REPLACE TEMP TABLE link_bkeys AS
SELECT l.rid, {{keys}}, hash({{sub}}) AS sub
FROM link_rec AS l;
