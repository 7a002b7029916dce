-- The files currently loaded for one province ($1 = sigla), with the counts of
-- the run that read them: rows read, loaded, quarantined, skipped.
SELECT sf.source_file,
       coalesce(max(rf.rows_read), 0), coalesce(max(rf.rows_loaded), 0),
       coalesce(max(rf.rows_quarantined), 0), coalesce(max(rf.rows_skipped), 0)
FROM source_files sf
LEFT JOIN run_files rf ON rf.run_id = sf.loaded_run_id AND rf.province_code = sf.province_code
     AND rf.source_sha256 = sf.source_sha256 AND rf.status = 'loaded'
WHERE sf.province_code = CAST($1 AS VARCHAR)
GROUP BY sf.province_code, sf.slot, sf.source_file
ORDER BY sf.source_file, sf.slot;
