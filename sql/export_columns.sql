-- The columns of the dataset being exported, with no row: their names and
-- types for the data dictionary.
SELECT * FROM export_rows LIMIT 0;
