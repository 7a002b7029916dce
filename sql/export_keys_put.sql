-- $1 person ids, $2 their keys, $3 their numbers (three lists of the same length).
INSERT INTO export_scratch.export_person_keys
SELECT unnest(CAST($1 AS VARCHAR[])), unnest(CAST($2 AS VARCHAR[])), unnest(CAST($3 AS INTEGER[]));
