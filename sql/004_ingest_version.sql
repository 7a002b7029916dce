-- 004: which version of the readers and normalisers loaded each file, so that
-- an upgrade re-reads every current file from the landing archive.
-- (DuckDB cannot add a column with a constraint: NULL means "before 004".)
ALTER TABLE source_files ADD COLUMN ingest_version INTEGER DEFAULT 0;
