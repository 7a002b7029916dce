-- The name of one province ($1 = sigla), for the title of its feedback workbook.
SELECT name FROM provinces WHERE province_code = CAST($1 AS VARCHAR);
