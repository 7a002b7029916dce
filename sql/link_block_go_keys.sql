-- link_block_go_keys: keys of every record for blocking in Go (link/block_go.go):
-- its rid and, in place of the placeholder, one blocking rule's hashed keys
-- (as link_block_once_keys.sql computes them: the hash of the key values on
-- the left side and, for a rule reading different columns on each side, on
-- the right side read as left-side columns; NULL when a key value is NULL),
-- or the hash of the sub key that cuts large blocks. In table order, not
-- rid order: the reader puts each key at its rid.
SELECT l.rid, {{keys}}
FROM link_rec AS l;
