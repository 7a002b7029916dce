-- Points export_rows (the rows export_parquet and export_rows write) at the
-- applications: every row of export_apps, without its internal columns.
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT * EXCLUDE (row_year, birth_date, person_no) FROM export_scratch.export_apps;
