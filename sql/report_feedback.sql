-- Every problem found in one province's files, for its feedback workbook
-- ($1 = sigla): quarantined rows, flagged values and skipped rows, sorted by
-- file, sheet, row and cell (column letters by length, then alphabetically).
-- value: the flagged value, or "header: value | …" of a quarantined or skipped row.
WITH problems AS (
    SELECT source_file, sheet, source_row, cell, 'quarantine' AS kind, reason_code AS code,
           array_to_string(list_transform(map_entries(raw), e -> e.key || ': ' || e.value), ' | ') AS value
    FROM quarantine
    WHERE province_code = CAST($1 AS VARCHAR)
    UNION ALL
    SELECT source_file, sheet, source_row, cell, 'issue', code, value
    FROM issues
    WHERE province_code = CAST($1 AS VARCHAR)
    UNION ALL
    SELECT source_file, sheet, source_row, NULL, 'skipped', reason,
           array_to_string(list_transform(map_entries(raw), e -> e.key || ': ' || e.value), ' | ')
    FROM skipped_rows
    WHERE province_code = CAST($1 AS VARCHAR)
)
SELECT source_file, sheet, source_row, coalesce(cell, '') AS cell, kind, code, coalesce(value, '') AS value
FROM problems
ORDER BY source_file, sheet, source_row,
         length(regexp_extract(coalesce(cell, ''), '^[A-Za-z]*')), coalesce(cell, ''), kind, code;
