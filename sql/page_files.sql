-- The run report page: every file of one run ($1 = run_id), by province.
SELECT f.province_code, coalesce(p.name, f.province_code) AS name, coalesce(f.source_file, '') AS source_file,
       f.status, f.rows_read, f.rows_loaded, f.rows_quarantined, f.rows_skipped, f.issues,
       coalesce(f.error, '') AS error
FROM run_files f LEFT JOIN provinces p USING (province_code)
WHERE f.run_id = $1
ORDER BY f.province_code, f.source_file;
