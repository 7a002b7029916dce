-- An enrolment_id given to more than one row of the bytes being loaded
-- ($1 sha256), read inside the file writer's transaction: its sheet, first
-- row and number of rows (the first such row). None when the rows are right. enrolments has no
-- key since migration 010: this is the check its PRIMARY KEY made (the same
-- sheet and row read twice, or the same bytes loaded for two provinces).
SELECT enrolment_id, min(sheet), min(source_row), count(*) FROM enrolments
WHERE source_sha256 = $1
GROUP BY enrolment_id HAVING count(*) > 1
ORDER BY min(sheet), min(source_row), enrolment_id LIMIT 1;
