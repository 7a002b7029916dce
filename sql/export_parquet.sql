-- Writes the scratch export table as Hive-partitioned Parquet. DuckDB takes
-- no parameter for a COPY target: Go substitutes the placeholder :dir below
-- with the directory as a quoted SQL literal (the only SQL Go edits).
COPY export_rows TO :dir (FORMAT parquet, PARTITION_BY (province, year), FILENAME_PATTERN 'part_{i}');
