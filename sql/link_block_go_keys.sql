-- link_block_go_keys: keys of every record for blocking in Go (link/block_go.go):
-- its rid and, in place of the placeholder, one blocking rule's hashed keys
-- (as link_block_once_keys.sql computes them: the hash of the key values on
-- the left side and, for a rule reading different columns on each side, on
-- the right side read as left-side columns; NULL when a key value is NULL),
-- or the hash of the sub key that cuts large blocks. In link_rec's order,
-- not rid order: Go sorts each rule's keys by key and rid.
SELECT l.rid, {{keys}}
FROM link_rec AS l;
