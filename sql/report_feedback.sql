-- Every problem found in one province's files, for its feedback workbook
-- ($1 = sigla): quarantined rows, flagged values and skipped rows, sorted by
-- file, sheet, row and cell (column letters by length, then alphabetically).
-- value: the flagged value, or "header: value | …" of a quarantined or skipped row.
-- A problem of a whole column ($2 = the codes that are: "Cognome e nome" in
-- one cell) is one line per file, sheet, column and code, at its first row,
-- with its last row and how many rows it concerns (last_row 0, rows 1 for
-- the others): Mantova's 85,584 such flags of a 1M night are one line read,
-- not 85,584.
WITH problems AS (
    SELECT source_file, sheet, source_row, cell, 'quarantine' AS kind, reason_code AS code,
           array_to_string(list_transform(map_entries(raw), e -> e.key || ': ' || e.value), ' | ') AS value
    FROM quarantine
    WHERE province_code = CAST($1 AS VARCHAR)
    UNION ALL
    SELECT source_file, sheet, source_row, cell, 'issue', code, value
    FROM issues
    WHERE province_code = CAST($1 AS VARCHAR)
      AND NOT (cell IS NOT NULL AND cell <> '' AND list_contains(CAST($2 AS VARCHAR[]), code))
    UNION ALL
    SELECT source_file, sheet, source_row, NULL, 'skipped', reason,
           array_to_string(list_transform(map_entries(raw), e -> e.key || ': ' || e.value), ' | ')
    FROM skipped_rows
    WHERE province_code = CAST($1 AS VARCHAR)
),
lines AS (
    SELECT source_file, sheet, source_row, coalesce(cell, '') AS cell, coalesce(cell, '') AS sort_cell,
           kind, code, coalesce(value, '') AS value, 0 AS last_row, 1 AS n
    FROM problems
    UNION ALL
    SELECT source_file, sheet, min(source_row), col, col || min(source_row),
           'issue', code, '', max(source_row), count(*)
    FROM (
        SELECT source_file, sheet, source_row, code, regexp_replace(cell, '[0-9]+$', '') AS col
        FROM issues
        WHERE province_code = CAST($1 AS VARCHAR)
          AND cell IS NOT NULL AND cell <> '' AND list_contains(CAST($2 AS VARCHAR[]), code)
    )
    GROUP BY source_file, sheet, col, code
)
SELECT source_file, sheet, source_row, cell, kind, code, value, last_row, n
FROM lines
ORDER BY source_file, sheet, source_row,
         length(regexp_extract(sort_cell, '^[A-Za-z]*')), sort_cell, kind, code;
