-- link_eval: each enrolment's position in its file and its person, for scoring
-- against a ground truth (source_file, sheet, source_row, person).
SELECT source_file, sheet, source_row, person_id FROM enrolments;
