-- The ORIM exports of applications (every enrolments row) and of
-- participations (status accepted), pseudonymised: no names, tax codes,
-- contacts, birth dates, employers' names or source positions.
-- $1 = the run's year, used when a row has no year of its own;
-- $2 = the status to keep, NULL for every application.
CREATE OR REPLACE TEMP TABLE export_rows AS
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
    a.satisfaction
FROM applications a
LEFT JOIN export_person_keys k ON k.person_id = a.person_id
WHERE CAST($2 AS VARCHAR) IS NULL OR a.status = CAST($2 AS VARCHAR)
ORDER BY province, year, a.module_id, a.status, k.person_key;
