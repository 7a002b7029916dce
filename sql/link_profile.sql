-- link_profile: each extras header (a column that maps to no field) with the
-- rows that hold a value in it and its distinct values (folded: trimmed, upper
-- case), to tell identifiers and addresses from categories and notes.
-- Columns: header, rows holding a value, distinct values, all rows.
WITH x AS (
    SELECT unnest(map_keys(extras)) AS header, upper(trim(unnest(map_values(extras)))) AS v
    FROM enrolments
)
SELECT header, count(*) AS filled, count(DISTINCT v) AS distinct_values,
       (SELECT count(*) FROM enrolments) AS total
FROM x
WHERE v <> ''
GROUP BY header
ORDER BY header;
