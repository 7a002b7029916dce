-- The ORIM export of persons (one row per linked person), pseudonymised,
-- aggregated from the applications' rows (export_apps) as the view
-- person_summary aggregates them: a person is filed under the province and
-- year of their first application (by year, then start date, then sigla).
-- Sex, birth date (for the age band) and organisation type are the most
-- frequent over the person's applications, like mode() in person_summary
-- but with a tie settled the same way on every run: the smallest value
-- (F before M, the earlier birth date, the first type alphabetically).
-- Built without the duckdb_arrow tag, and when the applications' CSV falls
-- back to database/sql; otherwise Go aggregates the same figures while it
-- writes the applications' CSV and export_persons_put stores them
-- (exports_persons.go; TestPersonAggsMatchSQL compares the two).
-- $1 = the run's year, used when a person's applications have no year.
CREATE OR REPLACE TABLE export_scratch.export_person_rows AS
SELECT
    person_key,
    first_province                                                 AS province,
    CAST(coalesce(first_year, CAST($1 AS INTEGER)) AS INTEGER)     AS year,
    sex,
    age_band(birth_date, coalesce(first_year, CAST($1 AS INTEGER))) AS age_band,
    organisation_type,
    applications,
    participations,
    withdrawals,
    not_accepted,
    CAST(len(provinces) AS BIGINT)   AS province_count,
    array_to_string(provinces, ',')  AS provinces,
    first_year,
    last_year,
    hours_attended
FROM (
    SELECT
        person_key,
        list_aggregate(list_sort(list(sex)), 'mode')               AS sex,
        list_aggregate(list_sort(list(birth_date)), 'mode')        AS birth_date,
        list_aggregate(list_sort(list(organisation_type)), 'mode') AS organisation_type,
        count(*)                                         AS applications,
        count(*) FILTER (WHERE status = 'accepted')      AS participations,
        count(*) FILTER (WHERE status = 'withdrawn')     AS withdrawals,
        count(*) FILTER (WHERE status = 'not_accepted')  AS not_accepted,
        list_sort(list_distinct(list(province)))         AS provinces,
        -- first(province ORDER BY row_year NULLS LAST, start_date NULLS LAST, province),
        -- without sorting each person's rows
        arg_min(province, {y_null: row_year IS NULL, y: coalesce(row_year, 0),
                           d_null: start_date IS NULL, d: coalesce(start_date, DATE '1970-01-01'),
                           p: province})                 AS first_province,
        min(row_year)                                    AS first_year,
        max(row_year)                                    AS last_year,
        sum(hours_attended) FILTER (WHERE status = 'accepted') AS hours_attended
    FROM export_scratch.export_apps
    WHERE person_key IS NOT NULL
    GROUP BY person_key
)
ORDER BY province, year, person_key;
