-- Drops the Arrow view of one partition (export_part_parquet).
DROP VIEW IF EXISTS export_part;
