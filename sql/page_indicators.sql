-- The run report page: the funder's figures of the region and of every province
-- at once (the columns of indicators.sql), the region first.
SELECT
    level, province_code, name,
    applications, not_accepted, accepted, withdrawn, participations, not_indicated,
    not_accepted_share, withdrawn_share, participations_share,
    women, men, sex_unknown, women_share, men_share,
    persons, repeaters, modules, hours_delivered, sessions,
    attendance, attendance_rows, satisfaction, satisfaction_rows,
    stale_since, array_to_string(stale_provinces, ',') AS stale_provinces
FROM indicators
ORDER BY level = 'province', name;
