-- The export's scratch database: an in-memory database attached for the
-- length of one export, so that its tables (export_person_keys, export_apps,
-- export_person_rows) are seen by the two connections that write the
-- Parquet and the CSV files at the same time (a TEMP table is seen by its
-- own connection only). export_drop detaches it; one left by an export
-- that could not detach it is dropped first (the exports of a process take
-- turns: sinks.exportScratchMu).
DETACH DATABASE IF EXISTS export_scratch;
ATTACH ':memory:' AS export_scratch;
