-- $1 person ids, $2 their keys (two lists of the same length).
INSERT INTO export_person_keys
SELECT unnest(CAST($1 AS VARCHAR[])), unnest(CAST($2 AS VARCHAR[]));
