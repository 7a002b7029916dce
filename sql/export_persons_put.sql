-- The ORIM export of persons from the figures Go aggregated over
-- export_apps while writing the applications' CSV (exports_persons.go),
-- registered as the view export_person_aggs on this connection: the same
-- table export_persons computes in SQL, column for column and type for
-- type. Go numbers the persons in their export order (province, year,
-- person key) as ord.
-- $1 = the run's year, used when a person's applications have no year.
CREATE OR REPLACE TABLE export_scratch.export_person_rows AS
SELECT
    CAST(person_key AS VARCHAR)                                    AS person_key,
    CAST(province AS VARCHAR)                                      AS province,
    CAST(coalesce(first_year, CAST($1 AS INTEGER)) AS INTEGER)     AS year,
    CAST(sex AS VARCHAR)                                           AS sex,
    age_band(birth_date, coalesce(first_year, CAST($1 AS INTEGER))) AS age_band,
    CAST(organisation_type AS VARCHAR)                             AS organisation_type,
    CAST(applications AS BIGINT)                                   AS applications,
    CAST(participations AS BIGINT)                                 AS participations,
    CAST(withdrawals AS BIGINT)                                    AS withdrawals,
    CAST(not_accepted AS BIGINT)                                   AS not_accepted,
    CAST(province_count AS BIGINT)                                 AS province_count,
    CAST(provinces AS VARCHAR)                                     AS provinces,
    CAST(first_year AS INTEGER)                                    AS first_year,
    CAST(last_year AS INTEGER)                                     AS last_year,
    CAST(hours_attended AS DOUBLE)                                 AS hours_attended
FROM export_person_aggs
ORDER BY ord;
