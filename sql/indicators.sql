-- The funder's figures of one scope: $1 = province sigla, or NULL for the region.
SELECT
    level, province_code, name,
    applications, not_accepted, accepted, withdrawn, participations, not_indicated,
    not_accepted_share, withdrawn_share, participations_share,
    women, men, sex_unknown, women_share, men_share,
    persons, repeaters, modules, hours_delivered, sessions,
    attendance, attendance_rows, satisfaction, satisfaction_rows,
    stale_since, array_to_string(stale_provinces, ',') AS stale_provinces
FROM indicators
WHERE (CAST($1 AS VARCHAR) IS NULL AND level = 'region') OR (level = 'province' AND province_code = CAST($1 AS VARCHAR));
