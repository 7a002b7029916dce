-- The ORIM export of persons (one row per linked person), pseudonymised. A
-- person is filed under the province and year of their first application.
-- $1 = the run's year, used when a person's applications have no year.
CREATE OR REPLACE TEMP TABLE export_rows AS
SELECT
    k.person_key,
    p.first_province                                               AS province,
    CAST(coalesce(p.first_year, CAST($1 AS INTEGER)) AS INTEGER)   AS year,
    p.sex,
    age_band(p.birth_date, coalesce(p.first_year, CAST($1 AS INTEGER))) AS age_band,
    p.organisation_type,
    CAST(p.applications AS BIGINT)   AS applications,
    CAST(p.participations AS BIGINT) AS participations,
    CAST(p.withdrawals AS BIGINT)    AS withdrawals,
    CAST(p.not_accepted AS BIGINT)   AS not_accepted,
    CAST(p.province_count AS BIGINT) AS province_count,
    array_to_string(p.provinces, ',') AS provinces,
    p.first_year,
    p.last_year,
    p.hours_attended
FROM person_summary p
JOIN export_person_keys k ON k.person_id = p.person_id
ORDER BY province, year, k.person_key;
