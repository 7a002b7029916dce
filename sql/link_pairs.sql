-- link_pairs: the scratch table of blocking, emptied for a new run: each row
-- a candidate pair (l < r, rids of link_rec) and the bit mask of the
-- blocking rules that produce it.
CREATE OR REPLACE TEMP TABLE link_pairs (l INTEGER NOT NULL, r INTEGER NOT NULL, rules BIGINT NOT NULL);
