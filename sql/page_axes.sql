-- The run report page: modules by axis of every scope ('' = the region), every
-- axis I..V listed (0 when none), then modules of unknown axis as ''.
WITH scopes AS (
    SELECT DISTINCT level, province_code FROM indicators_axis
)
SELECT coalesce(sc.province_code, '') AS scope, x.axis, x.title_it, coalesce(s.modules, 0) AS modules, x.ordinal
FROM scopes sc CROSS JOIN axes x
LEFT JOIN indicators_axis s ON s.level = sc.level AND s.province_code IS NOT DISTINCT FROM sc.province_code AND s.axis = x.axis
UNION ALL
SELECT coalesce(province_code, ''), '', '', modules, 99
FROM indicators_axis WHERE axis IS NULL AND modules > 0
ORDER BY scope, ordinal;
