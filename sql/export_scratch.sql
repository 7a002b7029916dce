-- The export's scratch database: an in-memory database attached for the
-- length of one export, so that its tables (export_person_keys, export_apps,
-- export_person_rows) are seen by the two connections that write the
-- Parquet and the CSV files at the same time (a TEMP table is seen by its
-- own connection only). export_drop detaches it.
ATTACH ':memory:' AS export_scratch;
