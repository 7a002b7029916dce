-- Lineage of a file's rows follows the file to its new name. $1 name, $2 province, $3 sha256.
UPDATE enrolments SET source_file = $1 WHERE province_code = $2 AND source_sha256 = $3;
