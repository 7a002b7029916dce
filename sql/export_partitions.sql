-- The Hive partitions of the rows of export_rows (province, year) and their
-- rows, in path order.
SELECT province, year, count(*) FROM export_rows GROUP BY province, year ORDER BY province, year;
