-- A row of a province's modules catalogue sheet.
INSERT OR REPLACE INTO modules (module_id, province_code, module_code, title, title_fold, edition, site, axis,
    planned_hours, sessions, start_date, end_date, from_catalogue, source_file, source_sha256, sheet, source_row, extras)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, true, ?, ?, ?, ?, ?);
