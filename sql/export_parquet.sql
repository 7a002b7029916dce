-- Writes one Hive partition (province $1, year $2) of the rows of
-- export_rows as one Parquet file, in their order, without the partition
-- columns (they are in the path: province=…/year=…/part_0.parquet). One
-- COPY per partition rather than PARTITION_BY: with two threads DuckDB's
-- partitioned writer put a partition's rows in the order its threads
-- finished, not always the CSV's. DuckDB takes no parameter for a COPY
-- target: Go substitutes the placeholder :file below with the file's path
-- as a quoted SQL literal (the only SQL Go edits).
COPY (SELECT * EXCLUDE (province, year) FROM export_rows WHERE province = $1 AND year = $2) TO :file (FORMAT parquet);
