-- link_pairs: the scratch tables of blocking, emptied for a new run.
CREATE OR REPLACE TEMP TABLE link_pairs (l INTEGER NOT NULL, r INTEGER NOT NULL, rule INTEGER NOT NULL);
