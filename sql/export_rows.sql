-- Reads the scratch export table back, for the CSV.
SELECT * FROM export_rows;
