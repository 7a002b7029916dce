-- Reads every column of export_apps, in its order, for the applications'
-- and participations' CSV (the columns of the view export_rows, which come
-- first) and for the persons' figures Go aggregates in the same pass (the
-- internal columns after them: row_year, birth_date, person_no).
SELECT * FROM export_scratch.export_apps;
