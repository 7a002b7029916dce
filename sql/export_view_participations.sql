-- Points export_rows at the participations: the applications with status
-- accepted, in the applications' order.
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT * EXCLUDE (row_year, birth_date, person_no) FROM export_scratch.export_apps WHERE status = 'accepted';
