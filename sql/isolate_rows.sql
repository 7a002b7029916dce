-- isolate_rows: adds back rows [$1, $1 + $2) of those this run loaded for
-- the province (in file, sheet, row order), on top of its last good data:
-- the search for the row a later stage fails on.
INSERT INTO enrolments
SELECT * FROM isolate_enrolments
WHERE run_id = (SELECT run_id FROM isolate_ctx)
  AND enrolment_id NOT IN (SELECT enrolment_id FROM enrolments)
ORDER BY source_file, sheet, source_row
LIMIT $2 OFFSET $1;
