-- The provinces whose files have at least one quarantined, flagged or skipped row.
SELECT province_code FROM quarantine
UNION
SELECT province_code FROM issues
UNION
SELECT province_code FROM skipped_rows
ORDER BY 1;
