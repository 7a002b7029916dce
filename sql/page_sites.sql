-- The run report page: modules by site of every scope ('' = the region, sites of
-- every province), by decreasing count; unknown sites last as ''.
WITH s AS (
    SELECT province_code AS scope, coalesce(site, '') AS site_name, CAST(sum(modules) AS BIGINT) AS n
    FROM indicators_site GROUP BY ALL
    UNION ALL
    SELECT '', coalesce(site, ''), CAST(sum(modules) AS BIGINT)
    FROM indicators_site GROUP BY ALL
)
SELECT scope, site_name, n FROM s
ORDER BY scope, n DESC, site_name = '', site_name;
