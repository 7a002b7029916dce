-- link_block: the candidate pairs of one blocking rule. The rule from the
-- configuration (a join condition on l. and r., columns of link_rec, see
-- link_records.sql, that should contain an equality so that DuckDB can
-- hash-join; never all pairs) replaces the condition placeholder, on one
-- line. Parameter 1: the rule's index.
INSERT INTO link_pairs
SELECT l.rid, r.rid, CAST(1 AS BIGINT) << CAST(? AS INTEGER)
FROM link_rec AS l
JOIN link_rec AS r ON l.rid < r.rid AND ({{condition}});
