-- A province's loaded rows, as the shrink guard counts them: its enrolments.
SELECT count(*) FROM enrolments WHERE province_code = ?;
