-- Modules by site of one scope: $1 = province sigla, or NULL for the region
-- (sites of every province). Unknown sites come last as ''.
SELECT coalesce(site, '') AS site_name, CAST(sum(modules) AS BIGINT) AS n
FROM indicators_site
WHERE CAST($1 AS VARCHAR) IS NULL OR province_code = CAST($1 AS VARCHAR)
GROUP BY coalesce(site, '')
ORDER BY n DESC, site_name = '', site_name;
