-- Points export_rows at the persons (export_persons).
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT * FROM export_scratch.export_person_rows;
