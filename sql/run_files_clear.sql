-- run_files_clear: forgets the files recorded for run $1, before the run's
-- end is recorded again (outputs written again without a province).
DELETE FROM run_files WHERE run_id = $1;
