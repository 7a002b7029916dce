-- Modules by axis of one scope: $1 = province sigla, or NULL for the region.
-- Every axis I..V is listed (0 when none); modules of unknown axis come last as ''.
WITH scope AS (
    SELECT axis, modules
    FROM indicators_axis
    WHERE (CAST($1 AS VARCHAR) IS NULL AND level = 'region') OR (level = 'province' AND province_code = CAST($1 AS VARCHAR))
)
SELECT x.axis, x.title_it, coalesce(s.modules, 0) AS modules, x.ordinal
FROM axes x LEFT JOIN scope s ON s.axis = x.axis
UNION ALL
SELECT '', '', s.modules, 99
FROM scope s WHERE s.axis IS NULL AND s.modules > 0
ORDER BY ordinal;
