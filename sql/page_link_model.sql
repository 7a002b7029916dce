-- The run report page: the fitted model, one row per level of every comparison
-- (whatever comparisons and levels the linkage configured).
SELECT comparison, level, coalesce(label, '') AS label, coalesce(m, 0) AS m, coalesce(u, 0) AS u,
       coalesce(match_weight, 0) AS match_weight
FROM link_model
ORDER BY comparison, level;
