-- The rows of the ORIM exports of applications (every enrolments row) and of
-- participations (the same rows with status accepted), pseudonymised: no
-- names, tax codes, contacts, birth dates, employers' names or source
-- positions. Computed once per export: the participations are these rows
-- filtered (export_view_participations), the persons are aggregated from
-- them (export_persons), so the warehouse is scanned and sorted once.
-- Sorted by province, year, module, status and person key (person_no
-- numbers the persons in the order of their keys: an integer to compare
-- rather than 64 characters, the same order), then by the enrolment's key
-- (rows alike in all the rest keep one order from run to run): the order
-- of the CSV files and, within each partition, of the Parquet files.
-- row_year (the application's own year, NULL when unknown), birth_date and
-- person_no are only for the persons' figures (export_persons, or Go's
-- aggregation: exports_persons.go): the export views leave them out.
-- $1 = the run's year, used when a row has no year of its own.
CREATE OR REPLACE TABLE export_scratch.export_apps AS
SELECT
    k.person_key,
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
    k.person_no
FROM applications a
LEFT JOIN export_scratch.export_person_keys k ON k.person_id = a.person_id
ORDER BY province, year, a.module_id, a.status, k.person_no, a.enrolment_id;
