-- isolate_row: file, sheet and row of the $1-th row this run loaded for
-- the province (isolate_rows order); $2 how many there are.
SELECT source_file, sheet, source_row, count(*) OVER () AS n
FROM isolate_enrolments
WHERE run_id = (SELECT run_id FROM isolate_ctx)
ORDER BY source_file, sheet, source_row
LIMIT 1 OFFSET $1;
