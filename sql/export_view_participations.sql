-- Points export_rows at the participations: the applications with status
-- accepted, in the applications' order.
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT * EXCLUDE (row_year, birth_date) FROM export_apps WHERE status = 'accepted';
