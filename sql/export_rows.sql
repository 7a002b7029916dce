-- Reads the rows of the dataset being exported (the view export_rows), for the CSV.
SELECT * FROM export_rows;
