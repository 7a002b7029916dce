-- The rows of the ORIM exports of applications, unsorted, read as Arrow
-- batches by Go (sinks/exports_sort.go), which numbers the persons (the
-- person_no of sql/export_applications.sql, from person_id), sorts the rows
-- as export_applications sorts them (province, year, module, status,
-- person number, enrolment key) and writes the Parquet and CSV files: the
-- same columns and values as export_applications' table, with person_id
-- in place of person_key and enrolment_id (the last key of the order)
-- after the internal columns.
-- $1 = the run's year, used when a row has no year of its own.
SELECT
    a.person_id,
    a.province_code                                          AS province,
    CAST(coalesce(a.year, CAST($1 AS INTEGER)) AS INTEGER)   AS year,
    a.module_id,
    a.module_title,
    a.site,
    a.axis,
    a.planned_hours,
    a.sessions,
    a.start_date,
    a.end_date,
    a.status,
    a.sex,
    age_band(a.birth_date, coalesce(a.year, CAST($1 AS INTEGER))) AS age_band,
    a.organisation_type,
    a.hours_attended,
    a.attendance,
    a.satisfaction,
    a.year                                                   AS row_year,
    a.birth_date,
    a.enrolment_id
FROM applications a;
