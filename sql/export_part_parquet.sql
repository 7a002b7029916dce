-- Writes one Hive partition of a dataset as one Parquet file from the Arrow
-- view export_part (the partition's rows, sorted, without the partition
-- columns: Go registers it on this connection; sinks/exports_sort.go). Every
-- column is selected: DuckDB's scan of a view registered through the C
-- API's Arrow scan crashes when it leaves columns out. The placeholder
-- :file is substituted by Go, as in export_parquet.sql.
COPY (SELECT * FROM export_part) TO :file (FORMAT parquet);
