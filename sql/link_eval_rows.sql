-- link_eval_rows: each linkage record's position in its file, for scoring
-- the model against a ground truth (source_file, sheet, source_row, person).
SELECT r.rid, e.source_file, e.sheet, e.source_row
FROM link_rec AS r
JOIN enrolments AS e USING (enrolment_id)
ORDER BY r.rid;
