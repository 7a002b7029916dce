-- Modules by site of one scope: $1 = province sigla, or NULL for the region
-- (sites of every province). Unknown sites come last as ''.
SELECT coalesce(site, '') AS site, CAST(sum(modules) AS BIGINT) AS modules
FROM indicators_site
WHERE CAST($1 AS VARCHAR) IS NULL OR province_code = CAST($1 AS VARCHAR)
GROUP BY ALL
ORDER BY modules DESC, site = '', site;
