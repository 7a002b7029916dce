-- The run report page: the pairs kept in person_links by probability band;
-- $1 = review threshold, $2 = match threshold.
SELECT CASE WHEN probability >= 0.99 AND probability >= $2 THEN 4
            WHEN probability >= $2 THEN 3
            WHEN probability >= $1 THEN 2
            ELSE 1 END AS band,
       count(*) AS n
FROM person_links
GROUP BY band
ORDER BY band;
